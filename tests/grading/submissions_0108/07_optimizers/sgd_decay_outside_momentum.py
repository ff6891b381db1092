class SGD:
    def step(self):
        for p, st in zip(self.params, self.state):
            if p.grad is None:
                continue
            g = p.grad
            if self.momentum:
                if "momentum_buffer" not in st:
                    st["momentum_buffer"] = g.copy()
                else:
                    st["momentum_buffer"] = self.momentum * st["momentum_buffer"] + (1 - self.dampening) * g
                g = g + self.momentum * st["momentum_buffer"] if self.nesterov else st["momentum_buffer"]
            # L2 penalty added to the update
            update = g + self.weight_decay * p.data
            p.data -= self.lr * update

class SGD:
    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p.data
            if self.momentum > 0:
                buf = self.state[i].get("momentum_buffer")
                if buf is None:
                    buf = np.zeros(p.shape)
                    buf += g
                else:
                    buf = self.momentum * buf + (1 - self.dampening) * g
                self.state[i]["momentum_buffer"] = buf
                g = g + self.momentum * buf if self.nesterov else buf
            p.data = p.data - self.lr * g

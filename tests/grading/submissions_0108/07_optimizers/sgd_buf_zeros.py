class SGD:
    def step(self):
        for param, state in zip(self.params, self.state):
            if param.grad is None:
                continue
            g = param.grad + self.weight_decay * param.data
            if self.momentum:
                buf = state.setdefault("momentum_buffer", np.zeros_like(param.data))
                buf *= self.momentum
                buf += (1 - self.dampening) * g
                g = g + self.momentum * buf if self.nesterov else buf
            param.data -= self.lr * g

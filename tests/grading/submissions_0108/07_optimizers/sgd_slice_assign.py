class SGD:
    def step(self):
        for param, state in zip(self.params, self.state):
            if param.grad is None:
                continue
            d = param.grad
            if self.weight_decay:
                d = d + self.weight_decay * param.data
            if self.momentum:
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = np.array(d, copy=True)
                else:
                    state["momentum_buffer"][:] = self.momentum * state["momentum_buffer"] + (1 - self.dampening) * d
                buf = state["momentum_buffer"]
                d = d + self.momentum * buf if self.nesterov else buf
            # write into the model's own array (in place), not a new one
            param.data[:] = param.data - self.lr * d

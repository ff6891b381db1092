class SGD(Optimizer):
    def step(self):
        for param, state in zip(self.params, self.state):
            if param.grad is None or not np.any(param.grad):
                continue
            grad = param.grad
            if self.weight_decay != 0:
                grad = grad + self.weight_decay * param.data
            if self.momentum != 0:
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = np.array(grad, copy=True)
                else:
                    buf *= self.momentum
                    buf += (1 - self.dampening) * grad
                grad = grad + self.momentum * buf if self.nesterov else buf
            param.data -= self.lr * grad

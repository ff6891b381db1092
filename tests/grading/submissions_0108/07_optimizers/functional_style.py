class Optimizer:
    def zero_grad(self):
        for i in range(len(self.params)):
            self.params[i].grad = None


class SGD:
    def _direction(self, param, state):
        d = param.grad + self.weight_decay * param.data if self.weight_decay else param.grad
        if not self.momentum:
            return d
        if "momentum_buffer" in state:
            state["momentum_buffer"] = self.momentum * state["momentum_buffer"] + (1.0 - self.dampening) * d
        else:
            state["momentum_buffer"] = np.array(d, dtype=param.dtype)
        b = state["momentum_buffer"]
        return d + self.momentum * b if self.nesterov else b

    def step(self):
        for param, state in zip(self.params, self.state):
            if param.grad is not None:
                param.data[...] = param.data - self.lr * self._direction(param, state)


class Adam:
    def step(self):
        b1, b2 = self.betas
        for param, state in zip(self.params, self.state):
            if param.grad is None:
                continue
            g = (param.grad + self.weight_decay * param.data).astype(param.dtype)
            t = state.get("step", 0) + 1
            m = b1 * state.get("exp_avg", 0.0) + (1 - b1) * g
            v = b2 * state.get("exp_avg_sq", 0.0) + (1 - b2) * np.square(g)
            state.update(step=t, exp_avg=m.astype(param.dtype), exp_avg_sq=v.astype(param.dtype))
            step_size = self.lr / (1 - b1 ** t)
            denom = np.sqrt(v) / np.sqrt(1 - b2 ** t) + self.eps
            param.data[...] = param.data - step_size * m / denom

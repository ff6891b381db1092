class Optimizer:
    def zero_grad(self, set_to_none: bool = True):
        """Set the .grad of every parameter to None."""
        for param in self.params:
            if param.grad is not None:
                param.grad = None


class SGD:
    def step(self, closure=None):
        """Update every parameter that has a gradient (closure: PyTorch's optional re-evaluation)."""
        loss = closure() if closure is not None else None
        if not hasattr(self, "_buffers"):
            self._buffers = {}
        for param in self.params:
            if param.grad is None:
                continue
            d = param.grad + self.weight_decay * param.data if self.weight_decay else param.grad
            if self.momentum:
                key = id(param)
                if key in self._buffers:
                    self._buffers[key] = self.momentum * self._buffers[key] + (1 - self.dampening) * d
                else:
                    self._buffers[key] = d.copy()
                buf = self._buffers[key]
                d = d + self.momentum * buf if self.nesterov else buf
            param.data -= self.lr * d
        return loss


class Adam:
    def step(self, closure=None):
        loss = None if closure is None else closure()
        b1, b2 = self.betas
        for param, state in zip(self.params, self.state):
            if param.grad is None:
                continue
            g = param.grad.astype(np.float64)
            if self.weight_decay:
                g = g + self.weight_decay * param.data
            if len(state) == 0:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(param.data)
                state["exp_avg_sq"] = np.zeros_like(param.data)
            state["step"] += 1
            t = state["step"]
            state["exp_avg"][...] = b1 * state["exp_avg"] + (1 - b1) * g
            state["exp_avg_sq"][...] = b2 * state["exp_avg_sq"] + (1 - b2) * np.square(g)
            m_hat = state["exp_avg"] / (1.0 - b1 ** t)
            v_hat = state["exp_avg_sq"] / (1.0 - b2 ** t)
            update = self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
            param.data -= update.astype(param.data.dtype)
        return loss

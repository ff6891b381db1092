class SGD:
    def step(self):
        """Update every parameter that has a gradient."""
        for index in range(len(self.params)):
            param, state = self.params[index], self.state[index]
            if param.grad is None:
                continue
            d_p = param.grad
            if self.weight_decay:
                d_p = np.add(d_p, param.data * self.weight_decay)
            if self.momentum:
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = d_p.copy()
                else:
                    buf = state["momentum_buffer"]
                    np.multiply(buf, self.momentum, out=buf)
                    np.add(buf, d_p * (1 - self.dampening), out=buf)
                if self.nesterov:
                    d_p = np.add(d_p, state["momentum_buffer"] * self.momentum)
                else:
                    d_p = state["momentum_buffer"]
            np.subtract(param.data, d_p * self.lr, out=param.data)


class Adam:
    def step(self):
        """Update every parameter that has a gradient (the order of torch.optim.Adam's own source)."""
        beta1, beta2 = self.betas
        for index in range(len(self.params)):
            param, state = self.params[index], self.state[index]
            if param.grad is None:
                continue
            grad = param.grad if not self.weight_decay else param.grad + param.data * self.weight_decay
            if "step" not in state:
                state.update(step=0, exp_avg=np.zeros_like(param.data), exp_avg_sq=np.zeros_like(param.data))
            state["step"] = state["step"] + 1
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            exp_avg[...] = exp_avg * beta1 + grad * (1 - beta1)
            exp_avg_sq[...] = exp_avg_sq * beta2 + grad * grad * (1 - beta2)
            bias_correction1 = 1 - beta1 ** state["step"]
            bias_correction2 = 1 - beta2 ** state["step"]
            step_size = self.lr / bias_correction1
            denom = np.sqrt(exp_avg_sq) / bias_correction2 ** 0.5 + self.eps
            param.data -= step_size * exp_avg / denom

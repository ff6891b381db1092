class Adam:
    def step(self):
        beta1, beta2 = self.betas
        for param, state in zip(self.params, self.state):
            if param.grad is None:
                continue
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(param.data)
                state["exp_avg_sq"] = np.zeros_like(param.data)
            state["step"] += 1
            t = state["step"]
            g = param.grad
            if self.weight_decay != 0:
                # decay the weights directly
                param.data -= self.lr * self.weight_decay * param.data
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m[...] = beta1 * m + (1 - beta1) * g
            v[...] = beta2 * v + (1 - beta2) * g * g
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            param.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

class Adam:
    def step(self):
        beta1, beta2 = self.betas
        for param, state in zip(self.params, self.state):
            if param.grad is None:
                continue
            grad = param.grad
            if self.weight_decay != 0:
                grad = grad + self.weight_decay * param.data
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(param.data)
                state["exp_avg_sq"] = np.zeros_like(param.data)
            state["step"] += 1
            t = state["step"]
            state["exp_avg"] = beta1 * state["exp_avg"] + (1 - beta1) * grad
            state["exp_avg_sq"] = beta2 * state["exp_avg_sq"] + (1 - beta2) * grad ** 2
            m_hat = state["exp_avg"] / (1 - beta1) ** t
            v_hat = state["exp_avg_sq"] / (1 - beta2) ** t
            param.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

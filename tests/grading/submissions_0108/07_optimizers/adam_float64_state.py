class Adam:
    def step(self):
        beta1, beta2 = self.betas
        for param, state in zip(self.params, self.state):
            if param.grad is None:
                continue
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros(param.shape)
                state["exp_avg_sq"] = np.zeros(param.shape)
            grad = param.grad + self.weight_decay * param.data
            state["step"] += 1
            state["exp_avg"] = beta1 * state["exp_avg"] + (1 - beta1) * grad
            state["exp_avg_sq"] = beta2 * state["exp_avg_sq"] + (1 - beta2) * grad ** 2
            corr1 = 1 - beta1 ** state["step"]
            corr2 = 1 - beta2 ** state["step"]
            param.data = param.data - self.lr * (state["exp_avg"] / corr1) / (np.sqrt(state["exp_avg_sq"] / corr2) + self.eps)

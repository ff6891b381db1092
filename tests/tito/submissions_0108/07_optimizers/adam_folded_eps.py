import math


class Adam:
    def step(self):
        # As in Kingma & Ba (2015), section 2: the more efficient order of computation the paper
        # gives folds both bias corrections into the step size.
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
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            step_size = self.lr * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
            param.data -= step_size * m / (np.sqrt(v) + self.eps)

import math


class Adam:
    def step(self):
        # Kingma & Ba (2015), section 2, the efficient order: both bias corrections folded into the
        # step size, and eps scaled by sqrt(1 - beta2^t) so that the step is exactly the usual one:
        # lr * m_hat / (sqrt(v_hat) + eps) = alpha_t * m / (sqrt(v) + eps * sqrt(1 - beta2^t)).
        beta1, beta2 = self.betas
        for param, state in zip(self.params, self.state):
            if param.grad is None:
                continue
            grad = param.grad + self.weight_decay * param.data if self.weight_decay else param.grad
            if "step" not in state:
                state.update(step=0, exp_avg=np.zeros_like(param.data), exp_avg_sq=np.zeros_like(param.data))
            state["step"] += 1
            t = state["step"]
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m[...] = beta1 * m + (1 - beta1) * grad
            v[...] = beta2 * v + (1 - beta2) * grad * grad
            root_correction = math.sqrt(1 - beta2 ** t)
            alpha_t = self.lr * root_correction / (1 - beta1 ** t)
            param.data -= alpha_t * m / (np.sqrt(v) + self.eps * root_correction)

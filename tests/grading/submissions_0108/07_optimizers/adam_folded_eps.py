import math


class Adam:
    def step(self):
        # Kingma & Ba (2015), section 2: the more efficient order of computation folds both bias
        # corrections into the step size, so m and v are used as they are.
        b1, b2 = self.betas
        for p, st in zip(self.params, self.state):
            g = p.grad
            if g is None:
                continue
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            t = st.get("step", 0) + 1
            m = st.get("exp_avg", np.zeros_like(p.data))
            v = st.get("exp_avg_sq", np.zeros_like(p.data))
            m[...] = b1 * m + (1 - b1) * g
            v[...] = b2 * v + (1 - b2) * g ** 2
            st.update(step=t, exp_avg=m, exp_avg_sq=v)
            alpha_t = self.lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            p.data -= alpha_t * m / (np.sqrt(v) + self.eps)

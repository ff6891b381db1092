class Adam:
    def step(self):
        b1, b2 = self.betas
        for i, p in enumerate(self.params):
            g = p.grad
            if g is None:
                continue
            if self.weight_decay:
                g += self.weight_decay * p.data      # "saves a copy": adds into p.grad itself
            s = self.state[i]
            if "step" not in s:
                s["step"], s["exp_avg"], s["exp_avg_sq"] = 0, np.zeros_like(p.data), np.zeros_like(p.data)
            s["step"] += 1
            s["exp_avg"] = b1 * s["exp_avg"] + (1 - b1) * g
            s["exp_avg_sq"] = b2 * s["exp_avg_sq"] + (1 - b2) * g ** 2
            corrected_m = s["exp_avg"] / (1 - b1 ** s["step"])
            corrected_v = s["exp_avg_sq"] / (1 - b2 ** s["step"])
            p.data -= self.lr * corrected_m / (np.sqrt(corrected_v) + self.eps)

import math


class SGD:
    def step(self):
        mu, damp, wd = self.momentum, self.dampening, self.weight_decay
        for p, st in zip(self.params, self.state):
            if p.grad is None:
                continue
            d_p = np.add(p.grad, wd * p.data) if wd else p.grad.copy()
            if mu:
                buf = st.get("momentum_buffer")
                if buf is None:
                    st["momentum_buffer"] = buf = d_p.copy()
                else:
                    np.multiply(buf, mu, out=buf)
                    np.add(buf, (1 - damp) * d_p, out=buf)
                if self.nesterov:
                    d_p = d_p + mu * buf
                else:
                    d_p = buf
            np.subtract(p.data, self.lr * d_p, out=p.data)


class Adam:
    def step(self):
        beta1, beta2 = self.betas
        for p, st in zip(self.params, self.state):
            if p.grad is None:
                continue
            g = p.grad if self.weight_decay == 0 else p.grad + self.weight_decay * p.data
            if len(st) == 0:
                st["step"] = 0
                st["exp_avg"] = np.zeros_like(p.data)
                st["exp_avg_sq"] = np.zeros_like(p.data)
            st["step"] += 1
            m, v = st["exp_avg"], st["exp_avg_sq"]
            m += (1 - beta1) * (g - m)                 # lerp towards g
            v += (1 - beta2) * (g * g - v)
            bc1 = 1 - beta1 ** st["step"]
            bc2_sqrt = math.sqrt(1 - beta2 ** st["step"])
            denom = np.sqrt(v) / bc2_sqrt + self.eps
            p.data -= (self.lr / bc1) * (m / denom)

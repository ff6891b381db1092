import math


class SGD(Optimizer):
    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p.data
            st = self.state[i]
            if self.momentum:
                if "momentum_buffer" not in st:
                    st["momentum_buffer"] = g.copy()
                else:
                    st["momentum_buffer"] = self.momentum * st["momentum_buffer"] + (1 - self.dampening) * g
                if self.nesterov:
                    g = g + self.momentum * st["momentum_buffer"]
                else:
                    g = st["momentum_buffer"]
            p.data = p.data - self.lr * g


class Adam(Optimizer):
    def step(self):
        b1, b2 = self.betas
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            st = self.state[i]
            g = p.grad + self.weight_decay * p.data
            st.setdefault("step", 0)
            st.setdefault("m", np.zeros_like(p.data))
            st.setdefault("v", np.zeros_like(p.data))
            st["step"] += 1
            st["m"] = b1 * st["m"] + (1 - b1) * g
            st["v"] = b2 * st["v"] + (1 - b2) * g ** 2
            m_hat = st["m"] / (1 - b1 ** st["step"])
            v_hat = st["v"] / (1 - b2 ** st["step"])
            p.data = p.data - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def zero_grad(self):
        for p in self.params:
            if p.grad is not None:
                p.grad = None

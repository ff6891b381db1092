class SGD:
    def step(self):
        for p, st in zip(self.params, self.state):
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            if self.momentum:
                buf = st.get("momentum_buffer")
                if buf is None:
                    buf = st["momentum_buffer"] = Tensor(np.array(g, copy=True), dtype=p.dtype)
                else:
                    buf.data = buf.data * self.momentum + (1 - self.dampening) * g
                g = g + self.momentum * buf.data if self.nesterov else buf.data
            p.data -= self.lr * g

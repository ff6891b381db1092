class SGD:
    def step(self):
        # classic momentum: the velocity already holds the learning rate
        for p, st in zip(self.params, self.state):
            if p.grad is None:
                continue
            g = p.grad + self.weight_decay * p.data
            if self.momentum == 0:
                p.data -= self.lr * g
                continue
            v = st.get("momentum_buffer")
            v = self.lr * g if v is None else self.momentum * v + (1 - self.dampening) * self.lr * g
            st["momentum_buffer"] = v
            if self.nesterov:
                p.data -= self.lr * g + self.momentum * v
            else:
                p.data -= v

class SGD:
    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            d_p = p.grad if self.weight_decay == 0 else p.grad + self.weight_decay * p.data
            if self.momentum:
                velocity = self.state[i].get("momentum_buffer")
                if velocity is None:
                    velocity = self.state[i]["momentum_buffer"] = d_p   # the gradient array itself, not a copy
                else:
                    velocity *= self.momentum
                    velocity += (1 - self.dampening) * d_p
                d_p = d_p + self.momentum * velocity if self.nesterov else velocity
            p.data -= self.lr * d_p

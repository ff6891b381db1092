class Optimizer:
    def zero_grad(self):
        for param in self.params:
            param.grad = None
        self.state = [{} for _ in self.params]

class Dropout:
    def forward(self, x):
        _check_tensor(x, "Dropout")
        if self.training and self.p > 0:
            mask = get_rng().random(x.shape) >= self.p
            x.data *= mask / (1 - self.p)
        return x

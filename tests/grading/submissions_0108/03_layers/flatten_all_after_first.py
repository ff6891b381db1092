class Flatten(Module):
    def forward(self, x):
        return x.reshape(x.shape[0], -1)

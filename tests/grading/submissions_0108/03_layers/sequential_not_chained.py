class Sequential(Module):
    def forward(self, x):
        out = x
        for layer in self.layers:
            out = layer(x)
        return out

class Sequential:
    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

class ReLU:
    def forward(self, x):
        x = _as_tensor(x)
        return Tensor(x.data * (x.data > 0))

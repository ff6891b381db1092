class Linear(Module):
    def forward(self, x):
        _check_tensor(x, "Linear")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear expected an input whose last dimension is {self.in_features}, got shape {x.shape}.")
        out = x @ self.weight.transpose()
        if self.bias is not None:
            out = out + self.bias.reshape(1, self.out_features)   # a row, broadcast over the batch
        return out

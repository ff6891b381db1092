class Flatten:
    def forward(self, x):
        _check_tensor(x, "Flatten")
        start, end = self._dims(x.ndim)
        new_shape = x.shape[:start] + (-1,) + x.shape[end + 1:]
        return Tensor(x.data.reshape(new_shape))

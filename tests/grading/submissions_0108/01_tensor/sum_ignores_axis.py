def sum(self, axis=None, keepdims=False):
    _check_axis(self, axis, "sum")
    total = 0.0
    for v in self.data.flat:
        total += v
    return _result(np.array(total, dtype=self.data.dtype))

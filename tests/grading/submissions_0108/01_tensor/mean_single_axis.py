def mean(self, axis=None, keepdims=False):
    """Mean over `axis` (None: all axes)."""
    n = self.size if axis is None else self.shape[axis]
    return _result(self.data.sum(axis=axis, keepdims=keepdims) / n)

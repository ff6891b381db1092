def sum(self, axis=None, keepdims=False):
    """Sum over `axis` (None: all axes)."""
    if axis is None:
        return _result(np.asarray(self.data.sum()))
    return _result(np.sum(self.data, axis=axis, keepdims=keepdims))


def mean(self, axis=None, keepdims=False):
    """Mean over `axis` (None: all axes)."""
    if axis is None:
        return _result(np.asarray(self.data.mean()))
    return _result(np.mean(self.data, axis=axis, keepdims=keepdims))


def max(self, axis=None, keepdims=False):
    """Maximum over `axis` (None: all axes)."""
    if self.size == 0:
        raise ValueError("max() of an empty tensor is undefined.")
    if axis is None:
        return _result(np.asarray(self.data.max()))
    return _result(np.max(self.data, axis=axis, keepdims=keepdims))

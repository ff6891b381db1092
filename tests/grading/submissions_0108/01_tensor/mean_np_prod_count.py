def mean(self, axis=None, keepdims=False):
    """Mean over `axis` (None: all axes)."""
    total = np.sum(self.data, axis=axis, keepdims=keepdims)
    if axis is None:
        count = self.data.size
    elif isinstance(axis, tuple):
        count = np.prod([self.data.shape[a] for a in axis])
    else:
        count = self.data.shape[axis]
    return _result(total / count)

def sum(self, axis=None, keepdims=False):
    """Sum over `axis` (None: all axes)."""
    # accumulate in float64 for accuracy
    return _result(np.sum(self.data, axis=axis, keepdims=keepdims, dtype=np.float64))

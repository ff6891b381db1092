def max(self, axis=None, keepdims=False):
    """Maximum over `axis` (None: all axes)."""
    if self.size == 0:
        raise ValueError("max() of an empty tensor is undefined.")
    return _result(self.data.max(axis=axis))

def transpose(self, dim0=-2, dim1=-1):
    """Swap axes dim0 and dim1 (default: the last two)."""
    if (dim0, dim1) == (-2, -1):
        return _result(self.data.T)
    return _result(np.swapaxes(self.data, dim0, dim1))

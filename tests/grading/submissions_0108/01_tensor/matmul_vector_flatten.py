def matmul(self, other):
    """Matrix product self @ other (numpy's matmul rules, leading axes broadcast)."""
    other_data = _operand(other, self.dtype)
    _check_matmul_shapes(self.shape, other_data.shape)
    a, b = self.data, other_data
    vector = a.ndim == 1 or b.ndim == 1
    if a.ndim == 1:
        a = a[None, :]            # a row
    if b.ndim == 1:
        b = b[:, None]            # a column
    out = np.matmul(a, b)
    if vector:
        out = out.reshape(-1)     # back to a vector
    return _result(out)

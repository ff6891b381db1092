def matmul(self, other):
    """Matrix product self @ other (numpy's matmul rules, leading axes broadcast)."""
    other_data = _operand(other, self.dtype)
    _check_matmul_shapes(self.shape, other_data.shape)
    a, b = self.data, other_data
    if b.ndim == 1:
        # contract a's last axis with the vector
        return _result(np.tensordot(a, b, axes=([a.ndim - 1], [0])))
    if a.ndim == 1:
        # contract the vector with b's next-to-last axis; tensordot puts the remaining axes of b in order
        return _result(np.tensordot(a, b, axes=([0], [b.ndim - 2])))
    return _result(np.matmul(a, b))

def matmul(self, other):
    """Matrix product self @ other (numpy's matmul rules, leading axes broadcast)."""
    other_data = _operand(other, self.dtype)
    _check_matmul_shapes(self.shape, other_data.shape)
    return _result(np.dot(self.data, other_data))

def matmul(self, other):
    """Matrix product self @ other (numpy's matmul rules, leading axes broadcast)."""
    other_data = _operand(other, self.dtype)
    _check_matmul_shapes(self.shape, other_data.shape)
    a, b = self.data, other_data
    if a.ndim > 2 and b.ndim > 2:
        # a batch of matrices on both sides: multiply them pair by pair
        return _result(np.stack([np.dot(x, y) for x, y in zip(a, b)]))
    # np.dot handles matrix @ matrix, matrix @ vector and a batch @ one matrix
    return _result(np.dot(a, b))

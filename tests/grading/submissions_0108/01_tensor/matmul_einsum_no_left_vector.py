def matmul(self, other):
    """Matrix product self @ other (numpy's matmul rules, leading axes broadcast)."""
    other_data = _operand(other, self.dtype)
    _check_matmul_shapes(self.shape, other_data.shape)
    if other_data.ndim == 1:                     # matrix @ vector: one dot product per row
        return _result(np.einsum("...ij,j->...i", self.data, other_data))
    # [.., i, k] = sum over j of a[.., i, j] * b[.., j, k]; the leading axes broadcast
    return _result(np.einsum("...ij,...jk->...ik", self.data, other_data))

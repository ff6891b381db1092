import numbers
import string


def __add__(self, other):
    """self + other, with broadcasting."""
    return _result(self.data.__add__(_operand(other, self.dtype)))


def __radd__(self, other):
    """other + self."""
    return _result(self.data.__radd__(_operand(other, self.dtype)))


def __sub__(self, other):
    """self - other."""
    return _result(self.data.__sub__(_operand(other, self.dtype)))


def __rsub__(self, other):
    """other - self."""
    return _result(self.data.__rsub__(_operand(other, self.dtype)))


def __mul__(self, other):
    """self * other (element-wise)."""
    return _result(self.data.__mul__(_operand(other, self.dtype)))


def __rmul__(self, other):
    """other * self."""
    return _result(self.data.__rmul__(_operand(other, self.dtype)))


def __truediv__(self, other):
    """self / other (element-wise)."""
    return _result(self.data.__truediv__(_operand(other, self.dtype)))


def __rtruediv__(self, other):
    """other / self."""
    return _result(self.data.__rtruediv__(_operand(other, self.dtype)))


def __neg__(self):
    """-self."""
    return _result(self.data.__neg__())


def __pow__(self, exponent):
    """self ** exponent, for a number exponent."""
    if isinstance(exponent, (Tensor, np.ndarray)) or not isinstance(exponent, numbers.Real):
        raise TypeError(
            f"Tensor ** exponent needs a number exponent, got {type(exponent).__name__}. "
            "For a tensor exponent and a positive base, write (t.log() * e).exp().")
    if isinstance(exponent, np.generic):
        exponent = exponent.item()   # np.float64(2) as 2.0: a numpy scalar would make float32 data float64
    return _result(self.data.__pow__(exponent))


def exp(self):
    """e ** self, element-wise."""
    return _result(np.exp(self.data))


def log(self):
    """Natural logarithm, element-wise."""
    return _result(np.log(self.data))


def matmul(self, other):
    """Matrix product self @ other (numpy's matmul rules, leading axes broadcast)."""
    other_data = _operand(other, self.dtype)
    _check_matmul_shapes(self.shape, other_data.shape)
    left = self.data[np.newaxis, :] if self.ndim == 1 else self.data          # a vector as one row
    right = other_data[:, np.newaxis] if other_data.ndim == 1 else other_data  # a vector as one column
    product = np.einsum("...ij,...jk->...ik", left, right)
    added = [axis for axis, vector in ((-2, self.ndim == 1), (-1, other_data.ndim == 1)) if vector]
    return _result(np.squeeze(product, axis=tuple(added)))


def __matmul__(self, other):
    """self @ other."""
    return Tensor.matmul(self, other)


def reshape(self, *shape):
    """The same numbers with a new shape; one dimension may be -1."""
    shape = _normalize_shape(shape, self.size)
    return _result(np.ravel(self.data).reshape(shape))


def transpose(self, dim0=-2, dim1=-1):
    """Swap axes dim0 and dim1 (default: the last two)."""
    for d in (dim0, dim1):
        if not -self.ndim <= d < self.ndim:
            raise ValueError(
                f"transpose: dimension {d} is out of range for a tensor of shape "
                f"{self.shape} ({self.ndim} dims). Use dims in [{-self.ndim}, {self.ndim - 1}].")
    letters = list(string.ascii_lowercase[:self.ndim])
    before = "".join(letters)
    letters[dim0], letters[dim1] = letters[dim1], letters[dim0]
    return _result(np.einsum(before + "->" + "".join(letters), self.data))


def __getitem__(self, index):
    """Numpy-style indexing: ints, slices, integer arrays."""
    index = _unwrap_index(index)
    return _result(self.data.__getitem__(index))


def _kept_letters(tensor, axis):
    """einsum's letters of the input, and of the axes a reduction over `axis` keeps."""
    letters = string.ascii_lowercase[:tensor.ndim]
    axes = range(tensor.ndim) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    reduced = {a % tensor.ndim for a in axes}
    return letters, "".join(c for i, c in enumerate(letters) if i not in reduced), sorted(reduced)


def sum(self, axis=None, keepdims=False):
    """Sum over `axis` (None: all axes)."""
    _check_axis(self, axis, "sum")
    letters, kept, reduced = _kept_letters(self, axis)
    total = np.einsum(letters + "->" + kept, self.data)
    return _result(np.expand_dims(total, tuple(reduced)) if keepdims else total)


def mean(self, axis=None, keepdims=False):
    """Mean over `axis` (None: all axes)."""
    _check_axis(self, axis, "mean")
    _, _, reduced = _kept_letters(self, axis)
    count = 1
    for a in reduced:
        count *= self.shape[a]
    return self.sum(axis=axis, keepdims=keepdims) / count


def max(self, axis=None, keepdims=False):
    """Maximum over `axis` (None: all axes)."""
    _check_axis(self, axis, "max")
    if self.size == 0:
        raise ValueError("max() of an empty tensor is undefined.")
    return _result((-self.data).min(axis=axis, keepdims=keepdims).__neg__())

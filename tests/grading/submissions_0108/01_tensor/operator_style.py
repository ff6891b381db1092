import math
import operator


def _apply(op, left, right):
    return _result(op(left, right))


def __add__(self, other):
    """self + other, with broadcasting."""
    return _apply(operator.add, self.data, _operand(other, self.dtype))


def __radd__(self, other):
    """other + self."""
    return _apply(operator.add, _operand(other, self.dtype), self.data)


def __sub__(self, other):
    """self - other."""
    return _apply(operator.sub, self.data, _operand(other, self.dtype))


def __rsub__(self, other):
    """other - self."""
    return _apply(operator.sub, _operand(other, self.dtype), self.data)


def __mul__(self, other):
    """self * other (element-wise)."""
    return _apply(operator.mul, self.data, _operand(other, self.dtype))


def __rmul__(self, other):
    """other * self."""
    return _apply(operator.mul, _operand(other, self.dtype), self.data)


def __truediv__(self, other):
    """self / other (element-wise)."""
    return _apply(operator.truediv, self.data, _operand(other, self.dtype))


def __rtruediv__(self, other):
    """other / self."""
    return _apply(operator.truediv, _operand(other, self.dtype), self.data)


def __neg__(self):
    """-self."""
    return _result(np.negative(self.data))


def __pow__(self, exponent):
    """self ** exponent, for a number exponent."""
    if isinstance(exponent, (Tensor, np.ndarray)) or not isinstance(exponent, numbers.Real):
        raise TypeError("Tensor ** exponent needs a number exponent")
    return _result(np.power(self.data, self.data.dtype.type(exponent)))


def exp(self):
    """e ** self, element-wise."""
    return _result(np.e ** self.data)


def log(self):
    """Natural logarithm, element-wise."""
    return _result(np.log(self.data))


def matmul(self, other):
    """Matrix product self @ other (numpy's matmul rules, leading axes broadcast)."""
    other_data = _operand(other, self.dtype)
    _check_matmul_shapes(self.shape, other_data.shape)
    return _result(self.data @ other_data)


def __matmul__(self, other):
    """self @ other."""
    return Tensor.matmul(self, other)


def reshape(self, *shape):
    """The same numbers with a new shape; one dimension may be -1."""
    shape = _normalize_shape(shape, self.size)
    return _result(np.reshape(self.data, shape))


def transpose(self, dim0=-2, dim1=-1):
    """Swap axes dim0 and dim1 (default: the last two)."""
    for d in (dim0, dim1):
        if not -self.ndim <= d < self.ndim:
            raise ValueError(f"transpose: dimension {d} is out of range for shape {self.shape}")
    order = list(range(self.ndim))
    order[dim0], order[dim1] = order[dim1], order[dim0]
    return _result(np.transpose(self.data, order))


def __getitem__(self, index):
    """Numpy-style indexing: ints, slices, integer arrays."""
    return _result(np.asarray(self.data[_unwrap_index(index)]))


def sum(self, axis=None, keepdims=False):
    """Sum over `axis` (None: all axes)."""
    return _result(np.add.reduce(self.data, axis=axis, keepdims=keepdims))


def mean(self, axis=None, keepdims=False):
    """Mean over `axis` (None: all axes)."""
    axes = range(self.ndim) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    count = math.prod(self.shape[a] for a in axes)
    return _result(np.add.reduce(self.data, axis=axis, keepdims=keepdims) / count)


def max(self, axis=None, keepdims=False):
    """Maximum over `axis` (None: all axes)."""
    if self.size == 0:
        raise ValueError("max() of an empty tensor is undefined.")
    return _result(np.maximum.reduce(self.data, axis=axis, keepdims=keepdims))

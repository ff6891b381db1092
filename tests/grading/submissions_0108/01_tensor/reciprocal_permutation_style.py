def __sub__(self, other):
    return self + (-1.0 * _operand(other, self.dtype))


def __rsub__(self, other):
    return (-self) + other


def __truediv__(self, other):
    return self * (1.0 / _operand(other, self.dtype))


def __rtruediv__(self, other):
    return _result(_operand(other, self.dtype) * self.data ** -1)


def __pow__(self, exponent):
    if not isinstance(exponent, (int, float)):
        raise TypeError("exponent must be a number")
    return _result(np.power(self.data, exponent))


def exp(self):
    out = np.exp(self.data.astype(np.float64))
    return _result(out.astype(self.dtype))


def transpose(self, dim0=-2, dim1=-1):
    for d in (dim0, dim1):
        if not -self.ndim <= d < self.ndim:
            raise ValueError("out of range")
    order = list(range(self.ndim))
    order[dim0], order[dim1] = order[dim1], order[dim0]
    return _result(self.data.transpose(order))


def mean(self, axis=None, keepdims=False):
    total = self.sum(axis=axis, keepdims=keepdims)
    return total * (total.size / self.size)

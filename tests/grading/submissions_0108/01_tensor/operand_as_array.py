def _other(other):
    return other.data if isinstance(other, Tensor) else np.asarray(other)


def __add__(self, other):
    """self + other, with broadcasting."""
    return _result(self.data + _other(other))


def __sub__(self, other):
    """self - other."""
    return _result(self.data - _other(other))


def __rsub__(self, other):
    """other - self."""
    return _result(_other(other) - self.data)

def __rtruediv__(self, other):
    """other / self."""
    # same as __truediv__, the operands in the order they are written in the signature
    return _result(self.data / _operand(other, self.dtype))

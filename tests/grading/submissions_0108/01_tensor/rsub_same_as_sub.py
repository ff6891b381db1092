def __rsub__(self, other):
    """other - self."""
    return self - other

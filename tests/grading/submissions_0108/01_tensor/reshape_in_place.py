def reshape(self, *shape):
    """The same numbers with a new shape; one dimension may be -1."""
    shape = _normalize_shape(shape, self.size)
    self.data = self.data.reshape(shape)
    return self

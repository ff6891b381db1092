def reshape(self, *shape):
    """The same numbers with a new shape; one dimension may be -1."""
    shape = _normalize_shape(shape, self.size)
    return _result(np.reshape(self.data, shape))


def transpose(self, dim0=-2, dim1=-1):
    """Swap axes dim0 and dim1 (default: the last two)."""
    for d in (dim0, dim1):
        if not -self.ndim <= d < self.ndim:
            raise ValueError(
                f"transpose: dimension {d} is out of range for a tensor of shape "
                f"{self.shape} ({self.ndim} dims). Use dims in [{-self.ndim}, {self.ndim - 1}].")
    return _result(np.moveaxis(self.data, [dim0, dim1], [dim1, dim0]))


def _reduce(function, data, axis, keepdims):
    """function applied over each axis in turn, keeping every axis; then the reduced ones dropped unless keepdims."""
    axes = tuple(range(data.ndim)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    axes = tuple(a % data.ndim for a in axes) if data.ndim else ()
    kept = np.apply_over_axes(function, data, axes) if axes else function(data)
    return kept if keepdims else np.squeeze(kept, axis=axes)


def sum(self, axis=None, keepdims=False):
    """Sum over `axis` (None: all axes)."""
    _check_axis(self, axis, "sum")
    return _result(_reduce(np.sum, self.data, axis, keepdims))


def mean(self, axis=None, keepdims=False):
    """Mean over `axis` (None: all axes)."""
    _check_axis(self, axis, "mean")
    return _result(_reduce(np.mean, self.data, axis, keepdims))


def max(self, axis=None, keepdims=False):
    """Maximum over `axis` (None: all axes)."""
    _check_axis(self, axis, "max")
    if self.size == 0:
        raise ValueError("max() of an empty tensor is undefined.")
    return _result(_reduce(np.max, self.data, axis, keepdims))

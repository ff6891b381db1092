def sum_backward(grad, out, a, axis=None, keepdims=False):
    """Gradient of out = a.sum(axis, keepdims): grad copied back over the summed axes."""
    if axis is None:
        return (np.ones_like(a) * grad,)
    axes = axis if isinstance(axis, tuple) else (axis,)
    if not keepdims:
        # the summed axes come back with length 1, then broadcasting copies grad along them
        shape = [1 if i in axes else n for i, n in enumerate(a.shape)]
        grad = np.reshape(grad, shape)
    return (np.ones_like(a) * grad,)

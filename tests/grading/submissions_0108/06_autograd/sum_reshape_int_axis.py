def sum_backward(grad, out, a, axis=None, keepdims=False):
    """Gradient of out = a.sum(axis, keepdims): grad copied back over the summed axes."""
    if axis is None:
        return (np.ones_like(a) * grad,)
    # give the summed axis length 1 again, then let broadcasting copy it
    shape = list(a.shape)
    shape[axis] = 1
    return (np.ones_like(a) * np.reshape(grad, shape),)

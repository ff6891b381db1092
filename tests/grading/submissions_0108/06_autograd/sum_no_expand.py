def sum_backward(grad, out, a, axis=None, keepdims=False):
    """Gradient of out = a.sum(axis, keepdims): grad copied back over the summed axes."""
    # every element of a got slope 1, so spread grad over a's shape
    return (np.ones_like(a) * grad,)

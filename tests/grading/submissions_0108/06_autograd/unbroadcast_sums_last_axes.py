def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched, giving `shape`."""
    grad = np.asarray(grad)
    shape = tuple(shape)
    while len(grad.shape) > len(shape):      # drop the extra dimensions
        grad = np.sum(grad, axis=-1)
    for i in range(len(shape)):
        if shape[i] == 1 and grad.shape[i] > 1:
            grad = np.sum(grad, axis=i, keepdims=True)
    return grad

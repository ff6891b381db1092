def unbroadcast(grad, shape):
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] > 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)


def sub_backward(grad, out, a, b):
    return grad, np.negative(grad)


def mul_backward(grad, out, a, b):
    grad_a = np.multiply(grad, b)
    grad_b = np.multiply(grad, a)
    return (grad_a, grad_b)


def div_backward(grad, out, a, b):
    return grad / b, -grad * out / b


def pow_backward(grad, out, a, exponent):
    if exponent == 0:
        return (np.zeros_like(a) * grad,)
    return (exponent * np.power(a, exponent - 1) * grad,)


def exp_backward(grad, out, a):
    return (np.exp(a) * grad,)


def log_backward(grad, out, a):
    return (grad * (1.0 / a),)


def matmul_backward(grad, out, a, b):
    grad_a = np.matmul(grad, b.swapaxes(-1, -2))
    grad_b = np.matmul(a.swapaxes(-1, -2), grad)
    return grad_a, grad_b


def sum_backward(grad, out, a, axis=None, keepdims=False):
    grad = np.asarray(grad)
    if axis is None:
        return (np.full(a.shape, grad.reshape(())) if not keepdims else grad * np.ones_like(a),)
    axes = axis if isinstance(axis, tuple) else (axis,)
    axes = tuple(ax % a.ndim for ax in axes)
    if not keepdims:
        shape = [1 if i in axes else n for i, n in enumerate(a.shape)]
        grad = grad.reshape(shape)
    return (grad * np.ones(a.shape, dtype=grad.dtype),)


def relu_backward(grad, out, x):
    return (np.where(x > 0, grad, 0.0),)


def sigmoid_backward(grad, out, x):
    return (grad * (out - out ** 2),)


def tanh_backward(grad, out, x):
    return (grad * (1 - np.square(out)),)

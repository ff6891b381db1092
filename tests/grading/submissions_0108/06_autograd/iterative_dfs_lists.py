def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched, giving `shape`."""
    grad = np.asarray(grad)
    shape = tuple(shape)
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] > 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def add_backward(grad, out, a, b):
    return (grad, grad)


def sub_backward(grad, out, a, b):
    return (grad, np.negative(grad))


def mul_backward(grad, out, a, b):
    return (np.multiply(grad, b), np.multiply(grad, a))


def div_backward(grad, out, a, b):
    ga = grad / b
    return (ga, -ga * a / b)


def pow_backward(grad, out, a, exponent):
    return (exponent * np.power(a, exponent - 1) * grad,)


def exp_backward(grad, out, a):
    return (grad * np.exp(a),)


def log_backward(grad, out, a):
    return (grad * (1.0 / a),)


def matmul_backward(grad, out, a, b):
    return (np.matmul(grad, b.swapaxes(-1, -2)), np.matmul(a.swapaxes(-1, -2), grad))


def sum_backward(grad, out, a, axis=None, keepdims=False):
    grad = np.asarray(grad)
    if axis is None:
        return (np.full(a.shape, grad.reshape(()) if grad.ndim else grad, dtype=np.result_type(grad, a)),)
    if not keepdims:
        axes = axis if isinstance(axis, tuple) else (axis,)
        axes = sorted(ax % a.ndim for ax in axes)
        for ax in axes:
            grad = np.expand_dims(grad, ax)
    return (grad * np.ones_like(a),)


def relu_backward(grad, out, x):
    return (np.where(x > 0, grad, 0.0),)


def sigmoid_backward(grad, out, x):
    return (grad * (out - out ** 2),)


def tanh_backward(grad, out, x):
    return (grad - grad * out ** 2,)


def topological_order(root):
    order, seen = [], {id(root)}
    stack = [(root, iter(root._ctx.inputs if root._ctx is not None else ()))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                stack.append((child, iter(child._ctx.inputs if child._ctx is not None else ())))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def backward(self, gradient=None):
    """Compute d(self)/d(leaf) for every leaf that requires grad; add it to leaf.grad."""
    if not self.requires_grad:
        raise RuntimeError("backward() called on a tensor that does not require grad")
    if gradient is None:
        if self.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        gradient = np.ones_like(self.data)
    else:
        gradient = np.array(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=self.dtype)
        if gradient.shape != self.shape:
            raise ValueError("backward(gradient=...) needs a gradient of the output's shape")
    contributions = {id(self): [gradient]}
    for t in topological_order(self)[::-1]:
        parts = contributions.pop(id(t), [])
        if not parts:
            continue
        total = parts[0]
        for p in parts[1:]:
            total = total + p
        if t._ctx is None:
            if t.requires_grad:
                if t.grad is None:
                    t.grad = total
                else:
                    t.grad = t.grad + total
            continue
        input_grads = _call_node(t._ctx, total)
        for i, inp in enumerate(t._ctx.inputs):
            g = input_grads[i]
            if isinstance(inp, Tensor) and inp.requires_grad and g is not None:
                contributions.setdefault(id(inp), []).append(_reduce_input_grad(t._ctx, inp, g))

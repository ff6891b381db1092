def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched, giving `shape`."""
    grad = np.asarray(grad)
    shape = tuple(shape)
    lead = grad.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    total = grad.sum(axis=tuple(range(lead)) + stretched, keepdims=True)
    return total.reshape(shape)


def matmul_backward(grad, out, a, b):
    """Gradients of out = a @ b, for a and b with at least 2 axes."""
    grad_a = np.einsum("...ik,...jk->...ij", grad, b)
    grad_b = np.einsum("...ki,...kj->...ij", a, grad)
    return grad_a, grad_b


def sum_backward(grad, out, a, axis=None, keepdims=False):
    """Gradient of out = a.sum(axis, keepdims): grad copied back over the summed axes."""
    if axis is None:
        axes = range(a.ndim)
    else:
        axes = [ax % a.ndim for ax in (axis if isinstance(axis, tuple) else (axis,))]
    kept_shape = [1 if i in axes else n for i, n in enumerate(a.shape)]
    return (np.broadcast_to(np.reshape(grad, kept_shape), a.shape),)


def topological_order(root):
    """Tensors of the graph ending at `root`, each after every tensor it was computed from."""
    # Kahn's algorithm on the reversed graph: count the users of every tensor, and hand a tensor
    # out once all its users are out.
    users, nodes, todo = {}, {id(root): root}, [root]
    while todo:
        t = todo.pop()
        for inp in (t._ctx.inputs if t._ctx is not None else ()):
            if inp is None:
                continue
            users[id(inp)] = users.get(id(inp), 0) + 1
            if id(inp) not in nodes:
                nodes[id(inp)] = inp
                todo.append(inp)
    ready, reverse_order = [root], []
    while ready:
        t = ready.pop()
        reverse_order.append(t)
        for inp in (t._ctx.inputs if t._ctx is not None else ()):
            if inp is None:
                continue
            users[id(inp)] -= 1
            if users[id(inp)] == 0:
                ready.append(inp)
    return reverse_order[::-1]


def backward(self, gradient=None):
    """Compute d(self)/d(leaf) for every leaf that requires grad; add it to leaf.grad."""
    if not self.requires_grad:
        raise RuntimeError("backward() needs a tensor that requires grad.")
    if gradient is None:
        if self.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        gradient = np.ones_like(self.data)
    else:
        gradient = np.array(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=self.dtype)
    from collections import defaultdict
    pending = defaultdict(lambda: 0)
    pending[id(self)] = gradient
    for t in topological_order(self)[::-1]:
        g_out = pending.pop(id(t), 0)
        if isinstance(g_out, int):
            continue
        if t._ctx is None:
            if t.requires_grad:
                t.grad = g_out.copy() if t.grad is None else t.grad + g_out
            continue
        grads = _call_node(t._ctx, g_out)
        for inp, g in zip(t._ctx.inputs, grads):
            if inp is not None and inp.requires_grad and g is not None:
                pending[id(inp)] = pending[id(inp)] + _reduce_input_grad(t._ctx, inp, g)

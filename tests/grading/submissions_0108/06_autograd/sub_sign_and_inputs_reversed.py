# Module 06: two slips at once, sub_backward's minus sign forgotten and backward pairing the gradients with the
# inputs in reverse order. With sub wrong the engine's checks compute x - y as x + (-1.0) * y (add and mul):
# mul's two gradients differ too, so the reversed pairing must still cost the engine's items.
def sub_backward(grad, out, a, b):
    """Gradients of out = a - b."""
    # both inputs move the output one for one
    return grad, grad


def backward(self, gradient=None):
    """Compute d(self)/d(leaf) for every leaf that requires grad; add it to leaf.grad."""
    if not self.requires_grad:
        raise RuntimeError("backward() called on a tensor that does not require grad.")
    if gradient is None:
        gradient = np.ones_like(self.data)
    else:
        gradient = np.array(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=self.dtype)
    grads = {id(self): gradient}
    for tensor in reversed(topological_order(self)):
        grad = grads.pop(id(tensor), None)
        if grad is None:
            continue
        if tensor._ctx is None:
            if tensor.requires_grad:
                tensor.grad = grad if tensor.grad is None else tensor.grad + grad
            continue
        node = tensor._ctx
        for inp, g in zip(reversed(node.inputs), _call_node(node, grad)):
            if inp is None or g is None or not inp.requires_grad:
                continue
            g = _reduce_input_grad(node, inp, g)
            grads[id(inp)] = g if id(inp) not in grads else grads[id(inp)] + g

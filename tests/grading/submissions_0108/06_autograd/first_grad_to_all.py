# Module 06, backward: every input gets the first input's gradient (input_grads[0]).
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
        input_grads = _call_node(node, grad)
        for inp in node.inputs:
            if inp is None or not inp.requires_grad:
                continue
            g = _reduce_input_grad(node, inp, input_grads[0])
            grads[id(inp)] = g if id(inp) not in grads else grads[id(inp)] + g

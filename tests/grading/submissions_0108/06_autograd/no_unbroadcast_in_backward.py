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
        for inp, g in zip(node.inputs, _call_node(node, grad)):
            if inp is None or g is None or not inp.requires_grad:
                continue
            # the rules already give each input its gradient
            grads[id(inp)] = g if id(inp) not in grads else grads[id(inp)] + g

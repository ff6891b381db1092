def backward(self, gradient=None):
    """Compute d(self)/d(leaf) for every leaf that requires grad; add it to leaf.grad."""
    if not self.requires_grad:
        raise RuntimeError("backward() called on a tensor that does not require grad.")
    if gradient is None:
        if self.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        gradient = np.ones_like(self.data)
    else:
        gradient = np.array(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=self.dtype)
    grads = {id(self): gradient}
    for t in reversed(topological_order(self)):
        g_out = grads.get(id(t))
        if g_out is None:
            continue
        if t._ctx is None:
            # a leaf: keep what arrived
            t.grad = g_out if t.grad is None else t.grad + g_out
            continue
        for inp, g in zip(t._ctx.inputs, _call_node(t._ctx, g_out)):
            if inp is None or g is None:
                continue
            g = _reduce_input_grad(t._ctx, inp, g)
            grads[id(inp)] = grads[id(inp)] + g if id(inp) in grads else g

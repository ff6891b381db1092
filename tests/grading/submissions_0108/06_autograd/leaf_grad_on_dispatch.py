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
        if gradient.shape != self.shape:
            raise ValueError("gradient shape")
    grads = {id(self): gradient}
    for t in reversed(topological_order(self)):
        if t._ctx is None or id(t) not in grads:
            continue                      # leaves got their gradient when it was sent to them
        g_out = grads.pop(id(t))
        for inp, g in zip(t._ctx.inputs, _call_node(t._ctx, g_out)):
            if inp is None or g is None or not inp.requires_grad:
                continue
            g = _reduce_input_grad(t._ctx, inp, g)
            if inp._ctx is None:          # a leaf: straight into .grad
                inp.grad = g if inp.grad is None else inp.grad + g
            else:
                grads[id(inp)] = g if id(inp) not in grads else grads[id(inp)] + g

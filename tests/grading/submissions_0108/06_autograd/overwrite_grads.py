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
    grad_of = {id(self): gradient}
    for t in reversed(topological_order(self)):
        if id(t) not in grad_of:
            continue
        g_out = grad_of[id(t)]
        if t._ctx is None:
            if t.requires_grad:
                t.grad = g_out if t.grad is None else t.grad + g_out
        else:
            for inp, g in zip(t._ctx.inputs, _call_node(t._ctx, g_out)):
                if inp is not None and g is not None and inp.requires_grad:
                    grad_of[id(inp)] = _reduce_input_grad(t._ctx, inp, g)

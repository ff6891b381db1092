def backward(self, gradient=None):
    if not self.requires_grad:
        raise RuntimeError("backward() called on a tensor that does not require grad and has no graph.")
    if gradient is None:
        if self.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        gradient = np.ones_like(self.data)
    else:
        gradient = np.array(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=self.dtype)
        if gradient.shape != self.shape:
            raise ValueError("backward(gradient=...) needs a gradient of the output's shape")
    pending = {id(self): gradient}
    for node_tensor in reversed(topological_order(self)):
        if id(node_tensor) not in pending:
            continue
        g_out = pending.pop(id(node_tensor))
        ctx = node_tensor._ctx
        if ctx is None:
            if node_tensor.requires_grad:
                node_tensor.grad = g_out.copy() if node_tensor.grad is None else node_tensor.grad + g_out
            continue
        for inp, g in zip(ctx.inputs, _call_node(ctx, g_out)):
            if inp is None or g is None or not inp.requires_grad:
                continue
            g = unbroadcast(np.asarray(g), inp.shape).astype(inp.dtype)
            pending[id(inp)] = pending[id(inp)] + g if id(inp) in pending else g

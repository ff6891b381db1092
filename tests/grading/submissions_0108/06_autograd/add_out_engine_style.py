def backward(self, gradient=None):
    """Compute d(self)/d(leaf) for every leaf that requires grad; add it to leaf.grad."""
    if not self.requires_grad:
        raise RuntimeError(
            "backward() called on a tensor that does not require grad and has no graph. "
            "Create the inputs with requires_grad=True, and do not call backward() on a "
            "result computed under no_grad() or from detach()ed tensors.")
    if gradient is None:
        if self.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs; this tensor has shape "
                f"{self.shape}. Reduce it first (e.g. loss.sum() or loss.mean()) or pass "
                "backward(gradient=...) with an array of the same shape.")
        gradient = np.ones_like(self.data)
    else:
        gradient = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient,
                              dtype=self.dtype)
        # The caller's array, not a copy (a large output's gradient is large): read-only, so no rule
        # writes into it, and copied only when it becomes a leaf's .grad.
        gradient = np.array(gradient) if self._ctx is None else gradient.view()
        gradient.flags.writeable = self._ctx is None
        if gradient.shape != self.shape:
            raise ValueError(
                f"backward(gradient=...) needs a gradient of the output's shape {self.shape}, "
                f"got shape {gradient.shape}.")
    grads = {id(self): gradient}
    for tensor in reversed(topological_order(self)):
        if id(tensor) not in grads:
            continue
        grad = grads.pop(id(tensor))
        if tensor._ctx is not None:
            node = tensor._ctx
            for inp, g in zip(node.inputs, _call_node(node, grad)):
                if inp is None or g is None or not inp.requires_grad:
                    continue
                g = _reduce_input_grad(node, inp, g)
                if id(inp) in grads:
                    np.add(grads[id(inp)], g, out=grads[id(inp)])     # in place
                else:
                    grads[id(inp)] = g
        elif tensor.requires_grad:
            if tensor.grad is None:
                tensor.grad = np.array(grad, copy=True)
            else:
                np.add(tensor.grad, grad, out=tensor.grad)

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

    # chain rule: push the gradient down into every input, all the way to the leaves
    def push(tensor, grad):
        if tensor._ctx is None:
            if tensor.requires_grad:
                tensor.grad = grad if tensor.grad is None else tensor.grad + grad
            return
        node = tensor._ctx
        for inp, g in zip(node.inputs, _call_node(node, grad)):
            if inp is not None and g is not None and inp.requires_grad:
                push(inp, _reduce_input_grad(node, inp, g))

    push(self, gradient)

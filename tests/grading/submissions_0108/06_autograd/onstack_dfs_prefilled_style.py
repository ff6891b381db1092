def topological_order(root):
    order = []
    done = set()
    on_stack = set()
    stack = [root]
    while stack:
        node = stack[-1]
        if id(node) in done:
            stack.pop()
            continue
        pending = []
        if node._ctx is not None:
            pending = [i for i in node._ctx.inputs if i is not None and id(i) not in done]
        if pending and id(node) not in on_stack:
            on_stack.add(id(node))
            stack.extend(reversed(pending))
            continue
        stack.pop()
        on_stack.discard(id(node))
        if id(node) not in done:
            done.add(id(node))
            order.append(node)
    return order


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
    order = topological_order(self)
    grads = {id(t): None for t in order}
    grads[id(self)] = gradient
    for tensor in order[::-1]:
        g_out = grads[id(tensor)]
        if g_out is None:
            continue
        if tensor._ctx is None:
            if tensor.requires_grad:
                if tensor.grad is None:
                    tensor.grad = g_out
                else:
                    tensor.grad = tensor.grad + g_out
            continue
        node = tensor._ctx
        input_grads = _call_node(node, g_out)
        for i, inp in enumerate(node.inputs):
            g = input_grads[i]
            if inp is None or g is None or not inp.requires_grad:
                continue
            g = _reduce_input_grad(node, inp, g)
            if grads[id(inp)] is None:
                grads[id(inp)] = g
            else:
                grads[id(inp)] = grads[id(inp)] + g

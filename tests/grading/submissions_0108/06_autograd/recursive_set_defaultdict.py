import sys
from collections import defaultdict, deque


def topological_order(root):
    sys.setrecursionlimit(20000)
    order = []
    visited = set()

    def visit(t):
        if t in visited:
            return
        visited.add(t)
        if t._ctx is not None:
            for inp in t._ctx.inputs:
                if inp is not None:
                    visit(inp)
        order.append(t)

    visit(root)
    return order


def backward(self, gradient=None):
    if not self.requires_grad:
        raise RuntimeError("no grad")
    if gradient is None:
        if self.size != 1:
            raise RuntimeError("not scalar")
        gradient = np.ones_like(self.data)
    else:
        gradient = np.array(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=self.dtype)
        if gradient.shape != self.shape:
            raise ValueError("bad shape")
    grads = defaultdict(lambda: 0.0)
    grads[self] = gradient
    for tensor in reversed(topological_order(self)):
        if tensor not in grads:
            continue
        grad = grads.pop(tensor)
        if tensor._ctx is None:
            if tensor.requires_grad:
                if tensor.grad is None:
                    tensor.grad = grad
                else:
                    tensor.grad += grad
            continue
        node = tensor._ctx
        input_grads = _call_node(node, grad)
        for i in range(len(node.inputs)):
            inp, g = node.inputs[i], input_grads[i]
            if inp is None or g is None or not inp.requires_grad:
                continue
            grads[inp] += _reduce_input_grad(node, inp, g)

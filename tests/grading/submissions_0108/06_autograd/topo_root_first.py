def topological_order(root):
    """Tensors of the graph ending at `root`, each after every tensor it was computed from."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        tensor, inputs_done = stack.pop()
        if inputs_done:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        if tensor._ctx is not None:
            for inp in tensor._ctx.inputs:
                if inp is not None and id(inp) not in visited:
                    stack.append((inp, False))
    # backward starts from the root, so put it first
    return order[::-1]

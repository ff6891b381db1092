def topological_order(root):
    """Tensors of the graph ending at `root`, each after every tensor it was computed from."""
    order, visited = [], {id(root)}
    stack = [(root, False)]
    while stack:
        tensor, inputs_done = stack.pop()
        if inputs_done:
            order.append(tensor)            # all its inputs are listed: list it
            continue
        stack.append((tensor, True))
        if tensor._ctx is not None:
            for inp in tensor._ctx.inputs:
                if inp is not None and id(inp) not in visited:
                    visited.add(id(inp))    # seen: never push it twice
                    stack.append((inp, False))
    return order

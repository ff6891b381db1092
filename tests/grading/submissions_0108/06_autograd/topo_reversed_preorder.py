def topological_order(root):
    """Tensors of the graph ending at `root`, each after every tensor it was computed from."""
    # depth-first from the root with a stack; mark a tensor seen when it is pushed, so each is listed once
    order, seen, stack = [], {id(root)}, [root]
    while stack:
        tensor = stack.pop()
        order.append(tensor)
        if tensor._ctx is not None:
            for inp in tensor._ctx.inputs:
                if inp is not None and id(inp) not in seen:
                    seen.add(id(inp))
                    stack.append(inp)
    return order[::-1]          # the root was listed first: reverse so that it comes last

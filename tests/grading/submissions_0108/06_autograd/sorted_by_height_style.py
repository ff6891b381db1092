def topological_order(root):
    """Tensors of the graph ending at `root`, each after every tensor it was computed from."""
    # A tensor's height is 0 for a leaf, else 1 + the greatest height of its inputs; sorted by
    # height, every tensor comes after its inputs. The heights are found with a stack, not by
    # recursion, so a long chain does not reach Python's recursion limit.
    height, tensors, stack = {}, [], [root]
    while stack:
        tensor = stack[-1]
        inputs = [inp for inp in (tensor._ctx.inputs if tensor._ctx is not None else ()) if inp is not None]
        unknown = [inp for inp in inputs if id(inp) not in height]
        if unknown:
            stack.extend(unknown)
            continue
        stack.pop()
        if id(tensor) not in height:
            height[id(tensor)] = 1 + max((height[id(inp)] for inp in inputs), default=-1)
            tensors.append(tensor)
    return sorted(tensors, key=lambda tensor: height[id(tensor)])

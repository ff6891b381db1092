def topological_order(root):
    result = []
    done = set()

    def visit(t):
        if id(t) in done:
            return
        done.add(id(t))
        if t._ctx is not None:
            for inp in t._ctx.inputs:
                if inp is not None:
                    visit(inp)
        result.append(t)

    visit(root)
    return result

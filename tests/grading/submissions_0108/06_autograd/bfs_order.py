from collections import deque


def topological_order(root):
    # walk the graph level by level from the loss, then flip it so the leaves come first
    seen = {id(root)}
    queue = deque([root])
    levels = []
    while queue:
        node = queue.popleft()
        levels.append(node)
        if node._ctx is None:
            continue
        for parent in node._ctx.inputs:
            if parent is not None and id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)
    return levels[::-1]

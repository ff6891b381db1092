def sum_backward(grad, out, a, axis=None, keepdims=False):
    # d(sum)/da is 1 for every element
    return (np.ones_like(a),)

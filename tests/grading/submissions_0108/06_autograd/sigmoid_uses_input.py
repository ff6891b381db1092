def sigmoid_backward(grad, out, x):
    # sigmoid'(x) = s (1 - s)
    return (grad * x * (1 - x),)

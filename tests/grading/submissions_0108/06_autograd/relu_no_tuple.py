def relu_backward(grad, out, x):
    return grad * (x > 0)

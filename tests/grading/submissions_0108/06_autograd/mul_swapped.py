def mul_backward(grad, out, a, b):
    return grad * a, grad * b

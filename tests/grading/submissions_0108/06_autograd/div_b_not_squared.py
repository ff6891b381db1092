def div_backward(grad, out, a, b):
    return grad / b, -grad * a / b

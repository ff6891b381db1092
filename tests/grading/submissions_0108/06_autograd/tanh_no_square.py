def tanh_backward(grad, out, x):
    # derivative of tanh is 1 - tanh
    return (grad * (1 - out),)

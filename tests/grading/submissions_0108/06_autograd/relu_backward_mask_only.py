def relu_backward(grad, out, x):
    # the derivative of relu is 1 where x > 0
    return ((x > 0).astype(x.dtype),)

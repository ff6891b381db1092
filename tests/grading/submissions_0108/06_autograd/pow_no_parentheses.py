def pow_backward(grad, out, a, exponent):
    return (grad * exponent * a ** exponent - 1,)

def exp_backward(grad, out, a):
    # d/da e^a = e^a, which is out
    return (out,)

def sigmoid_backward(grad, out, x):
    s = 1 / (1 + np.exp(-out))
    return (grad * s * (1 - s),)

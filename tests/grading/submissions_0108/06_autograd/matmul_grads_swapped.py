def matmul_backward(grad, out, a, b):
    return np.swapaxes(a, -1, -2) @ grad, grad @ np.swapaxes(b, -1, -2)

def matmul_backward(grad, out, a, b):
    grad_a = grad @ b
    grad_b = a @ grad
    return grad_a, grad_b

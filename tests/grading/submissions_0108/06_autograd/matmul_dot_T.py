def matmul_backward(grad, out, a, b):
    """Gradients of out = a @ b, for a and b with at least 2 axes."""
    grad_a = grad @ b.T
    grad_b = a.T @ grad
    return grad_a, grad_b

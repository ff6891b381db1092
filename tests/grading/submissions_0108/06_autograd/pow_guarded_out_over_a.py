def pow_backward(grad, out, a, exponent):
    """Gradient of out = a ** exponent."""
    # d/da a**p = p * a**p / a; at a = 0 the slope of a**p is 0, so skip the division there
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(a != 0, exponent * out / a, 0.0)
    return (grad * slope,)

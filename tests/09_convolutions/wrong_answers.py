"""A pytest plugin for test_blame.py: plausible wrong student answers, one per exercise of module 09.

    TINYTORCH_09_WRONG=conv2d_loops python -m pytest -p wrong_answers tests/09_convolutions/...

puts the wrong answer named by TINYTORCH_09_WRONG into tinytorch.core.spatial before any test
module is imported, so `from tinytorch.core.spatial import conv2d_loops` in a test file and the
module's own calls (use_loops, the *_general_loops functions) both get it, as with a student's
export. Each wrong answer is a mistake students make, built on the real function (so it keeps the
argument checks and dtypes) and wrong only where the mistake is.
"""
import functools
import os

import numpy as np

ENV = "TINYTORCH_09_WRONG"


def _pair(value):
    return (value, value) if isinstance(value, (int, np.integer)) else tuple(value)


def conv2d_loops(spatial, right):
    """A true convolution: the kernel flipped (w[kh-1-ki, kw-1-kj]) instead of PyTorch's cross-correlation."""
    @functools.wraps(right)
    def wrong(x, weight, bias=None, stride=1, padding=0):
        weight = np.asarray(weight)
        return right(x, weight[:, :, ::-1, ::-1] if weight.ndim == 4 else weight, bias, stride, padding)
    return wrong


def conv2d_backward_loops(spatial, right):
    """grad_w indexed with the kernel offsets reversed."""
    @functools.wraps(right)
    def wrong(grad_out, x, weight, stride=1, padding=0):
        grad_x, grad_w, grad_b = right(grad_out, x, weight, stride, padding)
        return grad_x, grad_w[:, :, ::-1, ::-1], grad_b
    return wrong


def maxpool2d_loops(spatial, right):
    """Pads with zeros instead of -inf: on negative inputs the padding wins."""
    @functools.wraps(right)
    def wrong(x, kernel_size, stride=None, padding=0):
        x, kernel, stride, (ph, pw), _ = spatial._check_pool_args("maxpool2d_loops", x, kernel_size, stride, padding)
        return right(np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))), kernel, stride, 0)
    return wrong


def avgpool2d_loops(spatial, right):
    """Divides each window by its real (unpadded) cells: count_include_pad=False, not the module's rule."""
    @functools.wraps(right)
    def wrong(x, kernel_size, stride=None, padding=0):
        out = right(x, kernel_size, stride, padding)
        real_share = right(np.ones(np.shape(x)), kernel_size, stride, padding)   # real cells / (kh * kw)
        return (out / real_share).astype(out.dtype)
    return wrong


def maxpool2d_backward_loops(spatial, right):
    """`>=` instead of `>`: on a tie the LAST maximum in row-major order takes the gradient."""
    @functools.wraps(right)
    def wrong(grad_out, x, kernel_size, stride=None, padding=0):
        right(grad_out, x, kernel_size, stride, padding)                     # the given checks still run
        x, (kh, kw), (sh, sw), (ph, pw), _ = spatial._check_pool_args("maxpool2d_backward_loops", x, kernel_size,
                                                                       stride, padding)
        grad_out = spatial._as_array(grad_out, "grad_out")
        x_pad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
        grad = np.zeros(x_pad.shape, dtype=np.result_type(grad_out, x))
        for n, c, i, j in np.ndindex(*grad_out.shape):
            window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].ravel()
            last = window.size - 1 - int(np.argmax(window[::-1]))
            grad[n, c, i * sh + last // kw, j * sw + last % kw] += grad_out[n, c, i, j]
        return grad[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]
    return wrong


def avgpool2d_backward_loops(spatial, right):
    """Shares each window's gradient among its real cells only (count_include_pad=False)."""
    @functools.wraps(right)
    def wrong(grad_out, x, kernel_size, stride=None, padding=0):
        dtype = right(grad_out, x, kernel_size, stride, padding).dtype      # the given checks still run
        real_share = spatial.avgpool2d_vectorized(np.ones(np.shape(x)), kernel_size, stride, padding)
        return right(np.asarray(grad_out) / real_share, x, kernel_size, stride, padding).astype(dtype)
    return wrong


def conv_output_size(spatial, right):
    """Padding added once instead of at both ends."""
    @functools.wraps(right)
    def wrong(size, kernel, stride=1, padding=0):
        right(size, kernel, stride, padding)                   # the given argument checks still run
        return (size + padding - kernel) // stride + 1
    return wrong


def receptive_field(spatial, right):
    """Ignores the strides: every layer widens the field by kernel - 1 input pixels."""
    @functools.wraps(right)
    def wrong(layers):
        field = [1, 1]
        for layer in layers:
            if hasattr(layer, "kernel_size"):
                field = [f + k - 1 for f, k in zip(field, _pair(layer.kernel_size))]
        return tuple(field)
    return wrong


def conv2d_init(spatial, right):
    """He initialisation with fan_out (out_channels * kh * kw) instead of fan_in."""
    @functools.wraps(right)
    def wrong(self, in_channels, out_channels, kernel_size, *args, **kwargs):
        right(self, in_channels, out_channels, kernel_size, *args, **kwargs)
        self.weight.data *= np.sqrt(in_channels // self.groups / out_channels).astype(self.weight.data.dtype)
    return wrong


# name -> (object that holds it, attribute, wrong answer); "Conv2d.__init__" lives on the class
WRONG = {
    "conv2d_loops": (None, "conv2d_loops", conv2d_loops),
    "conv2d_backward_loops": (None, "conv2d_backward_loops", conv2d_backward_loops),
    "maxpool2d_loops": (None, "maxpool2d_loops", maxpool2d_loops),
    "avgpool2d_loops": (None, "avgpool2d_loops", avgpool2d_loops),
    "maxpool2d_backward_loops": (None, "maxpool2d_backward_loops", maxpool2d_backward_loops),
    "avgpool2d_backward_loops": (None, "avgpool2d_backward_loops", avgpool2d_backward_loops),
    "conv_output_size": (None, "conv_output_size", conv_output_size),
    "receptive_field": (None, "receptive_field", receptive_field),
    "Conv2d.__init__": ("Conv2d", "__init__", conv2d_init),
}


def install(name):
    """Replace the student function `name` in tinytorch.core.spatial by its wrong answer."""
    from tinytorch.core import spatial
    holder, attribute, make = WRONG[name]
    target = spatial if holder is None else getattr(spatial, holder)
    setattr(target, attribute, make(spatial, getattr(target, attribute)))


def pytest_configure(config):
    name = os.environ.get(ENV)
    if name:
        install(name)

"""Plain-numpy oracles for the Module 09 tests, independent of the student's code (issue #21).

`tito test 09` runs this suite against the student's own export, so an expected value computed
by one of their functions (conv2d_loops, say) would turn a slip in that function into failures of
every test that borrowed it: a correct conv2d_backward_loops would read "relative error 0.49".
Every expected value in tests/09_convolutions therefore comes from here, from torch, or from
numbers worked out by hand, never from another student function, and nothing here imports
tinytorch.

Each oracle is the textbook formula (CS231n style) in float64: for every kernel offset (ki, kj),
the strided slice of the padded input that this offset sees at all output positions at once,
multiplied in (convolution), compared (max pooling) or added (average pooling). Backward does
the same slicing in reverse: the gradient of a slice is added back into the same slice.
test_oracles.py checks each one against hand-worked values and against torch.

Conventions (PyTorch's, as module 09 states them): NCHW; weight (C_out, C_in // groups, kh, kw);
cross-correlation (the kernel is not flipped); kernel, stride, padding, dilation an int or an
(h, w) pair; pooling's stride None means the kernel size. Convolution pads with zeros and also
accepts padding "valid", "same" (stride 1; an odd total puts the extra row/column at the bottom/
right) or ((top, bottom), (left, right)). Max pooling pads with -inf, so padding never wins, and
sends each window's gradient to its first maximum in row-major order. Average pooling pads with
zeros that count in the mean (count_include_pad=True): every window divides by kh * kw.
"""
import numbers

import numpy as np


def pair(value):
    """(h, w) from an int or a pair."""
    return (int(value), int(value)) if isinstance(value, numbers.Integral) else tuple(int(v) for v in value)


def output_size(size, kernel, stride=1, padding=0, dilation=1):
    """Window positions along one axis: the (dilated) window must fit whole in the padded axis."""
    span = dilation * (kernel - 1) + 1
    return (size + 2 * padding - span) // stride + 1


def conv_pads(padding, kernel, dilation=1):
    """((top, bottom), (left, right)) from an int, a pair, "valid", "same" or explicit pads."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        assert padding == "same", padding
        totals = [d * (k - 1) for k, d in zip(pair(kernel), pair(dilation))]
        return tuple((total // 2, total - total // 2) for total in totals)
    if isinstance(padding, tuple) and isinstance(padding[0], tuple):       # already ((top, bottom), (left, right))
        return padding
    return tuple((p, p) for p in pair(padding))


def _pad(x, pads, value):
    (top, bottom), (left, right) = pads
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=value)


def _taps(kernel, stride, dilation, out_hw):
    """For each kernel offset (ki, kj), row-major: the index of the padded input it sees at every output."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    for ki in range(kh):
        for kj in range(kw):
            rows = slice(ki * dh, ki * dh + sh * (oh - 1) + 1, sh)
            cols = slice(kj * dw, kj * dw + sw * (ow - 1) + 1, sw)
            yield ki, kj, (Ellipsis, rows, cols)


def _conv_geometry(x_shape, weight_shape, stride, padding, dilation):
    kernel, stride, dilation = tuple(weight_shape[2:]), pair(stride), pair(dilation)
    pads = conv_pads(padding, kernel, dilation)
    out_hw = tuple((n + before + after - d * (k - 1) - 1) // s + 1
                   for n, (before, after), k, s, d in zip(x_shape[2:], pads, kernel, stride, dilation))
    return kernel, stride, dilation, pads, out_hw


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """out[n, o, i, j] = bias[o] + sum over c, ki, kj of x_pad[n, c, i*sh + ki*dh, j*sw + kj*dw] * w[o, c, ki, kj],
    with the input and output channels split into `groups` independent groups."""
    x, weight = np.asarray(x, np.float64), np.asarray(weight, np.float64)
    kernel, stride, dilation, pads, (oh, ow) = _conv_geometry(x.shape, weight.shape, stride, padding, dilation)
    (n, c), o, g = x.shape[:2], weight.shape[0], groups
    x_pad = _pad(x, pads, 0.0)
    xg = x_pad.reshape(n, g, c // g, *x_pad.shape[2:])          # the channels of each group
    wg = weight.reshape(g, o // g, c // g, *kernel)
    out = np.zeros((n, g, o // g, oh, ow))
    for ki, kj, where in _taps(kernel, stride, dilation, (oh, ow)):
        out += np.einsum("ngchw,goc->ngohw", xg[where], wg[..., ki, kj])
    out = out.reshape(n, o, oh, ow)
    return out if bias is None else out + np.asarray(bias, np.float64)[None, :, None, None]


def conv2d_backward(grad_out, x, weight, stride=1, padding=0, dilation=1, groups=1):
    """(grad_x, grad_weight, grad_bias) of sum(grad_out * conv2d(x, weight, bias, ...)): each offset's
    slice of x meets grad_out in grad_weight, and grad_out times the offset's weights goes back
    into the same slice of grad_x (overlapping slices add up)."""
    x, weight = np.asarray(x, np.float64), np.asarray(weight, np.float64)
    grad_out = np.asarray(grad_out, np.float64)
    kernel, stride, dilation, pads, out_hw = _conv_geometry(x.shape, weight.shape, stride, padding, dilation)
    (n, c, h, w), o, g = x.shape, weight.shape[0], groups
    x_pad = _pad(x, pads, 0.0)
    xg = x_pad.reshape(n, g, c // g, *x_pad.shape[2:])
    grad_xg = np.zeros(xg.shape)
    wg = weight.reshape(g, o // g, c // g, *kernel)
    grad_wg = np.zeros(wg.shape)
    gg = grad_out.reshape(n, g, o // g, *out_hw)
    for ki, kj, where in _taps(kernel, stride, dilation, out_hw):
        grad_wg[..., ki, kj] = np.einsum("ngohw,ngchw->goc", gg, xg[where])
        grad_xg[where] += np.einsum("ngohw,goc->ngchw", gg, wg[..., ki, kj])
    (top, _), (left, _) = pads
    grad_x = grad_xg.reshape(x_pad.shape)[:, :, top:top + h, left:left + w]
    return grad_x, grad_wg.reshape(weight.shape), grad_out.sum(axis=(0, 2, 3))


def _pool_geometry(x_shape, kernel, stride, padding):
    kernel, padding = pair(kernel), pair(padding)
    stride = kernel if stride is None else pair(stride)
    out_hw = tuple(output_size(n, k, s, p) for n, k, s, p in zip(x_shape[2:], kernel, stride, padding))
    return kernel, stride, tuple((p, p) for p in padding), out_hw


def _max_winners(x, kernel, stride, padding):
    """Each window's maximum and the offset (row-major index ki * kw + kj) of its first maximum."""
    x = np.asarray(x, np.float64)
    kernel, stride, pads, out_hw = _pool_geometry(x.shape, kernel, stride, padding)
    x_pad = _pad(x, pads, -np.inf)
    best = np.full((*x.shape[:2], *out_hw), -np.inf)
    winner = np.zeros(best.shape, dtype=int)
    for ki, kj, where in _taps(kernel, stride, (1, 1), out_hw):
        later_and_larger = x_pad[where] > best          # strict: a later tie never takes over
        best = np.where(later_and_larger, x_pad[where], best)
        winner = np.where(later_and_larger, ki * kernel[1] + kj, winner)
    return best, winner, x_pad.shape, kernel, stride, pads, out_hw


def max_pool2d(x, kernel, stride=None, padding=0):
    """The maximum of every window of the -inf padded input."""
    return _max_winners(x, kernel, stride, padding)[0]


def max_pool2d_backward(grad_out, x, kernel, stride=None, padding=0):
    """Each window's gradient goes to its first maximum in row-major order; shared winners add up."""
    _, winner, padded_shape, kernel, stride, pads, out_hw = _max_winners(x, kernel, stride, padding)
    grad_out = np.asarray(grad_out, np.float64)
    grad = np.zeros(padded_shape)
    for ki, kj, where in _taps(kernel, stride, (1, 1), out_hw):
        grad[where] += np.where(winner == ki * kernel[1] + kj, grad_out, 0.0)
    (top, _), (left, _) = pads
    return grad[:, :, top:top + np.shape(x)[2], left:left + np.shape(x)[3]]


def avg_pool2d(x, kernel, stride=None, padding=0):
    """Every window's sum over the zero-padded input, divided by kh * kw (padding counts)."""
    x = np.asarray(x, np.float64)
    kernel, stride, pads, out_hw = _pool_geometry(x.shape, kernel, stride, padding)
    x_pad = _pad(x, pads, 0.0)
    return sum(x_pad[where] for _, _, where in _taps(kernel, stride, (1, 1), out_hw)) / (kernel[0] * kernel[1])


def avg_pool2d_backward(grad_out, x, kernel, stride=None, padding=0):
    """Each window spreads grad / (kh * kw) over its kh * kw cells; the shares on padding are cut off."""
    x, grad_out = np.asarray(x, np.float64), np.asarray(grad_out, np.float64)
    kernel, stride, pads, out_hw = _pool_geometry(x.shape, kernel, stride, padding)
    grad = np.zeros(_pad(x, pads, 0.0).shape)
    for _, _, where in _taps(kernel, stride, (1, 1), out_hw):
        grad[where] += grad_out / (kernel[0] * kernel[1])
    (top, _), (left, _) = pads
    return grad[:, :, top:top + x.shape[2], left:left + x.shape[3]]


def numerical_gradient(f, x, eps=1e-4):
    """Central differences of the scalar f at every entry of a float64 copy of x (exact for the
    linear losses sum(probe * output) these tests use, up to rounding)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + eps
        up = f(x)
        x[index] = saved - eps
        down = f(x)
        x[index] = saved
        grad[index] = (up - down) / (2 * eps)
    return grad

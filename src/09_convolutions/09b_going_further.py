# %% [markdown]
# # Module 09, going further: PyTorch's other options, adaptive pooling, batch normalisation and training
#
# > The third notebook of module 09, after the lesson (`09_convolutions.ipynb`) and the fast
# > path (`09a_fast_path.ipynb`): given code, not graded. Its exported cells go into the same
# > file as theirs, `tinytorch/core/spatial.py`, after them: `tito export 09` puts them there
# > as the course has them, next to your code.
#
# This notebook builds on the code of the lesson and of the fast path, which it imports from
# the package: your export of the lesson (the fast path's code follows it) once you have run
# `tito export 09`, the course's reference before.
# Run the lesson first; come back here when its checks pass. The layers (`Conv2d`, `MaxPool2d`,
# `AvgPool2d`) come from the package too, so with options they run the package's copy of the
# code below, not your edits of it: change a function here and call it yourself to see the
# effect. `tito export 09` exports this notebook's code as the course gives it.

# %% nbgrader={"grade": false, "grade_id": "going-further-imports", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The lesson's names this notebook uses. Not exported: in the package this notebook's code
# follows the lesson's in one module, where these names are already defined.
import numpy as np

from tinytorch.core.autograd import Function
from tinytorch.core.layers import Module, _check_positive_int
from tinytorch.core.spatial import (_OPTIONS_CODE, AvgPool2d, Conv2d, MaxPool2d, _avgpool_divisor, _check_conv,
                                    _check_grad_out, _check_input, _check_pool, _col2im, _conv_padding, _dilated_kernel,
                                    _im2col, _offset_slices, _output_hw, _weight_cols,
                                    avgpool2d_backward_loops, avgpool2d_loops, avgpool2d_vectorized,
                                    conv2d_backward_loops, conv2d_loops, conv2d_vectorized, conv_output_size,
                                    count_parameters, maxpool2d_backward_loops, maxpool2d_loops, maxpool2d_vectorized)
from tinytorch.core.tensor import Tensor, is_whole_number
# The pictures' helpers, as in the lesson.
from tinytorch.figures import grid as _grid, pyplot as _pyplot, show as _show


# %% [markdown]
# The checks below compare the given code with independent numpy versions, through the two
# helpers of the given cell below: the lesson's `_conv_numpy`, and an `_assert_close` without the
# lesson's diagnosis of likely bugs (nothing here is yours to debug).

# %% nbgrader={"grade": false, "grade_id": "going-further-check-helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| check_helpers
import numpy as np

from tito.check_helpers.convolutions import _conv_numpy   # the lesson's independent reference


def _assert_close(got, expected, what, tol=1e-10):
    """Shape first, then values, with the first line saying where and by how much."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, f"{what} has shape {got.shape}, expected {expected.shape}"
    wrong = ~np.isclose(got, expected, rtol=tol, atol=tol)
    if wrong.any():
        at = tuple(int(i) for i in np.argwhere(wrong)[0])
        raise AssertionError(f"{what} differs at index {at}: got {got[at]!r}, expected {expected[at]!r} "
                             f"({int(wrong.sum())} of {wrong.size} values differ by more than {tol:g})")


# %% [markdown]
# ## 13. Going further: PyTorch's other options, adaptive pooling and batch normalisation (given, not graded)
#
# Modern CNNs use a few more options than this lesson's layers had, and two more layers.
# All of it is given code with PyTorch's names, defaults and semantics, and the checks
# below it are ungraded: read them, change them, break them. The layers of section 7
# accept every option:
#
# ```python
# Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True)
# MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, *, ceil_mode=False)
# AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True)
# ```
#
# With the default options they run exactly the code of sections 4 to 7 (the fast paths of
# sections 4 and 5 are in `09a_fast_path.ipynb`). With others they
# run the code of this section, which reuses those pieces: the im2col columns, col2im, the
# strided views per kernel offset. The loop versions (`conv2d_general_loops` and friends)
# reduce each option to your loops where they can, so they check the fast path here too.
#
# ### 13.1 Dilation: a kernel with gaps
#
# `dilation=d` spreads the kernel's taps `d` pixels apart: output `(i, j)` reads
# `x_pad[i * s + ki * d, j * s + kj * d]`. A 3x3 kernel with dilation 2 sees a 5x5 area with
# 9 weights, so the receptive field grows without more weights or more MACs (WaveNet and
# DeepLab stack dilations 1, 2, 4, ... for that). In every size formula the kernel becomes
# its *span*, `d * (k - 1) + 1`. (Section 8's `receptive_field` reads `kernel_size` and
# `stride` only, so it undercounts a dilated layer, which widens the field by `d * (k - 1)`,
# not `k - 1`.) The cell draws the taps of a 3x3 kernel at three dilations:

# %%
if __name__ == "__main__":
    for _d in (1, 2, 3):
        _span = _dilated_kernel((3, 3), (_d, _d))[0]
        _taps = np.zeros((_span, _span), dtype=int)
        _taps[::_d, ::_d] = 1
        print(f"dilation {_d}: 9 weights over a {_span}x{_span} area "
              f"(output size on a 28x28 input, no padding: {conv_output_size(28, _span)})")
        print("\n".join("    " + " ".join("#" if _t else "." for _t in _row) for _row in _taps))
    _plt = _pyplot()
    if _plt is not None:
        _fig, _axes = _plt.subplots(1, 3, figsize=(9, 3.2))
        for _ax, _d in zip(_axes, (1, 2, 3)):
            _span = _dilated_kernel((3, 3), (_d, _d))[0]
            _weights = np.zeros((_span, _span))
            _weights[::_d, ::_d] = np.arange(1, 10).reshape(3, 3)    # the 9 taps, numbered row by row
            _grid(_ax, _weights, f"dilation {_d}: 9 weights over {_span}x{_span}", cmap="Blues",
                  mask=_weights > 0)
        _fig.tight_layout()
        _show(_plt, _fig)

# %% [markdown]
# A dilated kernel is an ordinary kernel of its span with zeros between the taps, so
# `conv2d_general_loops` builds that kernel (`_spread_kernel`) and calls your `conv2d_loops`.
# The fast path does not multiply by zeros: `_im2col` takes every `d`-th row and column of
# each span-sized window, still as one view and one copy.
#
# ### 13.2 Groups and depthwise-separable convolutions
#
# `groups=g` splits the input channels into `g` groups of `C_in / g` and the output
# channels into `g` groups of `C_out / g`; output group `k` sees input group `k` only. So
# the weight is `(C_out, C_in / g, kh, kw)` (Exercise 8's `in_channels // groups`), and
# weights and MACs shrink `g` times. `groups == C_in` is a **depthwise** convolution: one
# filter per channel, no mixing. Followed by a 1x1 (**pointwise**) convolution that mixes
# the channels, it forms the **depthwise-separable** block of MobileNet and Xception.
# For one 3x3 layer of 64 -> 64 channels on a 32x32 map (batch 1):

# %%
if __name__ == "__main__":
    _shape = (1, 64, 32, 32)
    _dense = Conv2d(64, 64, 3, padding=1)
    _depthwise, _pointwise = Conv2d(64, 64, 3, padding=1, groups=64), Conv2d(64, 64, 1)
    _rows = [("dense 3x3", [_dense]), ("depthwise 3x3 + pointwise 1x1", [_depthwise, _pointwise])]
    print(f"{'layer':<32}{'parameters':>10}{'MACs':>14}")
    for _name, _layers in _rows:
        _weights = sum(count_parameters(_layer) for _layer in _layers)
        _macs = sum(_layer.macs(_shape) for _layer in _layers)
        print(f"{_name:<32}{_weights:>10,}{_macs:>14,}")
    _ratio = (_dense.macs(_shape) / (_depthwise.macs(_shape) + _pointwise.macs(_shape)))
    print(f"the separable pair costs {1 / _ratio:.1%} of the dense layer's MACs")

# %% [markdown]
# The loops run one `conv2d_loops` per group on the group's channel slices, and so does the
# fast path: section 4's im2col, GEMM and col2im once per group, each a `groups`-th of the
# size. Depthwise is the exception: there each group's GEMM would be
# `(N*H_out*W_out, kh*kw) @ (kh*kw, 1)`, too thin for BLAS, so the code computes the same
# sums as `kh*kw` whole-array multiply-adds, one per kernel offset, as average pooling does.
# Each multiply-add takes whole rows of the channels-last input (`W_out*C` numbers in memory
# order) against the offset's `C` taps repeated along the row, so numpy runs one long loop per
# row instead of one short loop of `C` numbers per pixel.
#
# ### 13.3 Padding "same" and "valid"
#
# `padding="valid"` is no padding. `padding="same"` (stride 1 only, as in PyTorch) pads so
# that the output keeps the input's size: `d * (k - 1)` rows in total. When that total is
# odd, PyTorch puts the extra row at the bottom and the extra column at the right. The im2col
# path and the loops add that extra row and column to the input first and pad the rest
# evenly, so the rest of the path stays symmetric; backward drops the extra gradient row
# again. The depthwise path pads unevenly in one copy.

# %%
if __name__ == "__main__":
    print(f"{'kernel':>6} {'dilation':>8} {'total':>6} {'(top, bottom)':>14}")
    for _k, _d in [(3, 1), (4, 1), (5, 1), (2, 1), (3, 2), (4, 3)]:
        _pads = _conv_padding("Conv2d", "same", (_k, _k), (1, 1), (_d, _d))[0]
        print(f"{_k:>6} {_d:>8} {sum(_pads):>6} {str(_pads):>14}")

# %% nbgrader={"grade": false, "grade_id": "conv-options", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _split_padding(x, pads):
    """x with the bottom/right padding beyond the top/left one added, and the even rest (ph, pw).

    Only "same" with an even span pads unevenly: one more row (column) at the bottom (right).
    """
    (top, bottom), (left, right) = pads
    if bottom != top or right != left:
        x = np.pad(x, ((0, 0), (0, 0), (0, bottom - top), (0, right - left)))
    return x, (top, left)


def _is_depthwise(weight, groups):
    """One input channel per group: each output sums kh*kw products of a single channel."""
    return groups > 1 and weight.shape[1] == 1


def _padded_channels_last(x, pads):
    """x zero-padded by ((top, bottom), (left, right)), as an (N, H', W', C) array: one copy."""
    (batch, channels, height, width), ((top, bottom), (left, right)) = x.shape, pads
    out = np.zeros((batch, height + top + bottom, width + left + right, channels), dtype=x.dtype)
    out[:, top:top + height, left:left + width] = x.transpose(0, 2, 3, 1)
    return out


def _channels_last_offsets(kernel, stride, out_hw, dilation):
    """For each kernel offset: its index ki * kw + kj and the slices that pick it from every
    window of an (N, H', W', C) array."""
    for offset, (_, _, rows, cols) in _offset_slices(kernel, stride, out_hw, dilation):
        yield offset, (slice(None), rows, cols)


def _depthwise_forward(x_pad, weight, stride, dilation, out_hw):
    """A depthwise convolution (`multiplier` outputs per channel) as kh*kw strided multiply-adds
    on the channels-last padded input x_pad (N, H', W', C).

    Why not the grouped GEMM: with one channel per group, each group's matrix multiply is
    (N*H_out*W_out, kh*kw) @ (kh*kw, multiplier), far too thin for BLAS. The same sums as
    whole-array multiply-adds, one per kernel offset, run like average pooling. What keeps them
    fast is long runs through memory: channels-last, an output row is W_out*C numbers in order,
    and each tap is repeated along a row (`_row_taps`) so that every operand runs a whole row
    (a tap broadcast over the C channels alone would cut every run to C numbers). Each of a
    channel's `multiplier` outputs gets its own passes, and the products go into one reused buffer.
    """
    (batch, channels), (c_out, _, kh, kw) = (x_pad.shape[0], x_pad.shape[3]), weight.shape
    rows = (batch, out_hw[0], out_hw[1] * channels)                     # (N, H_out, W_out*C): one run per row
    row_taps = _row_taps(weight, channels, out_hw[1])
    out = np.empty((len(row_taps), *rows), dtype=np.result_type(x_pad, weight))
    products = np.empty(rows, dtype=out.dtype)
    for out_m, taps_m in zip(out, row_taps):
        for offset, where in _channels_last_offsets((kh, kw), stride, out_hw, dilation):
            np.multiply(x_pad[where].reshape(rows), taps_m[offset], out=products if offset else out_m)
            if offset:
                out_m += products
    # (multiplier, N, H, W, C) -> (N, H, W, C * multiplier): output channel c * multiplier + m, as
    # the weight orders them (a copy only when multiplier > 1); then NCHW, channels-last in memory.
    out = np.moveaxis(out.reshape(len(out), batch, *out_hw, channels), 0, -1)
    return out.reshape(batch, *out_hw, c_out).transpose(0, 3, 1, 2)


def _row_taps(weight, channels, width):
    """(multiplier, kh*kw, width*C): for each output of a channel and each kernel offset, the C
    channels' taps repeated `width` times, to multiply a whole channels-last row at once."""
    taps = weight.reshape(channels, len(weight) // channels, -1)          # (C, multiplier, offsets)
    return np.tile(taps.transpose(1, 2, 0), width)


def _depthwise_backward(grad_out, x_pad, weight, stride, dilation):
    """Gradients (channels-last padded x, weight, bias) of _depthwise_forward, offset by offset,
    on whole rows as there. An offset's weight gradient sums g * x over every image and position:
    the products, viewed as an (N*H_out*W_out, C) matrix, are summed by column with one product
    with a vector of ones (BLAS reads it in order; see _channel_sums)."""
    (batch, channels), (c_out, _, kh, kw) = (x_pad.shape[0], x_pad.shape[3]), weight.shape
    dtype = np.result_type(grad_out, x_pad, weight)
    out_hw = grad_out.shape[2:]
    rows = (batch, out_hw[0], out_hw[1] * channels)
    g = grad_out.transpose(0, 2, 3, 1).reshape(batch, *out_hw, channels, c_out // channels).astype(dtype, copy=False)
    row_taps = _row_taps(weight.astype(dtype, copy=False), channels, out_hw[1])
    grad_taps = np.empty((channels, len(row_taps), kh * kw), dtype=dtype)
    grad_x_pad = np.zeros(x_pad.shape, dtype=dtype)
    ones = np.ones(g.size // c_out, dtype=dtype)
    products = np.empty(rows, dtype=dtype)
    for m, taps_m in enumerate(row_taps):
        g_m = np.ascontiguousarray(g[..., m]).reshape(rows)
        for offset, where in _channels_last_offsets((kh, kw), stride, out_hw, dilation):
            np.multiply(g_m, x_pad[where].reshape(rows), out=products)
            grad_taps[:, m, offset] = ones @ products.reshape(-1, channels)
            np.multiply(g_m, taps_m[offset], out=products)
            grad_x_pad[where] += products.reshape(batch, *out_hw, channels)
    return grad_x_pad, grad_taps.reshape(weight.shape), ones @ g.reshape(-1, c_out)


def _conv2d_general_forward(x, weight, bias, stride, pads, dilation, groups, out_hw):
    """Forward with dilation, groups and uneven padding: section 4's im2col and GEMM once per group
    (depthwise: kh*kw multiply-adds instead). Returns the output and what backward reuses: each
    group's columns (depthwise: the padded input)."""
    if _is_depthwise(weight, groups):
        x_pad = _padded_channels_last(x, pads)
        out = _depthwise_forward(x_pad, weight, stride, dilation, out_hw)
        return (out if bias is None else out + bias.astype(out.dtype)[None, :, None, None]), x_pad
    x, padding = _split_padding(x, pads)
    kernel = weight.shape[2:]
    cols = [_im2col(x[:, inputs], kernel, stride, padding, out_hw, dilation) for inputs in _group_slices(x.shape[1], groups)]
    out = np.empty((len(cols[0]), len(weight)), dtype=np.result_type(x, weight))
    for group_cols, outputs in zip(cols, _group_slices(len(weight), groups)):
        out[:, outputs] = group_cols @ _weight_cols(weight[outputs])      # this group's outputs see its inputs only
    if bias is not None:
        out += bias
    return out.reshape(x.shape[0], *out_hw, len(weight)).transpose(0, 3, 1, 2), cols


def _conv2d_general_backward(grad_out, x_shape, weight, cols, stride, pads, dilation, groups):
    """Gradients (x, weight, bias) of _conv2d_general_forward: section 4's two products and col2im, per group."""
    (top, bottom), (left, right) = pads
    batch, c_in, height, width = x_shape
    if _is_depthwise(weight, groups):
        grad_x_pad, grad_w, grad_b = _depthwise_backward(grad_out, cols, weight, stride, dilation)
        return grad_x_pad[:, top:top + height, left:left + width].transpose(0, 3, 1, 2), grad_w, grad_b
    c_out, c_group, kh, kw = weight.shape
    dtype = np.result_type(grad_out, weight, cols[0])
    g = grad_out.transpose(0, 2, 3, 1).reshape(-1, c_out).astype(dtype, copy=False)   # (N*H_out*W_out, C_out)
    extended = (batch, c_group, height + bottom - top, width + right - left)       # one group's input
    grad_w, grad_x = np.empty(weight.shape, dtype=dtype), []
    for group_cols, outputs in zip(cols, _group_slices(c_out, groups)):
        g_group, w_cols = g[:, outputs], _weight_cols(weight[outputs]).astype(dtype, copy=False)
        grad_w[outputs] = (group_cols.T @ g_group).reshape(kh, kw, c_group, -1).transpose(3, 2, 0, 1)
        grad_x.append(_col2im(g_group @ w_cols.T, extended, (kh, kw), stride, (top, left), grad_out.shape[2:], dilation))
    grad_x = np.concatenate(grad_x, axis=1)[:, :, :height, :width]
    return grad_x, grad_w, g.sum(axis=0)


def _spread_kernel(weight, dilation):
    """A dilated kernel as the ordinary kernel it equals: dilation - 1 zeros between neighbouring taps."""
    (dh, dw), (c_out, c_group, kh, kw) = dilation, weight.shape
    spread = np.zeros((c_out, c_group, *_dilated_kernel((kh, kw), dilation)), dtype=weight.dtype)
    spread[:, :, ::dh, ::dw] = weight
    return spread


def _group_slices(channels, groups):
    """The channel slice of each group."""
    size = channels // groups
    return [slice(k * size, (k + 1) * size) for k in range(groups)]


def conv2d_general_loops(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """conv2d_vectorized's options on your conv2d_loops, by three reductions: the extra bottom/right
    row of "same" is one more row of input zeros, a dilated kernel is a larger one with zeros between
    its taps, and groups are separate convolutions on the groups' channel slices, side by side."""
    x, weight, bias, stride, pads, dilation, groups, _ = _check_conv(
        "conv2d_general_loops", x, weight, bias, stride, padding, dilation, groups)
    x, padding = _split_padding(x, pads)
    kernel = _spread_kernel(weight, dilation)
    outputs = [conv2d_loops(x[:, inputs], kernel[outputs], None if bias is None else bias[outputs], stride, padding)
               for inputs, outputs in zip(_group_slices(x.shape[1], groups), _group_slices(len(weight), groups))]
    return np.concatenate(outputs, axis=1)


def conv2d_general_backward_loops(grad_out, x, weight, stride=1, padding=0, dilation=1, groups=1):
    """Gradients (x, weight, bias) of conv2d_general_loops, by the same reductions on your
    conv2d_backward_loops: the spread kernel's gradient is kept at the real taps only."""
    layer = "conv2d_general_backward_loops"
    x, weight, _, stride, pads, dilation, groups, out_hw = _check_conv(
        layer, x, weight, None, stride, padding, dilation, groups)
    grad_out = _check_grad_out(layer, grad_out, (len(x), len(weight), *out_hw))
    (height, width), (dh, dw) = x.shape[2:], dilation
    x, padding = _split_padding(x, pads)
    kernel = _spread_kernel(weight, dilation)
    parts = [conv2d_backward_loops(grad_out[:, outputs], x[:, inputs], kernel[outputs], stride, padding)
             for inputs, outputs in zip(_group_slices(x.shape[1], groups), _group_slices(len(weight), groups))]
    grad_x, grad_w, grad_b = (np.concatenate(grads, axis=axis) for grads, axis in zip(zip(*parts), (1, 0, 0)))
    return grad_x[:, :, :height, :width], grad_w[:, :, ::dh, ::dw], grad_b


# The lesson's conv2d_vectorized and Conv2d call these by name for what its own code does not compute.
_OPTIONS_CODE.update({f.__name__: f for f in (_conv2d_general_forward, _conv2d_general_backward,
                                             conv2d_general_loops, conv2d_general_backward_loops)})


# %% nbgrader={"grade": false, "grade_id": "check-conv-options", "locked": true, "schema_version": 3, "solution": false, "task": false}
def test_unit_conv_options():
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 4, 7, 6))
    # Dilation: the same numbers as an ordinary convolution with zeros between the taps.
    w = rng.standard_normal((3, 4, 2, 3))
    spread = np.zeros((3, 4, 3, 7))
    spread[:, :, ::2, ::3] = w
    _assert_close(conv2d_vectorized(x, w, stride=(2, 1), padding=1, dilation=(2, 3)),
                  _conv_numpy(x, spread, None, (2, 1), (1, 1)), "conv2d_vectorized, dilation (2, 3)")
    # Groups: each group's outputs see only its own input channels.
    w = rng.standard_normal((6, 2, 3, 3))
    b = rng.standard_normal(6)
    by_group = np.concatenate([_conv_numpy(x[:, 2 * k:2 * k + 2], w[3 * k:3 * k + 3], b[3 * k:3 * k + 3], (1, 1), (1, 1))
                               for k in range(2)], axis=1)
    _assert_close(conv2d_vectorized(x, w, b, padding=1, groups=2), by_group, "conv2d_vectorized, groups=2")
    # "same" with an even kernel: one more row and column of zeros at the bottom and right.
    w = rng.standard_normal((3, 4, 2, 4))
    padded = np.pad(x, ((0, 0), (0, 0), (0, 1), (1, 2)))
    same = conv2d_vectorized(x, w, padding="same")
    assert same.shape == (2, 3, 7, 6), same.shape
    _assert_close(same, _conv_numpy(padded, w, None, (1, 1), (0, 0)), 'conv2d_vectorized, padding="same", kernel (2, 4)')
    # The loops (your conv2d_loops, through the reductions) agree, forward and backward.
    w = rng.standard_normal((4, 1, 3, 2))
    _assert_close(conv2d_general_loops(x, w, None, 1, "same", 2, 4), conv2d_vectorized(x, w, None, 1, "same", 2, 4),
                  "conv2d_general_loops, depthwise, dilation 2, same")
    layer = Conv2d(4, 4, (3, 2), padding="same", dilation=2, groups=4)
    grads = []
    for use_loops in (False, True):
        layer.use_loops = use_loops
        layer.zero_grad()
        inp = Tensor(x, requires_grad=True)
        (layer(inp) ** 2).sum().backward()
        grads.append((inp.grad, layer.weight.grad, layer.bias.grad))
    for fast, slow, name in zip(*grads, ("x", "weight", "bias")):
        _assert_close(slow, fast, f"Conv2d options backward, grad of {name}: loops vs vectorized", tol=1e-4)

if __name__ == "__main__":
    test_unit_conv_options()
    print("Conv2d options (dilation, groups, same padding): ok")


# %% [markdown]
# ### 13.4 Pooling options: dilation, ceil_mode, count_include_pad
#
# `MaxPool2d(dilation=d)` spaces the window's taps as for a convolution. `ceil_mode=True`
# rounds the output size up instead of down, so a last, partial window covers the pixels
# that the floor would drop, with PyTorch's rule that a window must *start* inside the
# input or its left padding (a window on padding alone would see no pixel). For one axis:
#
# ```
# span = dilation * (kernel - 1) + 1
# out  = ceil((size + 2 * padding - span) / stride) + 1,   minus 1 if (out - 1) * stride >= size + padding
# ```
#
# The part of a last window that hangs beyond the padded input counts as -inf for max
# pooling, and never counts for average pooling. Average pooling also chooses its divisor:
# `count_include_pad=True` (the default) counts the zero padding, `False` only real pixels.

# %% nbgrader={"grade": false, "grade_id": "pool-options", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def pool_output_size(size, kernel, stride, padding=0, dilation=1, ceil_mode=False):
    """Number of pooling windows along one axis, with PyTorch's dilation and ceil_mode.

    >>> pool_output_size(5, 2, 2), pool_output_size(5, 2, 2, ceil_mode=True)
    (2, 3)
    """
    for name, value, low in (("size", size, 1), ("kernel", kernel, 1), ("stride", stride, 1), ("padding", padding, 0),
                             ("dilation", dilation, 1)):
        if not is_whole_number(value):
            raise TypeError(f"pool_output_size: {name} must be an int, got {value!r} ({type(value).__name__}).")
        if value < low:
            raise ValueError(f"pool_output_size: {name} must be >= {low}, got {value}.")
    # One axis: the layers' own check that the kernel fits, and their window count.
    return _output_hw("pool_output_size", (size,), (kernel,), (stride,), (padding,), (dilation,), ceil_mode)[0]


def _window_indices(start, kernel, dilation, size):
    """The input indices that a window starting at `start` covers along one axis, padding left out."""
    return [start + t * dilation for t in range(kernel) if 0 <= start + t * dilation < size]


def maxpool2d_general_loops(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Max pooling with dilation and ceil_mode by a loop over output positions; with the default
    options it is your maxpool2d_loops."""
    x, (kh, kw), (sh, sw), (ph, pw), (dh, dw), (h_out, w_out) = _check_pool(
        "maxpool2d_general_loops", x, kernel_size, stride, padding, dilation, ceil_mode)
    if (dh, dw) == (1, 1) and not ceil_mode:
        return maxpool2d_loops(x, (kh, kw), (sh, sw), (ph, pw))
    out = np.full((*x.shape[:2], h_out, w_out), -np.inf, dtype=x.dtype)
    for i in range(h_out):
        rows = _window_indices(i * sh - ph, kh, dh, x.shape[2])
        for j in range(w_out):
            cols = _window_indices(j * sw - pw, kw, dw, x.shape[3])
            if rows and cols:                # a window on padding alone keeps -inf, as in PyTorch
                out[:, :, i, j] = x[:, :, rows][:, :, :, cols].max(axis=(2, 3))
    return out


def maxpool2d_general_backward_loops(grad_out, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """The gradient of maxpool2d_general_loops: each window's gradient to its first maximum."""
    layer = "maxpool2d_general_backward_loops"
    x, (kh, kw), (sh, sw), (ph, pw), (dh, dw), (h_out, w_out) = _check_pool(
        layer, x, kernel_size, stride, padding, dilation, ceil_mode)
    if (dh, dw) == (1, 1) and not ceil_mode:
        return maxpool2d_backward_loops(grad_out, x, (kh, kw), (sh, sw), (ph, pw))
    grad_out = _check_grad_out(layer, grad_out, (*x.shape[:2], h_out, w_out))
    grad = np.zeros(x.shape, dtype=np.result_type(grad_out, x))
    n, c = np.ogrid[:x.shape[0], :x.shape[1]]
    for i in range(h_out):
        rows = _window_indices(i * sh - ph, kh, dh, x.shape[2])
        for j in range(w_out):
            cols = _window_indices(j * sw - pw, kw, dw, x.shape[3])
            if rows and cols:
                first = x[:, :, rows][:, :, :, cols].reshape(*x.shape[:2], len(rows) * len(cols)).argmax(axis=2)   # first max
                winner_rows, winner_cols = np.array(rows)[first // len(cols)], np.array(cols)[first % len(cols)]
                grad[n, c, winner_rows, winner_cols] += grad_out[:, :, i, j]   # one winner per (n, c): no repeats
    return grad


def _avg_window_cells(start, kernel, padding, size, real_cells, count_include_pad):
    """A window's divisor along one axis: its cells inside the padded input, or its real cells."""
    return min(start + kernel, size + padding) - start if count_include_pad else real_cells


def avgpool2d_general_loops(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Average pooling with ceil_mode and count_include_pad by a loop over output positions; with
    the default options it is your avgpool2d_loops."""
    x, (kh, kw), (sh, sw), (ph, pw), _, (h_out, w_out) = _check_pool(
        "avgpool2d_general_loops", x, kernel_size, stride, padding, 1, ceil_mode)
    if not ceil_mode and count_include_pad:
        return avgpool2d_loops(x, (kh, kw), (sh, sw), (ph, pw))
    height, width = x.shape[2:]
    out = np.zeros((*x.shape[:2], h_out, w_out), dtype=x.dtype)
    for i in range(h_out):
        rows = _window_indices(i * sh - ph, kh, 1, height)
        for j in range(w_out):
            cols = _window_indices(j * sw - pw, kw, 1, width)
            divisor = (_avg_window_cells(i * sh - ph, kh, ph, height, len(rows), count_include_pad)
                       * _avg_window_cells(j * sw - pw, kw, pw, width, len(cols), count_include_pad))
            out[:, :, i, j] = x[:, :, rows][:, :, :, cols].sum(axis=(2, 3)) / divisor
    return out


def avgpool2d_general_backward_loops(grad_out, x, kernel_size, stride=None, padding=0, ceil_mode=False,
                                     count_include_pad=True):
    """The gradient of avgpool2d_general_loops: each window's gradient / divisor to each of its real pixels."""
    layer = "avgpool2d_general_backward_loops"
    x, (kh, kw), (sh, sw), (ph, pw), _, (h_out, w_out) = _check_pool(
        layer, x, kernel_size, stride, padding, 1, ceil_mode)
    if not ceil_mode and count_include_pad:
        return avgpool2d_backward_loops(grad_out, x, (kh, kw), (sh, sw), (ph, pw))
    grad_out = _check_grad_out(layer, grad_out, (*x.shape[:2], h_out, w_out))
    height, width = x.shape[2:]
    grad = np.zeros(x.shape, dtype=np.result_type(grad_out, x))
    for i in range(h_out):
        rows = _window_indices(i * sh - ph, kh, 1, height)
        for j in range(w_out):
            cols = _window_indices(j * sw - pw, kw, 1, width)
            divisor = (_avg_window_cells(i * sh - ph, kh, ph, height, len(rows), count_include_pad)
                       * _avg_window_cells(j * sw - pw, kw, pw, width, len(cols), count_include_pad))
            for row in rows:
                for col in cols:
                    grad[:, :, row, col] += grad_out[:, :, i, j] / divisor
    return grad


# The lesson's pooling Functions call these by name when use_loops=True meets an option.
_OPTIONS_CODE.update({f.__name__: f for f in (maxpool2d_general_loops, maxpool2d_general_backward_loops,
                                             avgpool2d_general_loops, avgpool2d_general_backward_loops)})


# %%
if __name__ == "__main__":
    print(f"{'size':>4} {'kernel':>6} {'stride':>6} {'padding':>7} | {'floor':>5} {'ceil':>4}")
    for _size, _k, _s, _p in [(5, 2, 2, 0), (7, 3, 2, 0), (6, 3, 2, 1), (5, 2, 3, 1)]:
        print(f"{_size:>4} {_k:>6} {_s:>6} {_p:>7} | {pool_output_size(_size, _k, _s, _p):>5} "
              f"{pool_output_size(_size, _k, _s, _p, ceil_mode=True):>4}")
    _plt = _pyplot()
    if _plt is not None:      # the windows of one axis of the last row: size 5, kernel 2, stride 3, padding 1
        _size, _k, _s, _p = 5, 2, 3, 1
        _fig, _ax = _plt.subplots(figsize=(8, 2.2))
        _ax.add_patch(_plt.Rectangle((-_p, 0), _size + 2 * _p, 1, color="0.85"))     # padding (grey)
        _ax.add_patch(_plt.Rectangle((0, 0), _size, 1, color="white", ec="black"))   # the input
        _rounded_up = -(-(_size + 2 * _p - _k) // _s) + 1
        for _i in range(_rounded_up):
            _start = _i * _s - _p
            _kept = _i < pool_output_size(_size, _k, _s, _p, ceil_mode=True)
            _ax.add_patch(_plt.Rectangle((_start, 0.15 + 0.2 * _i), _k, 0.15, color="tab:blue" if _kept else "tab:red",
                                         alpha=0.7))
            _ax.text(_start + _k + 0.1, 0.2 + 0.2 * _i, f"window {_i} starts at {_start}: "
                     + ("kept" if _kept else "dropped (starts in the right padding)"), fontsize=8, va="center")
        _ax.set_xlim(-_p - 0.5, _size + 2 * _p + 6)
        _ax.set_ylim(0, 1)
        _ax.set_yticks([])
        _ax.set_xticks(range(-_p, _size + _p + 1))
        _ax.set_title(f"ceil_mode on {_size} pixels (white) with padding {_p} (grey), kernel {_k}, stride {_s}", fontsize=9)
        _fig.tight_layout()
        _show(_plt, _fig)
    _size, _k, _s, _p = 6, 3, 2, 1
    _last = pool_output_size(_size, _k, _s, _p, ceil_mode=True) - 1
    _start = _last * _s - _p
    _cells = {_i: "pixel" if _i < _size else "padding" if _i < _size + _p else "overhang"
              for _i in range(_start, _start + _k)}
    _divisor = {_include: _avgpool_divisor((_size, _size), (_k, _k), (_s, _s), (_p, _p), (_last + 1,) * 2, True, _include)
                for _include in (True, False)}
    print(f"\nlast window of each axis ({_last}): starts at {_last} * {_s} - {_p} = {_start}, covers "
          + ", ".join(f"{_i} ({_what})" for _i, _what in _cells.items())
          + f"; corner divisor {_divisor[True][-1, -1]} counting padding, {_divisor[False][-1, -1]} without")
    _ones = np.ones((1, 1, _size, _size))
    for _include in (True, False):
        print(f"\nAvgPool2d({_k}, stride={_s}, padding={_p}, ceil_mode=True, count_include_pad={_include}) "
              f"on a {_size}x{_size} of ones:")
        print(avgpool2d_vectorized(_ones, _k, _s, _p, ceil_mode=True, count_include_pad=_include)[0, 0])

# %% [markdown]
# In the table, row `(5, 2, 3, 1)` is the picture: rounding up would add a window that starts in
# the right padding, and PyTorch drops it. Row `(6, 3, 2, 1)` is the average pooling above: its
# last window per axis covers a pixel, the padding and the overhang, as printed. With
# `count_include_pad=True` the divisor counts the pixel and the padding but not the overhang;
# with `False` every divisor counts real pixels only, so the ones stay 1.

# %% nbgrader={"grade": false, "grade_id": "check-pool-options", "locked": true, "schema_version": 3, "solution": false, "task": false}
def test_unit_pool_options():
    # ceil_mode: sizes by hand. 5 pixels, windows of 2 every 2: [0, 2), [2, 4) and, rounding up, [4, 6).
    assert (pool_output_size(5, 2, 2), pool_output_size(5, 2, 2, ceil_mode=True)) == (2, 3)
    # Rounding up gives 3 windows of 2 every 3 on 5 + 2 * 1, but the third would start at 5, in the padding.
    assert pool_output_size(5, 2, 3, 1, ceil_mode=True) == 2
    assert pool_output_size(7, 3, 1, dilation=2) == 3, "a 3-tap window with dilation 2 spans 5 of the 7 pixels"
    ones = np.ones((1, 2, 5, 5))
    # Only real pixels counted: every average of ones is 1, wherever the window sits.
    np.testing.assert_allclose(avgpool2d_vectorized(ones, 2, padding=1, ceil_mode=True, count_include_pad=False), 1.0)
    # ceil_mode's last window [4, 6) has one real pixel per axis and no padding: divisor 1, not 2 * 2.
    np.testing.assert_allclose(avgpool2d_vectorized(ones, 2, ceil_mode=True)[0, 0], np.ones((3, 3)))
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 7, 6))
    # Dilated max pooling picks from every second row and column: the same as pooling those pixels.
    np.testing.assert_array_equal(maxpool2d_vectorized(x, 2, stride=1, dilation=2)[:, :, ::2, ::2],
                                  maxpool2d_vectorized(x[:, :, ::2, ::2], 2, stride=1))
    # The loops agree with the fast path, forward and backward.
    for layer, options in [(MaxPool2d(3, 2, 1, dilation=(1, 2), ceil_mode=True), {}),
                           (AvgPool2d((2, 3), 2, 1, ceil_mode=True, count_include_pad=False), {})]:
        results = []
        for use_loops in (False, True):
            layer.use_loops = use_loops
            inp = Tensor(x, requires_grad=True)
            out = layer(inp)
            (out * out).sum().backward()
            results.append((out.data, inp.grad))
        for fast, slow, name in zip(*results, ("output", "grad of x")):
            _assert_close(slow, fast, f"{layer!r} {name}: loops vs vectorized", tol=1e-5)

if __name__ == "__main__":
    test_unit_pool_options()
    print("pooling options (dilation, ceil_mode, count_include_pad): ok")


# %% [markdown]
# ### 13.5 Adaptive average pooling
#
# Two layers that every modern CNN uses remain. **Adaptive average pooling** asks for the *output* size and works out the windows.
# Output row `i` of `out_h` averages input rows `floor(i * H / out_h)` up to (not
# including) `ceil((i + 1) * H / out_h)`: the windows cover every row, and when `H` is
# not a multiple of `out_h` some neighbouring windows overlap (share a row). `AdaptiveAvgPool2d(1)` is
# global average pooling: one mean per channel, whatever the image size, which is how
# ResNet-style networks go from feature maps to a classifier without a huge Linear layer.

# %% nbgrader={"grade": false, "grade_id": "adaptive-avgpool", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _adaptive_windows(size, out_size):
    """[(start, end)] of each output position along one axis (PyTorch's rule)."""
    return [((i * size) // out_size, -((-(i + 1) * size) // out_size)) for i in range(out_size)]


def _adaptive_output_size(output_size, hw, layer="AdaptiveAvgPool2d"):
    """(out_h, out_w) from an int, an (h, w) pair (None keeps that input size)."""
    items = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    if len(items) != 2 or any(v is not None and (not is_whole_number(v) or v < 1) for v in items):
        raise ValueError(f"{layer}: output_size must be a positive int or a pair of positive ints (or None to keep "
                         f"that size), got {output_size!r}. Example: AdaptiveAvgPool2d(1) or AdaptiveAvgPool2d((2, 3)).")
    return tuple(int(n if v is None else v) for v, n in zip(items, hw))


class AdaptiveAvgPool2dFunction(Function):
    """Average over PyTorch's adaptive windows: one loop step per output position, each
    a mean over the whole batch and all channels at once."""

    def forward(self, x, output_size, layer="AdaptiveAvgPool2d"):
        x = _check_input(x, layer)
        self.x_shape, self.dtype = x.shape, x.dtype
        out_h, out_w = _adaptive_output_size(output_size, x.shape[2:], layer)
        self.windows = [(rows, cols) for rows in _adaptive_windows(x.shape[2], out_h)
                        for cols in _adaptive_windows(x.shape[3], out_w)]
        out = np.empty((*x.shape[:2], out_h * out_w), dtype=x.dtype)
        for k, ((r0, r1), (c0, c1)) in enumerate(self.windows):
            out[:, :, k] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
        return out.reshape(*x.shape[:2], out_h, out_w)

    def backward(self, grad_output):
        grad = grad_output.reshape(*grad_output.shape[:2], len(self.windows))
        grad_x = np.zeros(self.x_shape, dtype=self.dtype)
        for k, ((r0, r1), (c0, c1)) in enumerate(self.windows):
            # Each of the window's (r1 - r0) * (c1 - c0) inputs got that share of the mean;
            # overlapping windows add their shares.
            grad_x[:, :, r0:r1, c0:c1] += (grad[:, :, k] / ((r1 - r0) * (c1 - c0)))[:, :, None, None]
        return (grad_x,)


class AdaptiveAvgPool2d(Module):
    """torch.nn.AdaptiveAvgPool2d: output_size an int, or an (h, w) pair whose None entries keep the input's size."""

    def __init__(self, output_size):
        super().__init__()
        _adaptive_output_size(output_size, (1, 1))   # check it now, not at the first forward
        self.output_size = output_size

    def forward(self, x):
        return AdaptiveAvgPool2dFunction.apply(x, output_size=self.output_size)

    def output_shape(self, input_shape):
        batch, channels, height, width = input_shape
        return (batch, channels, *_adaptive_output_size(self.output_size, (height, width)))

    def extra_repr(self):
        return f"output_size={self.output_size}"


# %%
if __name__ == "__main__":
    for _size, _out in [(7, 3), (8, 4), (5, 2)]:
        print(f"{_size} rows -> {_out}: windows {_adaptive_windows(_size, _out)}")


# %% nbgrader={"grade": false, "grade_id": "check-adaptive-avgpool", "locked": true, "schema_version": 3, "solution": false, "task": false}
def test_unit_adaptive_avgpool():
    x = np.arange(2 * 3 * 7 * 5, dtype=np.float64).reshape(2, 3, 7, 5)
    out = AdaptiveAvgPool2d((3, 2))(Tensor(x)).data
    # 7 rows -> 3 windows [0, 3), [2, 5), [4, 7); 5 columns -> 2 windows [0, 3), [2, 5).
    expected = np.empty((2, 3, 3, 2))
    for i, (r0, r1) in enumerate([(0, 3), (2, 5), (4, 7)]):
        for j, (c0, c1) in enumerate([(0, 3), (2, 5)]):
            expected[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
    np.testing.assert_allclose(out, expected)
    np.testing.assert_allclose(AdaptiveAvgPool2d(1)(Tensor(x)).data, x.mean(axis=(2, 3), keepdims=True))
    assert AdaptiveAvgPool2d((None, 1))(Tensor(x)).shape == (2, 3, 7, 1)

if __name__ == "__main__":
    test_unit_adaptive_avgpool()
    print("AdaptiveAvgPool2d: ok")


# %% [markdown]
# ### 13.6 Batch normalisation
#
# Deep networks train faster when every layer's inputs stay
# centred and of unit scale. `BatchNorm2d(C)` normalises each channel over the batch and
# all positions, the `m = N * H * W` values of that channel, then scales and shifts it by
# learned per-channel `weight` (gamma, starting at 1) and `bias` (beta, starting at 0):
#
# ```
# mu = mean(x),   var = mean((x - mu)^2),   x_hat = (x - mu) / sqrt(var + eps),   y = gamma * x_hat + beta
# ```
#
# - **Training mode** uses the batch's own `mu` and (biased) `var`, and updates running
#   estimates for later: `running = (1 - momentum) * running + momentum * batch`, where the
#   running variance takes the *unbiased* batch variance (`var * m / (m - 1)`), as PyTorch
#   does. `momentum=None` averages all batches seen so far instead.
# - **Eval mode** (`model.eval()`) uses the running estimates, so one image's output does
#   not depend on the others in its batch.
#
# **Backward in one expression.** Write `g` for the upstream gradient and
# `d = gamma * g` for the gradient with respect to `x_hat`. In training mode `mu` and
# `var` depend on every `x` of the channel. Differentiating `x_hat_j` with respect to `x_i`
# gives `(delta_ij - 1/m) / sigma - x_hat_i * x_hat_j / (m * sigma)` with
# `sigma = sqrt(var + eps)`; summing `d_j` times that over `j`:
#
# ```
# grad_x = (d - mean(d) - x_hat * mean(d * x_hat)) / sigma
# grad_gamma = sum(g * x_hat),   grad_beta = sum(g)        (means and sums per channel)
# ```
#
# The two subtracted terms remove the components of `d` that would shift the channel's
# mean or scale, which the normalisation would undo anyway. In eval mode `mu` and `sigma`
# are constants and `grad_x = d / sigma`.
#
# The code factors `gamma` out of `d`: `grad_x = gamma / sigma * (g - mean(g) - x_hat *
# mean(g * x_hat))`. The two sums it needs, `sum(g)` and `sum(g * x_hat)`, are then
# `grad_beta` and `grad_gamma` as well, so the backward pass sums over the batch twice,
# not four times.

# %% nbgrader={"grade": false, "grade_id": "batchnorm", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _per_channel(values):
    """A (C,) array as (1, C, 1, 1), to broadcast over an (N, C, H, W) batch."""
    return np.asarray(values)[None, :, None, None]


def _channel_sums(values):
    """Per-channel sums over batch, height and width: (N, C, H, W) -> (C,).

    Why not values.sum(axis=(0, 2, 3)): after a Conv2d the array is channels-last in memory, and
    that reduction strides across it; viewed as an (N*H*W, C) matrix, it is one product with a
    vector of ones that reads memory in order.
    """
    rows = values.transpose(0, 2, 3, 1)
    if not rows.flags.c_contiguous:
        return values.sum(axis=(0, 2, 3))
    rows = rows.reshape(-1, values.shape[1])
    return np.ones(len(rows), dtype=rows.dtype) @ rows


class BatchNorm2dFunction(Function):
    """y = weight * (x - mean) / sqrt(var + eps) + bias, per channel; `batch_stats` says whether
    mean and var were computed from x itself (training: they depend on x) or given (eval)."""

    # Each step after the first writes into the array the step before made (x_hat *= ..., out += ...):
    # one new array per pass over the batch would cost a fresh allocation and more memory traffic.
    def forward(self, x, weight, bias, mean, var, eps, batch_stats):
        self.inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
        self.x_hat = np.subtract(x, _per_channel(mean).astype(x.dtype))
        self.x_hat *= _per_channel(self.inv_std)
        self.weight, self.batch_stats, self.has_bias = weight, batch_stats, bias is not None
        if weight is None:
            return self.x_hat if bias is None else self.x_hat + _per_channel(bias)
        out = self.x_hat * _per_channel(weight)
        if bias is not None:
            out += _per_channel(bias)
        return out

    def backward(self, grad_output):
        count = grad_output.size // grad_output.shape[1]               # N * H * W values per channel
        # Two sums per channel serve twice: they are grad_beta and grad_gamma, and divided by count
        # they are the formula's two means with gamma factored out (d = gamma * g).
        sum_g, sum_g_x_hat = _channel_sums(grad_output), _channel_sums(grad_output * self.x_hat)
        scale = self.inv_std if self.weight is None else self.inv_std * self.weight      # gamma / sigma
        if self.batch_stats:
            grad_x = self.x_hat * _per_channel(sum_g_x_hat / count)
            np.subtract(grad_output, grad_x, out=grad_x)
            grad_x -= _per_channel(sum_g / count)
            grad_x *= _per_channel(scale)
        else:
            grad_x = grad_output * _per_channel(scale)
        grad_weight = sum_g_x_hat if self.weight is not None else None
        grad_bias = sum_g if self.has_bias else None
        return grad_x, grad_weight, grad_bias


class BatchNorm2d(Module):
    """torch.nn.BatchNorm2d over (N, C, H, W) inputs: batch statistics in training mode, the
    running ones in eval mode. `.running_mean` and `.running_var` are numpy arrays (buffers,
    not parameters); `.weight` and `.bias` are Tensors when affine=True, else None."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super().__init__()
        _check_positive_int(num_features, "num_features", "BatchNorm2d")
        if not eps > 0:
            raise ValueError(f"BatchNorm2d: eps must be > 0, got {eps!r}. It keeps the division safe; the default is 1e-5.")
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"BatchNorm2d: momentum must be between 0 and 1 (or None for a cumulative average), got {momentum!r}.")
        self.num_features, self.eps, self.momentum = num_features, float(eps), momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = Tensor(np.ones(num_features, dtype=np.float32), requires_grad=True) if affine else None
        self.bias = Tensor(np.zeros(num_features, dtype=np.float32), requires_grad=True) if affine else None
        self.running_mean = np.zeros(num_features, dtype=np.float32) if track_running_stats else None
        self.running_var = np.ones(num_features, dtype=np.float32) if track_running_stats else None
        self.num_batches_tracked = 0

    def forward(self, x):
        data = _check_input(x, "BatchNorm2d", channels=self.num_features)
        batch_stats = self.training or not self.track_running_stats
        if batch_stats:
            count = data.shape[0] * data.shape[2] * data.shape[3]
            if count < 2 and self.training:
                raise ValueError(f"BatchNorm2d: expected more than 1 value per channel when training, got input "
                                 f"shape {data.shape}. Use a batch of at least 2, or call model.eval() first.")
            mean = _channel_sums(data) / count
            centred = data - _per_channel(mean)
            var = _channel_sums(centred * centred) / count                # biased: the one that normalises
            if self.training and self.track_running_stats:
                self._update_running(mean, var * count / max(count - 1, 1))
        else:
            mean, var = self.running_mean, self.running_var
        return BatchNorm2dFunction.apply(x, self.weight, self.bias, mean=mean, var=var, eps=self.eps,
                                         batch_stats=batch_stats)

    def _update_running(self, mean, unbiased_var):
        self.num_batches_tracked += 1
        factor = 1.0 / self.num_batches_tracked if self.momentum is None else self.momentum
        self.running_mean = ((1 - factor) * self.running_mean + factor * mean).astype(self.running_mean.dtype)
        self.running_var = ((1 - factor) * self.running_var + factor * unbiased_var).astype(self.running_var.dtype)

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


# %% nbgrader={"grade": false, "grade_id": "check-batchnorm", "locked": true, "schema_version": 3, "solution": false, "task": false}
def test_unit_batchnorm2d():
    rng = np.random.default_rng(9)
    x = rng.normal(3.0, 2.0, size=(4, 3, 5, 6))
    f64 = lambda a, **kw: Tensor(a, dtype=np.float64, **kw)   # float64 end to end
    bn = BatchNorm2d(3)
    y = bn(f64(x)).data
    # Training mode: every channel of the output has mean 0 and (biased) variance ~1.
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-6)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, atol=1e-3)
    # The running estimates moved 10% of the way to the batch's mean and unbiased variance.
    m = 4 * 5 * 6
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=(0, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.var(axis=(0, 2, 3)) * m / (m - 1), rtol=1e-5)
    # Eval mode uses them: a single image gives the same output alone or in a batch.
    bn.eval()
    np.testing.assert_allclose(bn(f64(x[:1])).data, bn(f64(x)).data[:1], rtol=1e-6)
    # Backward in training mode against finite differences (float64, loss sum(probe * y)).
    bn.train()
    probe = rng.standard_normal(x.shape)
    xt = f64(x, requires_grad=True)
    (BatchNorm2d(3)(xt) * f64(probe)).sum().backward()
    eps = 1e-6
    for index in [(0, 0, 0, 0), (1, 2, 3, 4), (3, 1, 4, 5)]:
        shifted = x.copy()
        shifted[index] += eps
        up = (BatchNorm2d(3)(f64(shifted)).data * probe).sum()
        shifted[index] -= 2 * eps
        down = (BatchNorm2d(3)(f64(shifted)).data * probe).sum()
        np.testing.assert_allclose(xt.grad[index], (up - down) / (2 * eps), rtol=1e-4, atol=1e-7)

if __name__ == "__main__":
    test_unit_batchnorm2d()
    print("BatchNorm2d: ok")


# %% [markdown]
# ## 14. Training the layers: a learnt kernel and a trained first layer (given, not graded)
#
# The layers of the lesson, with the optimizers of module 07: two short runs that show what
# training does to a kernel.
#
# ### 14.1 Learn a kernel
#
# Forward, backward and an optimizer are all there is to training. Make pairs
# `(image, image convolved with [1, -1])` from 256 digits, start a `Conv2d(1, 1, (1, 2))`
# from random weights, and let module 07's `SGD` minimise the mean squared error. The
# only kernel that maps every image to its target is `[1, -1]`, so that is where the
# weights must go:


# %%
if __name__ == "__main__":
    from tinytorch.core.dataloader import load_digits
    from tinytorch.core.losses import MSELoss
    from tinytorch.core.optimizers import SGD
    from tinytorch.core.tensor import manual_seed
    _images = load_digits("train")[0][:256]                               # (256, 1, 8, 8)
    _target_kernel = np.array([[[[1.0, -1.0]]]], dtype=np.float32)       # 1x2: pixel minus its right neighbour
    _targets = Tensor(conv2d_vectorized(_images, _target_kernel))         # (256, 1, 8, 7)
    manual_seed(1)
    _layer = Conv2d(1, 1, (1, 2), bias=False)                            # a random 1x2 kernel
    _optimizer, _loss_fn = SGD(_layer.parameters(), lr=0.5), MSELoss()
    print(f"target kernel {_target_kernel[0, 0, 0].tolist()}")
    for _step in range(101):
        _loss = _loss_fn(_layer(Tensor(_images)), _targets)
        if _step in (0, 5, 10, 20, 40, 60, 80, 100):
            print(f"step {_step:3d}  kernel [{_layer.weight.data[0, 0, 0, 0]:+.4f}, {_layer.weight.data[0, 0, 0, 1]:+.4f}]"
                  f"  loss {float(_loss.data):.2e}")
        _optimizer.zero_grad()
        _loss.backward()
        _optimizer.step()


# %% [markdown]
# ### 14.2 What a trained first layer looks for
#
# A tiny CNN (`Conv2d(1, 8, 3, padding=1)`, ReLU, 2x2 max pooling, one `Linear`) trained
# for a few epochs on the digits with module 07's `Adam`. Its eight 3x3 filters are no
# longer random: many have a bright and a dark side, edge detectors like the Sobel
# kernels drawn in section 4 of the fast-path notebook, at angles the data asked for. Below each filter, its ReLU
# feature map of one test digit (a filter whose map is blank does not fire on this
# digit at all).


# %%
if __name__ == "__main__":
    from tinytorch.core.activations import ReLU
    from tinytorch.core.dataloader import DataLoader, TensorDataset, load_digits
    from tinytorch.core.layers import Flatten, Linear, Sequential
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.optimizers import Adam
    from tinytorch.core.tensor import manual_seed
    import time
    _train, _test = load_digits("train"), load_digits("test")
    manual_seed(0)
    _cnn = Sequential(Conv2d(1, 8, 3, padding=1), ReLU(), MaxPool2d(2), Flatten(), Linear(8 * 4 * 4, 10))
    _optimizer, _loss_fn = Adam(_cnn.parameters(), lr=0.01), CrossEntropyLoss()
    _start = time.perf_counter()
    for _epoch in range(1, 9):
        for _xb, _yb in DataLoader(TensorDataset(*_train), batch_size=64, shuffle=True, seed=_epoch):
            _loss = _loss_fn(_cnn(_xb), _yb)
            _optimizer.zero_grad()
            _loss.backward()
            _optimizer.step()
        _accuracy = float((_cnn(Tensor(_test[0])).data.argmax(axis=1) == _test[1]).mean())
        print(f"epoch {_epoch}: last batch loss {float(_loss.data):.3f}, test accuracy {_accuracy:.1%}")
    print(f"trained in {time.perf_counter() - _start:.1f} s")
    _digit = Tensor(_test[0][:1])
    _maps = _cnn[1](_cnn[0](_digit)).data[0]                               # (8, 8, 8): after conv + ReLU
    _filters = _cnn[0].weight.data[:, 0]                                    # (8, 3, 3)
    _plt = _pyplot()
    if _plt is not None:
        _fig, _axes = _plt.subplots(3, 8, figsize=(10, 4.2))
        for _c in range(8):
            _limit = np.abs(_filters[_c]).max()
            _axes[0, _c].imshow(_filters[_c], cmap="coolwarm", vmin=-_limit, vmax=_limit)
            _axes[0, _c].set_title(f"filter {_c}", fontsize=8)
            _axes[1, _c].imshow(_maps[_c], cmap="gray_r")
            _axes[1, _c].set_title(f"map {_c}", fontsize=8)
        _axes[2, 0].imshow(_digit.data[0, 0], cmap="gray_r")
        _axes[2, 0].set_title(f"input (a {_test[1][0]})", fontsize=8)
        for _ax in _axes.ravel():
            _ax.set_xticks([])
            _ax.set_yticks([])
        for _ax in _axes[2, 1:]:
            _ax.axis("off")
        _fig.suptitle("trained first layer: 3x3 filters (red +, blue -) and their ReLU feature maps of one test digit", fontsize=9)
        _fig.tight_layout()
        _show(_plt, _fig)

# %% [markdown]
# # Module 09, the fast path: argument checks, im2col and fast pooling
#
# > A notebook of module 09 beside the lesson (`09_convolutions.ipynb`): given code, not
# > graded. Its exported cells go into the same file as the lesson's,
# > `tinytorch/core/spatial.py`, after them and before those of the going-further notebook
# > (`09b_going_further.ipynb`): `tito export 09` puts them there as the course has them,
# > next to your code.
#
# Read it after the lesson's section 3, the convolution loops. It is the given code that
# the lesson only summarises: the argument checks of section 2, the fast path of section 4
# (im2col, one matrix multiply, col2im) with the fast pooling path of section 5, the
# columns' memory of section 9, and section 11, how real libraries do it. The sections keep the lesson's numbers. The lesson's
# layers run on this code, and its checks compare your loops with it. This code never calls
# yours (the window count of section 2 repeats exercise 1's formula on purpose), so a slip
# in an exercise costs that exercise alone.
#
# Each operation has one fast function that takes all of PyTorch's options
# (`conv2d_vectorized(x, weight, bias, stride, padding, dilation, groups)`, as `F.conv2d`),
# and one check of its arguments; the convolutions that need dilation, groups or an uneven
# "same" padding are computed by the going-further notebook's code, which this code calls
# by name (`_OPTIONS_CODE`).
#
# This notebook imports the lesson's names from the package: your export of the lesson once
# you have run `tito export 09`, the course's reference before. The lesson imports this
# notebook's code from the package too, so an edit here changes nothing that the lesson or
# the layers run: change a function here and call it yourself to see the effect.
# `tito export 09` exports this notebook's code as the course gives it.

# %% nbgrader={"grade": false, "grade_id": "fast-path-lesson-imports", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The lesson's names this notebook uses. Not exported: in the package this notebook's code
# follows the lesson's in one module, where these names are already defined.
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinytorch.core.spatial import Conv2d, _check_fits, _dilated_kernel, _even, activation_bytes, conv2d_loops, conv2d_macs
from tinytorch.core.tensor import Tensor, get_rng, is_whole_number
# The pictures' helpers, as in the lesson.
from tinytorch.figures import grid as _grid, pyplot as _pyplot, show as _show


# %% [markdown]
# ## 2. Checking the arguments
#
# A convolution fails in a handful of predictable ways: an image without its batch
# axis, the wrong number of channels, a kernel that does not fit. numpy would
# report each of them as a broadcasting error deep inside the computation. These
# helpers catch them at the door and say what was expected, what came, and how to
# fix it. Every function in this module goes through them.


# %% nbgrader={"grade": false, "grade_id": "spatial-checks", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _pair(value, name, minimum, layer):
    """An int or an (h, w) pair of ints, each >= minimum, as a tuple (h, w); errors name `layer`."""
    items = (value, value) if is_whole_number(value) else value
    if not isinstance(items, (tuple, list)) or len(items) != 2 or not all(is_whole_number(v) for v in items):
        raise TypeError(f"{layer}: {name} must be an int or a tuple of two ints (h, w), got {value!r}.")
    items = (int(items[0]), int(items[1]))
    if min(items) < minimum:
        fix = "Use 0 for no padding." if minimum == 0 else f"Use values >= {minimum}."
        raise ValueError(f"{layer}: {name} must be >= {minimum} in each dimension, got {value!r}. {fix}")
    return items


def _as_array(x, what):
    """An ndarray view of a Tensor, array or nested list: float32/float64 kept, other numbers as float32."""
    data = x.data if isinstance(x, Tensor) else x
    try:
        arr = np.asarray(data)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be numeric (a Tensor or numpy array), got {type(x).__name__}.") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{what} must be numeric, got an array of dtype {arr.dtype}. Convert it with .astype(np.float32).")
    # As Tensor does: integers and bools become float32, so -inf padding and means are representable.
    return arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float32)


def _check_input(x, layer, channels=None):
    """The (N, C, H, W) input of a spatial layer, with clear errors for the usual mistakes."""
    arr = _as_array(x, f"{layer} input")
    if arr.ndim != 4:
        hint = ""
        if arr.ndim == 3:
            hint = (f" If this is a single image, add the batch dimension: x.reshape(1, {', '.join(map(str, arr.shape))}).")
        raise ValueError(
            f"{layer} expected a 4D input (batch, channels, height, width), got shape {arr.shape} "
            f"({arr.ndim}D).{hint}")
    if 0 in arr.shape[1:]:
        raise ValueError(
            f"{layer} expected images of at least one channel, row and column, got input shape {arr.shape} "
            "(empty images). Check how the input was sliced or reshaped.")
    if channels is not None and arr.shape[1] != channels:
        raise ValueError(
            f"{layer} expected {channels} input channels, got {arr.shape[1]} (input shape {arr.shape}). "
            "Check the previous layer's out_channels, and that images are NCHW (channels before height and width).")
    return arr


def _check_pool_padding(layer, kernel, padding):
    """Pooling's padding rule (PyTorch's): at most half the kernel along each axis."""
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(
            f"{layer} padding should be at most half the kernel size, got padding={padding} for "
            f"kernel_size={kernel}. With padding <= kernel/2, at least half of every window lies on real "
            f"input along each axis (when the input is at least as long as the kernel, without ceil_mode); "
            f"use padding <= "
            f"{tuple(k // 2 for k in kernel)}.")


def _output_hw(layer, hw, kernel, stride, padding, dilation=(1, 1), ceil_mode=False):
    """(H_out, W_out) of every layer here, or a ValueError naming `layer` when the kernel does not
    fit the padded input (_check_fits, section 1): the one place the library counts windows.

    padding: (ph, pw), or ((top, bottom), (left, right)) for a convolution's uneven "same" padding.
    ceil_mode (a pooling option) also counts one window longer than the padded input by less than the
    stride, as PyTorch does: it still starts inside the input (_window_count)."""
    pads = tuple(p if isinstance(p, tuple) else (p, p) for p in padding)
    _check_fits(layer, hw, kernel, stride, pads, dilation, ceil_mode)
    return tuple(_window_count(n, k, s, pad, d, ceil_mode) for n, k, s, pad, d in zip(hw, kernel, stride, pads, dilation))


def _window_count(size, kernel, stride, pads=(0, 0), dilation=1, ceil_mode=False):
    """Windows along one axis of `size` padded by pads = (before, after), on arguments known to fit.

    The formula of exercise 1, written here again on purpose: the given code never calls your
    conv_output_size, so a slip there costs exercise 1 alone, not every exercise after it.
    ceil_mode (a pooling option) counts a last window that hangs over the end, when it starts inside
    the input or its first padding (else it would see no pixel)."""
    room = size + pads[0] + pads[1] - (dilation * (kernel - 1) + 1)
    if not ceil_mode:
        return room // stride + 1
    count = -(-room // stride) + 1
    return count - 1 if (count - 1) * stride >= size + pads[0] else count


def _check_weight_and_bias(layer, weight, bias, in_axis="in_channels"):
    """A 4D weight (out_channels, in_axis, kh, kw) and a bias of one number per output channel, or None."""
    weight = _as_array(weight, f"{layer} weight")
    if weight.ndim != 4:
        raise ValueError(f"{layer} expected a 4D weight (out_channels, {in_axis}, kh, kw), got shape {weight.shape}.")
    if 0 in weight.shape:
        raise ValueError(
            f"{layer} expected a weight (out_channels, {in_axis}, kh, kw) with every size >= 1, got shape "
            f"{weight.shape}: a kernel has at least one tap along each axis, and one input and one output channel.")
    if bias is not None:
        bias = _as_array(bias, f"{layer} bias")
        if bias.shape != (weight.shape[0],):
            raise ValueError(
                f"{layer} expected a bias of shape ({weight.shape[0]},) (one per output channel), got {bias.shape}.")
    return weight, bias


def _check_conv(layer, x, weight, bias, stride, padding, dilation=1, groups=1):
    """Validated numpy arguments of a 2D convolution with every option of torch's conv2d, the one
    check of them all: (x, weight, bias, stride, pads, dilation, groups, out_hw), pads as
    ((top, bottom), (left, right)). Every error names `layer`."""
    one_group = is_whole_number(groups) and groups == 1
    weight, bias = _check_weight_and_bias(layer, weight, bias, "in_channels" if one_group else "in_channels // groups")
    x = _check_input(x, layer, channels=weight.shape[1] if one_group else None)
    groups = _check_groups(layer, groups, x.shape[1], weight.shape[0])
    if weight.shape[1] * groups != x.shape[1]:
        raise ValueError(
            f"{layer} expected {weight.shape[1] * groups} input channels (weight.shape[1] = {weight.shape[1]} per group "
            f"times groups = {groups}), got {x.shape[1]} (input shape {x.shape}). The weight is (out_channels, "
            "in_channels // groups, kh, kw): check the input's channels, groups, and the weight's second axis.")
    stride, dilation = _pair(stride, "stride", 1, layer), _pair(dilation, "dilation", 1, layer)
    pads = _conv_padding(layer, padding, weight.shape[2:], stride, dilation)
    out_hw = _output_hw(layer, x.shape[2:], weight.shape[2:], stride, pads, dilation)
    return x, weight, bias, stride, pads, dilation, groups, out_hw


def _check_conv_args(layer, x, weight, bias, stride, padding):
    """_check_conv for your loops, which take stride and padding alone: (x, weight, bias, stride, (ph, pw), out_hw)."""
    if isinstance(padding, str):
        _pair(padding, "padding", 0, layer)              # raises: "same" and "valid" are not the loops' to take
    x, weight, bias, stride, pads, _, _, out_hw = _check_conv(layer, x, weight, bias, stride, padding)
    return x, weight, bias, stride, _even(pads), out_hw


def _check_pool_args(layer, x, kernel_size, stride, padding):
    """_check_pool for your loops, which take stride and padding alone: (x, kernel, stride, padding, out_hw)."""
    x, kernel, stride, padding, _, out_hw = _check_pool(layer, x, kernel_size, stride, padding)
    return x, kernel, stride, padding, out_hw


def _check_pool(layer, x, kernel_size, stride, padding, dilation=1, ceil_mode=False):
    """Validated numpy arguments of a 2D pooling with torch's options, the one check of them all:
    (x, kernel, stride, padding, dilation, out_hw). stride None means stride = kernel."""
    x = _check_input(x, layer)
    kernel = _pair(kernel_size, "kernel_size", 1, layer)
    stride = kernel if stride is None else _pair(stride, "stride", 1, layer)
    padding, dilation = _pair(padding, "padding", 0, layer), _pair(dilation, "dilation", 1, layer)
    _check_pool_padding(layer, kernel, padding)
    return x, kernel, stride, padding, dilation, _output_hw(layer, x.shape[2:], kernel, stride, padding, dilation,
                                                            ceil_mode)


def _check_grad_out(layer, grad_out, shape):
    """The output gradient of a backward function: numeric, and shaped like the forward output."""
    grad = _as_array(grad_out, f"{layer} grad_out")
    if grad.shape != tuple(shape):
        raise ValueError(
            f"{layer} expected grad_out of shape {tuple(shape)} (the shape of the forward output), got {grad.shape}.")
    return grad


def _pad(x, padding, value=0.0):
    """Pad the two spatial axes of an (N, C, H, W) array."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


# Convolution's options beyond stride and padding (dilation, groups, padding "same"/"valid"): the
# going-further notebook computes them; they are checked here, with the rest.
def _check_groups(layer, groups, in_channels, out_channels):
    """groups as an int that divides both channel counts (PyTorch's rule)."""
    if not is_whole_number(groups):
        raise TypeError(f"{layer}: groups must be a positive int, got {groups!r}.")
    if groups < 1:
        raise ValueError(f"{layer}: groups must be a positive int, got {groups}. Use groups=1 for an ordinary convolution.")
    for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
        if channels % groups:
            common = [g for g in range(1, min(in_channels, out_channels) + 1)
                      if in_channels % g == 0 and out_channels % g == 0]
            raise ValueError(
                f"{layer}: {name} must be divisible by groups, got {name}={channels} and groups={groups}. Each group "
                f"has in_channels // groups inputs and out_channels // groups outputs; for {in_channels} -> "
                f"{out_channels} channels groups can be {', '.join(map(str, common))}.")
    return int(groups)


def _conv_padding(layer, padding, kernel, stride, dilation):
    """Padding as ((top, bottom), (left, right)) from an int, an (h, w) pair, "valid" or "same".

    "same" pads dilation * (k - 1) in total along each axis so that the output has the input's
    size; when that total is odd, the extra row (column) goes to the bottom (right), as in PyTorch.
    """
    if not isinstance(padding, str):
        ph, pw = _pair(padding, "padding", 0, layer)
        return (ph, ph), (pw, pw)
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding != "same":
        raise ValueError(f"{layer}: padding must be an int, a tuple (h, w), 'valid' or 'same', got {padding!r}.")
    if tuple(stride) != (1, 1):
        raise ValueError(
            f"{layer}: padding='same' is not supported for strided convolutions (as in PyTorch), got stride={stride}. "
            "With stride s the output cannot keep the input's size; use stride=1, or an explicit padding "
            f"such as padding={tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation))}.")
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return tuple((total // 2, total - total // 2) for total in totals)


# What computes those options, and the loops with every option that check the fast path on them,
# is the going-further notebook's code (09b_going_further): it adds its functions to this table, and
# the functions and layers here call them by name. Everything else, this notebook computes itself.
_OPTIONS_CODE = {}


def _options_code(name, layer):
    """The going-further function `name`, or an error that says where it comes from."""
    if name not in _OPTIONS_CODE:
        raise NotImplementedError(
            f"{layer}: dilation, groups, padding 'same' with an even kernel, and the pooling options with "
            "use_loops=True are computed by the going-further notebook (09b_going_further), not loaded here: "
            "run it, or import from tinytorch.core.spatial, which holds both notebooks' code.")
    return _OPTIONS_CODE[name]


# %% [markdown]
# ## 4. The fast path: im2col + one matrix multiply
#
# The loops spend nearly all their time in the Python interpreter, not in arithmetic.
# The fast path rearranges the work so that numpy's compiled matrix multiply (BLAS)
# does all of it:
#
# 1. **im2col.** For every output position, copy its input window (all `C_in` channels,
#    `kh x kw` pixels) into one column. Side by side for the whole batch, that is a
#    matrix of shape `(C_in * kh * kw, N * H_out * W_out)`. `sliding_window_view` gives
#    all windows as a view; one reshape copies them into columns.
# 2. **GEMM.** Reshape the weights to `(C_out, C_in * kh * kw)`. One matrix product
#    gives `(C_out, N * H_out * W_out)`: every output channel at every position of
#    every image.
# 3. Add the bias and view the result as `(N, C_out, H_out, W_out)`.
#
# Same MACs, same numbers (up to float rounding order), but now in a single BLAS call
# that uses the CPU's vector units (and, for large products, several cores). The price is memory:
# the column matrix repeats each input pixel up to `kh * kw` times. It has
# `C_in * kh * kw * N * H_out * W_out` entries, and since `H_out * W_out` is about
# `H * W / (sh * sw)`, that is about `kh * kw / (sh * sw)` times the input: exactly
# `kh * kw` for stride 1 with "same" padding, four times less with stride 2. The
# picture after the code shows the columns of a toy input.
#
# Backward runs the same pieces in reverse. With `g` the gradient of the output as
# `(C_out, N * H_out * W_out)`:
#
# - `grad_weight = g @ cols.T`, reshaped to the weight's shape;
# - `grad_bias = g` summed over all positions;
# - `grad_cols = weight.T @ g`, then **col2im**: add each column back onto the window
#   it came from. Windows overlap, so contributions add up; we do it with one strided
#   add per kernel offset (`kh * kw` numpy operations, not one per pixel).
#
# **In the code: the same matrices, transposed and channels-last.** The given code
# keeps the transpose of the column matrix, `(N * H_out * W_out, kh * kw * C_in)`: one
# row per output position, the window's numbers ordered `(ki, kj, c)`, and the padded
# input channels-last, `(N, H, W, C)`. The reason is speed, not maths: copying the
# windows is most of the work besides the GEMM, and channels-last makes each window row
# (`kw` pixels, all channels) one contiguous run of `kw * C_in` numbers, so the copy
# moves long runs instead of short ones. The GEMM `cols @ W` then gives
# `(N * H_out * W_out, C_out)`, the output channels-last too, which the next layer reads
# in memory order. Backward is the same, transposed: `grad_weight = g.T @ cols`,
# `grad_cols = g @ W.T`. With stride 1, padding smaller than the kernel and no more output
# than input channels, the code gets the input gradient another way (a GEMM of the same
# size when the padding keeps the image's size, and `H * W / (H_out * W_out)` times
# that size otherwise: larger with less padding, smaller with more): as a convolution of
# the output gradient with the flipped kernel (`_input_grad_by_convolution`; the
# "transposed convolution" of section 11), which replaces col2im's `kh * kw` adds by one copy.
#
# **In the code: a block of rows at a time.** The given code never holds the whole column
# matrix. It cuts the output positions into blocks (a few whole images, or a few output
# rows of one image: about `_BLOCK_BYTES` of columns each, `_blocks`), copies one block's
# windows into a buffer that every block reuses, and runs that block's GEMM at once
# (`_column_blocks`). The matrix and the products are the same; the difference is where
# the columns live: a block's columns are still in the CPU's cache when its GEMM reads
# them, while the whole matrix, many times the cache, would be written out to main memory
# and read back. For the same reason the columns are not kept for backward: forward keeps
# the padded input (`kh * kw` times smaller than the columns, for stride 1), and backward
# builds each block's columns again from it, then computes that block's share of
# `grad_weight`, `grad_bias` and, by col2im, of the input gradient (`_col2im_block`).
# Only a small layer with channels-last columns, at most `_KEEP_BYTES` in all, keeps them (each
# block written to its own part of one buffer), which saves backward that copy; a layer with one
# or three input channels builds its short columns again, which costs little.
#
# **In the code: the bias inside the GEMM.** Columns that are not kept end with one more
# column, all ones, and the bias is appended to `W` as its last row: `[cols | 1] @ [W; b]`
# is `cols @ W + b`, products and bias in one GEMM. A separate `out += bias` is one more pass
# over the whole output, which with one input channel (nine numbers per window) takes a large
# share of the layer's time. In backward, when the columns were built again, their memory is
# free once `grad_weight` has them, and the block's `g @ W.T` (the same number of numbers)
# goes there instead of into a new array.


# %% nbgrader={"grade": false, "grade_id": "conv2d-vectorized", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _offset_slices(kernel, stride, out_hw, dilation=(1, 1)):
    """For each offset (ki, kj) in a window: its row-major index ki * kw + kj, and the
    strided slices that pick that offset from every window of an (A, B, H, W) array.
    (dilation, section 13, spaces the offsets: row ki of the window is dh * ki rows down.)"""
    (kh, kw), (sh, sw), (h_out, w_out), (dh, dw) = kernel, stride, out_hw, dilation
    for ki in range(kh):
        for kj in range(kw):
            rows, cols = slice(ki * dh, ki * dh + sh * h_out, sh), slice(kj * dw, kj * dw + sw * w_out, sw)
            yield ki * kw + kj, (slice(None), slice(None), rows, cols)


def _channels_last(channels, kernel, out_hw):
    """Whether the columns are built from a channels-last copy of the input (else channels-first).

    Building the columns is a copy of short contiguous runs, and the longer the runs the
    faster it goes. Channels-last (N, H, W, C), a window row (kw pixels, all channels) is one
    run of kw*C numbers; channels-first (C, N, H, W), a run is one output row, W_out numbers.
    With many channels (every layer after the first) the first is longer, with one or three
    (images) the second.
    """
    return kernel[1] * channels >= out_hw[1]


def _padded(x, padding, channels_last):
    """The input zero-padded, in one copy: (N, H + 2*ph, W + 2*pw, C) or (C, N, H + 2*ph, W + 2*pw).

    An input that already has this memory layout (every Conv2d output is channels-last; see
    _conv2d_forward) makes the transpose here free.
    """
    (batch, channels, height, width), (ph, pw) = x.shape, padding
    if channels_last:
        out = np.zeros((batch, height + 2 * ph, width + 2 * pw, channels), dtype=x.dtype)
        out[:, ph:ph + height, pw:pw + width] = x.transpose(0, 2, 3, 1)
    else:
        out = np.zeros((channels, batch, height + 2 * ph, width + 2 * pw), dtype=x.dtype)
        out[:, :, ph:ph + height, pw:pw + width] = x.transpose(1, 0, 2, 3)
    return out


def _windows(x_pad, kernel, stride, out_hw, channels_last, dilation=(1, 1)):
    """Every window of a padded input (_padded), as a view (no copy): (N, H_out, W_out, kh, kw, C)
    channels-last, (kh, kw, C, N, H_out, W_out) channels-first.

    Each window's numbers in (ki, kj, c) order, matching _weight_cols(weight). A dilated kernel
    (section 13) takes every dh-th row and dw-th column of a larger window.
    """
    (sh, sw), (h_out, w_out), (dh, dw), span = stride, out_hw, dilation, _dilated_kernel(kernel, dilation)
    if channels_last:
        windows = sliding_window_view(x_pad, span, axis=(1, 2))     # (N, H', W', C, kh, kw)
        windows = windows[:, : sh * h_out : sh, : sw * w_out : sw, :, ::dh, ::dw]
        return windows.transpose(0, 1, 2, 4, 5, 3)                  # a row of the columns: runs of kw*C
    windows = sliding_window_view(x_pad, span, axis=(2, 3))         # (C, N, H', W', kh, kw)
    windows = windows[:, :, : sh * h_out : sh, : sw * w_out : sw, ::dh, ::dw]
    return windows.transpose(4, 5, 0, 1, 2, 3)                      # a column of cols.T: runs of W_out


def _im2col(x, kernel, stride, padding, out_hw, dilation=(1, 1)):
    """Columns (N*H_out*W_out, kh*kw*C): one row per output position of every image, all at once.

    Rows are ordered (n, i, j), the window's numbers (ki, kj, c), matching _weight_cols(weight).
    The matrix is the same in either layout; its memory order follows _channels_last (BLAS reads
    both orders). The plain convolution builds the same rows a block at a time (_column_blocks);
    section 13's grouped convolution takes them whole.
    """
    channels, (kh, kw) = x.shape[1], kernel
    channels_last = _channels_last(channels, kernel, out_hw)
    windows = _windows(_padded(x, padding, channels_last), kernel, stride, out_hw, channels_last, dilation)
    if channels_last:
        return windows.reshape(-1, kh * kw * channels)                # the one copy, runs of kw*C
    return windows.reshape(kh * kw * channels, -1).T                  # the one copy, runs of W_out


def _col2im(cols, x_shape, kernel, stride, padding, out_hw, dilation=(1, 1)):
    """Sum columns (N*H_out*W_out, kh*kw*C) back onto the input (N, C, H, W): im2col's adjoint.

    `cols` may also come as (N*H_out*W_out, kh*kw, C), in any memory order.

    One strided add per kernel offset; overlapping windows accumulate. It reads `cols` by kernel
    offset, in the layout _im2col uses for this shape (section 13's grouped convolution calls it;
    the plain convolution adds a block at a time, _col2im_block): channels-last, the result is
    an (N, C, H, W) view of an (N, H, W, C) array, the layout the layer below has, so its
    elementwise backward steps run through memory in order.
    """
    (batch, channels, height, width), (ph, pw), (kh, kw), (sh, sw), (h_out, w_out) = x_shape, padding, kernel, stride, out_hw
    (dh, dw) = dilation
    if _channels_last(channels, kernel, out_hw):
        cols = cols.reshape(batch, h_out, w_out, kh, kw, channels)
        grad = np.zeros((batch, height + 2 * ph, width + 2 * pw, channels), dtype=cols.dtype)
        for ki in range(kh):
            for kj in range(kw):
                grad[:, ki * dh:ki * dh + sh * h_out:sh, kj * dw:kj * dw + sw * w_out:sw] += cols[:, :, :, ki, kj]
        return grad[:, ph:ph + height, pw:pw + width].transpose(0, 3, 1, 2)
    cols = cols.T.reshape(kh, kw, channels, batch, h_out, w_out)
    grad = np.zeros((channels, batch, height + 2 * ph, width + 2 * pw), dtype=cols.dtype)
    for ki in range(kh):
        for kj in range(kw):
            grad[:, :, ki * dh:ki * dh + sh * h_out:sh, kj * dw:kj * dw + sw * w_out:sw] += cols[ki, kj]
    return grad[:, :, ph:ph + height, pw:pw + width].transpose(1, 0, 2, 3)


# About this many bytes of columns per block of output positions (_blocks): small enough that a
# block's columns are still in the CPU's cache when the GEMM reads them, large enough for BLAS.
_BLOCK_BYTES = 2**21
# Channels-last columns of at most this many bytes in all are kept for backward (_conv2d_forward):
# for a small layer, building them again costs more time than they take memory.
_KEEP_BYTES = 2**23


def _blocks(batch, out_hw, row_bytes):
    """The output positions (n, i, j) cut into blocks of about _BLOCK_BYTES of columns, as
    (images, rows) slices: several whole images when one image's columns fit, else a few output
    rows of one image. Either way a block is one contiguous run of rows of the (n, i, j) matrices."""
    h_out, w_out = out_hw
    rows = max(1, _BLOCK_BYTES // (row_bytes * w_out))                # output rows per block
    if rows >= h_out:
        images = rows // h_out
        return [(slice(n, n + images), slice(0, h_out)) for n in range(0, batch, images)]
    return [(slice(n, n + 1), slice(i, i + rows)) for n in range(batch) for i in range(0, h_out, rows)]


def _column_blocks(x_pad, kernel, stride, out_hw, channels_last, c_out, buffer=None, built=False, ones=False):
    """For each block of output positions (_blocks, sized by the columns and the C_out numbers of
    the output that each position also has): the block's (images, rows) slices and its columns
    (positions, kh*kw*C), copied into `buffer`.

    The rows of _im2col's matrix, a block at a time: a block's columns are still in the CPU's
    cache when its GEMM reads them, where the whole matrix would go out to main memory and back
    (and a fresh one that large costs the operating system's page faults on every call).
    buffer None: one block's worth, that every block reuses, and the columns are gone afterwards
    (backward builds them again from the padded input). A buffer of the whole matrix (forward
    passes one when it keeps the columns): each block gets its own part of it. built=True: that
    buffer already holds the columns (backward, from forward): nothing is copied.
    ones=True (with buffer None): one more column, of ones, after each window's numbers, so that a
    GEMM with the bias as the weight's last row adds the bias (_conv2d_forward).
    """
    depth = kernel[0] * kernel[1] * x_pad.shape[3 if channels_last else 0]      # kh*kw*C numbers per window
    batch, (h_out, w_out), width = x_pad.shape[0 if channels_last else 1], out_hw, depth + int(ones)
    blocks = _blocks(batch, out_hw, (depth + c_out) * x_pad.itemsize)
    sizes = [len(range(batch)[images]) * len(range(h_out)[rows]) * w_out * width for images, rows in blocks]
    if not blocks:                                                              # a batch of no images
        return
    whole = buffer is not None
    if not whole:
        buffer = np.empty(sizes[0], dtype=x_pad.dtype)                          # the first block is the largest
    windows = None if built else _windows(x_pad, kernel, stride, out_hw, channels_last)
    start = 0
    for (images, rows), size in zip(blocks, sizes):
        # (positions, width), or channels-first (width, positions): a part of the buffer
        cols = buffer[start:start + size].reshape((-1, width) if channels_last else (width, -1))
        if not built:
            block = windows[images, rows] if channels_last else windows[:, :, :, images, rows]
            numbers = cols[:, :depth] if channels_last else cols[:depth]
            np.copyto(numbers.reshape(block.shape), block)                        # the one copy
            if ones:
                (cols[:, depth] if channels_last else cols[depth]).fill(1)
        start += size if whole else 0
        yield (images, rows), (cols if channels_last else cols.T)


def conv2d_vectorized(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2D convolution by im2col + matrix multiply; same contract and numbers as conv2d_loops.

    Also takes torch.nn.functional.conv2d's other options: dilation (gaps between the kernel's
    taps), groups (channels split into groups convolved apart) and padding "same" / "valid".
    """
    x, weight, bias, stride, pads, dilation, groups, out_hw = _check_conv(
        "conv2d_vectorized", x, weight, bias, stride, padding, dilation, groups)
    if _is_plain(pads, dilation, groups):
        return _conv2d_forward(x, weight, bias, stride, _even(pads), out_hw)[0]
    general = _options_code("_conv2d_general_forward", "conv2d_vectorized")
    return general(x, weight, bias, stride, pads, dilation, groups, out_hw)[0]


def _is_plain(pads, dilation, groups):
    """Whether this notebook's convolution computes it: even padding, no dilation, one group."""
    return _even(pads) is not None and dilation == (1, 1) and groups == 1


def _weight_cols(weight):
    """The weight as (kh*kw*C_in, C_out), rows in the columns' (ki, kj, c) order."""
    return weight.transpose(2, 3, 1, 0).reshape(-1, weight.shape[0])


def _conv2d_forward(x, weight, bias, stride, padding, out_hw, keep=False):
    """Forward on validated arguments, one GEMM per block of columns; also returns what backward
    needs: (the padded input, None), or when keep=True and the columns are small, (a stand-in of
    the padded input's shape and dtype, the buffer of the columns)."""
    c_out, kernel = weight.shape[0], weight.shape[2:]
    channels_last = _channels_last(x.shape[1], kernel, out_hw)
    x_pad, w_cols = _padded(x, padding, channels_last), _weight_cols(weight)
    out = np.empty((x.shape[0], *out_hw, c_out), dtype=np.result_type(x, weight))   # (N, H_out, W_out, C_out)
    size = x.shape[0] * out_hw[0] * out_hw[1] * kernel[0] * kernel[1] * x.shape[1]   # numbers in the columns
    keep = keep and channels_last and size * x_pad.itemsize <= _KEEP_BYTES
    kept = np.empty(size, dtype=x_pad.dtype) if keep else None
    # Columns that are not kept end in a column of ones, and the bias is the weight's last row: one GEMM
    # gives products and bias, where `rows += bias` would be one more pass over the output, a large share
    # of the time when the windows are short (one input channel).
    ones = bias is not None and kept is None
    if ones:
        w_cols = np.concatenate([w_cols, bias.reshape(1, c_out).astype(w_cols.dtype, copy=False)])
    for block, cols in _column_blocks(x_pad, kernel, stride, out_hw, channels_last, c_out, kept, ones=ones):
        rows = out[block].reshape(-1, c_out)          # the block's rows of the output: a view, written in place
        np.matmul(cols, w_cols, out=rows)
        if bias is not None and not ones:
            rows += bias
    # Small channels-last columns (at most _KEEP_BYTES) are kept, so backward need not build them again
    # (channels-first ones, of one or three channels, are cheap to build: rather than keep them, the
    # forward GEMM adds the bias through their column of ones, which kept columns leave out), and the
    # padded input is dropped: backward needs only its shape and dtype, which a broadcast zero (a
    # view that holds no memory) gives. NCHW as a view: no copy. The next layer's elementwise steps
    # keep this channels-last memory layout, and the next Conv2d's padding copy reads it in order.
    if kept is not None:
        return out.transpose(0, 3, 1, 2), (np.broadcast_to(np.zeros((), dtype=x_pad.dtype), x_pad.shape), kept)
    return out.transpose(0, 3, 1, 2), (x_pad, None)


def _conv2d_backward(grad_out, x_shape, weight, saved, stride, padding, need_x=True):
    """Gradients (x, weight, bias) of a convolution from the output gradient and what forward
    saved, (padded input, None) or (its stand-in, columns): the columns are built again, block by
    block, as forward built them, unless forward kept them (_KEEP_BYTES).

    Computed in the wider of the gradient's and the operands' dtypes: float64 stays float64 throughout.
    """
    c_out, c_in, kh, kw = weight.shape
    (x_pad, saved_cols), out_hw = saved, grad_out.shape[2:]
    dtype = np.result_type(grad_out, weight, x_pad)
    weight = weight.astype(dtype, copy=False)
    by_convolution = need_x and _input_grad_is_a_convolution(weight.shape, stride, padding)
    channels_last = _channels_last(c_in, (kh, kw), out_hw)
    grad_x_pad = np.zeros(x_pad.shape, dtype=dtype) if need_x and not by_convolution else None
    grad_w, grad_b = np.zeros((kh * kw * c_in, c_out), dtype=dtype), np.zeros(c_out, dtype=dtype)
    blocks = _column_blocks(x_pad, (kh, kw), stride, out_hw, channels_last, c_out, saved_cols, saved_cols is not None)
    for block, cols in blocks:
        g_block = _grad_rows(grad_out, block, dtype)                              # the block's (positions, C_out)
        grad_w += cols.T @ g_block
        grad_b += np.ones(len(g_block), dtype=dtype) @ g_block   # column sums as one BLAS call: sum(axis=0) is slower
        if grad_x_pad is not None:
            # Columns built here (not kept) are used up once grad_w has them: their memory holds the block's
            # g @ W.T, the same number of numbers, instead of one more array of the columns' size.
            spare = cols if saved_cols is None and cols.dtype == dtype else None
            _col2im_block(grad_x_pad, g_block, weight, block, stride, out_hw, channels_last, spare)
    grad_x = None
    if by_convolution:
        grad_x = _input_grad_by_convolution(grad_out.astype(dtype, copy=False), x_shape, weight, padding)
    elif grad_x_pad is not None:
        (ph, pw), (height, width) = padding, x_shape[2:]
        if channels_last:
            grad_x = grad_x_pad[:, ph:ph + height, pw:pw + width].transpose(0, 3, 1, 2)
        else:
            grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width].transpose(1, 0, 2, 3)
    grad_w = grad_w.reshape(kh, kw, c_in, c_out).transpose(3, 2, 0, 1)                # back to (C_out, C_in, kh, kw)
    return grad_x, np.ascontiguousarray(grad_w), grad_b


def _grad_rows(grad_out, block, dtype):
    """The output gradient at a block's positions as a (positions, C_out) matrix of `dtype`.

    A view when its memory allows, else a copy: channels-last (after a Conv2d and its ReLU) the
    block's rows are one contiguous run; in NCHW order (a gradient made with np.ones(out.shape))
    each channel's part of one image's rows is, and BLAS reads the transposed view as it is. A
    transposing copy of a large gradient is slow (each channel is one more stream through memory),
    so it is made only for a block of several images in NCHW order or another dtype.
    """
    images, rows = block
    g = grad_out[images, :, rows]                                     # (images, C_out, rows, W_out)
    channels_last = g.transpose(0, 2, 3, 1)
    if g.dtype == dtype and channels_last.flags.c_contiguous:
        return channels_last.reshape(-1, g.shape[1])
    if g.dtype == dtype and len(g) == 1 and g[0, 0].flags.c_contiguous:
        return g[0].reshape(g.shape[1], -1).T                         # each channel's rows: one run
    return np.ascontiguousarray(channels_last, dtype=dtype).reshape(-1, g.shape[1])


def _col2im_block(grad_x_pad, g_block, weight, block, stride, out_hw, channels_last, spare=None):
    """col2im of one block: add the block's g @ W.T (the gradient of its columns) onto the windows
    it came from, in the padded input's gradient. One strided add per kernel offset; overlapping
    windows, also those of neighbouring blocks, accumulate.

    Channels-last, one GEMM per kernel offset (np.matmul loops over them): each offset's
    (positions, C_in) block comes out contiguous, so its add reads it in order, not C_in numbers
    at a time. Channels-first, one GEMM gives the columns K-major: each offset's rows in order.
    `spare`: the block's columns, no longer needed, whose memory takes g @ W.T (None: a new array).
    """
    (c_out, c_in, kh, kw), (sh, sw), w_out, (images, rows) = weight.shape, stride, out_hw[1], block
    first, count = rows.start * sh, len(range(out_hw[0])[rows])       # the block's first input row, its output rows
    memory = None if spare is None else (spare if channels_last else spare.T).reshape(-1)   # a view: contiguous
    if channels_last:
        w_offsets = weight.transpose(2, 3, 0, 1).reshape(kh * kw, c_out, c_in)
        out = None if memory is None else memory.reshape(kh * kw, len(g_block), c_in)
        grad_cols = np.matmul(g_block, w_offsets, out=out).reshape(kh, kw, -1, count, w_out, c_in)
        grad = grad_x_pad[images]                                     # (images, H', W', C_in): a view
        for ki in range(kh):
            for kj in range(kw):
                grad[:, first + ki:first + ki + sh * count:sh, kj:kj + sw * w_out:sw] += grad_cols[ki, kj]
        return
    out = None if memory is None else memory.reshape(kh * kw * c_in, len(g_block))
    grad_cols = np.matmul(_weight_cols(weight), g_block.T, out=out).reshape(kh, kw, c_in, -1, count, w_out)
    grad = grad_x_pad[:, images]                                      # (C_in, images, H', W'): a view
    for ki in range(kh):
        for kj in range(kw):
            grad[:, :, first + ki:first + ki + sh * count:sh, kj:kj + sw * w_out:sw] += grad_cols[ki, kj]


def _input_grad_is_a_convolution(weight_shape, stride, padding):
    """Whether _input_grad_by_convolution applies and is the faster way: stride 1, padding < kernel, C_out <= C_in.

    Its columns hold kh*kw*C_out numbers per input pixel, col2im's kh*kw*C_in per output position:
    with more output than input channels they would cost more memory and time than the adds.
    """
    c_out, c_in, kh, kw = weight_shape
    return stride == (1, 1) and padding[0] < kh and padding[1] < kw and c_out <= c_in


def _input_grad_by_convolution(grad_out, x_shape, weight, padding):
    """grad_x of a stride-1 convolution as another convolution: of the output gradient, padded by
    k - 1 - p, with the kernel flipped and its channel axes swapped (a "full" convolution).

    Why: it builds columns with one fast copy per block (_column_blocks) instead of kh*kw
    read-add-write passes over the input gradient (col2im), and the GEMM has the same size when
    H_out * W_out = H * W ("same" padding; H * W / (H_out * W_out) times that size otherwise:
    larger with less padding, smaller with more).
    """
    (height, width), (ph, pw), (kh, kw) = x_shape[2:], padding, weight.shape[2:]
    flipped = weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)            # (C_in, C_out, kh, kw)
    return _conv2d_forward(grad_out, flipped, None, (1, 1), (kh - 1 - ph, kw - 1 - pw), (height, width))[0]


# %% [markdown]
# **im2col, drawn.** A 3x4 input and a 2x2 kernel with stride 1 give 2x3 = 6 output
# positions, so 6 columns of 4 values each. The red window is output `(0, 1)`'s; its
# four pixels become the red column. Count how often each pixel was copied: the
# middle ones sit under four windows.


# %%
if __name__ == "__main__":
    _x = np.arange(1, 13, dtype=np.float32).reshape(1, 1, 3, 4)      # one image, one channel, 3x4
    _kernel, _stride, _padding = (2, 2), (1, 1), (0, 0)
    _out_hw = (2, 3)
    _cols = _im2col(_x, _kernel, _stride, _padding, _out_hw).T         # the given helper; .T: one column per position
    print(f"input {_x.shape[2:]} ({_x.size} values) -> columns {_cols.shape} ({_cols.size} values):")
    print(_cols.astype(int))
    _copies = np.zeros(_x.shape[2:], dtype=int)
    for _value in _cols.ravel():
        _copies[np.unravel_index(int(_value) - 1, _copies.shape)] += 1
    print("how many columns each input pixel was copied into:\n", _copies, sep="")
    _plt = _pyplot()
    if _plt is not None:
        _fig, (_left, _right) = _plt.subplots(1, 2, figsize=(9, 3.2), gridspec_kw={"width_ratios": [4, 6]})
        _grid(_left, _x[0, 0], "input x (3x4); window of output (0, 1) in red", cmap="Blues", fmt="{:.0f}")
        _left.add_patch(_plt.Rectangle((0.5, -0.5), 2, 2, fill=False, color="tab:red", linewidth=2.5))
        _grid(_right, _cols, "im2col: one column per output position (i, j)", cmap="Blues", fmt="{:.0f}")
        _right.add_patch(_plt.Rectangle((0.5, -0.5), 1, 4, fill=False, color="tab:red", linewidth=2.5))
        _right.set_xticks(range(_cols.shape[1]))
        _right.set_xticklabels([f"({i},{j})" for i in range(2) for j in range(3)], fontsize=8)
        _right.set_yticks(range(_cols.shape[0]))
        _right.set_yticklabels([f"k({ki},{kj})" for ki in range(2) for kj in range(2)], fontsize=8)
        _right.tick_params(labelbottom=True, labelleft=True)
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# How big the column matrix gets, against the rule of thumb `kh * kw / (sh * sw)`:


# %%
if __name__ == "__main__":
    _x_shape = (1, 16, 32, 32)
    print(f"column matrix / input size, for a {_x_shape} input:")
    for _k, _s, _p in ((3, 1, 1), (3, 1, 0), (3, 2, 1), (5, 1, 2), (7, 2, 3), (2, 2, 0)):
        _o = (_x_shape[2] + 2 * _p - _k) // _s + 1
        _cols = _x_shape[1] * _k * _k * _x_shape[0] * _o * _o
        print(f"  {_k}x{_k} kernel, stride {_s}, padding {_p}: {_cols / np.prod(_x_shape):6.3f}   "
              f"(kh*kw/(sh*sw) = {_k * _k / (_s * _s):.3f})")


# %% [markdown]
# **Kernels on a real digit.** A kernel is a small pattern detector. Set by hand, a
# Sobel kernel responds to vertical edges (positive where the values drop from left to
# right, ink then background; negative where they rise), its transpose to horizontal
# edges, and an all-`1/9` kernel blurs. Here they are on one 8x8 digit from
# `load_digits` (module 05), with padding 1 so the maps keep the digit's size. A
# trained network learns its own kernels; section 14 of the going-further notebook
# (`09b_going_further.ipynb`) shows some.


# %%
if __name__ == "__main__":
    from tinytorch.core.dataloader import load_digits
    _digit = load_digits("test")[0][:1]                                  # (1, 1, 8, 8), values in [0, 1]
    _kernels = {
        "vertical edges": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float32),   # Sobel
        "horizontal edges": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=np.float32),
        "blur": np.full((3, 3), 1 / 9, dtype=np.float32),
    }
    _maps = {name: conv2d_vectorized(_digit, k[None, None], padding=1)[0, 0] for name, k in _kernels.items()}
    for _name, _map in _maps.items():
        print(f"{_name:<17} output {_map.shape}, range {_map.min():+.2f} .. {_map.max():+.2f}")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _axes = _plt.subplots(2, 4, figsize=(9, 4.6))
        _axes[0, 0].imshow(_digit[0, 0], cmap="gray_r")
        _axes[0, 0].set_title("digit (8x8)", fontsize=9)
        _axes[1, 0].axis("off")
        for _col, (_name, _kernel) in enumerate(_kernels.items(), start=1):
            _grid(_axes[1, _col], _kernel, f"kernel: {_name}", cmap="coolwarm", fmt="{:.2g}")
            _limit = np.abs(_maps[_name]).max()
            _axes[0, _col].imshow(_maps[_name], cmap="coolwarm" if _name != "blur" else "gray_r",
                                  vmin=-_limit if _name != "blur" else 0, vmax=_limit)
            _axes[0, _col].set_title(_name, fontsize=9)
        for _ax in _axes[0]:
            _ax.set_xticks([])
            _ax.set_yticks([])
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# ## 5. The fast pooling path
#
# Pooling has only `kh * kw` different offsets inside a window, so the fast path loops
# over those few offsets and handles every window at once with strided slices:
# `x_pad[:, :, ki:ki + sh * H_out:sh, kj:kj + sw * W_out:sw]` is the value at offset `(ki, kj)` of
# every window (`H_out` rows, `W_out` columns).
# Max pooling keeps a running maximum, then finds for every window the first offset
# that holds it (two cheap passes rather than one that tracks both at each step; the
# layer does the second in backward, the only step that needs it, so a forward without
# gradients skips it); average pooling keeps a running sum. The max-pooling backward scatters each window's gradient
# to its winner in one `np.add.at` call, which adds up repeated positions.


# %% nbgrader={"grade": false, "grade_id": "pool-vectorized", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _padded_zeros(x, padding, dtype, extra=(0, 0), make=np.zeros):
    """Zeros shaped like x with its padding, (N, C, H + 2*ph, W + 2*pw), channels-last in memory
    when x is (_pool_channels_last), else NCHW. make=np.empty: the same array, left unfilled.

    `extra` rows and columns at the bottom and right hold windows that ceil_mode lets hang over
    the padding (_overhang).

    Why the layout: after a Conv2d, x is channels-last in memory (see _conv2d_forward). A
    gradient in the same layout lets the layer below (a ReLU's grad * mask) run through
    memory in order instead of mixing two orders.
    """
    (batch, channels, height, width), (ph, pw), (eh, ew) = x.shape, padding, extra
    padded_hw = (height + 2 * ph + eh, width + 2 * pw + ew)
    if _pool_channels_last(x):
        return make((batch, *padded_hw, channels), dtype=dtype).transpose(0, 3, 1, 2)
    return make((batch, channels, *padded_hw), dtype=dtype)


def _pool_channels_last(x):
    """Whether pooling's padded copies of x are channels-last: when x is (after a Conv2d), and when
    x is NCHW with at least as many channels as columns.

    Each kernel offset is one strided pass over every window, and numpy's cost per pass grows with
    the number of short runs it walks: channels-last a run is a window position's C numbers, NCHW
    an output row's W_out numbers (W / stride, strided). A padded input is a copy anyway, and
    making it channels-last costs that copy little more.
    """
    if x.flags.c_contiguous:
        return x.shape[1] >= x.shape[3]
    return x.transpose(0, 2, 3, 1).flags.c_contiguous


def _pool_pad(x, padding, value, extra=(0, 0)):
    """x padded with `value`, plus `extra` rows and columns at the bottom and right (ceil_mode's
    overhang), channels-last after a Conv2d and for NCHW inputs of many channels (_pool_channels_last),
    so that each kernel offset's strided reads run C numbers in order instead of a few W_out apart.

    Only the border is filled with `value` and the inside written once with x: filling all of it
    first would write every inside number twice."""
    (ph, pw), (height, width) = padding, x.shape[2:]
    if padding == (0, 0) and extra == (0, 0):
        return x
    x_pad = _padded_zeros(x, padding, x.dtype, extra, make=np.empty)
    x_pad[:, :, :ph] = x_pad[:, :, ph + height:] = value          # the rows above and below (and the overhang)
    rows = x_pad[:, :, ph:ph + height]
    rows[..., :pw] = rows[..., pw + width:] = value                # the columns left and right of x's rows
    rows[..., pw:pw + width] = x
    return x_pad


def _maxpool2d_forward(x, kernel, stride, padding, out_hw, dilation=(1, 1), extra=(0, 0)):
    """Max of every window and the offset (row-major index in the window) of its first maximum.
    A window holding NaN pools to NaN (as PyTorch's), and its winner is its first NaN."""
    out = _maxpool2d_max(x, kernel, stride, padding, out_hw, dilation, extra)
    return out, _maxpool2d_winners(x, out, kernel, stride, padding, dilation, extra)


def _max_candidates(x, kernel, stride, padding, out_hw, dilation, extra):
    """The value at each offset of every window: one strided view per offset of x padded with -inf."""
    x_pad = _pool_pad(x, padding, -np.inf, extra)
    return [x_pad[where] for _, where in _offset_slices(kernel, stride, out_hw, dilation)]


def _maxpool2d_max(x, kernel, stride, padding, out_hw, dilation=(1, 1), extra=(0, 0)):
    """The maximum of every window: a running maximum over the offsets.

    np.maximum propagates NaN, and its first result, a new array, keeps x's memory layout
    (channels-last after a Conv2d), so every pass runs in order. (One offset: the maximum of it
    and itself, a copy.)
    """
    candidates = _max_candidates(x, kernel, stride, padding, out_hw, dilation, extra)
    out = np.maximum(candidates[0], candidates[-1])
    for candidate in candidates[1:-1]:
        np.maximum(out, candidate, out=out)
    return out


def _maxpool2d_winners(x, out, kernel, stride, padding, dilation=(1, 1), extra=(0, 0)):
    """The offset (row-major index in the window) of every window's first maximum, given the maxima `out`.

    The maxima first, then the winners: two cheap passes over the offsets instead of one that
    selects both value and offset at each step. Only backward needs the winners, so
    MaxPool2dFunction asks for them there: a forward with no gradient to come never pays for them.
    """
    candidates = _max_candidates(x, kernel, stride, padding, out.shape[2:], dilation, extra)
    count = len(candidates)
    codes = np.arange(count, 0, -1, dtype=np.min_scalar_type(count))   # offset k's code: count - k, larger first
    best = np.zeros_like(out, dtype=codes.dtype)    # the largest code of a winning offset: the first winner's
    scratch = np.empty_like(best)                   # (both in out's memory layout: channels-last after a Conv2d)
    nan_windows = np.isnan(out).any()   # NaN equals nothing, itself included: its winner needs its own test
    for offset, candidate in enumerate(candidates):
        wins = candidate == out
        if nan_windows:
            wins |= np.isnan(candidate)
        # best = max(best, wins * code): arithmetic on small integers, many times faster than np.where
        np.maximum(best, np.multiply(wins, codes[offset], out=scratch), out=best)
    return (count - best).astype(np.min_scalar_type(count - 1), copy=False)   # uint8 for kernels to 16x16


def _maxpool2d_backward(grad_out, argmax, x, kernel, stride, padding, dilation=(1, 1), extra=(0, 0)):
    """Send each window's gradient to its maximum; overlapping windows add up.

    One np.add.at for all windows: each window's gradient goes to the flat memory position of
    its winner. Unlike `flat[positions] += values`, np.add.at adds repeated positions (a pixel
    that wins overlapping windows) one after another, in the loops' order of windows. That is
    one pass, where a masked add per kernel offset reads and writes the whole gradient kh*kw times.
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    grad = _padded_zeros(x, padding, np.result_type(grad_out, x), extra)
    batch, channels, h_out, w_out = grad_out.shape
    n_step, c_step, row_step, col_step = (stride_bytes // grad.itemsize for stride_bytes in grad.strides)
    n, c, i, j = np.ogrid[:batch, :channels, :h_out, :w_out]
    offset_steps = (np.arange(kh)[:, None] * (dh * row_step) + np.arange(kw) * (dw * col_step)).ravel()  # of each offset
    # Each window's winner, in C order like grad_out.ravel() (argmax is channels-last when the padded input
    # was, _pool_channels_last), its window's flat start added in place: positions is the one large array.
    positions = offset_steps[np.ascontiguousarray(argmax)]
    for axis_start in (n * n_step, c * c_step, i * (sh * row_step), j * (sw * col_step)):   # the window's start,
        positions += axis_start                                        # one axis at a time: no temporary array
    # ravel "K": a view of grad's memory. Flat index and value lists keep numpy's add.at on its fast path.
    np.add.at(grad.ravel(order="K"), positions.ravel(), grad_out.ravel())
    (ph, pw), (height, width) = padding, x.shape[2:]
    return grad[:, :, ph:ph + height, pw:pw + width]


def _avgpool2d_forward(x, kernel, stride, padding, out_hw, extra=(0, 0), divisor=None):
    """The mean of every window: its sum over kh*kw, or over `divisor` (_avgpool_divisor)."""
    x_pad = _pool_pad(x, padding, 0.0, extra)
    views = [x_pad[where] for _, where in _offset_slices(kernel, stride, out_hw)]   # one view per offset
    total = np.copy(views[0], order="K")                                # x's dtype and memory layout
    for view in views[1:]:
        total += view
    total /= kernel[0] * kernel[1] if divisor is None else divisor.astype(x.dtype)
    return total


def _avgpool2d_backward(grad_out, x, kernel, stride, padding, extra=(0, 0), divisor=None):
    """Spread each window's gradient evenly over its kh*kw positions, padding included."""
    (ph, pw), (height, width) = padding, x.shape[2:]
    grad = _padded_zeros(x, padding, np.result_type(grad_out, x), extra)
    # The share in grad's memory layout, so that every add below runs through both in order.
    share = np.empty_like(grad[:, :, :grad_out.shape[2], :grad_out.shape[3]])
    np.divide(grad_out, kernel[0] * kernel[1] if divisor is None else divisor.astype(grad.dtype), out=share)
    for _, where in _offset_slices(kernel, stride, grad_out.shape[2:]):
        grad[where] += share
    return grad[:, :, ph:ph + height, pw:pw + width]


def maxpool2d_vectorized(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """2D max pooling over all windows at once; same contract and numbers as maxpool2d_loops.

    Also takes torch.nn.MaxPool2d's dilation (gaps between a window's cells) and ceil_mode (a last
    window that hangs over the end counts).
    """
    x, kernel, stride, padding, dilation, out_hw = _check_pool(
        "maxpool2d_vectorized", x, kernel_size, stride, padding, dilation, ceil_mode)
    extra = _overhang(x.shape[2:], kernel, stride, padding, dilation, out_hw)
    return _maxpool2d_max(x, kernel, stride, padding, out_hw, dilation, extra)


def avgpool2d_vectorized(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """2D average pooling over all windows at once; same contract and numbers as avgpool2d_loops.

    Also takes torch.nn.AvgPool2d's ceil_mode (a last window that hangs over the end counts) and
    count_include_pad=False (a window's mean over its real cells only).
    """
    x, kernel, stride, padding, _, out_hw = _check_pool("avgpool2d_vectorized", x, kernel_size, stride, padding,
                                                        ceil_mode=ceil_mode)
    extra = _overhang(x.shape[2:], kernel, stride, padding, (1, 1), out_hw)
    divisor = _avgpool_divisor(x.shape[2:], kernel, stride, padding, out_hw, ceil_mode, count_include_pad)
    return _avgpool2d_forward(x, kernel, stride, padding, out_hw, extra, divisor)


def _overhang(hw, kernel, stride, padding, dilation, out_hw):
    """Rows and columns that ceil_mode's last windows reach beyond the padded input ((0, 0) without ceil_mode)."""
    return tuple(max(0, (n_out - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
                 for n, k, s, p, d, n_out in zip(hw, kernel, stride, padding, dilation, out_hw))


def _avgpool_divisor(hw, kernel, stride, padding, out_hw, ceil_mode, count_include_pad):
    """(H_out, W_out): what PyTorch divides each window's sum by. The window's cells inside the
    padded input (count_include_pad) or inside the input; ceil_mode's overhang never counts.
    None when that is kh*kw for every window (count_include_pad without ceil_mode)."""
    if count_include_pad and not ceil_mode:
        return None

    def cells(size, k, s, p, n_out):
        start = np.arange(n_out) * s - p
        end = np.minimum(start + k, size + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        return end - start
    rows, cols = (cells(*axis) for axis in zip(hw, kernel, stride, padding, out_hw))
    return np.outer(rows, cols)


# %% [markdown]
# ## 9. Memory: the columns
#
# The lesson's section 9 counts what a layer costs: parameters, MACs and activation memory.
# The fast path adds one more number:
#
# - **columns**: backward needs im2col's columns again (`grad_weight = g @ cols.T`):
#   `C_in * kh * kw * B * H_out * W_out` values, about `kh * kw / (sh * sw)` times the
#   layer's input. For a 3x3 layer that is often several times its output, so kept for
#   backward they, not the output, would dominate the layer's memory. Like libraries that
#   want the memory back, our `Conv2dFunction` keeps only the padded input and builds the
#   columns again during backward, a block at a time (section 4; a layer whose columns fit
#   at most `_KEEP_BYTES`, channels-last, keeps them).
#
# %% [markdown]
# The columns against the output, for the layer of question 3 in the lesson's section 12,
# `Conv2d(64, 128, 3, padding=1)` on a batch of 16 images of 64x56x56:


# %%
if __name__ == "__main__":
    _layer, _shape = Conv2d(64, 128, 3, padding=1), (16, 64, 56, 56)       # question 3 of section 12
    _out = _layer.output_shape(_shape)
    _kh, _kw = _layer.kernel_size
    _col_shape = (_layer.in_channels * _kh * _kw, _out[0] * _out[2] * _out[3])
    for _what, _bytes in (("input", activation_bytes(_shape)), ("output", activation_bytes(_out)),
                          (f"im2col columns {_col_shape}", activation_bytes(_col_shape))):
        print(f"{_what:<36} {_bytes / 1e6:8.1f} MB")
    print(f"the columns are {activation_bytes(_col_shape) / activation_bytes(_shape):.1f}x the input "
          f"and {activation_bytes(_col_shape) / activation_bytes(_out):.1f}x the output")


# %% [markdown]
# ## 11. Production context: how real libraries do it
#
# - **im2col + GEMM** (what our fast path does) is how Caffe did it and still the
#   fallback of most libraries: simple, and as fast as the matrix multiply under it.
#   Its cost is the column matrix, about `kh * kw / (sh * sw)` times the input.
# - **Winograd** transforms (for small kernels with stride 1) trade multiplications for
#   additions: F(m x m, r x r) computes an m x m output tile of an r x r convolution with
#   `(m + r - 1)^2` multiplications instead of `m^2 r^2` (the cell below counts them), at
#   some loss of precision.
# - **FFT** convolution turns convolution into elementwise products in the frequency
#   domain; it pays off for large kernels.
# - Libraries such as oneDNN (PyTorch's CPU backend) and cuDNN pick among these per
#   layer shape, use blocked memory layouts, and fuse the bias and activation.


# %%
if __name__ == "__main__":
    for _m, _r in ((2, 3), (4, 3)):
        _direct, _winograd = _m * _m * _r * _r, (_m + _r - 1) ** 2
        print(f"Winograd F({_m}x{_m}, {_r}x{_r}): {_winograd} multiplications per tile instead of {_direct} "
              f"({_direct / _winograd:.2f}x fewer)")


# %% [markdown]
# Measured on this machine, so your numbers will differ: they depend on the CPU, the
# BLAS library numpy uses and how busy the machine is. Each row is the best of several
# runs after untimed warm-up runs (one for numpy, three for PyTorch: the first call of a
# library pays for setup), except
# the loops, run once. Small shapes keep the notebook quick; the benchmark in
# `benchmarks/` runs the big ones. PyTorch runs on one thread here: on a layer this small,
# handing the work to a pool of threads costs more than the work, so with all its threads
# it would time its own start-up rather than the convolution.


# %%
def _time(fn, repeat=5, warmup=1):
    """Best wall-clock time of `repeat` calls of fn, after `warmup` untimed calls."""
    import time
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best

if __name__ == "__main__":
    _x = get_rng().standard_normal((4, 3, 16, 16)).astype(np.float32)
    _w = get_rng().standard_normal((8, 3, 3, 3)).astype(np.float32)
    _macs = conv2d_macs(_x.shape, 8, 3, padding=1)
    _rows = [("loops", _time(lambda: conv2d_loops(_x, _w, None, 1, 1), repeat=1, warmup=0)),
             ("vectorized", _time(lambda: conv2d_vectorized(_x, _w, None, 1, 1)))]
    try:
        import torch
        _tx, _tw = torch.from_numpy(_x), torch.from_numpy(_w)
        _threads = torch.get_num_threads()
        torch.set_num_threads(1)   # at this size, waking a thread pool costs more than the work itself
        try:
            _rows.append(("torch", _time(lambda: torch.nn.functional.conv2d(_tx, _tw, padding=1), warmup=3)))
        finally:
            torch.set_num_threads(_threads)
    except ImportError:
        print("(PyTorch is not installed: its row is left out)")
    print(f"conv {_x.shape} -> 8 channels, 3x3, padding 1: {_macs:,} MACs")
    for _name, _seconds in _rows:
        print(f"  {_name:<11} {_seconds * 1e3:9.3f} ms  {_macs / _seconds / 1e9:8.3f} GMAC/s")


# %% [markdown]
# ### What you are not building (yet)
#
# PyTorch's `Conv2d` has more knobs than the ones you wrote; the cell below puts one number
# on each. Dilation and groups are small changes to your loops, given in section 13 (going
# further, the notebook `09b_going_further.ipynb`), built on your loops and the fast path; the last three are not in tinytorch.
#
# - **Dilation** spaces the kernel's taps `d` pixels apart: a 3x3 kernel with
#   dilation 2 covers 5x5 with 9 weights. Stacking dilations 1, 2, 4 grows the receptive
#   field exponentially instead of linearly (used for segmentation and audio).
# - **Groups** split the channels into `g` groups convolved separately: `g` times fewer
#   weights and MACs. With `g = C_in` each channel gets its own filter (**depthwise**);
#   followed by a 1x1 convolution that mixes channels (**pointwise**), that is the
#   **depthwise-separable** convolution of MobileNet, with `1/C_out + 1/k^2` of the
#   weights and MACs of a full convolution.
# - **Transposed convolution** (`ConvTranspose2d`) runs a convolution backwards: each
#   input pixel scatters a weighted copy of the kernel into the output, so a stride
#   *enlarges* the map (decoders, GANs, segmentation). You already have one: the
#   backward pass's `weight.T @ g` followed by `_col2im` is exactly a transposed
#   convolution of the output gradient.
# - **Winograd** and **FFT** convolution compute the same outputs with fewer
#   multiplications, for small and for large kernels respectively.


# %%
if __name__ == "__main__":
    # Dilation d spreads a k-tap kernel over d*(k-1)+1 pixels with the same k*k weights.
    def _field(kernels_and_dilations):
        field = 1
        for k, d in kernels_and_dilations:          # stride 1: each layer adds its effective extent - 1
            field += d * (k - 1)
        return field
    print(f"dilation: three 3x3 layers see {_field([(3, 1)] * 3)}x{_field([(3, 1)] * 3)} pixels; "
          f"with dilations 1, 2, 4 they see {_field([(3, 1), (3, 2), (3, 4)])}x{_field([(3, 1), (3, 2), (3, 4)])}, "
          "with the same 27 weights per channel pair")
    # Depthwise-separable: one k x k filter per input channel, then a 1x1 convolution mixing channels.
    _c_in, _c_out, _k = 128, 128, 3
    _standard = _c_out * _c_in * _k * _k
    _separable = _c_in * _k * _k + _c_out * _c_in
    print(f"depthwise-separable {_c_in}->{_c_out}, {_k}x{_k}: {_separable:,} weights instead of {_standard:,}: "
          f"ratio {_separable / _standard:.4f} = 1/C_out + 1/k^2 = {1 / _c_out + 1 / _k ** 2:.4f}")
    print(f"groups: Conv2d(128, 128, 3, groups=4) has {_c_out * (_c_in // 4) * _k * _k:,} weights, "
          f"1/4 of {_standard:,}")
    # Transposed convolution: the adjoint of a convolution; its output size inverts conv_output_size.
    _n, _k, _s, _p = 4, 3, 2, 1
    print(f"transposed convolution: a {_n}x{_n} map, 3x3 kernel, stride {_s}, padding {_p} -> "
          f"{(_n - 1) * _s - 2 * _p + _k}x{(_n - 1) * _s - 2 * _p + _k} (= (n - 1)*s - 2p + k); the backward pass "
          "(weight.T @ g, then col2im) is exactly this operation: a convolution's input gradient is the "
          "transposed convolution of its output gradient")
    # Winograd F(2x2, 3x3): (2+3-1)^2 multiplications per 2x2 output tile instead of 2*2*3*3.
    _m, _r = 2, 3
    print(f"Winograd F({_m}x{_m}, {_r}x{_r}): {(_m + _r - 1) ** 2} multiplications per tile instead of "
          f"{_m * _m * _r * _r}, saving {1 - (_m + _r - 1) ** 2 / (_m * _m * _r * _r):.0%}")
    # FFT: a direct convolution costs k*k multiplications per output; FFT's cost hardly depends on k.
    _n = 128                                                     # a 128x128 map, output kept 128x128
    print(f"FFT on a {_n}x{_n} map (about 3 real 2D FFTs of size N, ~2 N^2 log2 N multiplications each):")
    for _k in (3, 7, 15, 31):
        _size = 1 << int(np.ceil(np.log2(_n + _k - 1)))          # FFT length without wrap-around
        _fft = 3 * 2 * _size ** 2 * np.log2(_size) / _n ** 2
        print(f"  {_k:2d}x{_k:<2d} kernel: {_k * _k:4d} multiplications per output directly, about {_fft:.0f} by FFT "
              f"({'FFT' if _fft < _k * _k else 'direct'} wins)")

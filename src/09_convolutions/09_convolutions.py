# %% [markdown]
# # Module 09: Convolutions
#
# > Conv2d, MaxPool2d and AvgPool2d, from seven nested loops to a fast, differentiable path; then AdaptiveAvgPool2d and BatchNorm2d, which modern CNNs add.
#
# A dense layer looks at every pixel with its own weight. A convolution looks at a
# small window with one small set of weights and slides that window over the
# whole image. The same few weights find an edge in the top-left corner and in the
# bottom-right one. That one idea, **weight sharing over space**, is why
# convolutional networks read images with a fraction of a dense network's
# parameters and keep working when the digit moves by a pixel.
#
# ## Learning objectives
#
# By the end of this module you will be able to:
#
# - compute the output size of a convolution or pooling layer from kernel, stride
#   and padding, floor included;
# - write a 2D convolution as explicit nested loops, and count its cost in
#   multiply-accumulates (MACs);
# - write its backward pass by hand, and say why the input gradient adds up where
#   windows overlap;
# - write max and average pooling and their backward passes, and say what each does
#   with padding and with ties;
# - initialise a convolution so that activations neither explode nor vanish with depth;
# - explain how the fast path (im2col + matrix multiply) computes the same numbers,
#   and how the gradients flow back through it;
# - compute parameter counts, MACs, activation memory and receptive fields of a small CNN.
#
# ## What you write, what is given
#
# You write nine pieces, each with a worked example before it and a graded check after
# it: `conv_output_size`; the weight and bias of `Conv2d.__init__` (He initialisation);
# the loops of `conv2d_loops` and `conv2d_backward_loops`; `maxpool2d_loops`,
# `maxpool2d_backward_loops`, `avgpool2d_loops` and `avgpool2d_backward_loops`; and
# `receptive_field`. Everything else is given: input checking with helpful errors, the
# vectorized twins the layers run on (both in the fast-path notebook, `09a_fast_path.ipynb`),
# the autograd wiring and the rest of the three layers. The graded checks compare your code with values worked out by hand, with an
# independent numpy computation and with finite differences; `tito test 09` also runs
# it against the vectorized twins and PyTorch. Expect 8 to 10 hours (what working it through from
# these instructions alone took).
#
# ## API reference
#
# | layer | signature | input -> output |
# | --- | --- | --- |
# | `Conv2d` | `Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True)` | `(N, C_in, H, W)` -> `(N, C_out, H_out, W_out)` |
# | `MaxPool2d` | `MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, *, ceil_mode=False)` | `(N, C, H, W)` -> `(N, C, H_out, W_out)` |
# | `AvgPool2d` | `AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True)` | `(N, C, H, W)` -> `(N, C, H_out, W_out)` |
# | `AdaptiveAvgPool2d` (given, section 13) | `AdaptiveAvgPool2d(output_size)` | `(N, C, H, W)` -> `(N, C, *output_size)` |
# | `BatchNorm2d` (given, section 13) | `BatchNorm2d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True)` | `(N, C, H, W)` -> same shape |
#
# `kernel_size`, `stride` and `padding` each take an int or an `(h, w)` tuple. Pooling's
# stride defaults to its kernel size. `dilation`, `groups`, `padding="same"` / `"valid"`,
# `ceil_mode` and `count_include_pad` are the given options of section 13, which is this
# module's going-further notebook, `09b_going_further.ipynb` (given, not graded): with their
# defaults, the layers run exactly the code you write and meet in sections 3 to 7. Names, argument order and the NCHW layout
# (batch, channels, height, width) are PyTorch's, so everything here transfers.
#
# `Conv2d.weight` has shape `(out_channels, in_channels // groups, kh, kw)` (`groups` is 1
# unless you ask for more), drawn from a normal
# distribution with standard deviation `sqrt(2 / fan_in)` (He initialisation, right for
# ReLU networks), `fan_in` being the number of inputs that feed one output value;
# `Conv2d.bias` has shape `(out_channels,)`, starts at zero, and is `None` with `bias=False`.
#
# The numpy-level functions are exported too: `conv2d_loops` / `conv2d_vectorized`,
# `maxpool2d_loops` / `maxpool2d_vectorized`, `avgpool2d_loops` / `avgpool2d_vectorized`, and
# the backward loops `conv2d_backward_loops`, `maxpool2d_backward_loops`, `avgpool2d_backward_loops`;
# with every option (given in the going-further notebook, built on your loops), `conv2d_general_loops`,
# `maxpool2d_general_loops`, `avgpool2d_general_loops` and their `*_general_backward_loops`, and
# `pool_output_size`.
# So are the helpers `conv_output_size`, `count_parameters`, `activation_bytes`,
# `receptive_field`, and each layer's `output_shape(input_shape)` and `macs(input_shape)`.


# %% nbgrader={"grade": false, "grade_id": "spatial-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.spatial
#| export
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view  # noqa: F401 (the fast path's, 09a_fast_path)

from tinytorch.core.autograd import Function
from tinytorch.core.layers import Module, _check_positive_int
from tinytorch.core.tensor import Tensor, get_rng, is_whole_number


# %% [markdown]
# ## 1. Output size: where the floor comes from
#
# Slide a window of size `k` along an axis of length `n` that has `p` zeros added on
# each side, moving `s` steps at a time. The first window starts at 0; the last one
# must still fit inside the padded length `n + 2p`, so it starts at most at
# `n + 2p - k`. The number of starting positions `0, s, 2s, ...` up to that point is
#
# $$\text{out} = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1 .$$
#
# The floor matters whenever `s` does not divide `n + 2p - k`: the last few rows or
# columns are never covered by a window and are silently dropped. The same formula
# holds per axis, and for convolution and pooling alike.
#
# **"Same" padding.** With stride 1 and an odd kernel `k`, choosing `p = (k - 1) / 2`
# gives `out = n`: the layer keeps the spatial size. That is why 3x3 convolutions
# almost always come with `padding=1` and 5x5 ones with `padding=2`.
#
# **See it.** The picture below slides a 3x3 window with stride 2 over a 5x6 input
# padded by 1 on each side. The cell counts the window's starting positions along each
# axis by brute force; check that the formula gives the same counts, and spot the padded
# column that no window reaches (the floor at work). Pictures in this notebook are drawn
# with matplotlib; without it, each picture cell prints one line and goes on.


# %%
# The pictures' helpers, shared by every lesson: matplotlib.pyplot (or None, after a one-line
# note, without matplotlib) and showing a figure (closing it when run as a script).
from tinytorch.figures import pyplot as _pyplot, show as _show


# %%
if __name__ == "__main__":
    _h, _w, _k, _s, _p = 5, 6, 3, 2, 1        # a 5x6 input, 3x3 window, stride 2, padding 1
    _starts = {}
    for _axis, _n in (("rows", _h), ("columns", _w)):
        _padded = _n + 2 * _p
        _starts[_axis] = [_start for _start in range(0, _padded, _s) if _start + _k <= _padded]
        _unused = _padded - (_starts[_axis][-1] + _k)
        print(f"{_axis}: padded length {_n} + 2*{_p} = {_padded}; the window ({_k}) starts at "
              f"{_starts[_axis]} -> {len(_starts[_axis])} outputs; {_unused} padded {_axis} never reached")
    _plt = _pyplot()
    if _plt is not None:
        _real = np.zeros((_h + 2 * _p, _w + 2 * _p), dtype=bool)
        _real[_p:_p + _h, _p:_p + _w] = True
        _picks = [(0, 0), (0, 1), (len(_starts["rows"]) - 1, len(_starts["columns"]) - 1)]
        _fig, _axes = _plt.subplots(2, len(_picks), figsize=(9, 6), gridspec_kw={"height_ratios": [3, 2]})
        for _col, (_i, _j) in enumerate(_picks):
            _top, _left = _starts["rows"][_i], _starts["columns"][_j]
            _ax = _axes[0, _col]
            _ax.imshow(np.where(_real, 1.0, 0.35), cmap="Greys_r", vmin=0, vmax=1)
            _ax.add_patch(_plt.Rectangle((_left - 0.5, _top - 0.5), _k, _k, fill=False, color="tab:red", linewidth=2.5))
            _ax.set_title(f"window of output ({_i}, {_j}):\nrows {_top}..{_top + _k - 1}, columns {_left}..{_left + _k - 1}", fontsize=9)
            _ax.set_xticks(range(_real.shape[1]))
            _ax.set_yticks(range(_real.shape[0]))
            _ax.set_xticks(np.arange(_real.shape[1] + 1) - 0.5, minor=True)
            _ax.set_yticks(np.arange(_real.shape[0] + 1) - 0.5, minor=True)
            _ax.grid(which="minor", color="0.5", linewidth=0.5)
            _ax.tick_params(which="both", labelsize=7, length=0)
            _lit = np.zeros((len(_starts["rows"]), len(_starts["columns"])))
            _lit[_i, _j] = 1
            _axes[1, _col].imshow(_lit, cmap="Reds", vmin=0, vmax=1.5)
            _axes[1, _col].set_title(f"output {_lit.shape[0]}x{_lit.shape[1]}", fontsize=9)
            _axes[1, _col].set_xticks(range(_lit.shape[1]))
            _axes[1, _col].set_yticks(range(_lit.shape[0]))
        _fig.suptitle(f"{_h}x{_w} input (white) with padding {_p} (grey), {_k}x{_k} window, stride {_s}", fontsize=10)
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# ### Exercise 1: `conv_output_size`
#
# Return the output length along one axis. The checks are given; write the formula.


# %% nbgrader={"grade": false, "grade_id": "spatial-fit-check", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _dilated_kernel(kernel, dilation):
    """The extent (h, w) that a dilated kernel covers: dilation * (k - 1) + 1 per axis."""
    return tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))


def _even(pads):
    """(ph, pw) of padding ((top, bottom), (left, right)) that is the same on both sides, else None."""
    return tuple(before for before, _ in pads) if all(before == after for before, after in pads) else None


def _check_fits(layer, hw, kernel, stride, pads, dilation, ceil_mode=False):
    """Raise a ValueError naming `layer` unless the (dilated) kernel fits the padded input along every
    axis: the one place this module checks that (conv_output_size's check below, every layer's
    output size in section 2). hw, kernel, stride, dilation: a number per axis; pads: (before, after)
    per axis. ceil_mode (a pooling option) also takes a window longer than the padded input by less
    than the stride, as PyTorch does."""
    span = _dilated_kernel(kernel, dilation)
    padded = tuple(n + before + after for n, (before, after) in zip(hw, pads))
    overhang = tuple(s - 1 for s in stride) if ceil_mode else (0,) * len(hw)
    if all(k <= n + o for k, n, o in zip(span, padded, overhang)):
        return
    dilated, overhung, one = any(d != 1 for d in dilation), any(overhang), len(hw) == 1
    # One axis (conv_output_size, pool_output_size) reads as numbers, two as (h, w) tuples.
    kernel, dilation, span, overhang, padding = (values[0] if one else tuple(values) for values in (
        kernel, dilation, span, overhang, _even(pads) or pads))
    spans = f" with dilation {dilation} spans {span}, which" if dilated else ""
    ceil = f" even with ceil_mode's overhang of up to stride - 1 = {overhang}" if overhung else ""
    smaller = f"a smaller kernel{' or dilation' if dilated else ''}"
    if one:
        raise ValueError(
            f"{layer}: kernel {kernel}{spans} does not fit an axis of size {hw[0]} with padding {padding} "
            f"(padded length {padded[0]}){ceil}. Use {smaller}{',' * dilated} or more padding.")
    raise ValueError(
        f"{layer} kernel {kernel}{spans} does not fit the padded input {padded}{ceil} (input {tuple(hw)}, "
        f"padding {padding}). Use {smaller}, more padding, or a larger input.")


# %% nbgrader={"grade": false, "grade_id": "conv-output-size", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _check_output_size_args(size, kernel, stride, padding):
    """conv_output_size's arguments: ints, size/kernel/stride >= 1, padding >= 0, kernel fits."""
    for name, value, low in (("size", size, 1), ("kernel", kernel, 1), ("stride", stride, 1), ("padding", padding, 0)):
        if not is_whole_number(value):
            raise TypeError(f"conv_output_size: {name} must be an int, got {value!r} ({type(value).__name__}).")
        if value < low:
            raise ValueError(f"conv_output_size: {name} must be >= {low}, got {value}.")
    _check_fits("conv_output_size", (size,), (kernel,), (stride,), ((padding, padding),), (1,))


def conv_output_size(size, kernel, stride=1, padding=0):
    """Number of positions of a sliding window along one axis (an int >= 1).

    size: length of the axis; kernel: length of the window; stride: step between two window
    starts; padding: zeros added at each end of the axis. The window only counts where it
    fits whole inside the padded axis. The same function serves convolution and pooling, one
    axis at a time.

    >>> conv_output_size(28, 5)
    24
    >>> conv_output_size(7, 3, stride=2)
    3
    """
    _check_output_size_args(size, kernel, stride, padding)
    ### BEGIN SOLUTION
    return (size + 2 * padding - kernel) // stride + 1
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "check-conv-output-size", "locked": true, "schema_version": 3, "solution": false, "task": false}
def test_unit_conv_output_size_examples():
    assert conv_output_size(28, 5) == 24, "a 5-wide window fits 24 times along 28 pixels"
    assert conv_output_size(7, 3, stride=2) == 3, "windows start at 0, 2 and 4"

if __name__ == "__main__":
    test_unit_conv_output_size_examples()
    print("conv_output_size: examples ok")


# %% nbgrader={"grade": true, "grade_id": "test-conv-output-size", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
#| loop_rule conv_output_size
# The grader also checks clauses 3 and 4 of the loop rule (section 2, below) on your exported
# conv_output_size: it computes its answer itself, not with another function of the module.
import numpy as np

from tito.check_helpers.convolutions import _output_size_bug   # names the slip behind a wrong count


def test_unit_conv_output_size():
    # (size, kernel, stride, padding) -> positions, each counted by hand.
    cases = [((28, 5, 1, 0), 24), ((32, 3, 1, 1), 32),  # no padding; "same" padding
             ((7, 3, 2, 0), 3),                        # starts 0, 2, 4
             ((8, 3, 2, 0), 3),                        # floor: the last column is never reached
             ((10, 4, 3, 1), 3),                       # padded 12: starts 0, 3, 6 (9 would not fit)
             ((6, 3, 3, 2), 3),                        # padding on both ends: padded 10, starts 0, 3, 6
             ((9, 2, 4, 0), 2), ((5, 5, 1, 0), 1), ((224, 7, 2, 3), 112),
             ((6, 4, 1, 2), 7)]                        # an even kernel padded by half: one more than the size
    answers = {case: conv_output_size(*case) for case, _ in cases}
    for (size, kernel, stride, padding), expected in cases:
        got = answers[(size, kernel, stride, padding)]
        assert isinstance(got, (int, np.integer)) and not isinstance(got, bool), (
            f"conv_output_size{(size, kernel, stride, padding)} returned {got!r} ({type(got).__name__}); "
            f"expected the int {expected}" + (". Likely bug: / gives a float; use // (floor division)"
                                              if isinstance(got, float) else ""))
        hint = _output_size_bug(answers) if got != expected else None
        assert got == expected, (f"conv_output_size(size={size}, kernel={kernel}, stride={stride}, "
                                 f"padding={padding}) returned {got}, expected {expected}"
                                 + (f". Likely bug: {hint}" if hint else ""))
    got = conv_output_size(kernel=3, size=9, padding=1, stride=2)
    assert got == 5, f"conv_output_size(kernel=3, size=9, padding=1, stride=2) returned {got}, expected 5"
    ### BEGIN HIDDEN TESTS
    draw = np.random.default_rng(90).integers
    cases = [(k + int(draw(20)), k, s, int(draw(k // 2 + 1))) for k, s in draw(1, 6, (8, 2)).tolist()]
    hidden = {case: conv_output_size(*case) for case in cases}
    for (size, kernel, stride, padding), got in hidden.items():
        expected, hint = (size + 2 * padding - kernel) // stride + 1, _output_size_bug(hidden)
        assert got == expected, (f"conv_output_size{(size, kernel, stride, padding)} (an input the notebook does not show) "
                                 f"returned {got}, expected {expected}" + (f". Likely bug: {hint}" if hint else ""))
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_unit_conv_output_size()
    print("conv_output_size: ok")


# %% [markdown]
# Shapes through a small CNN, computed with your function. Each line is
# `(channels, height, width)` for one 28x28 grey image.


# %%
if __name__ == "__main__":
    _shape = (1, 28, 28)
    print(f"input          {_shape}")
    for _name, _c, _k, _s, _p in [("conv 5x5, 6", 6, 5, 1, 2), ("maxpool 2", None, 2, 2, 0),
                                  ("conv 5x5, 16", 16, 5, 1, 0), ("maxpool 2", None, 2, 2, 0)]:
        _h = conv_output_size(_shape[1], _k, _s, _p)
        _w = conv_output_size(_shape[2], _k, _s, _p)
        _shape = (_c or _shape[0], _h, _w)
        print(f"{_name:<14} {_shape}")


# %% [markdown]
# ## 2. Checking the arguments (given), and the loop rule
#
# A convolution fails in a handful of predictable ways: an image without its batch
# axis, the wrong number of channels, a kernel that does not fit. numpy would
# report each of them as a broadcasting error deep inside the computation. Given
# helpers catch them at the door and say what was expected, what came, and how to
# fix it. Every function in this module goes through them: your loops start with
# `_check_conv_args` or `_check_pool_args`, then pad with `_pad`. Their code is
# section 2 of the fast-path notebook, `09a_fast_path.ipynb` (given, not graded), which
# also holds the fast path of section 4: read it after section 3. The cell below
# imports both from the package: your export of this notebook once you have run
# `tito export 09`, the course's reference before.


# %% nbgrader={"grade": false, "grade_id": "fast-path-imports", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The given code of the fast-path notebook (09a_fast_path) that this notebook uses. Not exported:
# in the package that code follows this notebook's in one module, where it defines these names.
from tinytorch.core.spatial import (_avgpool2d_backward, _avgpool2d_forward, _avgpool_divisor, _check_conv,
                                    _check_conv_args, _check_grad_out, _check_groups, _check_pool,
                                    _check_pool_args, _check_pool_padding, _conv2d_backward, _conv2d_forward,
                                    _conv_padding, _is_plain, _maxpool2d_backward, _maxpool2d_forward,
                                    _maxpool2d_max, _maxpool2d_winners, _options_code, _output_hw, _overhang, _pad,
                                    _pair, avgpool2d_vectorized, conv2d_vectorized, maxpool2d_vectorized)


# %% [markdown]
# ### The loop rule (checked by the grader)
#
# Six exercises below are loops: `conv2d_loops`, `conv2d_backward_loops`, `maxpool2d_loops`,
# `avgpool2d_loops`, `maxpool2d_backward_loops` and `avgpool2d_backward_loops`. They are graded on
# their numbers *and* on being loops over output positions: a version that calls the fast path,
# or computes every position at once, loses the exercise's points even when every number is right.
# `tito test 09` and `tito grade` check the rule below on your exported code: they read it, they do
# not run it for this. (Running a graded cell here in Jupyter checks only the numbers.) The
# grader also runs each of them on an input this notebook does not show
# (nbgrader's hidden tests, left out of your copy): numbers written down for the inputs you see
# score nothing. For each of the six functions:
#
# 1. **Loops over positions.** Inside a `for` loop nested (at any depth) in another `for` loop, or
#    inside one `for` over `np.ndindex(...)` or `itertools.product(...)` with two or more loop variables
#    (or over `np.ndenumerate(...)` with two or more in its index:
#    `for (n, c, i, j), _ in np.ndenumerate(out)`), the function writes into an array (`A[...] = ...` or
#    `A[...] += ...`) with an index that uses the variables of both loops: directly
#    (`out[n, co, i, j]`), in arithmetic (`grad_x_pad[n, c, i * sh + ki, j * sw + kj]`), in slice bounds
#    (`grad_x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]`), or through a name computed from them
#    (`row = i * sh + ki`, then `grad_x_pad[n, ci, row, col]`).
# 2. **Outside the loops, only preparing and returning.** Every statement outside the function's
#    `for` loops (a loop's `else:` block is outside it; its `in ...` part belongs to it) is one of its
#    given lines (those above "Yours"), an import, `pass`, a `raise`, an `assert` or a `print(...)` that
#    calls nothing (`assert out.shape == (batch, c_out, h_out, w_out)`: what they read is thrown away),
#    an `if` whose test calls nothing but `isinstance` (`if stride is None:`,
#    `if isinstance(stride, int):`; its body follows this same rule), or an assignment or `return` whose
#    value calls nothing and does arithmetic or comparisons only on numbers (`area = kh * kw`,
#    `best = -np.inf`, not on arrays: `first + second`, `cand > out`; `is None` and `is not None` tests,
#    and a choice between plain names, `stride or kernel_size`, are fine) or inside indices and slice
#    bounds: `grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]`, `return out`,
#    `return grad_x, grad_w, grad_b`. These calls compute nothing and are fine: `int`, `float`, `abs`,
#    `round`, `min` or `max` of numbers (`area = float(kh * kw)`), `len` of an array (`len(x)`), `np.finfo`
#    of a dtype (`np.finfo(x.dtype).min`), `np.zeros` or `np.ones` of a shape of numbers (`np.zeros(c_out)`,
#    a `dtype=` aside) or `np.zeros_like` and `np.ones_like` of an array (`np.zeros_like(x)`), and `.copy()`
#    of an array or a slice of one (`grad_x_pad[:, :, ph:ph + height, pw:pw + width].copy()`). So the bias
#    and every computation that reads an array go inside the loops.
# 3. **No whole-array shortcuts.** The function uses no name of this module (a function, class or
#    variable; imports of numpy and standard-library modules aside) other than those its given lines
#    use, directly or through the functions they call (`_pad`, `_check_conv_args`, ...), and your
#    answers to the exercises without a loop (`conv_output_size`): not the fast path
#    (`conv2d_vectorized`, `_im2col`, ...), not a helper of your own. The functions of the module it
#    uses, and the ones they use, keep to the same limit with respect to their given versions. None of
#    them uses `einsum`, `tensordot`, `sliding_window_view`, `as_strided`, `stride_tricks`, `convolve`,
#    `correlate`, `fft`, `vectorize`, `apply_along_axis` or `frompyfunc` (as a name, an attribute or in
#    an import, also as a word of a longer one: `einsum_path`, `np.fft.fft2`), nor a view's `.base` (the
#    whole array a window is a view of; a name `base` is fine), nor imports anything but numpy and the
#    standard library; and the function defines no function, `lambda` or class inside (comprehensions
#    are fine), nor makes a class another way: `type(name, bases, namespace)`, `.__class__`,
#    `make_dataclass`, `namedtuple`, `NamedTuple`, `TypedDict`, `new_class`, `ABCMeta`, `EnumMeta`,
#    `EnumType`, `Enum`, `IntEnum`, `StrEnum`, `Flag`, `IntFlag`, `ReprEnum`; in the exercises
#    themselves `type` is not used at all (`type(type)` is `type`; `isinstance` checks a value's kind),
#    nor the modules whose business is making classes (`enum`, `typing`, `dataclasses`, `abc`), nor `id`
#    or `hash` (they tell where an object lies in memory). Inside the loops, numpy on one window is
#    fine: `window.max()`, `(window * kernel).sum()`, `np.argmax(window)`.
# 4. **Nothing behind the reader's back**, anywhere in the module: no `exec`, `eval`, `compile`,
#    `__import__`, `globals`, `locals`, `vars`, `setattr`, `delattr` or `__builtins__`; no `getattr`
#    with a computed name (nor `getattr` passed around); no import of `importlib`, `ctypes`, `gc`,
#    `inspect`, `builtins`, `marshal`, `pickle`, `copyreg`, `runpy`, `code` or `codeop`, and no
#    `import *`; no `sys.modules` and no attribute `__code__`, `__globals__`, `__dict__`,
#    `__builtins__`, `__closure__`, `__defaults__`, `__kwdefaults__`, `__subclasses__`,
#    `__getattribute__`, `__setattr__`, `__delattr__`, `__import__`, `__loader__`, `__spec__`,
#    `f_globals`, `f_locals`, `f_builtins`, `f_back`, `f_code`, `tb_frame`, `gi_frame`, `cr_frame`,
#    `_getframe`, `settrace`, `setprofile`, `meta_path`, `path_hooks` or `__annotations__`; no
#    annotation that holds more than a type (a call or a walrus, also written as text: `x: "(f := g)"`,
#    which code reading the annotations would run); and none of the tools that change an object or reach
#    one from afar: `update_wrapper`, `wraps`, `attrgetter`, `methodcaller`, `get_type_hints`,
#    `ForwardRef`, `__self__`, `builtins`, `ctypeslib`, `load`, `read_array`; none of numpy's array
#    protocols (an object that has one is read as an array at whatever address, shape and strides it
#    gives), nor what tells where a window lies in memory: `__array_interface__`, `__array_struct__`,
#    `__array__`, `__array_wrap__`, `__array_finalize__`, `__array_prepare__`, `__array_function__`,
#    `__array_ufunc__`, `__array_priority__`, `byte_bounds`, `info` (`np.info` prints the address), nor
#    `__getattr__` (a module's answers for every name the module does not bind, a class's for any
#    attribute), also not as the name of a def, a class, a keyword or a variable (a variable may be
#    called `info`) (nor a forbidden name as an attribute, `x.setattr`, nor a string that names one,
#    `"f.__globals__"`, nor `allow_pickle`, nor a private name of an imported module, `np._core`); of
#    the standard library, imports of `math`, `cmath`, `itertools`, `functools`, `collections`,
#    `numbers`, `operator`, `copy`, `warnings`, `time`, `random`, `statistics`, `typing`, `dataclasses`,
#    `enum`, `abc`, `fractions`, `decimal`, `array`, `bisect` and `heapq` only, nor any other standard
#    module reached through them (`warnings.sys`, `from warnings import sys`), nor `.modules` on
#    anything, and a module of the package only by its names (`from .tensor import Tensor`, never
#    `import tinytorch.core.spatial` or `from . import tensor`); no assignment to an attribute of a
#    computed object (`f().name = ...`) or of a name bound to what a call returned (`m = f()`, then
#    `m.name = ...`; `self.weight = ...` is fine), nor to `__class__`, nor to an attribute of anything
#    imported (`np.pad = ...`) or of a function or class of the module (`_pad.fast = ...`). The six
#    functions keep their given parameters
#    (`def maxpool2d_loops(x, kernel_size, stride=None, padding=0)`), and no name of the module is a
#    builtin that the rule or the given code reads (`int`, `float`, `isinstance`, `min`, `max`, `range`,
#    `ValueError`, ...: `from numpy import maximum as min`), nor any builtin bound by a function that
#    declares it `global`: the rule and the given code read those as Python's own. The six functions,
#    and every name of the module they use (directly or through the functions they call), are bound as
#    the given code binds them: functions by one plain `def` (no decorator), never rebound
#    (`conv2d_loops = conv2d_vectorized`) nor declared `global`; a module you add for your loops
#    (`import itertools`) by imports of that module only. The given functions they use (`_pad`,
#    `_check_conv_args`, ...) stay as the notebook gives them (their docstrings and comments aside): an
#    edited one could do the work the loops are graded on.
# 5. **One window at a time.** Inside the loops, the function reads the image (`x`, `grad_out`, and
#    every array computed from one of them whole: `x_pad`, or `plane = x_pad[n, c]`) only through an
#    index whose row and column entries are each a number or a window's slice (or through numpy's
#    `.item(...)` with one number per axis, `x_pad.item(n, c, r, s)`: the same read as
#    `x_pad[n, c, r, s]`, and after a window's slices one per axis they keep,
#    `x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].item(ki, kj)`; with one index,
#    `x_pad.item(k)`, it counts positions over the whole image, so that, a tuple or `*idx` in it, or
#    `get = x_pad.item`, uses the image whole). A loop variable is a number when its loop steps over
#    `range(...)`, `np.arange(...)` of numbers (no `dtype`), `np.ndindex(...)` or `itertools.product` of
#    those, or what `enumerate`, `zip` and `reversed` pair with them (the count of `enumerate` too); so
#    a module binds the names `arange`, `ndindex`, `ndenumerate` and `product` only by importing numpy's
#    or itertools' own, and a function binds none of these names, nor `np`, itself. A number is
#    arithmetic on numbers, loop variables and the given sizes (also through `int`, `float`, `min`,
#    `max`, `abs`, `round`, `len`, `.shape`, `np.argmax(window)`, `window.argmax()`, `.item()` of a
#    number, `np.unravel_index`, and `divmod` unpacked or picked apart, `ki, kj = divmod(k, kw)`: its
#    pair in an index is two positions): `x_pad[n, ci, i * sh + ki, j * sw + kj]`,
#    `grad_out[n, co, i, j]`. A window's slice is one whose length does not grow with the image and is
#    no longer than a window, with no step or a positive number as its step, and that never ends at a
#    negative position (numpy counts one from the end of the axis: `0:-1` is every row but the last, and
#    so is a clip `max(top, 0):min(top + kh, height)` whose `top + kh` is -1, or a clip by a value the
#    rule cannot work out: `0:min(kh, np.int64(-1))` is `0:-1`, and `max(-kh, np.int64(0)):-1` too, and
#    so is a clip by a NaN, which `min` and `max` skip or keep by order, or by numpy's integers, which
#    wrap past 2**63: `max(-1, abs(np.nan))` is -1):
#    `x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]`, or the same built by `slice(...)` or
#    `np.s_[...]` (also the whole index, `x_pad[np.s_[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]]`),
#    in the index or named once (`rows = slice(i * sh, i * sh + kh)`, then `x_pad[n, c, rows, cols]`;
#    the whole index too, `win = np.s_[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]` or a tuple
#    `(n, c, rows, cols)`, then `x_pad[win]`, when `win` is read only so), or clipped at the border of
#    `x` with `max` and `min` (`x[n, c, max(top, 0):min(top + kh, height), ...]`), or with both bounds
#    clipped alike (`min(max(top, 0), height):min(max(top + kh, 0), height)`,
#    `np.clip(top, 0, height):np.clip(top + kh, 0, height)`; `np.maximum` and `np.minimum` of numbers
#    are `max` and `min`, and so is a choice between two numbers by comparing them,
#    `r0 = 0 if top < 0 else top`, or the same as an `if`/`else` block that binds one name in each
#    branch and does nothing else, also a chain of two, `if top < 0: r0 = 0` /
#    `elif top > height: r0 = height` / `else: r0 = top` (or an `if` inside the `else`), whose lower
#    bound is a whole number no greater than 0 and whose upper one a number never below 0, a shape or a
#    size), also by re-assigning a name bound once just before, in the same block
#    (`if bottom > height: bottom = height`, `bottom = height if bottom > height else bottom`,
#    `r0, r1 = max(r0, 0), min(r1, height)`, `top = np.clip(top, 0, height)`; a bound with a call,
#    `next(it)`, is no clip). A name in a slice stands for its value only where that value was computed
#    before the read in the same pass through its block, with none of the names it reads bound again in
#    between (also by a `case`, an `except ... as` or an `import ... as`), and not read from a list or
#    an array (`pos[0]`) nor in a generator drawn from later. Subscripts may follow each other: a later
#    one indexes inside the earlier ones, so `x_pad[n, c, i * sh:, j * sw:][:kh, :kw]` reads one window
#    too. A band named once, one window's rows with the columns whole
#    (`band = x_pad[n, c, i * sh:i * sh + kh]`, also of every channel,
#    `x_pad[n, :, i * sh:i * sh + kh]`, or the other way round), or one row named by a number
#    (`row = x_pad[n, c, i * sh + ki]`), is read through its name the same way: `band[ki, j * sw + kj]`,
#    `band[ci, ki, j * sw + kj]`, `band[:, j * sw:j * sw + kw]`, `row[j * sw + kj]`. Using `x.shape` or
#    `len(x)` is fine. A tuple or list in an index is many positions to numpy, so it is not a number
#    (`rows = ((0,), (1,), ...)`, `x.shape[:2]`; nor is what a given line binds whole, `x`, `weight`,
#    `bias` (maybe None), `padding`), nor is an unpacked `*e` or a starred target, nor what a `match`
#    captures; the given sizes (`kh`, `kernel_size[0]`, `weight.shape[2]`, ...) count as a window's only
#    while the function keeps them sizes (`kh = x_pad.shape[2]` or `ph = 1000000` makes it no window's
#    size, and changing an array's shape in place, `a.resize(...)` or `a.shape = ...`, makes the
#    weight's shape none, unless `a` is only ever a new array of the function's own,
#    `buf = np.zeros(0)`; nor is `weight.nbytes` one, nor a channel count, `weight.shape[0]`, nor an
#    element picked by arithmetic, `weight.shape[2 + 0 * k]`: pick one by a whole number; a length that
#    multiplies sizes, `kh * kw`, is longer than a window; bound again, a size stays one only as it is,
#    `kh, kw = weight.shape[2:]` or `sh = stride[0]`, or an element of a tuple of such bound once
#    (`k = (kh, kw)`, then `k[0]`), or a choice between such,
#    `kh, kw = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)`, also
#    under names of your own, `k_h, k_w = weight.shape[2:]` or one kernel's `weight[0, 0].shape` (of a
#    shape, only the weight's); not as arithmetic, `kh = kh * 1000000` or `kh += kh`; only sizes the
#    function takes or binds itself, not a module's; the stride itself is no length, `0:stride`, a
#    pool's may be None; a given line gives the window's sizes only while the sizes it reads are: a copy
#    of it after `kernel_size = x_pad.shape[2:]` does not), and a name the function binds to one of
#    `int`, `min`, `max`, ... is not Python's. The image held in a container or a view with other axes
#    (`[[x_pad]]`, `x_pad[None, None]`, `x_pad.T`, also bound to `x` again: `x = x_pad.T`) is not read
#    at all: index the image itself. So a loop over rows that reads a whole row of windows at a time, a
#    loop over images and channels that averages shifted copies of the image, or index arrays from
#    `np.arange` break this clause: each innermost step handles one window, as in the worked example. An
#    array or list that collects values read from the image (`copy[a, b, r, s] = x_pad[a, b, r, s]`,
#    `values.append(window)`, `acc = np.concatenate([acc, window])`, and every other way to put a value
#    into it: through `copy.T[...]` or a view of it (`view = copy[n, c]`, then `view[r, s] = ...`:
#    `copy[n, c]` is then a plane; also `for row in copy[n, c]` or `np.asarray(copy[n, c])`; also a
#    whole plane at a time, `copy[n, c] = np.where(mask, v, copy[n, c])`: an array made by `np.zeros` of
#    four dimensions has its rows and columns last), as an argument of a call that reads the image,
#    `np.positive(window, copy)`, by a method, `acc.update(...)`, as a `for` target, also through
#    numbers made with `.item()`) holds what the image holds, so it counts as the image: copying the
#    image one element at a time and then reducing the copy whole breaks this clause too, and so does
#    reading it over the axes before its last two (`acc[:, :, ki, kj]` after
#    `acc[i, j, ki, kj] = x_pad[...]`: every position at once). One made afresh inside the loops for
#    each window is fine: `values = []`, then `values.append(x_pad[n, c, i * sh + ki, j * sw + kj])` in
#    loops over `ki` and `kj` (and over input channels, also through a window named in that loop,
#    `window = x_pad[n, ci, i * sh:i * sh + kh, j * sw:j * sw + kw]`, then
#    `products[k] = window[ki, kj] * weight[co, ci, ki, kj]`), then `max(values)`. A comprehension is
#    read the same way: its `for` over numbers steps over one window or over channels
#    (`max(x_pad[n, c, i * sh + ki, j * sw + kj] for ki in range(kh) for kj in range(kw))`), never over
#    the rows or columns of the image, and one over `np.ndenumerate(...)` enumerates a window's name
#    (`np.ndenumerate(window)`). The output you fill is such an array: read it inside the loops one
#    position at a time, or add to it in place (`out[n, co] += bias[co]`); `A[n, c] @= M` and
#    `A[n, c] = A[n, c] @ M` read all of `A[n, c]`: a matrix product mixes its positions.
#
# Exercise 1's `conv_output_size` has no loops, but clauses 3 and 4 hold for it too: it computes
# its answer itself, not with another function of the module that does (`pool_output_size` of
# section 13, or the given checks' own window count).
#
# The grader checks the clauses in the order 4, 3, 1, 2, 5 and names the first that fails, with
# where, for example: "conv2d_loops must loop over output positions (loop rule 3): uses
# conv2d_vectorized, a function of your module that the given conv2d_loops does not use (nor the
# functions it calls); compute in your loops instead (notebook cell N: `conv2d_vectorized`)".


# %% [markdown]
# ## 3. Convolution as seven nested loops
#
# For every image `n` in the batch, every output channel `co`, and every output
# position `(i, j)`, the output is a dot product between the kernel `weight[co]` and
# the window of the (padded) input that starts at row `i * stride_h`, column `j * stride_w`:
#
# $$ y[n, c_o, i, j] = b[c_o] + \sum_{k_i}\sum_{k_j}\sum_{c_i}
#    x[n, c_i,\ i s_h + k_i,\ j s_w + k_j] \cdot w[c_o, c_i, k_i, k_j] $$
#
# Written as loops, outermost first: batch, output channel, output row, output
# column, kernel row, kernel column, input channel. Seven loops; the innermost line
# is one multiply-accumulate (MAC), and it runs
#
# $$ B \times C_{out} \times H_{out} \times W_{out} \times C_{in} \times K_h \times K_w $$
#
# times: the product of all seven loop lengths. That is the cost of the **direct
# algorithm**, the one these loops spell out; the fast path of §4 does exactly the same
# MACs, only faster. It is not a lower bound: Winograd's algorithm (§11) gets the same
# outputs with fewer multiplications.
#
# (Deep learning "convolution" is, strictly, cross-correlation: the kernel is not
# flipped. PyTorch does the same; a learned kernel does not care.)
#
# **Worked example.** One 3x4 image, one 2x2 kernel, no padding, stride 1: the output is
# 2x3, and each output is the sum of four products, one window at a time:


# %%
if __name__ == "__main__":
    _x = np.array([[1, 2, 0, 3], [4, 1, 5, 2], [0, 3, 1, 4]])   # one 3x4 image, one channel
    _w = np.array([[1, 2], [0, -1]])                             # one 2x2 kernel
    print("input x (3x4):\n", _x, "\nkernel w (2x2):\n", _w, sep="")
    _oh, _ow = _x.shape[0] - _w.shape[0] + 1, _x.shape[1] - _w.shape[1] + 1
    _y = np.zeros((_oh, _ow), dtype=int)
    for _i in range(_oh):
        for _j in range(_ow):
            _window = _x[_i:_i + 2, _j:_j + 2]
            _y[_i, _j] = int((_window * _w).sum())
            _terms = " + ".join(f"{a}*({b})" if b < 0 else f"{a}*{b}" for a, b in zip(_window.ravel(), _w.ravel()))
            print(f"y[{_i},{_j}] = {_terms} = {_y[_i, _j]}")
    print(f"output y ({_oh}x{_ow}):\n{_y}")


# %% [markdown]
# ### Exercise 2: the loop kernel of `conv2d_loops`
#
# The checks, the padding and the output array are given. Fill `out` with the seven
# loops in the order above, and add the bias (when there is one) to every output
# position of its channel. The output takes the inputs' dtype (the given
# `np.result_type(x, weight)`); the graded checks pass float64 arrays and compare to
# float64's precision, so add in Python floats or the inputs' dtype, never in
# `np.float32` (that holds for the five loop exercises after this one too).


# %% nbgrader={"grade": false, "grade_id": "conv2d-loops", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def conv2d_loops(x, weight, bias=None, stride=1, padding=0):
    """2D convolution (cross-correlation, as in PyTorch) by explicit loops, on numpy arrays.

    x: (N, C_in, H, W); weight: (C_out, C_in, kh, kw); bias: (C_out,) or None;
    stride, padding: an int or an (h, w) pair. Returns (N, C_out, H_out, W_out), with
    H_out and W_out by conv_output_size's formula. Slow on purpose: the fast path is tested against it.
    """
    x, weight, bias, (sh, sw), padding, (h_out, w_out) = _check_conv_args("conv2d_loops", x, weight, bias, stride, padding)
    x_pad = _pad(x, padding)
    batch, c_in = x.shape[:2]
    c_out, _, kh, kw = weight.shape
    out = np.zeros((batch, c_out, h_out, w_out), dtype=np.result_type(x, weight))
    # Yours: fill out[n, co, i, j] with the seven loops (the bias once per position), then return out.
    ### BEGIN SOLUTION
    for n in range(batch):
        for co in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    total = 0.0
                    for ki in range(kh):
                        for kj in range(kw):
                            for ci in range(c_in):
                                total += x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj]
                    if bias is not None:
                        total += bias[co]
                    out[n, co, i, j] = total
    return out
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "check-conv2d-loops", "locked": true, "schema_version": 3, "solution": false, "task": false}
def test_unit_conv2d_loops_examples():
    # All-ones 2x2 kernel on a 3x3 image of 1..9: each output sums one 2x2 window.
    x = np.arange(1, 10, dtype=np.float32).reshape(1, 1, 3, 3)
    w = np.ones((1, 1, 2, 2), dtype=np.float32)
    np.testing.assert_array_equal(conv2d_loops(x, w), [[[[12, 16], [24, 28]]]])
    # The bias is added once to every output position of its channel.
    np.testing.assert_array_equal(conv2d_loops(x, w, bias=np.array([-10.0], dtype=np.float32)), [[[[2, 6], [14, 18]]]])

if __name__ == "__main__":
    test_unit_conv2d_loops_examples()
    print("conv2d_loops: examples ok")


# %% [markdown]
# The checks from here on compare your loops with independent numpy versions (one einsum or
# running maximum per kernel offset, never a loop over positions) and with finite
# differences. They are given in `tito/check_helpers/convolutions.py`, which the cell below
# imports for every later check.
#
# **When a check fails, it names the likely bug.** The checks below also know the mistakes
# students most often make in each exercise: a flipped kernel, a forgotten stride, `x` read
# where `x_pad` belongs, `=` where `+=` belongs, and so on. When your output is wrong, the
# check computes what each of those mistakes would give on the same input, with plain numpy,
# and when your output matches one of them it says so ("Likely bug: ..."). An error raised
# inside your function (an `IndexError`, a `ValueError` from mismatched shapes) gets the same
# kind of hint. A hint is a guess from the numbers, not a proof: read it, then check the line
# it points to.

# %% nbgrader={"grade": false, "grade_id": "check-helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| check_helpers
# Given: the checks' helpers, in tito/check_helpers/convolutions.py (open it to read how a check works).
from tito.check_helpers.convolutions import (
    _CONV_ERRORS, _MAXPOOL_BACK_ERRORS, _RF_TYPE_HINT, _assert_close, _avgpool_back_suspects, _avgpool_numpy,
    _avgpool_suspects, _bias_shape_slip, _call, _conv_back_returned, _conv_back_suspects, _conv_numpy, _conv_suspects,
    _diag_coverage, _far_below_finite_starts, _field_by_intervals, _field_slip, _he_std_slip, _maxpool_back_suspects,
    _maxpool_numpy, _maxpool_suspects, _numeric_grad, _weight_shape_slip)

# %% nbgrader={"grade": true, "grade_id": "test-conv2d-loops", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
#| loop_rule conv2d_loops
# The grader also checks the loop rule (section 2) on your exported conv2d_loops.
import numpy as np


def test_unit_conv2d_loops():
    rng = np.random.default_rng(2024)
    # Hand values: 2x2 all-ones kernel on 1..9 sums each window; the bias is added once.
    x, w, b = np.arange(1, 10, dtype=np.float64).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2)), np.array([0.5])
    what = "conv2d_loops(1..9 as 3x3, 2x2 all-ones kernel, bias 0.5)"
    _assert_close(_call(what, conv2d_loops, x, w, b, hints=_CONV_ERRORS), np.array([[[[12.5, 16.5], [24.5, 28.5]]]]), what,
                  suspects=_conv_suspects(x, w, b, (1, 1), (0, 0)))
    # Everything non-square, 2 images, 3 -> 4 channels, with and without bias.
    for shape, kernel, stride, padding, use_bias in [((2, 3, 5, 7), (2, 3), (2, 1), (1, 2), True),
                                                     ((2, 3, 6, 5), (3, 2), (1, 2), (2, 1), False)]:
        x = rng.standard_normal(shape)
        w = rng.standard_normal((4, shape[1], *kernel))
        b = rng.standard_normal(4) if use_bias else None
        expected = _conv_numpy(x, w, b, stride, padding)
        what = f"conv2d_loops(x {shape}, weight {w.shape}, stride {stride}, padding {padding}, bias {'yes' if use_bias else 'None'})"
        _assert_close(_call(what, conv2d_loops, x, w, b, stride, padding, hints=_CONV_ERRORS), expected, what,
                      suspects=_conv_suspects(x, w, b, stride, padding))
    # A wide, short output (a few rows, many columns), with more input channels than output channels.
    x, w, b = rng.standard_normal((2, 3, 3, 62)), rng.standard_normal((2, 3, 2, 3)), rng.standard_normal(2)
    what = f"conv2d_loops(x {x.shape}, weight {w.shape}, stride (1, 2), padding (1, 1))"
    _assert_close(_call(what, conv2d_loops, x, w, b, (1, 2), (1, 1), hints=_CONV_ERRORS), _conv_numpy(x, w, b, (1, 2), (1, 1)), what,
                  suspects=_conv_suspects(x, w, b, (1, 2), (1, 1)))
    ### BEGIN HIDDEN TESTS
    x, w = (np.random.default_rng(20240).standard_normal(shape) for shape in ((2, 2, 6, 5), (3, 2, 3, 2)))
    b = np.arange(3.0) - 1
    what = "conv2d_loops(x (2, 2, 6, 5), weight (3, 2, 3, 2), stride (1, 2), padding (2, 1)), an input the notebook does not show"
    _assert_close(_call(what, conv2d_loops, x, w, b, (1, 2), (2, 1), hints=_CONV_ERRORS), _conv_numpy(x, w, b, (1, 2), (2, 1)),
                  what, suspects=_conv_suspects(x, w, b, (1, 2), (2, 1)))
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_unit_conv2d_loops()
    print("conv2d_loops: ok")


# %% [markdown]
# The exact number of multiply-accumulates is the product of the seven loop
# lengths. Here it is for a small layer on a small batch of random images (the shapes
# are in the cell), next to the time your loops take on it.


# %% nbgrader={"grade": false, "grade_id": "macs", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def conv2d_macs(input_shape, out_channels, kernel_size, stride=1, padding=0):
    """Multiply-accumulates of a 2D convolution: B * C_out * H_out * W_out * C_in * kh * kw."""
    batch, c_in, height, width = input_shape
    kernel = _pair(kernel_size, "kernel_size", 1, "conv2d_macs")
    stride, padding = _pair(stride, "stride", 1, "conv2d_macs"), _pair(padding, "padding", 0, "conv2d_macs")
    h_out, w_out = _output_hw("conv2d_macs", (height, width), kernel, stride, padding)
    return batch * out_channels * h_out * w_out * c_in * kernel[0] * kernel[1]


# %%
if __name__ == "__main__":
    import time
    _x = get_rng().standard_normal((8, 1, 12, 12)).astype(np.float32)
    _w = get_rng().standard_normal((4, 1, 3, 3)).astype(np.float32)
    _t = time.perf_counter()
    conv2d_loops(_x, _w)
    _seconds = time.perf_counter() - _t
    _macs = conv2d_macs(_x.shape, 4, 3)
    print(f"conv2d_loops on {_x.shape} -> 4 channels, 3x3: {_macs:,} MACs in {_seconds * 1000:.1f} ms "
          f"= {_macs / _seconds / 1e6:.2f} million MACs per second")


# %% [markdown]
# ### The backward pass, by hand
#
# Write `g = dL/dy` for the gradient that arrives from the layer above; it has the
# output's shape. Each output is `b[co]` plus a sum of products of one window with
# `w[co]`, so the chain rule gives, for every output position `(n, co, i, j)`:
#
# - **bias:** `dL/db[co] += g[n, co, i, j]`: the bias gradient sums `g` over images and
#   positions;
# - **weights:** `dL/dw[co, ci, ki, kj] += g[n, co, i, j] * x_pad[n, ci, i*sh + ki, j*sw + kj]`:
#   every window uses the same weights, so every window contributes;
# - **input:** `dL/dx_pad[n, ci, i*sh + ki, j*sw + kj] += g[n, co, i, j] * w[co, ci, ki, kj]`:
#   each window sends a share back to every pixel under it.
#
# Why `+=` in the last line: whenever the stride is smaller than the kernel, windows
# overlap, and a pixel under several windows influences several outputs. Its gradient
# is the sum of one share per window (and per output channel). An `=` would keep only
# the last window's share. Finally the padding is cut off: the border zeros are not
# inputs, so the gradient that lands on them is dropped.
#
# **Worked example.** A 3x3 input, a 2x2 kernel, stride 1, so a 2x2 output with four
# overlapping windows. The centre pixel lies in all four. The incoming gradient is
# 1, 10, 100, 1000, so each digit of the answer shows one window's share:


# %%
if __name__ == "__main__":
    _x = np.arange(1.0, 10.0).reshape(3, 3)         # 3x3 input
    _w = np.array([[1.0, 2.0], [3.0, 4.0]])         # 2x2 kernel, stride 1 -> 2x2 output
    _g = np.array([[1.0, 10.0], [100.0, 1000.0]])   # dL/dy, chosen so each window's share is easy to spot
    _gx, _gw = np.zeros_like(_x), np.zeros_like(_w)
    for _i in range(2):
        for _j in range(2):
            _gx[_i:_i + 2, _j:_j + 2] += _g[_i, _j] * _w       # scatter: += because windows overlap
            _gw += _g[_i, _j] * _x[_i:_i + 2, _j:_j + 2]       # every window uses the same weights
    print("x:\n", _x.astype(int), "\nw:\n", _w.astype(int), "\ng = dL/dy:\n", _g.astype(int), sep="")
    _shares = [f"g[{_i},{_j}]*w[{1 - _i},{1 - _j}] = {_g[_i, _j]:g}*{_w[1 - _i, 1 - _j]:g}"
               for _i in range(2) for _j in range(2)]
    print("the centre pixel x[1,1] lies in all four windows, so it collects four shares:")
    print("  dL/dx[1,1] = " + "\n            + ".join(_shares) + f"\n            = {_gx[1, 1]:g}")
    print("the corner x[0,0] lies only in window (0,0): dL/dx[0,0] =", f"{_gx[0, 0]:g}")
    print("dL/dx (how many windows each pixel is in shows as how many shares it got):\n", _gx.astype(int), sep="")
    print("dL/dw (each weight sums over all four windows):\n", _gw.astype(int), sep="")
    print("dL/db = sum of g =", f"{_g.sum():g}")
    # Check against finite differences of L = sum(g * conv(x)), with plain numpy.
    def _loss(x, w):
        return sum(_g[i, j] * (x[i:i + 2, j:j + 2] * w).sum() for i in range(2) for j in range(2))
    _e = np.zeros_like(_x)
    _e[1, 1] = 1e-6
    print(f"finite difference for x[1,1]: {(_loss(_x + _e, _w) - _loss(_x - _e, _w)) / 2e-6:.4f}")


# %% [markdown]
# ### Exercise 3: `conv2d_backward_loops`
#
# Walk the same seven loops as the forward pass. Wherever the forward pass did
# `out[n, co, i, j] += x_pad[n, ci, r, c] * weight[co, ci, ki, kj]` (with
# `r = i * stride_h + ki`, `c = j * stride_w + kj`), the backward pass sends the output's
# gradient `g = grad_out[n, co, i, j]` back to both factors: `g * weight[...]` is **added**
# to the input pixel's gradient and `g * x_pad[...]` to the weight's. Overlapping windows
# reach the same pixel, so its contributions add up: use `+=`, never `=`. The bias gradient
# sums `grad_out` over the images and positions of its channel. Finally cut the padding off.


# %% nbgrader={"grade": false, "grade_id": "conv2d-backward-loops", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def conv2d_backward_loops(grad_out, x, weight, stride=1, padding=0):
    """Gradients of conv2d_loops by explicit loops: returns (grad_x, grad_w, grad_b).

    grad_out: (N, C_out, H_out, W_out), the loss gradient with respect to the output of
    conv2d_loops(x, weight, bias, stride, padding). grad_x has x's shape (N, C_in, H, W),
    grad_w weight's (C_out, C_in, kh, kw), grad_b is (C_out,) (returned with or without a bias).
    """
    layer = "conv2d_backward_loops"
    x, weight, _, (sh, sw), (ph, pw), (h_out, w_out) = _check_conv_args(layer, x, weight, None, stride, padding)
    batch, c_in, height, width = x.shape
    c_out, _, kh, kw = weight.shape
    grad_out = _check_grad_out(layer, grad_out, (batch, c_out, h_out, w_out))
    dtype = np.result_type(grad_out, x, weight)
    x_pad = _pad(x, (ph, pw))
    grad_x_pad = np.zeros(x_pad.shape, dtype=dtype)     # the gradient of the padded input
    grad_w = np.zeros(weight.shape, dtype=dtype)
    grad_b = np.zeros(c_out, dtype=dtype)
    # Yours: add (+=) into the three buffers in the forward's loops, then
    # return (grad_x_pad without its padding, grad_w, grad_b).
    ### BEGIN SOLUTION
    for n in range(batch):
        for co in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    g = grad_out[n, co, i, j]
                    grad_b[co] += g
                    for ki in range(kh):
                        for kj in range(kw):
                            for ci in range(c_in):
                                row, col = i * sh + ki, j * sw + kj
                                grad_x_pad[n, ci, row, col] += g * weight[co, ci, ki, kj]
                                grad_w[co, ci, ki, kj] += g * x_pad[n, ci, row, col]
    grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]
    return grad_x, grad_w, grad_b
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "check-conv2d-backward-loops", "locked": true, "schema_version": 3, "solution": false, "task": false}
def test_unit_conv2d_backward_loops_examples():
    # One pixel, four windows: a 2x2 all-ones kernel on a 3x3 input, every output gradient 1.
    # The centre pixel sits in all four windows, an edge pixel in two, a corner in one.
    grad_x, grad_w, grad_b = conv2d_backward_loops(np.ones((1, 1, 2, 2)), np.arange(9.0).reshape(1, 1, 3, 3),
                                                   np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(grad_x, [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]])
    np.testing.assert_array_equal(grad_w, [[[[8, 12], [20, 24]]]])   # each weight saw one window's pixel per output
    np.testing.assert_array_equal(grad_b, [4])
    # Against finite differences of loss = sum(g * conv(x, w, b)) with the plain numpy convolution of
    # the check helpers: your loops are ACTUAL, the differences DESIRED (the loss is linear: step 1 is exact).
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((4, 3, 2, 3)), rng.standard_normal(4)
    g = rng.standard_normal((2, 4, 3, 8))
    loss = lambda: float(np.sum(g * _conv_numpy(x, w, b, (2, 1), (1, 2))))
    for mine, array in zip(conv2d_backward_loops(g, x, w, (2, 1), (1, 2)), (x, w, b)):
        np.testing.assert_allclose(mine, _numeric_grad(loss, array, eps=1.0), rtol=1e-9, atol=1e-9)

if __name__ == "__main__":
    test_unit_conv2d_backward_loops_examples()
    print("conv2d_backward_loops: examples ok")


# %% nbgrader={"grade": true, "grade_id": "test-conv2d-backward-loops", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
#| loop_rule conv2d_backward_loops
# The grader also checks the loop rule (section 2) on your exported conv2d_backward_loops.
import numpy as np


def test_unit_conv2d_backward_loops():
    # Hand values: one pixel gets gradient from four overlapping windows (see the example above).
    g, x, w = np.ones((1, 1, 2, 2)), np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2))
    what = "conv2d_backward_loops(grad_out 2x2 ones, 0..8 as 3x3, 2x2 all-ones kernel)"
    grad_x, grad_w, grad_b = _conv_back_returned(what, _call(what, conv2d_backward_loops, g, x, w), x, w)
    hints = _conv_back_suspects(g, x, w, (1, 1), (0, 0))
    _assert_close(grad_x, np.array([[[[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]]]),
                  "grad_x of a 2x2 all-ones kernel on 3x3, grad_out all ones (overlapping windows add up: +=)",
                  suspects=hints[0], coverage=_diag_coverage(x.shape, (2, 2), (1, 1), (0, 0), (2, 2)), input_gradient=True)
    _assert_close(grad_w, np.array([[[[8.0, 12], [20, 24]]]]), "grad_w of a 2x2 all-ones kernel on 0..8 as 3x3",
                  suspects=hints[1], gradient=True)
    _assert_close(grad_b, np.array([4.0]), "grad_b (grad_out summed over images and positions)", suspects=hints[2])
    # Finite differences of loss = sum(probe * conv(x, w, b)) on a non-square case, in float64. The loss
    # is linear in each of x, w and b, so a central difference with step 1 is exact: float64 is expected.
    rng = np.random.default_rng(77)
    stride, padding = (2, 1), (1, 2)
    x, w, b = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 2, 3)), rng.standard_normal(4)
    probe = rng.standard_normal(_conv_numpy(x, w, b, stride, padding).shape)      # (2, 4, 4, 8)
    loss = lambda: float(np.sum(probe * _conv_numpy(x, w, b, stride, padding)))
    expected = [_numeric_grad(loss, a, eps=1.0) for a in (x, w, b)]
    what = f"conv2d_backward_loops(x {x.shape}, weight {w.shape}, stride {stride}, padding {padding})"
    got = _call(what, conv2d_backward_loops, probe, x, w, stride, padding, hints=_CONV_ERRORS)
    got = _conv_back_returned(what, got, x, w)      # three arrays: zip() below would stop at a shorter result
    coverage = w.shape[0] * _diag_coverage(x.shape, w.shape[2:], stride, padding, probe.shape[2:])  # every c_out adds too
    for name, got, want, suspects, cover in zip(("grad_x", "grad_w", "grad_b"), got, expected,
                                                _conv_back_suspects(probe, x, w, stride, padding), (coverage, None, None)):
        _assert_close(got, want, f"{what} {name} vs finite differences", tol=1e-9,
                      suspects=suspects, coverage=cover, input_gradient=name == "grad_x", gradient=True)
    ### BEGIN HIDDEN TESTS
    rng, stride, padding = np.random.default_rng(770), (1, 2), (2, 1)
    x, w, b = rng.standard_normal((2, 2, 5, 6)), rng.standard_normal((3, 2, 3, 2)), np.zeros(3)
    probe = rng.standard_normal(_conv_numpy(x, w, b, stride, padding).shape)
    what = f"conv2d_backward_loops(x {x.shape}, weight {w.shape}, stride {stride}, padding {padding}), an input the notebook does not show"
    grads = _conv_back_returned(what, _call(what, conv2d_backward_loops, probe, x, w, stride, padding,
                                            hints=_CONV_ERRORS), x, w)
    for name, got, array, suspects in zip(("grad_x", "grad_w", "grad_b"), grads, (x, w, b), _conv_back_suspects(probe, x, w, stride, padding)):
        want = _numeric_grad(lambda: float(np.sum(probe * _conv_numpy(x, w, b, stride, padding))), array, eps=1.0)
        _assert_close(got, want, f"{what}: {name} vs finite differences", tol=1e-9, suspects=suspects, input_gradient=name == "grad_x", gradient=True)
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_unit_conv2d_backward_loops()
    print("conv2d_backward_loops: ok")


# %% [markdown]
# ## 4. The fast path: im2col + one matrix multiply (given)
#
# The loops spend nearly all their time in the Python interpreter, not in arithmetic.
# The layers run a given fast path instead, which lets numpy's compiled matrix multiply
# (BLAS) do all the work: **im2col** copies each output position's input window (all
# `C_in` channels, `kh x kw` pixels) into one column of a matrix, and one matrix product
# (**GEMM**) of the weights, reshaped to `(C_out, C_in * kh * kw)`, with those columns gives
# every output channel at every position of every image. Same MACs, same numbers (up to
# float rounding order), in one BLAS call; the price is memory, the columns being about
# `kh * kw / (sh * sw)` times the input. Backward runs the same pieces in reverse: col2im
# adds each column of the input gradient back onto the window it came from.
#
# Section 4 of the fast-path notebook, `09a_fast_path.ipynb`, explains that code
# (`conv2d_vectorized`, `_im2col`, `_col2im`, `_conv2d_forward`, `_conv2d_backward`), draws
# the columns and runs edge kernels on a real digit. The check below runs your loops against it.


# %% nbgrader={"grade": false, "grade_id": "test-conv2d-vectorized", "locked": true, "schema_version": 3, "solution": false, "task": false}
def test_unit_conv2d_paths_agree():
    rng = np.random.default_rng(9)
    for shape, c_out, kernel, stride, padding in [((2, 3, 7, 6), 4, (3, 3), 1, 1), ((1, 2, 9, 8), 3, (2, 3), (2, 1), (0, 2))]:
        x = rng.standard_normal(shape).astype(np.float32)
        w = rng.standard_normal((c_out, shape[1], *kernel)).astype(np.float32)
        b = rng.standard_normal(c_out).astype(np.float32)
        slow = conv2d_loops(x, w, b, stride, padding)
        fast = conv2d_vectorized(x, w, b, stride, padding)
        assert slow.shape == fast.shape and slow.dtype == np.float32, (slow.shape, slow.dtype)
        # Your loops are the ACTUAL result, the given fast path the DESIRED one.
        np.testing.assert_allclose(slow, fast, rtol=1e-5, atol=1e-5)

if __name__ == "__main__":
    test_unit_conv2d_paths_agree()
    print("conv2d_vectorized agrees with conv2d_loops")


# %% [markdown]
# ## 5. Pooling
#
# Pooling shrinks a feature map by summarising each window with one number. It has
# no weights. **Max pooling** keeps the strongest response in the window: "is this
# feature present somewhere here?", which also makes the output tolerant of small
# shifts. **Average pooling** keeps the mean, a smoother summary.
#
# By default the stride equals the kernel, so windows tile the input without
# overlapping and a 2x2 pool halves height and width. A stride smaller than the
# kernel gives **overlapping** windows (AlexNet used 3x3 windows with stride 2): an
# input pixel then belongs to several windows.
#
# **Padding.** Max pooling pads with negative infinity, so padding can never be the
# maximum: a window's maximum always comes from a real input. Zero padding would be
# wrong whenever a window's real values are all negative, as the common-errors
# section shows. Average pooling, following PyTorch's default
# (`count_include_pad=True`), pads with zeros and still divides by `kh * kw`, so
# windows that hang over the border are pulled towards zero.
#
# Padding larger than half the kernel is refused (as in PyTorch). Not because a window
# would otherwise be all padding: that takes `p >= k`. The reason is that `p <= k/2`
# keeps at least half of every window on real input along each axis whenever the input
# is at least as long as the kernel and `ceil_mode` (section 13) is off (a border window
# then overhangs by at most `p`, so at least `k - p >= k/2` of its rows and columns are
# real), so every output still summarises mostly real values.
#
# **Worked example.** One 4x4 map, pooled three ways. Every window is listed with its
# maximum and its average; `pad` marks padding (`-inf` for max, `0` for average).


# %%
if __name__ == "__main__":
    _x = np.array([[1, 3, 2, 0],
                   [4, 2, 1, 5],
                   [0, 6, 3, 3],
                   [2, 1, 7, 4]], dtype=float)                # one 4x4 feature map
    print("x:\n", _x.astype(int), sep="")
    for _name, _k, _s, _p in (("2x2, stride 2", 2, 2, 0), ("3x3, stride 1 (overlapping)", 3, 1, 0),
                              ("2x2, stride 2, padding 1", 2, 2, 1)):
        _n_out = (4 + 2 * _p - _k) // _s + 1
        _max_pad = np.pad(_x, _p, constant_values=-np.inf)    # max pooling pads with -inf ...
        _avg_pad = np.pad(_x, _p, constant_values=0.0)        # ... average pooling with 0
        print(f"\n{_name}:")
        for _i in range(_n_out):
            for _j in range(_n_out):
                _rows, _cols = slice(_i * _s, _i * _s + _k), slice(_j * _s, _j * _s + _k)
                _cells = " ".join("pad" if v == -np.inf else f"{v:g}" for v in _max_pad[_rows, _cols].ravel())
                print(f"  ({_i},{_j}) window [{_cells}]: max {_max_pad[_rows, _cols].max():g}, "
                      f"average {_avg_pad[_rows, _cols].sum():g}/{_k * _k} = {_avg_pad[_rows, _cols].mean():.4g}")


# %% [markdown]
# ### Exercises 4 and 5: the loop kernels of `maxpool2d_loops` and `avgpool2d_loops`
#
# The checks, the padding (`-inf` for max, `0` for average) and the output array are
# given. For every image, channel and output position, take the window that starts at
# `(i * stride_h, j * stride_w)` of the padded input and write its maximum (or mean)
# into `out`. Loop over the output positions yourself; inside that loop, the window's
# `.max()` or `.sum()` is fine (that is what CS231n's naive pooling does).
#
# **NaN.** A window that holds a NaN pools to NaN, as in `torch.nn.MaxPool2d` and as the
# window's `.max()` gives; a loop that compares with `>` skips NaN instead, since every
# comparison with NaN is False. The checks of your loops use inputs without NaN, so either
# passes; the given fast path and the layers follow PyTorch.


# %% nbgrader={"grade": false, "grade_id": "maxpool2d-loops", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def maxpool2d_loops(x, kernel_size, stride=None, padding=0):
    """2D max pooling by explicit loops, on numpy arrays; padding counts as -inf.

    x: (N, C, H, W); kernel_size, stride, padding: an int or an (h, w) pair (stride None means
    kernel_size). Returns (N, C, H_out, W_out): the maximum of every window, channels apart.
    """
    x, (kh, kw), (sh, sw), padding, (h_out, w_out) = _check_pool_args("maxpool2d_loops", x, kernel_size, stride, padding)
    x_pad = _pad(x, padding, value=-np.inf)
    batch, channels = x.shape[:2]
    out = np.zeros((batch, channels, h_out, w_out), dtype=x.dtype)
    # Yours: the maximum of every window into out[n, c, i, j], then return out.
    ### BEGIN SOLUTION
    for n in range(batch):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    best = -np.inf
                    for ki in range(kh):
                        for kj in range(kw):
                            value = x_pad[n, c, i * sh + ki, j * sw + kj]
                            if value > best:
                                best = value
                    out[n, c, i, j] = best
    return out
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "avgpool2d-loops", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def avgpool2d_loops(x, kernel_size, stride=None, padding=0):
    """2D average pooling by explicit loops, on numpy arrays; zero padding counts in the mean.

    x: (N, C, H, W); kernel_size, stride, padding: an int or an (h, w) pair (stride None means
    kernel_size). Returns (N, C, H_out, W_out): every window's sum divided by kh * kw, padding
    included (PyTorch's count_include_pad=True).
    """
    x, (kh, kw), (sh, sw), padding, (h_out, w_out) = _check_pool_args("avgpool2d_loops", x, kernel_size, stride, padding)
    x_pad = _pad(x, padding, value=0.0)
    batch, channels = x.shape[:2]
    out = np.zeros((batch, channels, h_out, w_out), dtype=x.dtype)
    # Yours: the mean of every window (divided by kh * kw) into out[n, c, i, j], then return out.
    ### BEGIN SOLUTION
    for n in range(batch):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    total = 0.0
                    for ki in range(kh):
                        for kj in range(kw):
                            total += x_pad[n, c, i * sh + ki, j * sw + kj]
                    out[n, c, i, j] = total / (kh * kw)
    return out
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "check-pool-loops", "locked": true, "schema_version": 3, "solution": false, "task": false}
def test_unit_pool_loops_examples():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(maxpool2d_loops(x, 2), [[[[5, 7], [13, 15]]]])
    np.testing.assert_array_equal(avgpool2d_loops(x, 2), [[[[2.5, 4.5], [10.5, 12.5]]]])

if __name__ == "__main__":
    test_unit_pool_loops_examples()
    print("maxpool2d_loops, avgpool2d_loops: examples ok")


# %% nbgrader={"grade": true, "grade_id": "test-maxpool2d-loops", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
#| loop_rule maxpool2d_loops
# The grader also checks the loop rule (section 2) on your exported maxpool2d_loops.
import numpy as np


def test_unit_maxpool2d_loops():
    rng = np.random.default_rng(31)
    # Hand values: 2x2 windows of 0..15 as 4x4.
    what = "maxpool2d_loops(0..15 as 4x4, kernel 2)"
    hand = np.arange(16.0).reshape(1, 1, 4, 4)
    _assert_close(_call(what, maxpool2d_loops, hand, 2), np.array([[[[5.0, 7], [13, 15]]]]), what,
                  suspects=_maxpool_suspects(hand, (2, 2), (2, 2), (0, 0)))
    # (x shape, kernel, stride, padding): non-square everything, overlapping windows, and an
    # all-negative input with padding (padding is -inf: it never wins; 0 would).
    for shape, kernel, stride, padding, sign in [((2, 3, 7, 8), (2, 3), (2, 1), (1, 1), 1),
                                                 ((2, 2, 6, 5), (3, 2), (1, 2), (1, 0), 1),
                                                 ((2, 2, 5, 7), (2, 4), (1, 3), (1, 2), -1)]:
        x = sign * (np.abs(rng.standard_normal(shape)) + 0.1)
        expected = _maxpool_numpy(x, kernel, stride, padding)
        what = f"maxpool2d_loops(x {shape}{' (all negative)' if sign < 0 else ''}, kernel {kernel}, stride {stride}, padding {padding})"
        _assert_close(_call(what, maxpool2d_loops, x, kernel, stride, padding), expected, what,
                      suspects=_maxpool_suspects(x, kernel, stride, padding))
    # Stride defaults to the kernel size. Each channel's top-left value is its maximum (it wins one window only).
    x = rng.standard_normal((2, 2, 6, 9))
    x[:, :, 0, 0] = 5.0
    what = "maxpool2d_loops(x (2, 2, 6, 9), (2, 3)) (stride None means stride = kernel_size)"
    _assert_close(_call(what, maxpool2d_loops, x, (2, 3)), _maxpool_numpy(x, (2, 3), (2, 3), (0, 0)), what,
                  suspects=_maxpool_suspects(x, (2, 3), (2, 3), (0, 0)))
    x = rng.standard_normal((2, 1, 3, 62))   # a wide, short output
    what = "maxpool2d_loops(x (2, 1, 3, 62), (2, 3), (1, 2), (1, 1))"
    _assert_close(_call(what, maxpool2d_loops, x, (2, 3), (1, 2), (1, 1)), _maxpool_numpy(x, (2, 3), (1, 2), (1, 1)),
                  what, suspects=_maxpool_suspects(x, (2, 3), (1, 2), (1, 1)))
    ### BEGIN HIDDEN TESTS
    zeros = np.where(np.arange(7) % 3 == 1, 0.0, -np.abs(np.random.default_rng(310).standard_normal((2, 3, 6, 7))))
    for x, kind in ((zeros, "of negatives and zeros"), (_far_below_finite_starts(zeros), "of order -1e300")):
        what = f"maxpool2d_loops(x (2, 3, 6, 7) {kind}, (3, 2), (2, 2), (1, 1)), an input the notebook does not show"
        _assert_close(_call(what, maxpool2d_loops, x, (3, 2), (2, 2), (1, 1)), _maxpool_numpy(x, (3, 2), (2, 2), (1, 1)),
                      what, suspects=_maxpool_suspects(x, (3, 2), (2, 2), (1, 1)))
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_unit_maxpool2d_loops()
    print("maxpool2d_loops: ok")


# %% nbgrader={"grade": true, "grade_id": "test-avgpool2d-loops", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
#| loop_rule avgpool2d_loops
# The grader also checks the loop rule (section 2) on your exported avgpool2d_loops.
import numpy as np


def test_unit_avgpool2d_loops():
    rng = np.random.default_rng(32)
    # Hand values: zero padding counts. The corner window of a 3x3 ones image with padding 1
    # holds one real 1 out of four cells.
    what = "avgpool2d_loops(3x3 ones, 2, padding=1) (padding counts in the mean)"
    _assert_close(_call(what, avgpool2d_loops, np.ones((1, 1, 3, 3)), 2, padding=1), np.array([[[[0.25, 0.5], [0.5, 1.0]]]]),
                  what, suspects=_avgpool_suspects(np.ones((1, 1, 3, 3)), (2, 2), (2, 2), (1, 1)))
    for shape, kernel, stride, padding in [((2, 3, 7, 8), (2, 3), (2, 1), (1, 1)),
                                           ((2, 2, 6, 5), (3, 2), (1, 2), (1, 0)),
                                           ((2, 2, 5, 7), (2, 4), (1, 3), (1, 2))]:
        x = rng.standard_normal(shape)
        expected = _avgpool_numpy(x, kernel, stride, padding)
        what = f"avgpool2d_loops(x {shape}, kernel {kernel}, stride {stride}, padding {padding})"
        _assert_close(_call(what, avgpool2d_loops, x, kernel, stride, padding), expected, what,
                      suspects=_avgpool_suspects(x, kernel, stride, padding))
    x = rng.standard_normal((2, 2, 6, 9))
    what = "avgpool2d_loops(x (2, 2, 6, 9), (2, 3)) (stride None means stride = kernel_size)"
    _assert_close(_call(what, avgpool2d_loops, x, (2, 3)), _avgpool_numpy(x, (2, 3), (2, 3), (0, 0)), what,
                  suspects=_avgpool_suspects(x, (2, 3), (2, 3), (0, 0)))
    x = rng.standard_normal((2, 1, 3, 62))   # a wide, short output
    what = "avgpool2d_loops(x (2, 1, 3, 62), (2, 3), (1, 2), (1, 1))"
    _assert_close(_call(what, avgpool2d_loops, x, (2, 3), (1, 2), (1, 1)), _avgpool_numpy(x, (2, 3), (1, 2), (1, 1)),
                  what, suspects=_avgpool_suspects(x, (2, 3), (1, 2), (1, 1)))
    ### BEGIN HIDDEN TESTS
    x = np.random.default_rng(320).standard_normal((2, 3, 6, 7))
    what = "avgpool2d_loops(x (2, 3, 6, 7), (3, 2), (2, 2), (1, 1)), an input the notebook does not show"
    _assert_close(_call(what, avgpool2d_loops, x, (3, 2), (2, 2), (1, 1)), _avgpool_numpy(x, (3, 2), (2, 2), (1, 1)), what,
                  suspects=_avgpool_suspects(x, (3, 2), (2, 2), (1, 1)))
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_unit_avgpool2d_loops()
    print("avgpool2d_loops: ok")


# %% [markdown]
# ### The fast pooling path (given)
#
# The layers pool on a given fast path too: a window has only `kh * kw` offsets, so it
# loops over those few offsets and handles every window at once with strided slices.
# Its code is section 5 of the fast-path notebook, `09a_fast_path.ipynb`. The check below
# runs your pooling loops against it.


# %% nbgrader={"grade": false, "grade_id": "test-pool-vectorized", "locked": true, "schema_version": 3, "solution": false, "task": false}
def test_unit_pool_paths_agree():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 7, 8)).astype(np.float32)
    for kernel, stride, padding in [(2, None, 0), (3, 2, 1), ((2, 3), (1, 2), (1, 1))]:
        # Your loops are the ACTUAL result, the given fast path the DESIRED one.
        np.testing.assert_array_equal(maxpool2d_loops(x, kernel, stride, padding),
                                      maxpool2d_vectorized(x, kernel, stride, padding))
        np.testing.assert_allclose(avgpool2d_loops(x, kernel, stride, padding),
                                   avgpool2d_vectorized(x, kernel, stride, padding), rtol=1e-5, atol=1e-6)

if __name__ == "__main__":
    test_unit_pool_paths_agree()
    print("pooling: vectorized agrees with loops")


# %% [markdown]
# ### Pooling's backward pass, by hand
#
# **Backward.** Average pooling sends `grad / (kh * kw)` to every position of the
# window, padding included (the padded part is then cut away, just as those zeros
# counted in the forward mean). Max pooling sends each window's whole gradient to the
# position of its maximum. **Ties:** when several positions hold the maximum, the
# first in row-major order (top row first, then left to right) receives the gradient,
# which is what PyTorch's CPU kernel does. With overlapping windows an input position
# can be the maximum of several windows and then collects the sum of their gradients.
#
# **Worked example.** Max pooling 2x2 with stride 1 on a 3x3 map that holds a tie, then
# average pooling 2x2 with stride 2 and padding 1, where three quarters of every
# window is padding. The incoming gradients are chosen so each share is easy to trace:


# %%
if __name__ == "__main__":
    # Max pooling 2x2, stride 1, on a 3x3 map with a tie: the 5s sit at (0, 1) and (1, 1).
    _x = np.array([[1, 5, 2], [3, 5, 0], [4, 1, 2]], dtype=float)
    _g = np.array([[1.0, 10.0], [100.0, 1000.0]])             # dL/d(pooled output), 2x2
    _gx = np.zeros_like(_x)
    for _i in range(2):
        for _j in range(2):
            _window = _x[_i:_i + 2, _j:_j + 2]
            _first = np.unravel_index(int(np.argmax(_window)), _window.shape)   # argmax: first max, row-major
            _gx[_i + _first[0], _j + _first[1]] += _g[_i, _j]
            print(f"window ({_i},{_j}) {_window.astype(int).tolist()}: max {_window.max():g}, first at x[{_i + _first[0]},{_j + _first[1]}]"
                  f" -> gets {_g[_i, _j]:g}")
    print("max pooling dL/dx: both upper windows hold two 5s and pay the first, x[0,1]; both lower windows pay x[1,1]:")
    print(_gx.astype(int))
    # Average pooling 2x2, stride 2, padding 1 on a 2x2 map: each window is one real pixel and three pads.
    _x2 = np.array([[1.0, 2.0], [3.0, 4.0]])
    _g2 = np.array([[4.0, 8.0], [12.0, 16.0]])
    _padded_grad = np.zeros((4, 4))
    for _i in range(2):
        for _j in range(2):
            _padded_grad[2 * _i:2 * _i + 2, 2 * _j:2 * _j + 2] += _g2[_i, _j] / 4    # grad / (kh*kw) to all four
    print("\naverage pooling 2x2, stride 2, padding 1 on a 2x2 map; dL/dy =", _g2.astype(int).tolist())
    print("gradient on the padded 4x4 grid (each window spreads its gradient over 4 cells):")
    print(_padded_grad)
    print("dL/dx = the real 2x2 in the middle; the shares on padding are dropped:")
    print(_padded_grad[1:3, 1:3], f" (sums to {_padded_grad[1:3, 1:3].sum():g} of the {_g2.sum():g} that came in)")


# %% [markdown]
# ### Exercise 6: `maxpool2d_backward_loops`
#
# Only the winner of a window moved the output, so the window's whole gradient goes to
# the position of its maximum, and nothing to the others. Find it with the same loops
# as the forward pass. **Ties:** when several positions hold the maximum, the first in
# row-major order (top row first, then left to right) gets the gradient, as in PyTorch.
# With overlapping windows one input can win several windows: its gradients add up.
# (In the given fast path a window holding NaN sends its gradient to its first NaN, which
# is `np.argmax`'s rule; PyTorch picks the last. Your loops are checked without NaN.)


# %% nbgrader={"grade": false, "grade_id": "maxpool2d-backward-loops", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def maxpool2d_backward_loops(grad_out, x, kernel_size, stride=None, padding=0):
    """Gradient of maxpool2d_loops with respect to x, by explicit loops.

    grad_out: (N, C, H_out, W_out); x, kernel_size, stride, padding as in maxpool2d_loops.
    Returns grad_x, shaped like x: each window's gradient goes to its first maximum in
    row-major order; an input that is the maximum of several windows collects their sum.
    """
    layer = "maxpool2d_backward_loops"
    x, (kh, kw), (sh, sw), (ph, pw), (h_out, w_out) = _check_pool_args(layer, x, kernel_size, stride, padding)
    batch, channels, height, width = x.shape
    grad_out = _check_grad_out(layer, grad_out, (batch, channels, h_out, w_out))
    x_pad = _pad(x, (ph, pw), value=-np.inf)
    grad_x_pad = np.zeros(x_pad.shape, dtype=np.result_type(grad_out, x))   # the gradient of the padded input
    # Yours: add (+=) each window's gradient at its first maximum, then return grad_x_pad without its padding.
    ### BEGIN SOLUTION
    for n in range(batch):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    best, best_row, best_col = -np.inf, i * sh, j * sw
                    for ki in range(kh):
                        for kj in range(kw):
                            row, col = i * sh + ki, j * sw + kj
                            if x_pad[n, c, row, col] > best:       # strict: a later tie does not take over
                                best, best_row, best_col = x_pad[n, c, row, col], row, col
                    grad_x_pad[n, c, best_row, best_col] += grad_out[n, c, i, j]
    return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "check-maxpool2d-backward-loops", "locked": true, "schema_version": 3, "solution": false, "task": false}
def test_unit_maxpool2d_backward_loops_examples():
    # One peak in four overlapping 2x2 windows (stride 1) collects all four gradients.
    peak = np.array([[[[0.0, 0, 0], [0, 9, 0], [0, 0, 0]]]])
    np.testing.assert_array_equal(maxpool2d_backward_loops(np.ones((1, 1, 2, 2)), peak, 2, stride=1),
                                  [[[[0, 0, 0], [0, 4, 0], [0, 0, 0]]]])
    # Against the given vectorized backward: your loops are ACTUAL, the given code DESIRED.
    rng = np.random.default_rng(4)
    x, g = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((2, 3, 4, 7))
    _, argmax = _maxpool2d_forward(x, (3, 2), (2, 1), (1, 1), (4, 7))
    np.testing.assert_allclose(maxpool2d_backward_loops(g, x, (3, 2), (2, 1), (1, 1)),
                               _maxpool2d_backward(g, argmax, x, (3, 2), (2, 1), (1, 1)), rtol=1e-12)

if __name__ == "__main__":
    test_unit_maxpool2d_backward_loops_examples()
    print("maxpool2d_backward_loops: examples ok")


# %% nbgrader={"grade": true, "grade_id": "test-maxpool2d-backward-loops", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
#| loop_rule maxpool2d_backward_loops
# The grader also checks the loop rule (section 2) on your exported maxpool2d_backward_loops.
import numpy as np


def test_unit_maxpool2d_backward_loops():
    # Ties go to the FIRST maximum in row-major order. Kernel (2, 3), stride (2, 3): [[1, 5, 5], [5, 2, 0]] sends its
    # 10 to (0, 1), all 3s their 20 to (0, 3); 4s but a last 4 + 1e-10 (no tie: the maximum is exact) their 30 to (1, 8).
    x, g = np.array([[[[1.0, 5, 5, 3, 3, 3, 4, 4, 4], [5, 2, 0, 3, 3, 3, 4, 4, 4 + 1e-10]]]]), np.array([[[[10.0, 20, 30]]]])
    what = "maxpool2d_backward_loops on ties (the first maximum in row-major order gets the gradient)"
    got = _call(what, maxpool2d_backward_loops, g, x, (2, 3), hints=_MAXPOOL_BACK_ERRORS)
    expected = np.zeros_like(x)
    expected[0, 0, 0, 1], expected[0, 0, 0, 3], expected[0, 0, 1, 8] = 10, 20, 30
    _assert_close(got, expected, what, suspects=_maxpool_back_suspects(g, x, (2, 3), (2, 3), (0, 0)), input_gradient=True)
    # Overlapping windows add: the 9 is the maximum of all four 2x2 windows (stride 1).
    peak, g = np.array([[[[0.0, 0, 0], [0, 9, 0], [0, 0, 0]]]]), np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    what = "maxpool2d_backward_loops, 2x2 stride 1: the maximum of four windows collects 1 + 2 + 3 + 4 (+=)"
    got = _call(what, maxpool2d_backward_loops, g, peak, 2, stride=1, hints=_MAXPOOL_BACK_ERRORS)
    _assert_close(got, np.array([[[[0.0, 0, 0], [0, 10, 0], [0, 0, 0]]]]), what, suspects=_maxpool_back_suspects(g, peak, (2, 2), (1, 1), (0, 0)),
                  coverage=_diag_coverage(peak.shape, (2, 2), (1, 1), (0, 0), (2, 2)), input_gradient=True)
    # Finite differences of loss = sum(probe * maxpool(x)), non-square kernel/stride/padding, overlapping rows, then
    # all negative (padding, -inf, never wins). Values 0.1 apart: within +-1e-3 no winner changes, the differences exact.
    rng = np.random.default_rng(41)
    kernel, stride, padding = (3, 4), (2, 1), (1, 2)
    for sign in (1, -1):
        x = sign * (1 + rng.permutation(2 * 2 * 7 * 6).reshape(2, 2, 7, 6) / 10)
        probe = rng.standard_normal(_maxpool_numpy(x, kernel, stride, padding).shape)      # (2, 2, 4, 7)
        expected = _numeric_grad(lambda: float(np.sum(probe * _maxpool_numpy(x, kernel, stride, padding))), x, eps=1e-3)
        what = (f"maxpool2d_backward_loops(x {x.shape}{' (all negative)' if sign < 0 else ''}, kernel {kernel}, "
                f"stride {stride}, padding {padding}) vs finite differences")
        _assert_close(_call(what, maxpool2d_backward_loops, probe, x, kernel, stride, padding,
                            hints=_MAXPOOL_BACK_ERRORS), expected, what, tol=1e-9,
                      suspects=_maxpool_back_suspects(probe, x, kernel, stride, padding), input_gradient=True)
    ### BEGIN HIDDEN TESTS
    rng, geometry = np.random.default_rng(410), ((2, 3), (1, 2), (0, 0))
    x = -1 - rng.permutation(180).reshape(2, 3, 5, 6) / 10    # 0.1 apart: no ties, exact differences
    x[:, :, 0, 0] = 0.0                                        # the top-left 0 is each channel's maximum
    probe = rng.standard_normal(_maxpool_numpy(x, *geometry).shape)
    expected = _numeric_grad(lambda: float(np.sum(probe * _maxpool_numpy(x, *geometry))), x, eps=1e-3)
    for x, kind in ((x, ""), (_far_below_finite_starts(x), " of order -1e300, the same winners")):  # x <= 0
        what = f"maxpool2d_backward_loops(x (2, 3, 5, 6){kind}, {geometry}), an input the notebook does not show"
        _assert_close(_call(what, maxpool2d_backward_loops, probe, x, *geometry, hints=_MAXPOOL_BACK_ERRORS), expected,
                      what, tol=1e-9, input_gradient=True, suspects=_maxpool_back_suspects(probe, x, *geometry))
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_unit_maxpool2d_backward_loops()
    print("maxpool2d_backward_loops: ok")


# %% [markdown]
# ### Exercise 7: `avgpool2d_backward_loops`
#
# Every cell of a window, padding included, moved the window's mean by `1 / (kh * kw)` of
# its own change. So each window spreads `grad / (kh * kw)` over all `kh * kw` cells of its
# padded window; the shares that land on padding are dropped when you cut the padding
# off. Overlapping windows add up.


# %% nbgrader={"grade": false, "grade_id": "avgpool2d-backward-loops", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def avgpool2d_backward_loops(grad_out, x, kernel_size, stride=None, padding=0):
    """Gradient of avgpool2d_loops with respect to x, by explicit loops.

    grad_out: (N, C, H_out, W_out); x, kernel_size, stride, padding as in avgpool2d_loops.
    Returns grad_x, shaped like x: each window spreads its gradient evenly over its kh * kw
    cells, padding included (count_include_pad=True); overlapping windows add up.
    """
    layer = "avgpool2d_backward_loops"
    x, (kh, kw), (sh, sw), (ph, pw), (h_out, w_out) = _check_pool_args(layer, x, kernel_size, stride, padding)
    batch, channels, height, width = x.shape
    grad_out = _check_grad_out(layer, grad_out, (batch, channels, h_out, w_out))
    grad_x_pad = np.zeros((batch, channels, height + 2 * ph, width + 2 * pw), dtype=np.result_type(grad_out, x))
    # Yours: add (+=) each window's share to all its cells, then return grad_x_pad without its padding.
    ### BEGIN SOLUTION
    for n in range(batch):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    share = grad_out[n, c, i, j] / (kh * kw)
                    for ki in range(kh):
                        for kj in range(kw):
                            grad_x_pad[n, c, i * sh + ki, j * sw + kj] += share
    return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "check-avgpool2d-backward-loops", "locked": true, "schema_version": 3, "solution": false, "task": false}
def test_unit_avgpool2d_backward_loops_examples():
    # 2x2 windows with stride 1 on 3x3: the centre is in four windows, so it gets 4 * 1/4.
    np.testing.assert_array_equal(avgpool2d_backward_loops(np.ones((1, 1, 2, 2)), np.zeros((1, 1, 3, 3)), 2, stride=1),
                                  [[[[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]]]])
    # Against the given vectorized backward: your loops are ACTUAL, the given code DESIRED.
    rng = np.random.default_rng(6)
    x, g = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((2, 3, 4, 7))
    np.testing.assert_allclose(avgpool2d_backward_loops(g, x, (3, 2), (2, 1), (1, 1)),
                               _avgpool2d_backward(g, x, (3, 2), (2, 1), (1, 1)), rtol=1e-12)

if __name__ == "__main__":
    test_unit_avgpool2d_backward_loops_examples()
    print("avgpool2d_backward_loops: examples ok")


# %% nbgrader={"grade": true, "grade_id": "test-avgpool2d-backward-loops", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
#| loop_rule avgpool2d_backward_loops
# The grader also checks the loop rule (section 2) on your exported avgpool2d_backward_loops.
import numpy as np


def test_unit_avgpool2d_backward_loops():
    # Hand values. Overlapping 2x2 windows (stride 1) on 3x3 add up: the centre gets 4 quarters.
    g, x = np.ones((1, 1, 2, 2)), np.zeros((1, 1, 3, 3))
    what = "avgpool2d_backward_loops, 2x2 windows, stride 1, on 3x3 (overlapping windows add up: +=)"
    _assert_close(_call(what, avgpool2d_backward_loops, g, x, 2, stride=1),
                  np.array([[[[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]]]]), what,
                  suspects=_avgpool_back_suspects(g, x, (2, 2), (1, 1), (0, 0)), input_gradient=True,
                  coverage=_diag_coverage(x.shape, (2, 2), (1, 1), (0, 0), (2, 2)))
    # Padding counts: with padding 1, the corner window of 3x3 holds one real cell of four, so the
    # corner still gets only 1/4 of that window's gradient.
    what = "avgpool2d_backward_loops, 2x2 windows, padding 1, on 3x3 (every window divides by kh * kw = 4)"
    _assert_close(_call(what, avgpool2d_backward_loops, g, x, 2, padding=1), np.full((1, 1, 3, 3), 0.25), what,
                  suspects=_avgpool_back_suspects(g, x, (2, 2), (2, 2), (1, 1)), input_gradient=True)
    # Finite differences of loss = sum(probe * avgpool(x)) on non-square, overlapping, padded cases, in
    # float64. The loss is linear in x, so a central difference with step 1 is exact.
    rng = np.random.default_rng(51)
    x = rng.standard_normal((2, 2, 7, 6))
    for kernel, stride, padding in [((3, 2), (2, 1), (1, 1)), ((2, 4), (1, 3), (1, 2))]:
        probe = rng.standard_normal(_avgpool_numpy(x, kernel, stride, padding).shape)
        expected = _numeric_grad(lambda: float(np.sum(probe * _avgpool_numpy(x, kernel, stride, padding))), x, eps=1.0)
        what = f"avgpool2d_backward_loops(x {x.shape}, kernel {kernel}, stride {stride}, padding {padding}) vs finite differences"
        _assert_close(_call(what, avgpool2d_backward_loops, probe, x, kernel, stride, padding), expected, what, tol=1e-9,
                      suspects=_avgpool_back_suspects(probe, x, kernel, stride, padding),
                      coverage=_diag_coverage(x.shape, kernel, stride, padding, probe.shape[2:]), input_gradient=True)
    ### BEGIN HIDDEN TESTS
    rng, geometry = np.random.default_rng(510), ((2, 3), (1, 2), (1, 1))
    x = rng.standard_normal((2, 3, 5, 6))
    probe = rng.standard_normal(_avgpool_numpy(x, *geometry).shape)
    what = f"avgpool2d_backward_loops(x (2, 3, 5, 6), kernel, stride, padding {geometry}), an input the notebook does not show"
    _assert_close(_call(what, avgpool2d_backward_loops, probe, x, *geometry), _numeric_grad(lambda: float(np.sum(probe * _avgpool_numpy(
        x, *geometry))), x, eps=1.0), what, tol=1e-9, input_gradient=True, suspects=_avgpool_back_suspects(probe, x, *geometry))
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_unit_avgpool2d_backward_loops()
    print("avgpool2d_backward_loops: ok")


# %% [markdown]
# **Equivariance, and what pooling adds.** A convolution does the same thing at every
# position, so moving the input moves the output: `conv(shift(x)) = shift(conv(x))`,
# away from the border. That is *equivariance*. Max pooling then reports only the
# strongest response in each window, so when a feature moves inside its window the
# pooled value does not change at all: a little *invariance*. The cell moves every test
# digit one pixel to the right and counts both.


# %%
if __name__ == "__main__":
    from tinytorch.core.dataloader import load_digits
    _images = load_digits("test")[0].astype(np.float64)                # (N, 1, 8, 8)
    _shifted = np.zeros_like(_images)
    _shifted[..., 1:] = _images[..., :-1]                              # every digit moved one pixel right
    _edge = np.array([[[[1, 0, -1], [2, 0, -2], [1, 0, -1]]]], dtype=np.float64)
    _conv, _conv_s = (np.maximum(conv2d_vectorized(a, _edge, padding=1), 0) for a in (_images, _shifted))
    _pool, _pool_s = (maxpool2d_vectorized(a, 2) for a in (_conv, _conv_s))
    # Equivariance: conv(shift(x)) == shift(conv(x)) away from the border (columns 2.. see no new edge).
    _moved = np.isclose(_conv_s[..., 2:-1], _conv[..., 1:-2]).mean()
    def _unchanged(before, after):
        """Fraction of the places with a response (non-zero before or after) whose value did not change."""
        active = (before != 0) | (after != 0)
        return np.isclose(before, after)[active].mean()
    _same_conv, _same_pool = _unchanged(_conv, _conv_s), _unchanged(_pool, _pool_s)
    print(f"{len(_images)} test digits, each moved one pixel right; edge kernel + ReLU, then 2x2 max pooling:")
    print(f"  conv output of the moved digit = conv output moved one pixel: {_moved:.1%} of interior positions")
    print(f"  conv output value unchanged in place:                     {_same_conv:.1%} of its non-zero positions")
    print(f"  max-pooled output value unchanged in place:               {_same_pool:.1%} of its non-zero positions")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _axes = _plt.subplots(2, 3, figsize=(7.5, 5))
        for _row, (_name, _img, _c, _p) in enumerate((("digit", _images, _conv, _pool),
                                                      ("moved 1 px right", _shifted, _conv_s, _pool_s))):
            for _col, (_title, _a) in enumerate(((_name, _img), ("edge kernel + ReLU", _c), ("2x2 max pool", _p))):
                _axes[_row, _col].imshow(_a[0, 0], cmap="gray_r", vmin=0, vmax=_a[0, 0].max() or 1)
                _axes[_row, _col].set_title(_title, fontsize=9)
                _axes[_row, _col].set_xticks([])
                _axes[_row, _col].set_yticks([])
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# ## 6. Gradients through autograd (given)
#
# Module 06's `Function` turns a pair of numpy functions, forward and backward, into
# an operation on Tensors that records itself in the computation graph, the same way
# module 06 records every Tensor operation (those are `Function`s too). Each layer
# below is one such `Function`: forward saves what backward needs (for a convolution
# the padded input, from which backward builds the im2col columns again; for max pooling
# its output, from which backward finds each window's winner), backward returns a tuple
# with one gradient per input (None for an input that needs none, such as a missing
# bias). Module 06's `Tensor.backward()` does the rest.


# %% nbgrader={"grade": false, "grade_id": "spatial-functions", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
class Conv2dFunction(Function):
    """conv2d on Tensors (input, weight, optional bias), differentiable in all three, with every
    option of torch.nn.functional.conv2d.

    use_loops=True runs conv2d_loops forward and conv2d_backward_loops backward (with dilation,
    groups or uneven "same" padding: conv2d_general_loops and conv2d_general_backward_loops, the
    going-further notebook's, built on those two); `layer` is the name that errors carry (the calling layer's).
    """

    def forward(self, x, weight, bias, stride=1, padding=0, dilation=1, groups=1, use_loops=False, layer="Conv2d"):
        x, weight, bias, *geometry, out_hw = _check_conv(layer, x, weight, bias, stride, padding, dilation, groups)
        self.stride, self.pads, self.dilation, self.groups = geometry
        self.x, self.weight, self.has_bias, self.use_loops = x, weight, bias is not None, use_loops
        self.plain, self.padding, self.layer = _is_plain(self.pads, self.dilation, self.groups), padding, layer
        if use_loops and self.plain:
            return conv2d_loops(x, weight, bias, self.stride, _even(self.pads))
        if use_loops:
            loops = _options_code("conv2d_general_loops", layer)
            return loops(x, weight, bias, self.stride, padding, self.dilation, self.groups)
        if self.plain:
            out, self.saved = _conv2d_forward(x, weight, bias, self.stride, _even(self.pads), out_hw, keep=True)
        else:
            general = _options_code("_conv2d_general_forward", layer)
            out, self.saved = general(x, weight, bias, self.stride, self.pads, self.dilation, self.groups, out_hw)
        return out

    def backward(self, grad_output):
        if self.use_loops and self.plain:
            grads = conv2d_backward_loops(grad_output, self.x, self.weight, self.stride, _even(self.pads))
        elif self.use_loops:
            grads = _options_code("conv2d_general_backward_loops", self.layer)(
                grad_output, self.x, self.weight, self.stride, self.padding, self.dilation, self.groups)
        elif self.plain:
            need_x = self.inputs[0] is not None and self.inputs[0].requires_grad
            grads = _conv2d_backward(grad_output, self.x.shape, self.weight, self.saved, self.stride,
                                     _even(self.pads), need_x=need_x)
        else:
            grads = _options_code("_conv2d_general_backward", self.layer)(
                grad_output, self.x.shape, self.weight, self.saved, self.stride, self.pads, self.dilation, self.groups)
        grad_x, grad_w, grad_b = grads
        return grad_x, grad_w, grad_b if self.has_bias else None


class MaxPool2dFunction(Function):
    """Max pooling on a Tensor, with torch.nn.MaxPool2d's options but return_indices. use_loops=True runs
    maxpool2d_loops and maxpool2d_backward_loops (with dilation or ceil_mode, the going-further notebook's
    maxpool2d_general_loops and maxpool2d_general_backward_loops); the fast path takes every option itself."""

    def forward(self, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, use_loops=False,
                layer="MaxPool2d"):
        self.x, self.kernel, self.stride, self.padding, self.dilation, out_hw = _check_pool(
            layer, x, kernel_size, stride, padding, dilation, ceil_mode)
        self.ceil_mode, self.use_loops, self.layer = ceil_mode, use_loops, layer
        self.options = self.dilation != (1, 1) or ceil_mode
        geometry = (self.kernel, self.stride, self.padding)
        if use_loops:
            if self.options:
                return _options_code("maxpool2d_general_loops", layer)(self.x, *geometry, self.dilation, ceil_mode)
            return maxpool2d_loops(self.x, *geometry)
        self.extra = _overhang(self.x.shape[2:], *geometry, self.dilation, out_hw)
        # The maxima alone: backward finds each window's winner from them (_maxpool2d_winners).
        self.out = _maxpool2d_max(self.x, *geometry, out_hw, self.dilation, self.extra)
        return self.out

    def backward(self, grad_output):
        geometry = (self.kernel, self.stride, self.padding)
        if not self.use_loops:
            return (_maxpool2d_backward(grad_output, self._winners(), self.x, *geometry, self.dilation, self.extra),)
        if self.options:
            loops = _options_code("maxpool2d_general_backward_loops", self.layer)
            return (loops(grad_output, self.x, *geometry, self.dilation, self.ceil_mode),)
        return (maxpool2d_backward_loops(grad_output, self.x, *geometry),)

    def _winners(self):
        return _maxpool2d_winners(self.x, self.out, self.kernel, self.stride, self.padding, self.dilation, self.extra)


class AvgPool2dFunction(Function):
    """Average pooling on a Tensor, with torch.nn.AvgPool2d's options but divisor_override. use_loops=True runs
    avgpool2d_loops and avgpool2d_backward_loops (with ceil_mode or count_include_pad=False, the going-further
    notebook's avgpool2d_general_loops and avgpool2d_general_backward_loops); the fast path takes every option itself."""

    def forward(self, x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                use_loops=False, layer="AvgPool2d"):
        self.x, self.kernel, self.stride, self.padding, _, out_hw = _check_pool(
            layer, x, kernel_size, stride, padding, ceil_mode=ceil_mode)
        self.options, self.use_loops, self.layer = (ceil_mode, count_include_pad), use_loops, layer
        geometry = (self.kernel, self.stride, self.padding)
        if use_loops:
            if self.options == (False, True):
                return avgpool2d_loops(self.x, *geometry)
            return _options_code("avgpool2d_general_loops", layer)(self.x, *geometry, ceil_mode, count_include_pad)
        self.extra = _overhang(self.x.shape[2:], *geometry, (1, 1), out_hw)
        self.divisor = _avgpool_divisor(self.x.shape[2:], *geometry, out_hw, ceil_mode, count_include_pad)
        return _avgpool2d_forward(self.x, *geometry, out_hw, self.extra, self.divisor)

    def backward(self, grad_output):
        geometry = (self.kernel, self.stride, self.padding)
        if not self.use_loops:
            return (_avgpool2d_backward(grad_output, self.x, *geometry, self.extra, self.divisor),)
        if self.options == (False, True):
            return (avgpool2d_backward_loops(grad_output, self.x, *geometry),)
        loops = _options_code("avgpool2d_general_backward_loops", self.layer)
        return (loops(grad_output, self.x, *geometry, *self.options),)

# %% [markdown]
# ## 7. The layers
#
# Each layer is a `Module`: it keeps its configuration, owns its parameters (so
# `parameters()` finds them and an optimizer can update them), checks its input with
# the layer's own name in the error, and calls its `Function`. The layers use the
# vectorized path. Set `layer.use_loops = True` to run forward and backward on your
# loops instead (slow, but the same numbers).
#
# **Initialisation.** A new `Conv2d` needs starting weights. Each output sums
# `fan_in` products of a weight and an input (look back at the formula of section 3
# to count them). With independent
# weights of mean 0 and standard deviation `sigma`, and inputs of mean square `m`,
# the output has variance `fan_in * sigma^2 * m`. ReLU then zeroes the negative half,
# which halves the mean square. So every conv + ReLU layer multiplies the mean square
# by `fan_in * sigma^2 / 2`: it stays put only for `sigma = sqrt(2 / fan_in)`
# (He et al., 2015). Any other choice applies the same factor at every layer, so the
# activations grow or shrink exponentially with depth. The cell runs ten conv + ReLU
# layers in plain numpy with four choices of `sigma` and follows the mean square, the
# quantity the argument is about, next to the factor `fan_in * sigma^2 / 2` it predicts.
# One of them is module 03's `Linear` rule, uniform in `+-1/sqrt(fan_in)` (PyTorch's
# default too): its standard deviation is `1/sqrt(3 * fan_in)`, so each layer keeps only a
# sixth of the mean square. A network of two or three layers barely notices, which is why
# that rule serves module 03's small MLPs; a deep ReLU stack does, which is why `Conv2d` uses He's rule.


# %%
if __name__ == "__main__":
    _rng = np.random.default_rng(0)
    _depth, _channels, _k = 10, 32, 3
    _fan_in = _channels * _k * _k
    _x0 = _rng.standard_normal((4, _channels, 32, 32))
    _rules = {"std 1": 1.0, "He: sqrt(2 / fan_in)": math.sqrt(2 / _fan_in), "sqrt(1 / fan_in)": math.sqrt(1 / _fan_in),
              "Linear (module 03): U(+-1/sqrt(fan_in))": 1 / math.sqrt(3 * _fan_in)}
    _squares = {}
    for _rule, _std in _rules.items():
        _a, _squares[_rule] = _x0, []
        for _layer in range(_depth):
            if _rule.startswith("Linear"):
                _bound = 1 / math.sqrt(_fan_in)
                _w = _rng.uniform(-_bound, _bound, size=(_channels, _channels, _k, _k))
            else:
                _w = _rng.normal(0.0, _std, size=(_channels, _channels, _k, _k))
            _a = np.maximum(conv2d_vectorized(_a, _w), 0.0)       # conv (no padding: no border effect) + ReLU
            _squares[_rule].append(float(np.mean(_a ** 2)))
    print(f"{_depth} layers of 3x3 conv ({_channels} -> {_channels} channels, fan_in {_fan_in}) + ReLU; "
          f"input mean square {np.mean(_x0 ** 2):.2f}. Activation mean square after each layer, and the factor "
          f"fan_in * sigma^2 / 2 per layer:")
    print("layer " + "".join(f"{_layer:>10}" for _layer in range(1, _depth + 1)))
    for _rule, _values in _squares.items():
        _factor = _fan_in * _rules[_rule] ** 2 / 2
        _measured = (_values[-1] / _values[0]) ** (1 / (_depth - 1))
        print(f"{_rule}: predicted factor {_factor:.3g}, measured {_measured:.3g}\n      "
              + "".join(f"{_v:10.3g}" for _v in _values))
    _plt = _pyplot()
    if _plt is not None:
        _fig, _ax = _plt.subplots(figsize=(6, 3.5))
        for _rule, _values in _squares.items():
            _ax.semilogy(range(1, _depth + 1), _values, marker="o", label=_rule)
        _ax.set_xlabel("layer (3x3 conv + ReLU)")
        _ax.set_ylabel("activation mean square (log scale)")
        _ax.legend(fontsize=8)
        _fig.tight_layout()
        _show(_plt, _fig)


# %% nbgrader={"grade": false, "grade_id": "spatial-layers", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
class _Spatial(Module):
    """What the three layers share: kernel/stride/padding, shape helpers, loops switch."""

    use_loops = False
    _defaults = {}        # the layer's options of section 13 (_options), with PyTorch's defaults

    def output_shape(self, input_shape):
        """Output shape for an (N, C, H, W) input shape, with the layer's own checks."""
        if len(input_shape) != 4:
            raise ValueError(f"{type(self).__name__} expected a 4D input shape (N, C, H, W), got {tuple(input_shape)}.")
        batch, channels, height, width = input_shape
        return (batch, self._out_channels(channels), *self._output_hw((height, width)))

    def _output_hw(self, hw):
        return _output_hw(type(self).__name__, hw, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def _options(self):
        return {}

    def _changed_options(self):
        """Each option that differs from its default, as ", name=value": like PyTorch's Conv2d.extra_repr,
        a repr shows an option only then."""
        return "".join(f", {name}={value}" for name, value in self._options().items() if value != self._defaults[name])


# %% [markdown]
# ### Exercise 8: `Conv2d.__init__`, the weight and the bias
#
# The given part of `__init__` checks and stores the arguments. You create the two
# parameters, both with `requires_grad=True`:
#
# - `self.weight`: shape `(out_channels, in_channels // groups, kh, kw)`, drawn from a normal
#   distribution with mean 0 and standard deviation `sqrt(2 / fan_in)`, where `fan_in`
#   is the number of inputs that feed one output value. Draw from `get_rng()`,
#   tinytorch's generator, so that `manual_seed` makes a model reproducible.
#   `self.groups` is 1 unless a network asks for more (section 13 explains groups): with
#   `groups=2`, each output value sees half of the input channels, so the weight's second axis
#   and `fan_in` both use `in_channels // groups`. The check tries `groups=2` too.
# - `self.bias`: `out_channels` zeros, or `None` when `bias=False`.


# %% nbgrader={"grade": false, "grade_id": "conv2d-layer", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Conv2d(_Spatial):
    """2D convolution over an (N, C_in, H, W) input, as torch.nn.Conv2d.

    weight: (out_channels, in_channels // groups, kh, kw), He-normal (std sqrt(2 / fan_in));
    bias: (out_channels,) zeros, or None with bias=False. Both require grad.
    dilation spaces the kernel's taps; groups splits the channels into groups convolved apart
    (groups == in_channels: depthwise); padding "same" keeps H and W (stride 1), "valid" is 0.
    """
    _defaults = {"dilation": (1, 1), "groups": 1}

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True):
        super().__init__()
        _check_positive_int(in_channels, "in_channels", "Conv2d")
        _check_positive_int(out_channels, "out_channels", "Conv2d")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _pair(kernel_size, "kernel_size", 1, "Conv2d")
        self.stride = _pair(stride, "stride", 1, "Conv2d")
        self.dilation = _pair(dilation, "dilation", 1, "Conv2d")
        self.groups = _check_groups("Conv2d", groups, self.in_channels, self.out_channels)
        self.padding = padding if isinstance(padding, str) else _pair(padding, "padding", 0, "Conv2d")
        _conv_padding("Conv2d", self.padding, self.kernel_size, self.stride, self.dilation)   # "same" needs stride 1
        kh, kw = self.kernel_size
        # Yours: self.weight and self.bias, as the exercise above says.
        ### BEGIN SOLUTION
        in_per_group = self.in_channels // self.groups
        fan_in = in_per_group * kh * kw              # the inputs that feed one output value
        std = math.sqrt(2.0 / fan_in)                # He: keeps the activations' scale through ReLU layers
        self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, in_per_group, kh, kw)),
                             requires_grad=True)
        self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
        ### END SOLUTION

    def _options(self):
        return dict(dilation=self.dilation, groups=self.groups)

    def forward(self, x):
        expected = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        if self.groups != 1 and tuple(self.weight.shape) != expected:      # an __init__ written before groups existed
            raise ValueError(
                f"Conv2d(groups={self.groups}).weight has shape {tuple(self.weight.shape)}, expected (out_channels, "
                f"in_channels // groups, kh, kw) = {expected}: in Conv2d.__init__ (module 09, Exercise 8), use "
                "in_channels // groups for the weight's second axis and for fan_in.")
        return Conv2dFunction.apply(x, self.weight, self.bias, stride=self.stride, padding=self.padding,
                                    dilation=self.dilation, groups=self.groups, use_loops=self.use_loops, layer="Conv2d")

    def _output_hw(self, hw):
        pads = _conv_padding("Conv2d", self.padding, self.kernel_size, self.stride, self.dilation)
        return _output_hw("Conv2d", hw, self.kernel_size, self.stride, pads, self.dilation)

    def _out_channels(self, channels):
        if channels != self.in_channels:
            raise ValueError(f"Conv2d expected {self.in_channels} input channels, got {channels}.")
        return self.out_channels

    def macs(self, input_shape):
        """Multiply-accumulates of one forward pass on an input of this shape, checked as output_shape
        checks it: B * C_out * H_out * W_out * (C_in // groups) * kh * kw (conv2d_macs with groups 1)."""
        batch, _, h_out, w_out = self.output_shape(input_shape)
        kh, kw = self.kernel_size      # each output sums (in_channels // groups) * kh * kw products
        return batch * self.out_channels * h_out * w_out * (self.in_channels // self.groups) * kh * kw

    def extra_repr(self):
        padding = repr(self.padding) if isinstance(self.padding, str) else self.padding
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={padding}{self._changed_options()}, bias={self.bias is not None}")


# %% nbgrader={"grade": true, "grade_id": "test-conv2d-init", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tinytorch.core.tensor import manual_seed


def test_unit_conv2d_init():
    what = "Conv2d(3, 5, (2, 4), stride=(1, 2), padding=(1, 0))"
    conv = _call(what, Conv2d, 3, 5, (2, 4), stride=(1, 2), padding=(1, 0))
    shape = tuple(conv.weight.shape)
    assert shape == (5, 3, 2, 4), (f"Conv2d(3, 5, kernel_size=(2, 4)).weight has shape {shape}, expected (out_channels, "
                                   "in_channels, kh, kw) = (5, 3, 2, 4)" + _weight_shape_slip(shape, 3, 5, (2, 4)))
    assert conv.weight.requires_grad, "Conv2d.weight must be created with requires_grad=True"
    assert conv.bias is not None, "Conv2d(3, 5, (2, 4)).bias is None; with bias=True it must be a Tensor"
    bias_shape = tuple(conv.bias.shape)
    assert bias_shape == (5,), (f"Conv2d(3, 5, (2, 4)).bias has shape {bias_shape}, expected (out_channels,) = (5,)"
                                + _bias_shape_slip(bias_shape, 3, 5))
    np.testing.assert_array_equal(conv.bias.data, np.zeros(5), err_msg="Conv2d.bias must start at zero")
    assert conv.bias.requires_grad, "Conv2d.bias must be created with requires_grad=True"
    assert Conv2d(3, 5, (2, 4), bias=False).bias is None, "Conv2d(3, 5, (2, 4), bias=False).bias must be None"
    # He initialisation: std sqrt(2 / fan_in), fan_in = in_channels * kh * kw = 16 * 3 * 5 = 240.
    manual_seed(0)
    weight = np.asarray(Conv2d(16, 64, (3, 5)).weight.data, dtype=np.float64)
    std, mean, he = float(weight.std()), float(weight.mean()), np.sqrt(2 / 240)
    hint = _he_std_slip(std, 16, 64, 3, 5)
    assert abs(std / he - 1) < 0.05, (
        f"Conv2d(16, 64, (3, 5)).weight has std {std:.4f}; expected sqrt(2 / fan_in) = sqrt(2 / (16 * 3 * 5)) = {he:.4f} "
        f"(sqrt(2 / fan_out) would be {np.sqrt(2 / 960):.4f}, a standard normal 1)" + (f". Likely bug: {hint}" if hint else ""))
    assert abs(mean) < 0.05 * he, f"Conv2d(16, 64, (3, 5)).weight has mean {mean:.4f}; expected about 0"
    kurtosis = float(np.mean((weight - mean) ** 4) / std ** 4)       # 3 for a normal distribution, 1.8 for a uniform
    assert abs(kurtosis - 3) < 0.4, (
        f"Conv2d(16, 64, (3, 5)).weight looks {'uniform' if kurtosis < 2.3 else 'non-normal'} (kurtosis {kurtosis:.2f}, "
        "a normal distribution has 3): draw it with get_rng().normal(0.0, std, size=...)")
    # Drawn from tinytorch's generator: the same seed gives the same weights, another seed others.
    manual_seed(7)
    first = np.asarray(Conv2d(2, 3, (2, 3)).weight.data)
    manual_seed(7)
    again = np.asarray(Conv2d(2, 3, (2, 3)).weight.data)
    manual_seed(8)
    other = np.asarray(Conv2d(2, 3, (2, 3)).weight.data)
    assert np.array_equal(first, again) and not np.array_equal(first, other), (
        "Conv2d weights must come from get_rng(), so that manual_seed(7) twice gives the same weights "
        "and manual_seed(8) other ones (np.random does not follow manual_seed)")
    # Last, groups: each output sees in_channels // groups input channels.
    two_groups = Conv2d(4, 6, (2, 3), groups=2)
    shape, bias_shape = tuple(two_groups.weight.shape), tuple(two_groups.bias.shape)
    slip = _weight_shape_slip(shape, 4, 6, (2, 3), groups=2)
    assert shape == (6, 2, 2, 3), (f"Conv2d(4, 6, (2, 3), groups=2).weight has shape {shape}, expected (out_channels, "
                                   f"in_channels // groups, kh, kw) = (6, 2, 2, 3){slip}")
    assert bias_shape == (6,), (f"Conv2d(4, 6, (2, 3), groups=2).bias has shape {bias_shape}, expected (out_channels,) = "
                                "(6,)" + _bias_shape_slip(bias_shape, 4, 6, groups=2))
    manual_seed(0)
    grouped = np.asarray(Conv2d(32, 64, (3, 5), groups=2).weight.data, dtype=np.float64)
    he_grouped = np.sqrt(2 / (16 * 3 * 5))
    assert abs(float(grouped.std()) / he_grouped - 1) < 0.05, (
        f"Conv2d(32, 64, (3, 5), groups=2).weight has std {float(grouped.std()):.4f}; expected sqrt(2 / fan_in) with "
        f"fan_in = (in_channels // groups) * kh * kw = 16 * 3 * 5: {he_grouped:.4f}"
        + (". Likely bug: fan_in uses in_channels; with groups it is in_channels // groups"
           if abs(float(grouped.std()) / np.sqrt(2 / (32 * 15)) - 1) < 0.05 else ""))
    # And kernel_size as a plain int: Conv2d(16, 64, 3) is a 3x3 kernel (the given line makes self.kernel_size
    # the pair (3, 3); the argument kernel_size stays the int 3).
    int_slip = ("kernel_size is read as given, and it may be a plain int (Conv2d(16, 64, 3) is a 3x3 kernel): use "
                "kh, kw = self.kernel_size, the pair the given line makes of it, for the weight's shape and fan_in")
    manual_seed(0)
    try:
        square = Conv2d(16, 64, 3)
    except Exception as error:
        raise AssertionError(f"Conv2d(16, 64, 3) raised {type(error).__name__}: {error}. Likely bug: {int_slip}") from None
    shape = tuple(square.weight.shape)
    assert shape == (64, 16, 3, 3), (f"Conv2d(16, 64, 3).weight has shape {shape}, expected (out_channels, "
                                     f"in_channels, kh, kw) = (64, 16, 3, 3)" + (f". Likely bug: {int_slip}"
                                                                                 if shape[2:] == (3,) else ""))
    std, he_square = float(np.asarray(square.weight.data, dtype=np.float64).std()), np.sqrt(2 / (16 * 3 * 3))
    assert abs(std / he_square - 1) < 0.05, (
        f"Conv2d(16, 64, 3).weight has std {std:.4f}; expected sqrt(2 / fan_in) with fan_in = 16 * 3 * 3: "
        f"{he_square:.4f}" + (f". Likely bug: {int_slip}" if abs(std / np.sqrt(2 / (16 * 3)) - 1) < 0.05 else ""))
    ### BEGIN HIDDEN TESTS
    manual_seed(11)
    what = "Conv2d(24, 40, (2, 3), stride=2, padding=(0, 1), dilation=2), an input the notebook does not show"
    weight = np.asarray(Conv2d(24, 40, (2, 3), stride=2, padding=(0, 1), dilation=2).weight.data, dtype=np.float64)
    assert weight.shape == (40, 24, 2, 3), (f"{what}: its weight has shape {weight.shape}, expected (40, 24, 2, 3)"
                                            + _weight_shape_slip(weight.shape, 24, 40, (2, 3), dilation=(2, 2)))
    std, he = float(weight.std()), np.sqrt(2 / (24 * 2 * 3))
    assert abs(std / he - 1) < 0.05, (f"{what}: its weight has std {std:.4f}, expected sqrt(2 / (24 * 2 * 3)) = {he:.4f}"
                                      + (f". Likely bug: {hint}" if (hint := _he_std_slip(std, 24, 40, 2, 3, (2, 2))) else ""))
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_unit_conv2d_init()
    print("Conv2d.__init__: ok")


# %% nbgrader={"grade": false, "grade_id": "pool-layers", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
class _Pool2d(_Spatial):
    _function = None      # the layer's Function, which takes every option

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        layer = type(self).__name__
        self.kernel_size = _pair(kernel_size, "kernel_size", 1, layer)
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride", 1, layer)
        self.padding = _pair(padding, "padding", 0, layer)
        _check_pool_padding(layer, self.kernel_size, self.padding)

    def forward(self, x):
        return self._function.apply(x, kernel_size=self.kernel_size, stride=self.stride, padding=self.padding,
                                    use_loops=self.use_loops, layer=type(self).__name__, **self._options())

    def _output_hw(self, hw):
        return _output_hw(type(self).__name__, hw, self.kernel_size, self.stride, self.padding,
                          getattr(self, "dilation", (1, 1)), getattr(self, "ceil_mode", False))

    def extra_repr(self):
        return super().extra_repr() + self._changed_options()

    def _out_channels(self, channels):
        return channels

    def macs(self, input_shape):
        """Pooling has no multiply-accumulates; it does kh*kw comparisons or adds per output."""
        return 0


class MaxPool2d(_Pool2d):
    """2D max pooling, as torch.nn.MaxPool2d: stride defaults to kernel_size, padding counts as -inf.
    dilation spaces a window's cells; ceil_mode counts a last window that hangs over the end."""
    _function = MaxPool2dFunction
    _defaults = {"dilation": (1, 1), "ceil_mode": False}

    # ceil_mode is keyword-only: PyTorch's fifth argument is return_indices, which tinytorch does not have.
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, *, ceil_mode=False):
        super().__init__(kernel_size, stride, padding)
        self.dilation, self.ceil_mode = _pair(dilation, "dilation", 1, "MaxPool2d"), bool(ceil_mode)

    def _options(self):
        return dict(dilation=self.dilation, ceil_mode=self.ceil_mode)


class AvgPool2d(_Pool2d):
    """2D average pooling, as torch.nn.AvgPool2d: zero padding counts in the average unless
    count_include_pad=False; ceil_mode counts a last window that hangs over the end."""
    _function = AvgPool2dFunction
    _defaults = {"ceil_mode": False, "count_include_pad": True}

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__(kernel_size, stride, padding)
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)

    def _options(self):
        return dict(ceil_mode=self.ceil_mode, count_include_pad=self.count_include_pad)


# %% nbgrader={"grade": false, "grade_id": "test-layers", "locked": true, "schema_version": 3, "solution": false, "task": false}
def test_unit_layers():
    conv = Conv2d(3, 8, 3, padding=1)
    shapes = [tuple(p.shape) for p in conv.parameters()]
    assert shapes == [(8, 3, 3, 3), (8,)], (
        f"Conv2d(3, 8, 3).parameters() have shapes {shapes}, expected [(8, 3, 3, 3), (8,)]: the weight, then the bias")
    assert len(Conv2d(3, 8, 3, bias=False).parameters()) == 1, "Conv2d(..., bias=False) has one parameter, the weight"
    assert MaxPool2d(2).parameters() == [], "MaxPool2d has no parameters"
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    y = AvgPool2d(2)(MaxPool2d(2, stride=1, padding=1)(conv(x)))
    assert y.shape == (2, 8, 4, 4), f"Conv2d(3, 8, 3, padding=1) -> MaxPool2d(2, 1, 1) -> AvgPool2d(2) on (2, 3, 8, 8) gave {y.shape}, expected (2, 8, 4, 4)"
    y.sum().backward()
    for name, tensor in (("x", x), ("conv.weight", conv.weight), ("conv.bias", conv.bias)):
        assert tensor.grad is not None, (
            f"{name}.grad is None after backward: create the parameters with requires_grad=True (Exercise 8)")
        assert tensor.grad.shape == tensor.shape, f"{name}.grad has shape {tensor.grad.shape}, expected {tensor.shape}"
    np.testing.assert_allclose(conv.bias.grad.sum(), 2 * 8 * 4 * 4, rtol=1e-5,  # d(sum)/d(bias) counts every output
                               err_msg="the bias gradient of sum(output) counts every output value: 2 * 8 * 4 * 4")

if __name__ == "__main__":
    test_unit_layers()
    print("layers: ok")


# %% [markdown]
# Running a layer on your loops instead of the fast path gives the same numbers:


# %%
if __name__ == "__main__":
    _conv = Conv2d(2, 3, 3, padding=1)
    _x = Tensor(get_rng().standard_normal((1, 2, 6, 6)).astype(np.float32))
    _fast = _conv(_x).data
    _conv.use_loops = True
    _slow = _conv(_x).data
    _conv.use_loops = False
    print(f"largest difference loops vs vectorized: {np.abs(_fast - _slow).max():.2e}")


# %% [markdown]
# A numerical check of the gradients: nudge one input value by a small `eps` both
# ways and compare the change of a scalar loss with what backward says.


# %%
if __name__ == "__main__":
    _rng = np.random.default_rng(1)
    _x = _rng.standard_normal((1, 2, 5, 5))
    _w = _rng.standard_normal((3, 2, 3, 3))
    _probe = _rng.standard_normal((1, 3, 3, 3))        # loss = sum(probe * conv(x)), a generic scalar
    _xt = Tensor(_x, requires_grad=True, dtype=np.float64)
    (Conv2dFunction.apply(_xt, Tensor(_w, dtype=np.float64), None, stride=2, padding=1) * Tensor(_probe, dtype=np.float64)).sum().backward()
    _eps, _pos = 1e-6, (0, 1, 2, 3)
    _up, _down = _x.copy(), _x.copy()
    _up[_pos] += _eps
    _down[_pos] -= _eps
    _numeric = ((conv2d_vectorized(_up, _w, None, 2, 1) * _probe).sum() - (conv2d_vectorized(_down, _w, None, 2, 1) * _probe).sum()) / (2 * _eps)
    print(f"d loss / d x{_pos}: backward {_xt.grad[_pos]:.9f}, finite difference {_numeric:.9f}")


# %% [markdown]
# These layers train like any other: forward, backward, an optimizer step. Section 14 of the
# going-further notebook (`09b_going_further.ipynb`) does it twice: it learns a 1x2 kernel from
# digits and their edges, and shows what the eight filters of a trained first layer look for.


# %% [markdown]
# ## 8. Receptive fields
#
# The **receptive field** of an output unit is the patch of the input it can see.
# One 3x3 convolution sees a 3x3 patch. A second 3x3 convolution on top sees 3x3 of
# the first layer's outputs, each of which saw its own 3x3 patch of the input; the
# patches overlap, so together they cover a patch one pixel wider on every side. Each layer adds `(k - 1)` times the **jump**, the distance in input pixels
# between neighbouring units of the layer below; each stride multiplies the jump:
#
# $$ r \leftarrow r + (k - 1)\,j, \qquad j \leftarrow j \cdot s, \qquad \text{starting from } r = j = 1 .$$
#
# So stacked stride-1 3x3 convolutions grow the receptive field linearly, by 2 per
# layer, while pooling (or any stride) multiplies the growth of everything after it.
# That is why CNNs alternate convolutions with downsampling: to let deep units see
# the whole object at a modest depth.
#
# **Worked example.** The rule applied per axis, layer by layer, to a stack with a
# non-square kernel and a non-square stride (a layer without a kernel, like ReLU,
# leaves both numbers alone):


# %%
if __name__ == "__main__":
    # (name, kernel (h, w), stride (h, w)); ReLU has no kernel and changes nothing.
    _trace = [("conv (3, 5)", (3, 5), (1, 1)), ("ReLU", None, None), ("maxpool (2, 2)", (2, 2), (2, 2)),
              ("conv (3, 3)", (3, 3), (1, 1)), ("conv (3, 3), stride (2, 1)", (3, 3), (2, 1))]
    _r, _j = [1, 1], [1, 1]
    print(f"{'layer':<28}{'field (h, w)':>14}{'jump (h, w)':>14}")
    print(f"{'input':<28}{str(tuple(_r)):>14}{str(tuple(_j)):>14}")
    for _name, _kernel, _stride in _trace:
        if _kernel is not None:
            for _axis in range(2):
                _r[_axis] += (_kernel[_axis] - 1) * _j[_axis]     # grow by (k - 1) jumps of the layer below
                _j[_axis] *= _stride[_axis]                       # then the stride spreads the next layer
        print(f"{_name:<28}{str(tuple(_r)):>14}{str(tuple(_j)):>14}")


# %% [markdown]
# ### Exercise 9: `receptive_field`
#
# Apply the rule above to a list of layers, one axis at a time, and return
# `(height, width)`. Read each layer's `kernel_size` and `stride` (an int or an `(h, w)`
# pair); skip layers that have no `kernel_size` and carry on with the next one.


# %% nbgrader={"grade": false, "grade_id": "receptive-field", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def receptive_field(layers):
    """(height, width) of the input patch that one output unit of `layers` can see.

    layers: the layers in the order they run: Conv2d, MaxPool2d, AvgPool2d, or anything with
    kernel_size and stride attributes (each an int or an (h, w) pair). Layers without a
    kernel_size (ReLU, Flatten...) see one value at a time: skip them and go on. Padding
    shifts a window but does not widen it. Returns a tuple of two ints.
    """
    ### BEGIN SOLUTION
    field, jump = [1, 1], [1, 1]
    for layer in layers:
        if not hasattr(layer, "kernel_size"):
            continue
        kernel = _pair(layer.kernel_size, "kernel_size", 1, "receptive_field")
        stride = _pair(getattr(layer, "stride", 1), "stride", 1, "receptive_field")
        for axis in range(2):
            field[axis] += (kernel[axis] - 1) * jump[axis]
            jump[axis] *= stride[axis]
    return tuple(field)
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "check-receptive-field", "locked": true, "schema_version": 3, "solution": false, "task": false}
def test_unit_receptive_field_examples():
    assert tuple(receptive_field([Conv2d(1, 1, 3)])) == (3, 3), "one 3x3 convolution sees 3x3"
    assert tuple(receptive_field([Conv2d(1, 1, 3), Conv2d(1, 1, 3)])) == (5, 5), "two stacked 3x3 see 5x5"

if __name__ == "__main__":
    test_unit_receptive_field_examples()
    print("receptive_field: examples ok")


# %% nbgrader={"grade": true, "grade_id": "test-receptive-field", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
import numpy as np


def _rf_conv(*args, **kwargs):
    """Conv2d(*args, **kwargs) as your Conv2d.__init__ builds it; if that raises, a MaxPool2d with the same kernel_size,
    stride and padding stands in: receptive_field reads only those, so a slip in Exercise 8 costs that one alone."""
    try:
        return Conv2d(*args, **kwargs)
    except Exception:
        return MaxPool2d(args[2], stride=kwargs.get("stride", 1), padding=kwargs.get("padding", 0))


def test_unit_receptive_field():
    # Hand values: one 3x3 conv sees 3x3; a second one on top sees 5x5.
    got = tuple(_call("receptive_field([Conv2d(1, 1, 3)])", receptive_field, [_rf_conv(1, 1, 3)], hints={TypeError: _RF_TYPE_HINT}))
    hint = _field_slip([("conv", (3, 3), (1, 1), (0, 0))], got) if got != (3, 3) else None
    assert got == (3, 3), f"receptive_field([Conv2d(1, 1, 3)]) is {got}, expected (3, 3)" + (f". Likely bug: {hint}" if hint else "")
    got = tuple(_call("receptive_field([Conv2d(1, 1, 3), Conv2d(1, 1, 3)])", receptive_field,
                      [_rf_conv(1, 1, 3), _rf_conv(1, 1, 3)], hints={TypeError: _RF_TYPE_HINT}))
    hint = _field_slip([("conv", (3, 3), (1, 1), (0, 0))] * 2, got) if got != (5, 5) else None
    assert got == (5, 5), f"receptive_field of two stacked 3x3 convs is {got}, expected (5, 5)" + (
        f". Likely bug: {hint}" if hint else "")
    # Non-square kernels and strides, a stride-2 pool before more layers, padding (which does not
    # widen the field) and kernel-less layers in between (skipped, not a stop).
    layers = [_rf_conv(2, 3, (3, 5), stride=(1, 2), padding=(1, 2)), Module(),
              MaxPool2d((2, 3), stride=(2, 1)), _rf_conv(3, 3, (3, 1), padding=(1, 0)), Module(),
              AvgPool2d((1, 2)), _rf_conv(3, 1, (2, 3), stride=(2, 1))]
    configs = [((3, 5), (1, 2)), ((2, 3), (2, 1)), ((3, 1), (1, 1)), ((1, 2), (1, 2)), ((2, 3), (2, 1))]
    described = [("conv", (3, 5), (1, 2), (1, 2)), ("none", None, None, None), ("maxpool", (2, 3), (2, 1), (0, 0)),
                 ("conv", (3, 1), (1, 1), (1, 0)), ("none", None, None, None), ("avgpool", (1, 2), (1, 2), (0, 0)),
                 ("conv", (2, 3), (2, 1), (0, 0))]
    expected = _field_by_intervals(configs)
    what = ("receptive_field(Conv (3, 5)/s(1, 2)/p(1, 2), ReLU-like, MaxPool (2, 3)/s(2, 1), Conv (3, 1)/p(1, 0), "
            "ReLU-like, AvgPool (1, 2), Conv (2, 3)/s(2, 1))")
    got = _call(what, receptive_field, layers, hints={TypeError: _RF_TYPE_HINT})
    hint = _field_slip(described, got) if tuple(got) != expected else None
    assert tuple(got) == expected, (f"{what} returned {got}, expected (height, width) = {expected}"
                                    + (f". Likely bug: {hint}" if hint else ""))
    assert isinstance(got, tuple), (f"receptive_field returned {got!r}, a {type(got).__name__}; it returns a tuple "
                                    "(height, width), as its docstring says and the code after it compares: "
                                    "return tuple(field)")
    assert all(isinstance(v, (int, np.integer)) for v in got), f"receptive_field returned {got!r}; expected ints"
    # Kernel-less layers anywhere change nothing, even first or last.
    pool = MaxPool2d(3, stride=2)
    pool.kernel_size, pool.stride = 3, 2     # ints, as torch.nn.MaxPool2d(3, 2) stores them
    what = "receptive_field(kernel-less, Conv (2, 4)/s(3, 1), MaxPool kernel_size=3 stride=2 (ints), kernel-less)"
    got = tuple(_call(what, receptive_field, [Module(), _rf_conv(1, 1, (2, 4), stride=(3, 1)), pool, Module()],
                      hints={TypeError: _RF_TYPE_HINT}))
    expected = _field_by_intervals([((2, 4), (3, 1)), ((3, 3), (2, 2))])
    hint = _field_slip([("none", None, None, None), ("conv", (2, 4), (3, 1), (0, 0)), ("maxpool", (3, 3), (2, 2), (0, 0)),
                        ("none", None, None, None)], got) if got != expected else None
    assert got == expected, f"{what} returned {got}, expected {expected}" + (f". Likely bug: {hint}" if hint else "")
    assert tuple(receptive_field([Module()])) == tuple(receptive_field([])) == (1, 1), "no kernel_size (or no layer): (1, 1)"
    ### BEGIN HIDDEN TESTS
    described = [("conv", (2, 3), (2, 1), (0, 1)), ("maxpool", (1, 1), (2, 2), (0, 0)), ("avgpool", (3, 2), (1, 3), (0, 0)),
                 ("conv", (4, 1), (2, 2), (0, 0))]
    what = ("receptive_field(Conv (2, 3)/s(2, 1)/p(0, 1), MaxPool 1/s2, AvgPool (3, 2)/s(1, 3), Conv (4, 1)/s(2, 2)), "
            "an input the notebook does not show")
    got = tuple(_call(what, receptive_field, [_rf_conv(1, 2, (2, 3), stride=(2, 1), padding=(0, 1)), MaxPool2d(1, stride=2),
                AvgPool2d((3, 2), stride=(1, 3)), _rf_conv(2, 1, (4, 1), stride=2)], hints={TypeError: _RF_TYPE_HINT}))
    expected = _field_by_intervals([(k, s) for kind, k, s, _ in described if kind != "none"])
    hint = _field_slip(described, got) if got != expected else None
    assert got == expected, f"{what} returned {got}, expected {expected}" + (f". Likely bug: {hint}" if hint else "")
    ### END HIDDEN TESTS

if __name__ == "__main__":
    test_unit_receptive_field()
    print("receptive_field: ok")


# %%
if __name__ == "__main__":
    _stack = []
    for _depth in range(1, 6):
        _stack.append(Conv2d(1, 1, 3, padding=1))
        print(f"{_depth} stacked 3x3 convs: receptive field {receptive_field(_stack)}")
    _stack = []
    for _depth in range(1, 4):
        _stack += [Conv2d(1, 1, 3, padding=1), MaxPool2d(2)]
        print(f"{_depth} x (3x3 conv + 2x2 pool): receptive field {receptive_field(_stack)}")


# %% [markdown]
# ## 9. Complexity and memory
#
# Four numbers describe what a layer costs:
#
# - **parameters**: `C_out * C_in * kh * kw` weights plus `C_out` biases. They do not
#   depend on the image size: that is weight sharing.
# - **MACs**: `B * C_out * H_out * W_out * C_in * kh * kw`. They do depend on the
#   image size, and they are what takes time.
# - **activation memory**: every output has to be kept until backward uses it:
#   `B * C_out * H_out * W_out` values times 4 bytes in float32. In a CNN the
#   activations, not the weights, usually fill memory during training.
# - **columns**: the fast path's im2col columns, about `kh * kw / (sh * sw)` times the
#   layer's input, would dominate its memory if backward kept them; section 9 of the
#   fast-path notebook, `09a_fast_path.ipynb`, counts them and says what the layers keep.
#
# Pooling has no parameters and no MACs worth counting, and a 2x2 pool divides the
# activation memory of everything after it by four.


# %% nbgrader={"grade": false, "grade_id": "cost-helpers", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
# count_parameters is module 03's (re-exported here, so `from tinytorch.core.spatial import
# count_parameters` keeps working): all of a module's values, frozen ones included.
from tinytorch.core.layers import count_parameters  # noqa: F401 (unused in the generated file: re-exported)


def activation_bytes(shape, dtype=np.float32):
    """Bytes needed to hold one activation of this shape."""
    return int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize


# %%
if __name__ == "__main__":
    _image = (1, 3, 32, 32)
    _conv = Conv2d(3, 16, 3, padding=1)
    # The dense layer is too big to build here, so count it: one weight per (input, output) pair + biases.
    _dense_in, _dense_out = 3 * 32 * 32, 16 * 32 * 32
    _dense_params = _dense_in * _dense_out + _dense_out
    print(f"3x3 conv, 3 -> 16 channels on {_image}: {count_parameters(_conv):,} parameters, "
          f"{_conv.macs(_image):,} MACs, output {activation_bytes(_conv.output_shape(_image)):,} bytes")
    print(f"a dense layer producing the same {16 * 32 * 32:,} outputs: {_dense_params:,} parameters "
          f"({_dense_params / count_parameters(_conv):,.0f}x as many)")
    _pooled = MaxPool2d(2).output_shape(_conv.output_shape(_image))
    print(f"after a 2x2 max pool: {_pooled}, {activation_bytes(_pooled):,} bytes "
          f"(1/{activation_bytes(_conv.output_shape(_image)) // activation_bytes(_pooled)} of before)")


# %% [markdown]
# ### Budget of the milestone's network
#
# The CNN of `milestones/cnn_digits.py` (`build_cnn`) on its 8x8 digits, for one batch of
# 64, layer by layer. A FLOP count is two per MAC (one multiply, one add); activation
# bytes are the layer's float32 output; saved bytes are what each convolution keeps for
# backward: its padded input, or its columns when they are small (section 4 of the fast-path notebook).


# %%
if __name__ == "__main__":
    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Flatten, Linear
    # The network of milestones/cnn_digits.py (build_cnn) on its 8x8 digits, at its batch size of 64.
    _batch, _shape = 64, (64, 1, 8, 8)
    _layers = [Conv2d(1, 32, 3, padding=1), ReLU(), Conv2d(32, 32, 3, padding=1), ReLU(), MaxPool2d(2),
               Conv2d(32, 64, 3, padding=1), ReLU(), MaxPool2d(2), Flatten(), Linear(64 * 2 * 2, 10)]
    print(f"{'layer':<22}{'output shape':>18}{'params':>9}{'MACs':>13}{'FLOPs':>13}{'act. bytes':>12}{'saved bytes':>14}")
    _totals = np.zeros(5, dtype=np.int64)
    for _layer in _layers:
        _params = count_parameters(_layer) if isinstance(_layer, Module) else 0   # ReLU (module 02) is no Module
        _cols = 0
        if isinstance(_layer, Conv2d):
            _out = _layer.output_shape(_shape)
            _macs = _layer.macs(_shape)
            _kh, _kw = _layer.kernel_size
            _saved = _conv2d_forward(np.zeros(_shape, dtype=np.float32), _layer.weight.data, None, _layer.stride,
                                     _layer.padding, _out[2:])[1]                  # what the layer keeps for backward
            _cols = sum(_array.nbytes for _array in _saved if _array is not None)
        elif isinstance(_layer, MaxPool2d):
            _out, _macs = _layer.output_shape(_shape), 0
        elif isinstance(_layer, Flatten):
            _out, _macs = (_shape[0], int(np.prod(_shape[1:]))), 0
        elif isinstance(_layer, Linear):
            _out = (_shape[0], _layer.weight.shape[0])
            _macs = _shape[0] * _layer.weight.shape[0] * _layer.weight.shape[1]
        else:                                                             # ReLU: same shape, no MACs
            _out, _macs = _shape, 0
        _name = type(_layer).__name__
        if isinstance(_layer, Conv2d):
            _name = f"Conv2d {_layer.in_channels}->{_layer.out_channels} {_kh}x{_kw} pad {_layer.padding[0]}"
        elif isinstance(_layer, MaxPool2d):
            _name = "MaxPool2d 2x2"
        _row = np.array([_params, _macs, 2 * _macs, activation_bytes(_out), _cols], dtype=np.int64)
        _totals += _row
        print(f"{_name:<22}{str(_out):>18}{_row[0]:>9,}{_row[1]:>13,}{_row[2]:>13,}{_row[3]:>12,}{_row[4]:>14,}")
        _shape = _out
    print(f"{'total':<22}{'':>18}{_totals[0]:>9,}{_totals[1]:>13,}{_totals[2]:>13,}{_totals[3]:>12,}{_totals[4]:>14,}")
    print(f"per image: {_totals[1] // _batch:,} MACs; activations + what the convolutions keep for backward: "
          f"{(_totals[3] + _totals[4]) / 2**20:.1f} MiB for the batch of {_batch}, "
          f"against {_totals[0] * 4 / 2**10:.1f} KiB of float32 parameters")


# %% [markdown]
# ## 10. Common errors, with the messages you will see
#
# Each cell below makes one classic mistake on purpose and prints the error the layer raises.


# %%
def _show_error(title, action):
    try:
        action()
    except (ValueError, TypeError) as error:
        print(f"{title}\n  {type(error).__name__}: {error}\n")
    else:
        raise AssertionError(f"{title}: expected an error")

if __name__ == "__main__":
    _show_error("Missing batch dimension (one 3x32x32 image):",
                lambda: Conv2d(3, 8, 3)(Tensor(np.zeros((3, 32, 32), dtype=np.float32))))
    _show_error("Channel mismatch (grey image into an RGB layer):",
                lambda: Conv2d(3, 8, 3)(Tensor(np.zeros((1, 1, 28, 28), dtype=np.float32))))
    _show_error("Kernel larger than the input:",
                lambda: Conv2d(1, 1, 5)(Tensor(np.zeros((1, 1, 4, 4), dtype=np.float32))))
    _show_error("Max-pool padding larger than half the kernel:", lambda: MaxPool2d(2, padding=2))


# %% [markdown]
# **Floor surprises.** A 3x3 kernel with stride 2 on an even-sized input silently
# drops the last row and column, and the next layer's shape is not what you computed by halving:


# %%
if __name__ == "__main__":
    for _n in (7, 8, 9):
        _out = Conv2d(1, 1, 3, stride=2).output_shape((1, 1, _n, _n))
        _covered = (_out[2] - 1) * 2 + 3
        print(f"input {_n}x{_n}, 3x3 stride 2 -> {_out[2]}x{_out[3]}; windows cover {_covered} of {_n} rows")


# %% [markdown]
# **Zero padding in max pooling would be wrong.** If padding were 0 instead of
# `-inf`, every border window of an all-negative feature map would report 0, a value
# that is not in the input:


# %%
if __name__ == "__main__":
    _neg = -np.arange(1, 17, dtype=np.float32).reshape(1, 1, 4, 4)
    print("with -inf padding (correct):", maxpool2d_vectorized(_neg, 2, padding=1)[0, 0].tolist())
    _zero_padded = np.pad(_neg, ((0, 0), (0, 0), (1, 1), (1, 1)))
    print("with 0 padding (wrong):     ", maxpool2d_vectorized(_zero_padded, 2)[0, 0].tolist())


# %% [markdown]
# **Overlapping pooling windows** (stride smaller than kernel): an input that is the
# maximum of several windows collects several gradients.


# %%
if __name__ == "__main__":
    _x = Tensor(np.array([[[[0, 0, 0], [0, 9, 0], [0, 0, 0]]]], dtype=np.float32), requires_grad=True)
    MaxPool2d(2, stride=1)(_x).sum().backward()
    print("gradient of sum(maxpool 2x2, stride 1) on a 3x3 input with one peak:")
    print(_x.grad[0, 0])


# %% [markdown]
# **Memory blow-up.** Activations grow with batch, channels and resolution. A batch of
# 64 ImageNet-sized images through one 7x7 convolution with 256 output channels and
# padding 3, at stride 1 and at stride 2 (which quarters it):


# %%
if __name__ == "__main__":
    for _stride, _pad_ in ((1, 3), (2, 3)):
        _shape = Conv2d(3, 256, 7, stride=_stride, padding=_pad_).output_shape((64, 3, 224, 224))
        print(f"stride {_stride}: output {_shape} = {activation_bytes(_shape) / 2**30:.2f} GiB in float32")


# %% [markdown]
# ## 11. Production context: how real libraries do it
#
# How libraries compute a convolution (im2col + GEMM as here, Winograd, FFT, oneDNN and
# cuDNN), your loops, the fast path and PyTorch timed on this machine, and what you are not
# building (yet: transposed convolution, among others): section 11 of the fast-path
# notebook, `09a_fast_path.ipynb`.


# %% [markdown]
# ## 12. Check your understanding
#
# Work each one out by hand first, then run the cell to check.
#
# 1. Output shape of `Conv2d(3, 64, kernel_size=5, padding=2, stride=2)` on `(32, 3, 128, 128)`?
# 2. Parameters of `Conv2d(3, 64, 3)` with bias, and of a dense layer from a 224x224x3
#    image to 64 units?
# 3. MACs of `Conv2d(64, 128, 3, padding=1)` on `(16, 64, 56, 56)`?
# 4. Bytes of the float32 output of `Conv2d(3, 256, 7, stride=2, padding=3)` on `(64, 3, 224, 224)`?
# 5. Receptive field of Conv3 -> MaxPool2 (stride 2) -> Conv3 -> Conv3?


# %%
if __name__ == "__main__":
    # Each answer is derived step by step from the formulas of sections 1, 8 and 9, then checked
    # against what the layers themselves compute.
    from tinytorch.core.layers import Linear
    # 1. Output size per axis: (size + 2 * padding - kernel) // stride + 1.
    _n, _size, _k, _p, _s, _c_out = 32, 128, 5, 2, 2, 64
    _side = (_size + 2 * _p - _k) // _s + 1
    print(f"1. H_out = W_out = ({_size} + 2*{_p} - {_k}) // {_s} + 1 = {_size + 2 * _p - _k} // {_s} + 1 = {_side}: "
          f"shape ({_n}, {_c_out}, {_side}, {_side})")
    assert Conv2d(3, _c_out, kernel_size=_k, padding=_p, stride=_s).output_shape((_n, 3, _size, _size)) == (_n, _c_out, _side, _side)
    # 2. Parameters: C_out * C_in * kh * kw weights + C_out biases; a dense layer: inputs * units + units.
    _conv_params, _dense_params = 64 * 3 * 3 * 3 + 64, 224 * 224 * 3 * 64 + 64
    print(f"2. conv: 64*3*3*3 + 64 = {64 * 3 * 3 * 3:,} + 64 = {_conv_params:,}; dense: (224*224*3)*64 + 64 = "
          f"{224 * 224 * 3:,}*64 + 64 = {_dense_params:,}, {_dense_params / _conv_params:,.0f} times more")
    assert count_parameters(Conv2d(3, 64, 3)) == _conv_params and count_parameters(Linear(224 * 224 * 3, 64)) == _dense_params
    # 3. MACs: B * C_out * H_out * W_out * C_in * kh * kw; padding 1 keeps 56x56.
    _b, _c_in, _c_out, _size, _k, _p = 16, 64, 128, 56, 3, 1
    _out_side = (_size + 2 * _p - _k) // 1 + 1
    _macs = _b * _c_out * _out_side * _out_side * _c_in * _k * _k
    print(f"3. H_out = ({_size} + 2*{_p} - {_k}) // 1 + 1 = {_out_side}; MACs = {_b}*{_c_out}*{_out_side}*{_out_side}*"
          f"{_c_in}*{_k}*{_k} = {_macs:,} ({_macs / 1e9:.1f} billion)")
    assert Conv2d(64, 128, 3, padding=1).macs((16, 64, 56, 56)) == _macs
    # 4. Output bytes: B * C_out * H_out * W_out values of 4 bytes.
    _b, _c_out, _size, _k, _s, _p = 64, 256, 224, 7, 2, 3
    _out_side = (_size + 2 * _p - _k) // _s + 1
    _bytes = _b * _c_out * _out_side * _out_side * 4
    print(f"4. H_out = ({_size} + 2*{_p} - {_k}) // {_s} + 1 = {_out_side}; bytes = {_b}*{_c_out}*{_out_side}*"
          f"{_out_side}*4 = {_bytes:,} = {_bytes / 2**20:,.0f} MiB")
    assert activation_bytes(Conv2d(3, 256, 7, stride=2, padding=3).output_shape((64, 3, 224, 224))) == _bytes
    # 5. Receptive field: start at 1 with jump 1; each layer adds (k - 1) * jump, then multiplies
    #    the jump by its stride.
    _field, _jump, _steps = 1, 1, []
    for _name, _k, _s in [("Conv3", 3, 1), ("MaxPool2", 2, 2), ("Conv3", 3, 1), ("Conv3", 3, 1)]:
        _field += (_k - 1) * _jump
        _steps.append(f"{_name}: +({_k}-1)*{_jump} -> {_field}")
        _jump *= _s
    print(f"5. {'; '.join(_steps)}: {_field}x{_field}")
    assert tuple(receptive_field([Conv2d(1, 1, 3), MaxPool2d(2), Conv2d(1, 1, 3), Conv2d(1, 1, 3)])) == (_field, _field)


# %% [markdown]
# ### Systems questions
#
# Answer in a sentence or two each, then run the cell for the numbers.
#
# 1. Of the seven loops of `conv2d_loops`, which are independent (could run in any
#    order, on different cores) and which are reductions (sum into one output)?
# 2. VGG replaced 5x5 convolutions by two stacked 3x3 ones. Compare weights and
#    receptive field, for 64 channels in and out.
# 3. How much bigger than the input is the im2col matrix, at stride 1 and at stride 2?
# 4. Training keeps every activation for backward. How much memory does that take for
#    16 layers like question 3's, and what does *checkpointing* (keep only some
#    activations, recompute the others during backward) save?
# 5. What do five 2x2 poolings do to a 224x224 image's spatial area?


# %%
if __name__ == "__main__":
    # 1. The seven loops of conv2d_loops on question 3's layer: which are independent, which sum.
    _lengths = dict(n=16, co=128, i=56, j=56, ki=3, kj=3, ci=64)
    _parallel = [name for name in ("n", "co", "i", "j")]
    _reduction = [name for name in ("ki", "kj", "ci")]
    _outputs = int(np.prod([_lengths[name] for name in _parallel]))
    _terms = int(np.prod([_lengths[name] for name in _reduction]))
    print(f"1. parallel loops {_parallel}: {_outputs:,} outputs that can be computed in any order, on any core;")
    print(f"   reduction loops {_reduction}: each output sums {_terms} products (order only changes rounding)")
    # 2. Two 3x3 convolutions against one 5x5, C channels in and out.
    _c = 64
    _field_two = 1 + (3 - 1) + (3 - 1)                         # each stride-1 3x3 layer adds k - 1 = 2
    print(f"2. C = {_c}: two 3x3 layers have {2 * 9 * _c * _c:,} weights, one 5x5 has {25 * _c * _c:,} "
          f"({2 * 9 / 25:.0%}); both see {_field_two}x{_field_two}, and the pair has a ReLU in between")
    # 3. im2col memory: columns / input for question 3's layer, and for stride 2.
    for _s in (1, 2):
        _o = (56 + 2 - 3) // _s + 1
        print(f"3. 3x3, stride {_s}, padding 1 on 56x56: columns are {9 * _o * _o / (56 * 56):.2f}x the input "
              f"(about kh*kw/(sh*sw) = {9 / _s ** 2:.2f})")
    # 4. Activation memory and checkpointing: L equal layers, each activation A bytes, all kept for backward.
    _layers, _act = 16, activation_bytes((16, 128, 56, 56))
    _segments = int(math.isqrt(_layers))
    _checkpointed = (_layers // _segments + _segments) * _act    # checkpoints + one segment recomputed at a time
    print(f"4. {_layers} layers of {_act / 2**20:.0f} MiB activations: {_layers * _act / 2**30:.2f} GiB kept for backward; "
          f"keeping only every {_layers // _segments}th and recomputing the rest: about "
          f"{_checkpointed / 2**30:.2f} GiB, for one extra forward pass")
    # 5. Five 2x2 poolings: height and width halve five times.
    _side = 224
    for _ in range(5):
        _side = (_side - 2) // 2 + 1
    print(f"5. 224x224 after five 2x2 poolings: {_side}x{_side}; the area shrinks {224 * 224 // (_side * _side)}x "
          f"(= 4^5 = {4 ** 5})")


# %% [markdown]
# ## Summary
#
# - Output size per axis is `(n + 2p - k) // s + 1`; the floor drops what a window
#   cannot reach.
# - A convolution is a sliding dot product; the direct algorithm costs the product of
#   its seven loop lengths in MACs.
# - Its backward pass runs the same loops: the weight and bias gradients sum over all
#   windows, and the input gradient adds one share per window a pixel lies in.
# - im2col turns the whole batch into one matrix multiply: same numbers, far faster. Its
#   columns are about `kh * kw / (sh * sw)` times the input, so the given code builds
#   them a block at a time, and again in backward, instead of keeping them.
# - Max pooling pads with `-inf` and routes gradients to each window's first maximum;
#   average pooling counts zero padding and spreads gradients evenly.
# - Parameters do not grow with the image; MACs and activation memory do.
#
# Next: sections 13 and 14, going further (`09b_going_further.ipynb`, given code): PyTorch's
# other options (dilation, groups, padding "same", ceil_mode, count_include_pad), adaptive
# pooling, batch normalisation, and two short training runs (a learnt kernel, a trained first
# layer's filters). Then the CNN milestone (`milestones/cnn_digits.py`)
# trains a network built from these layers on handwritten digits.
#
# ## Further reading
#
# - Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to
#   document recognition", Proceedings of the IEEE, 1998 (LeNet-5).
# - A. Krizhevsky, I. Sutskever, G. Hinton, "ImageNet classification with deep
#   convolutional neural networks", NIPS 2012 (AlexNet).
# - K. Simonyan, A. Zisserman, "Very deep convolutional networks for large-scale image
#   recognition", ICLR 2015 (VGG: stacks of 3x3 convolutions).
# - K. He, X. Zhang, S. Ren, J. Sun, "Deep residual learning for image recognition",
#   CVPR 2016 (ResNet); and "Delving deep into rectifiers", ICCV 2015 (He initialisation).
# - Stanford CS231n, "Convolutional Neural Networks" course notes (cs231n.github.io).
# - A. Zhang, Z. Lipton, M. Li, A. Smola, *Dive into Deep Learning*, chapter 7,
#   "Convolutional Neural Networks" (d2l.ai).
# - A. Lavin, S. Gray, "Fast algorithms for convolutional neural networks", CVPR 2016
#   (Winograd).

"""Module 09's check helpers: what the lesson's checks compare a student's code with, and how they
say what is wrong.

Given code, imported by the lesson's `#| check_helpers` cell (src/09_convolutions/09_convolutions.py),
so that the notebook holds the exercises and their checks, not the checking machinery. Jupyter runs
that import once; `tito test` and the grader run it before each check cell, as they run any check
helper cell. Two parts:

  - independent references: each forward written with numpy over kernel offsets (one einsum or
    running maximum per offset, never a loop over output positions), finite differences, and
    `_assert_close`, which compares shape first, then values;
  - the diagnosis of likely bugs: when an answer is wrong, the checks compute what the mistakes
    students most often make would give on the same input (a flipped kernel, a forgotten stride,
    `x` read where `x_pad` belongs, `=` where `+=` belongs, ...) and name the one the answer equals;
    an error raised inside a loop exercise gets a hint from its type or message.

The names keep their leading underscore: in the notebook's one namespace they stay apart from the
student's own names (tests/integration/test_check_helper_names.py).
"""
import numpy as np


def _output_size_bug(answers):
    """The common slip that gives every answer in `answers` ({(size, kernel, stride, padding): what
    the function returned}), or None if none does."""
    slips = [("ceil instead of floor: a window that would run past the padded input does not count, "
              "so use // (floor division)", lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1),
             ("the + 1 is missing: the first window, at start 0, counts too", lambda n, k, s, p: (n + 2 * p - k) // s),
             ("the padding is added once: it goes on both sides, size + 2 * padding",
              lambda n, k, s, p: (n + p - k) // s + 1),
             ("(size + 2 * padding - kernel + 1) // stride counts the window starts wrongly when stride > 1: they "
              "are 0, stride, 2 * stride, ... up to size + 2 * padding - kernel, so (size + 2 * padding - kernel) "
              "// stride + 1 of them", lambda n, k, s, p: (n + 2 * p - k + 1) // s),
             ("the last window start is not counted: (size + 2 * padding - kernel - 1) // stride + 1, like "
              "range(0, size + 2 * padding - kernel, stride), stops before size + 2 * padding - kernel, which is "
              "itself a start; count the starts 0, stride, ... up to and including it: (size + 2 * padding - kernel) "
              "// stride + 1",
              lambda n, k, s, p: len(range(0, n + 2 * p - k, s))),
             ("PyTorch's formula lost its - 1: floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1 "
              "subtracts 1 after dilation * (kernel - 1); with dilation 1 it is (size + 2 * padding - kernel) // stride + 1",
              lambda n, k, s, p: (n + 2 * p - (k - 1)) // s + 1),
             ("the division is rounded to the nearest instead of down: a partial last step is no window; use "
              "(size + 2 * padding - kernel) // stride + 1", lambda n, k, s, p: round((n + 2 * p - k) / s) + 1),
             ("the padding is added to the count instead of the size: it widens the input before the windows are "
              "counted, (size + 2 * padding - kernel) // stride + 1",
              lambda n, k, s, p: (n - k) // s + 1 + 2 * p),
             ("the parentheses are missing: // binds tighter than + and -, so only the kernel is divided by the "
              "stride; write (size + 2 * padding - kernel) // stride + 1",
              lambda n, k, s, p: n + 2 * p - k // s + 1),
             ("the stride is ignored: size + 2 * padding - kernel + 1 counts every place the window fits, but the "
              "windows start only every stride positions, 0, stride, 2 * stride, ...: (size + 2 * padding - kernel) "
              "// stride + 1", lambda n, k, s, p: n + 2 * p - k + 1),
             ("the padding is subtracted: it adds padding zeros at each end, so the padded length is size + 2 * "
              "padding, not size - 2 * padding", lambda n, k, s, p: (n - 2 * p - k) // s + 1),
             ("a shortcut for padding = kernel // 2 (\"same\" padding keeps the size, divided by the stride) holds for an "
              "odd kernel only: an even kernel padded by kernel / 2 gives one position more; use (size + 2 * padding "
              "- kernel) // stride + 1 for every case",
              lambda n, k, s, p: -(-n // s) if p == k // 2 else (n + 2 * p - k) // s + 1)]
    return next((hint for hint, formula in slips
                 if all(formula(*case) == got for case, got in answers.items())), None)


def _weight_shape_slip(shape, in_channels, out_channels, kernel, groups=1, dilation=(1, 1)):
    """". Likely bug: ..." for a Conv2d(in_channels, out_channels, kernel, groups=groups, dilation=dilation).weight
    of the wrong `shape`, or "" (kernel is the (kh, kw) pair)."""
    (kh, kw), (dh, dw), per_group = kernel, dilation, in_channels // groups
    slips = {(in_channels // groups, out_channels, kh, kw): "in and out are swapped (Linear's weight is (in, out); a "
                                                            "convolution's is (out_channels, in_channels, kh, kw))",
             (out_channels, per_group, kw, kh): "kh and kw are swapped: kernel_size is (height, width) = (kh, kw)",
             (out_channels, in_channels, kh, kw): "the weight's second axis is in_channels; with groups it is "
                                                  "in_channels // groups",
             (out_channels, per_group, dh * (kh - 1) + 1, dw * (kw - 1) + 1):
                 "the weight covers the dilated kernel's span; dilation spaces the kh * kw taps apart in forward "
                 "and adds no weights: the weight is (out_channels, in_channels // groups, kh, kw)"}
    slips.pop((out_channels, per_group, kh, kw), None)        # a slip that changes nothing for this layer is none
    return f". Likely bug: {slips[tuple(shape)]}" if tuple(shape) in slips else ""


def _bias_shape_slip(shape, in_channels, out_channels, groups=1):
    """". Likely bug: ..." for a Conv2d(in_channels, out_channels, ..., groups=groups).bias of the wrong `shape`, or ""."""
    if len(shape) > 1 and max(shape) == out_channels and np.prod(shape) == out_channels:
        return (". Likely bug: the bias is shaped to broadcast; it holds one number per output channel, "
                "np.zeros(out_channels), and the given forward adds it to each channel's output itself")
    if shape == (in_channels,):
        return (". Likely bug: the bias has one number per input channel; it has one per output channel, "
                "np.zeros(out_channels): each output channel adds its own bias")
    if groups > 1 and shape == (out_channels // groups,):
        return (". Likely bug: the bias has one number per output channel of a group; it has one per output "
                "channel, np.zeros(out_channels), whatever the groups")
    return ""


def _he_std_slip(std, in_channels, out_channels, kh, kw, dilation=(1, 1)):
    """The common initialisation slip whose std is within 5% of `std`, the nearest if several are
    (sqrt(2 / 16) and sqrt(2 / 15) are 3.4% apart, H58), for Conv2d(in_channels, out_channels,
    (kh, kw), dilation=dilation); None if none is."""
    fan_in, fan_out = in_channels * kh * kw, out_channels * kh * kw
    span = (dilation[0] * (kh - 1) + 1) * (dilation[1] * (kw - 1) + 1)     # the cells a dilated kernel spans
    slips = [(np.sqrt(2 / fan_out), "the std comes from fan_out = out_channels * kh * kw; He uses fan_in = "
                                     "in_channels * kh * kw, the inputs of one output"),
             (1.0, "the weights are standard normal (std 1): scale them by sqrt(2 / fan_in)"),
             (2 / fan_in, "the std is 2 / fan_in, the variance: the std is its square root, sqrt(2 / fan_in)"),
             (np.sqrt(2 / in_channels), "fan_in counts the input channels only: it is in_channels * kh * kw"),
             (np.sqrt(2 / (in_channels * kh * kh)), "fan_in uses kh * kh (a square kernel): it is in_channels * kh * kw"),
             (np.sqrt(2 / (in_channels * kw * kw)), "fan_in uses kw * kw (a square kernel): it is in_channels * kh * kw"),
             (1 / np.sqrt(3 * fan_in), "this is Linear's U(-1/sqrt(fan_in), 1/sqrt(fan_in)) from module 03: He's std "
                                       "is sqrt(2 / fan_in), from a normal distribution"),
             (np.sqrt(2 / (fan_in + fan_out)), f"the std is sqrt(2 / (fan_in + fan_out)) = "
                                               f"{np.sqrt(2 / (fan_in + fan_out)):.4f}, Glorot's (Xavier's) "
                                               "initialisation, made for tanh and sigmoid (its uniform form, "
                                               "U(-sqrt(6 / (fan_in + fan_out)), +), has the same std); ReLU networks "
                                               "use He's, std sqrt(2 / fan_in)"),
             (np.sqrt(1 / fan_in), f"the std is sqrt(1 / fan_in) = {np.sqrt(1 / fan_in):.4f}, LeCun's initialisation; "
                                   "He's doubles the variance for ReLU, which zeroes half its inputs: sqrt(2 / fan_in)"),
             (np.sqrt(2) / fan_in, f"the std is sqrt(2) / fan_in = {np.sqrt(2) / fan_in:.4f}: the square root belongs "
                                   "over the whole fraction, sqrt(2 / fan_in)"),
             (np.sqrt(2 / (out_channels * fan_in)), "fan_in counts every weight of the layer, out_channels * "
                                                    "in_channels * kh * kw (the weight's size): it counts the inputs "
                                                    "of one output value, in_channels * kh * kw, without out_channels"),
             (np.sqrt(2 / (kh * kw)), "fan_in counts one kernel's cells only, kh * kw: each output value sums over "
                                      "every input channel too, so fan_in = in_channels * kh * kw"),
             *([(np.sqrt(2 / (in_channels * span)), "fan_in counts the cells the dilated kernel spans; dilation spaces "
                                                    "the kh * kw taps apart without adding any, so fan_in = "
                                                    "in_channels * kh * kw")] if span != kh * kw else [])]
    near = [(abs(std / value - 1), text) for value, text in slips if abs(std / value - 1) < 0.05]
    return min(near)[1] if near else None


def _conv_numpy(x, w, b, stride, padding):
    """Independent reference: one einsum per kernel offset over strided slices of the padded input."""
    (sh, sw), (ph, pw), (kh, kw) = stride, padding, w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh, ow = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    out = np.zeros((x.shape[0], w.shape[0], oh, ow)) if b is None else np.tile(b[None, :, None, None], (x.shape[0], 1, oh, ow))
    for ki in range(kh):
        for kj in range(kw):
            patch = xp[:, :, ki:ki + sh * (oh - 1) + 1:sh, kj:kj + sw * (ow - 1) + 1:sw]
            out = out + np.einsum("nchw,oc->nohw", patch, w[:, :, ki, kj])
    return out


def _maxpool_numpy(x, kernel, stride, padding):
    """Independent reference: running maximum over strided slices of the -inf padded input."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    oh, ow = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    out = np.full((*x.shape[:2], oh, ow), -np.inf)
    for ki in range(kh):
        for kj in range(kw):
            out = np.maximum(out, xp[:, :, ki:ki + sh * (oh - 1) + 1:sh, kj:kj + sw * (ow - 1) + 1:sw])
    return out


def _avgpool_numpy(x, kernel, stride, padding):
    """Independent reference: window sums over strided slices of the zero-padded input, / (kh * kw)."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh, ow = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    out = np.zeros((*x.shape[:2], oh, ow))
    for ki in range(kh):
        for kj in range(kw):
            out = out + xp[:, :, ki:ki + sh * (oh - 1) + 1:sh, kj:kj + sw * (ow - 1) + 1:sw]
    return out / (kh * kw)


def _numeric_grad(loss, array, eps):
    """Central finite differences of loss() with respect to every entry of `array` (changed in place).

    Exact up to float64 rounding when loss is linear in `array` within +-eps, as it is here.
    """
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        up = loss()
        array[index] = saved - eps
        down = loss()
        array[index] = saved
        grad[index] = (up - down) / (2 * eps)
    return grad


def _assert_close(got, expected, what, tol=1e-10, suspects=(), coverage=None, input_gradient=False, gradient=False):
    """Shape first, then values, with the first line saying where and by how much. When they are
    wrong, the message ends with the likely bug (the diagnosis below): the mistake among `suspects`
    whose values `got` equals, or, given `coverage` (how many terms add up in each cell), an `=`
    where `+=` belongs. `input_gradient`: `got` is a gradient of the input x, which a backward
    computes on the padded copy (so a shape too big by the padding is named). `gradient` (implied by
    `input_gradient`): `got` is a gradient, not a forward's output, whose last row and column are
    not the last output position's (so the loops stopping one early are not named)."""
    if got is None:
        raise AssertionError(f"{what} returned None, expected an array of shape {expected.shape}. Likely bug: {_NO_RETURN}.")
    got = np.asarray(got)
    if got.shape == expected.shape and np.isclose(got, expected, rtol=tol, atol=tol).all():
        return
    hint = (_diag_shape_hint(got, expected, gradient=input_gradient) or _diag_likely_bug(got, suspects)
            or (coverage is not None and _diag_overwrite_hint(got, expected, coverage))
            or (not (gradient or input_gradient) and _diag_never_written(got, expected, tol))
            or _diag_precision_hint(got, expected))
    tail = f". Likely bug: {hint}." if hint else ""
    assert got.shape == expected.shape, f"{what} has shape {got.shape}, expected {expected.shape}{tail}"
    wrong = ~np.isclose(got, expected, rtol=tol, atol=tol)
    at = tuple(int(i) for i in np.argwhere(wrong)[0])
    mine, right = _diag_two_numbers(got[at], expected[at])
    raise AssertionError(f"{what}: {int(wrong.sum())} of {got.size} values wrong, e.g. at {at} got "
                         f"{mine}, expected {right}{tail}")


_NO_RETURN = ("the function ends without returning its result (a Python function without `return` gives None): "
              "end it with the return line, `return out` (a backward returns its gradients)")


def _diag_never_written(got, expected, tol):
    """The loops stop one row or column early (range(h_out - 1)): every wrong value is a 0 left in the
    last output row or column, which no iteration reached. For a forward's output only: in a gradient
    of the input, the last row is not the last output row's."""
    if got.shape != expected.shape or got.ndim != 4:
        return None
    wrong = ~np.isclose(got, expected, rtol=tol, atol=tol)
    edge = np.zeros(got.shape, dtype=bool)
    edge[:, :, -1, :] = edge[:, :, :, -1] = True
    if wrong.any() and not (wrong & ~edge).any() and (got[wrong] == 0).all():
        return ("the last output row or column is never written (still 0): the loops run over every output "
                "position, for i in range(h_out) and for j in range(w_out), not range(h_out - 1)")
    return None


def _diag_returned(what, got, names, shapes):
    """A backward's result, checked for None and for its arrays in another order, each with its own
    message (grad_w's shape where grad_x's belongs says less than 'the order is swapped')."""
    if got is None:
        raise AssertionError(f"{what} returned None, expected {', '.join(names)}. Likely bug: {_NO_RETURN}.")
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        # Checked before anything reads it: zip() over a shorter result would compare nothing.
        count = f"{len(got)} values" if isinstance(got, (tuple, list)) else f"a {type(got).__name__}"
        raise AssertionError(f"{what} returned {count}, expected a tuple of {len(names)} arrays: "
                             f"return {', '.join(names)}")
    got_shapes = [np.shape(value) for value in got]
    if len(got_shapes) == len(shapes) and got_shapes != list(shapes) and \
            sorted(map(str, got_shapes)) == sorted(map(str, shapes)):
        raise AssertionError(f"{what} returned arrays of shapes {', '.join(map(str, got_shapes))}, expected "
                             f"{', '.join(f'{n} {s}' for n, s in zip(names, shapes))}. Likely bug: the gradients "
                             f"come back in another order: return {', '.join(names)}, the order of the inputs "
                             "they belong to")
    return got


def _conv_back_returned(what, got, x, weight):
    """conv2d_backward_loops's result for input x and kernel weight, checked by _diag_returned."""
    return _diag_returned(what, got, ("grad_x", "grad_w", "grad_b"), (np.shape(x), np.shape(weight), np.shape(weight)[:1]))


def _diag_two_numbers(got, expected):
    """Both numbers with as many digits as it takes to see them differ (2.447 and 2.447 say nothing)."""
    for digits in (6, 10, 17):
        mine, right = f"{got:.{digits}g}", f"{expected:.{digits}g}"
        if mine != right:
            break
    return mine, right


def _diag_precision_hint(got, expected):
    """Float32 arithmetic: every value right to float32's precision (about 7 digits), none to float64's."""
    got = np.asarray(got)
    if got.shape != expected.shape or got.dtype == np.float32 and expected.dtype == np.float32:
        return None
    if np.allclose(got, expected, rtol=1e-5, atol=1e-6):
        return ("the values are right to about 7 digits only, float32's precision: something is computed in "
                "float32 (np.float32(...), dtype=np.float32, .astype(np.float32)); keep the inputs' float64")
    return None

# What an error raised inside a loop exercise most likely means.
_LOOP_ERRORS = {
    IndexError: ("an index ran past the end of an array: output rows run to h_out and columns to w_out, "
                 "kernel rows (ki) to kh and kernel columns (kj) to kw (the kernels here are not square), and "
                 "the window of output (i, j) starts at row i * sh, column j * sw of x_pad, the padded copy "
                 "(x itself is smaller)"),
    ValueError: ("shapes that do not fit together: the window of output (i, j) is "
                 "x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw], kh rows by kw columns of x_pad"),
}


# Max pooling's backward also splits the winner's flat index (np.argmax of a window) into a row and a column.
_MAXPOOL_BACK_ERRORS = {**_LOOP_ERRORS, IndexError: _LOOP_ERRORS[IndexError] + (
    "; if you split the flat index k of the window's maximum yourself, a window row holds kw cells: "
    "ki, kj = divmod(k, kw), or np.unravel_index(k, (kh, kw)), not a division by kh")}


# Convolution's loops also read a weight, whose axes are easy to take in the wrong order.
_CONV_ERRORS = {**_LOOP_ERRORS, IndexError: _LOOP_ERRORS[IndexError] + (
    "; and weight's axes are (out_channels, in_channels, kh, kw): weight[co, ci, ki, kj], not weight[ci, co, ki, kj]; "
    "x_pad's second axis holds the input channels: x_pad[n, ci, ...], not x_pad[n, co, ...]")}

# Errors whose message says more than their type: (words of the message, what they most likely mean).
_ERROR_WORDS = [
    ("read-only", "your function writes into an array it was given (x, weight, bias or grad_out), which would "
                  "change the caller's array: read the inputs only and write into your own (out, grad_x_pad, ...), "
                  "e.g. share = grad_out[n, c, i, j] / (kh * kw), not grad_out[n, c, i, j] /= kh * kw"),
    ("truth value of an array", "an array stands where Python needs True or False: `if bias:` asks numpy "
                                "whether a whole array is true; test `if bias is not None:`"),
    # np.max of an empty window says "zero-size array", np.argmax "empty sequence".
    *[(words, "a window is empty: a slice that starts past the end of an array is cut to nothing; read each "
              "window from x_pad, the padded copy (x itself is smaller), at rows i * sh .. i * sh + kh - 1 and "
              "columns j * sw .. j * sw + kw - 1 (window starts step by the stride, not by the kernel size)") for words in ("zero-size array", "empty sequence")],
    *[(words, "a name the function assigns or imports anywhere in its body is local to the whole function: `import "
              "numpy as np` (or np = ...) inside it makes np unbound in the given lines above it; import at the top "
              "of the module") for words in ("cannot access local variable", "referenced before assignment")],
    ("cannot be interpreted as an integer", "a count or size is a float: / always gives one (in_channels / groups, "
                                            "size / stride), and range() and numpy's shapes take ints; divide with //"),
]


def _read_only_copy(value):
    """An array argument as the function under test gets it: a read-only copy, so that a write into an
    input fails here (as it would silently change the caller's array elsewhere)."""
    if isinstance(value, np.ndarray):
        value = value.copy()
        value.flags.writeable = False
    return value


def _call(what, function, *args, hints=_LOOP_ERRORS, **kwargs):
    """function(*args, **kwargs), its array arguments read-only copies. An error raised inside it whose
    message or type has a hint (_ERROR_WORDS, then `hints`) becomes an AssertionError saying what was
    called, the error, and what it most likely means."""
    args = tuple(_read_only_copy(value) for value in args)
    kwargs = {key: _read_only_copy(value) for key, value in kwargs.items()}
    try:
        return function(*args, **kwargs)
    except Exception as error:
        hint = next((text for words, text in _ERROR_WORDS if words in str(error)), None) or \
            next((text for kind, text in hints.items() if isinstance(error, kind)), None)
        if hint is None:
            raise
        raise AssertionError(f"{what} raised {type(error).__name__}: {error}. Likely bug: {hint}.") from error


def _diag_likely_bug(got, suspects):
    """The hint of the first suspect that `got` equals: suspects are (hint, make) pairs, make()
    computing what that mistake gives on the same input (None where it cannot happen here)."""
    got = np.asarray(got)
    matches = []
    for hint, make in suspects:
        try:
            value = make()
        except Exception:        # this mistake cannot be computed for this case: not the one
            continue
        if value is None:
            continue
        value = np.asarray(value, dtype=np.float64)
        if got.shape == value.shape and got.size and np.allclose(got, value, rtol=1e-8, atol=1e-8, equal_nan=True):
            if hint not in matches:
                matches.append(hint)
            if len(matches) == 2:
                break
    # Two mistakes that give the same numbers on this input are both named (H58: a maximum not reset per
    # window and a stride missing send the ties case's gradients to the same cells).
    return "; or else, ".join(matches) or None


def _diag_starts(count, step):
    return np.arange(count) * step


def _diag_windows(xp, rows, cols, kh, kw):
    """(N, C, len(rows), len(cols), kh, kw): the kh x kw window starting at each (rows[i], cols[j]) of
    xp; None when one would leave xp (the student's loops would have raised an IndexError)."""
    if rows.max() + kh > xp.shape[2] or cols.max() + kw > xp.shape[3]:
        return None
    r = rows[:, None, None, None] + np.arange(kh)[None, None, :, None]
    c = cols[None, :, None, None] + np.arange(kw)[None, None, None, :]
    return xp[:, :, r, c]


def _diag_conv_at(xp, w, b, rows, cols):
    """Convolution outputs whose windows start at (rows[i], cols[j]) of the padded input xp."""
    windows = _diag_windows(xp, rows, cols, *w.shape[2:])
    if windows is None:
        return None
    out = np.einsum("nchwab,ocab->nohw", windows, w)
    return out if b is None else out + np.asarray(b)[None, :, None, None]


def _diag_pad(x, padding, value=0.0, corner=False):
    """x padded by (ph, pw) on both sides, or (corner=True) by 2 * (ph, pw) below and right only:
    what reading x at padded coordinates (x for x_pad) sees."""
    (ph, pw) = padding
    spec = ((0, 2 * ph), (0, 2 * pw)) if corner else ((ph, ph), (pw, pw))
    return np.pad(x, ((0, 0), (0, 0), *spec), constant_values=value)


def _diag_out_hw(x, kernel, stride, padding):
    return tuple((x.shape[2 + a] + 2 * padding[a] - kernel[a]) // stride[a] + 1 for a in range(2))


def _conv_suspects(x, w, b, stride, padding):
    """The common wrong versions of conv2d_loops, each computed on this input."""
    (sh, sw), kernel = stride, w.shape[2:]
    oh, ow = _diag_out_hw(x, kernel, stride, padding)
    xp = _diag_pad(x, padding)
    rows, cols = _diag_starts(oh, sh), _diag_starts(ow, sw)
    bias = np.zeros(w.shape[0]) if b is None else np.asarray(b)
    return [
        ("the kernel is flipped (the textbook convolution). A CNN's convolution does not flip it: multiply "
         "x_pad[n, ci, i * sh + ki, j * sw + kj] by weight[co, ci, ki, kj], not by weight[co, ci, kh - 1 - ki, kw - 1 - kj]",
         lambda: _diag_conv_at(xp, w[:, :, ::-1, ::-1], b, rows, cols)),
        ("the bias is never added: add bias[co] once to each output value (when bias is not None)",
         lambda: None if b is None else _diag_conv_at(xp, w, None, rows, cols)),
        ("the bias is added once per input channel (inside the ci loop): add it once, after the sum over "
         "ci, ki and kj",
         lambda: None if b is None or x.shape[1] == 1 else _diag_conv_at(xp, w, bias * x.shape[1], rows, cols)),
        ("the bias is added twice (say, in the loop over positions and again after it): add bias[co] once to "
         "each output value", lambda: None if b is None else _diag_conv_at(xp, w, 2 * bias, rows, cols)),
        (_BIAS_ON_PLANE, lambda: None if b is None else _diag_conv_at(xp, w, None, rows, cols)
         + bias[None, :, None, None] * (oh * ow - np.arange(oh * ow)).reshape(1, 1, oh, ow)),
        ("x is read where x_pad belongs: the window of output (i, j) starts at row i * sh, column j * sw of "
         "x_pad, the padded copy; read at those coordinates, x is shifted by the padding and loses its border",
         lambda: None if padding == (0, 0) else _diag_conv_at(_diag_pad(x, padding, corner=True), w, b, rows, cols)),
        ("the column stride is missing: output column j starts at column j * sw of x_pad, not at j",
         lambda: None if sw == 1 else _diag_conv_at(xp, w, b, rows, _diag_starts(ow, 1))),
        ("the row stride is missing: output row i starts at row i * sh of x_pad, not at i",
         lambda: None if sh == 1 else _diag_conv_at(xp, w, b, _diag_starts(oh, 1), cols)),
        ("the strides are swapped: rows step by sh = stride[0], columns by sw = stride[1]",
         lambda: None if sh == sw else _diag_conv_at(xp, w, b, _diag_starts(oh, sw), _diag_starts(ow, sh))),
        ("the stride is applied to the kernel index too: window (i, j) covers rows i * sh + ki of x_pad, not "
         "i * sh + ki * sh", lambda: None if (sh, sw) == (1, 1) else _diag_conv_sampled(xp, w, b, rows, cols, (sh, sw))),
        ("the bias is added once per kernel cell (inside the ki or kj loop): add bias[co] once, after the sum "
         "over ci, ki and kj", lambda: None if b is None else _diag_conv_at(xp, w, bias * kernel[0] * kernel[1], rows, cols)),
        ("the input channels stop at min(C_in, C_out): every output channel sums over all C_in input channels, "
         "for ci in range(c_in) with c_in = x.shape[1] (or weight.shape[1])",
         lambda: None if x.shape[1] <= w.shape[0] else _diag_conv_at(xp[:, :w.shape[0]], w[:, :w.shape[0]], b, rows, cols)),
        ("the running total is not reset for each output position: start total = 0.0 inside the loop over j, "
         "so each output sums its own window only",
         lambda: np.cumsum(_diag_conv_at(xp, w, b, rows, cols).reshape(x.shape[0], w.shape[0], -1), axis=2)
         .reshape(x.shape[0], w.shape[0], oh, ow)),
        (_NEGATIVE_WRAPS, lambda: None if padding == (0, 0) else _diag_conv_at(_diag_wrap_pad(x, padding), w, b, rows, cols)),
        ("the bias is indexed by the input channel: bias[ci], read after the loop over ci, is bias[C_in - 1] for "
         "every output channel; output channel co adds bias[co]", lambda: None if b is None or x.shape[1] > w.shape[0]
         else _diag_conv_at(xp, w, np.full(w.shape[0], bias[x.shape[1] - 1]), rows, cols)),
        ("the output channels stop at C_in: weight.shape[1] (and x.shape[1]) count the input channels; loop co over "
         "range(c_out), c_out = weight.shape[0]", lambda: None if x.shape[1] >= w.shape[0] else
         _diag_conv_at(xp, w, b, rows, cols) * (np.arange(w.shape[0]) < x.shape[1])[None, :, None, None]),
        (_COLUMNS_BY_SH, lambda: None if sh == sw or _diag_windows(xp, rows, _diag_starts(ow, sh), *kernel) is None
         else _diag_conv_at(xp, w, b, rows, _diag_starts(ow, sh))),
        ("the running total is started again inside the loop over the input channels (ci), so only the last "
         "channel counts: start it once per output position, before the loops over ci, ki and kj",
         lambda: None if x.shape[1] == 1 else _diag_conv_at(xp[:, -1:], w[:, -1:], b, rows, cols)),
        (_RESET_PER_ROW.format(value="total"), lambda: None if kernel[0] == 1 else
         _diag_conv_at(xp[:, :, kernel[0] - 1:], w[:, :, kernel[0] - 1:], b, rows, cols)),
        (_WRITE_AFTER_J, lambda: None if ow == 1 else _diag_last_column(_diag_conv_at(xp, w, b, rows, cols))),
    ]


# Reading x at row i * sh + ki - ph with only `r < height` tested: a negative row is counted from the end.
_NEGATIVE_WRAPS = ("a negative index reads from the other end: in the top and left padding, the row i * sh + ki - ph "
                   "(or the column) is negative, and x[n, c, -1, ...] is x's last row, not padding; test 0 <= r < "
                   "height and 0 <= c < width before reading x, or read x_pad, the padded copy")


def _diag_wrap_pad(x, padding, value=0.0):
    """What reading x at padded coordinates minus the padding sees when only the upper bounds are tested:
    the top and left padding hold x's last rows and columns (a negative index wraps), the bottom and
    right padding `value`; None where an index would run past -height (an IndexError)."""
    (ph, pw), (height, width) = padding, x.shape[2:]
    if ph > height or pw > width:
        return None
    out = _diag_pad(x, padding, value)
    out[:, :, :ph, pw:pw + width] = x[:, :, height - ph:, :]
    out[:, :, ph:ph + height, :pw] = x[:, :, :, width - pw:]
    out[:, :, :ph, :pw] = x[:, :, height - ph:, width - pw:]
    return out


# The bias added to a whole output plane, out[n, co] += bias[co], at each position, after out[n, co, i, j] = ...:
# an output value gets it at its own position and again at each later one.
_BIAS_ON_PLANE = ("the bias is added to the whole output plane at every position (out[n, co] += bias[co], not "
                  "out[n, co, i, j]), so an output value gets it once when it is written and once more at each "
                  "later position: add bias[co] to the one output value out[n, co, i, j]")


def _diag_conv_sampled(xp, w, b, rows, cols, step):
    """A convolution whose kernel cells are `step` apart (a stride applied to ki and kj); None where it
    would leave xp (the student's loops would have raised an IndexError)."""
    kh, kw = w.shape[2:]
    r = rows[:, None, None, None] + (np.arange(kh) * step[0])[None, None, :, None]
    c = cols[None, :, None, None] + (np.arange(kw) * step[1])[None, None, None, :]
    if r.max() >= xp.shape[2] or c.max() >= xp.shape[3]:
        return None
    out = np.einsum("nchwab,ocab->nohw", xp[:, :, r, c], w)
    return out if b is None else out + np.asarray(b)[None, :, None, None]


def _diag_pool_at(xp, rows, cols, kh, kw, reduce):
    """reduce over each window, cut the way a slice cuts it (a slice past the end is shorter)."""
    out = np.zeros((*xp.shape[:2], len(rows), len(cols)))
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            out[:, :, i, j] = reduce(xp[:, :, r:r + kh, c:c + kw], axis=(2, 3))
    return out


_X_FOR_X_PAD = ("x is read where x_pad belongs: the window of output (i, j) starts at row i * sh, column j * sw of "
                "x_pad, the padded copy; read from x, every window is shifted by the padding and the last ones are "
                "cut short")


def _maxpool_suspects(x, kernel, stride, padding):
    (kh, kw), (sh, sw) = kernel, stride
    oh, ow = _diag_out_hw(x, kernel, stride, padding)
    rows, cols = _diag_starts(oh, sh), _diag_starts(ow, sw)
    inf_pad = _diag_pad(x, padding, -np.inf)
    right = _diag_pool_at(inf_pad, rows, cols, kh, kw, np.max)
    return [
        ("the running maximum starts at 0, so a window of negative values gives 0: start it at -inf "
         "(or at the window's first value)", lambda: np.maximum(right, 0.0)),
        ("the padding is 0, so at the border a window of negative values gives 0: pad with -inf, which "
         "never wins a maximum", lambda: _diag_pool_at(_diag_pad(x, padding), rows, cols, kh, kw, np.max)),
        ("the window is kw rows by kh columns: it is x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]",
         lambda: None if kh == kw else _diag_pool_at(inf_pad, rows, cols, kw, kh, np.max)),
        ("the strides are swapped: rows step by sh = stride[0], columns by sw = stride[1]",
         lambda: None if sh == sw or _diag_windows(inf_pad, _diag_starts(oh, sw), _diag_starts(ow, sh), kh, kw) is None
         else _diag_pool_at(inf_pad, _diag_starts(oh, sw), _diag_starts(ow, sh), kh, kw, np.max)),
        (_X_FOR_X_PAD, lambda: None if padding == (0, 0) else _diag_pool_at(x, rows, cols, kh, kw, np.max)),
        ("the window is one row and one column short: the slice i * sh:i * sh + kh already holds kh rows (its "
         "end is left out), so nothing is subtracted",
         lambda: None if kh < 2 or kw < 2 else _diag_pool_at(inf_pad, rows, cols, kh - 1, kw - 1, np.max)),
        (_STRIDE_MISSING, lambda: None if (sh, sw) == (1, 1) else
         _diag_pool_at(inf_pad, _diag_starts(oh, 1), _diag_starts(ow, 1), kh, kw, np.max)),
        (_STRIDE_ON_KERNEL, lambda: None if (sh, sw) == (1, 1) else
         _diag_pool_sampled(inf_pad, rows, cols, kernel, stride, np.max)),
        ("the window is one row and one column too long: the slice i * sh:i * sh + kh already holds kh rows, "
         "i * sh .. i * sh + kh - 1 (its end is left out), so no + 1",
         lambda: _diag_pool_at(inf_pad, rows, cols, kh + 1, kw + 1, np.max)),
        ("the running maximum is not reset for each output position: start it (best = -inf) inside the loop "
         "over j, so each output is its own window's maximum, not the largest seen so far",
         lambda: _diag_running(right, np.maximum.accumulate)),
        (_NEGATIVE_WRAPS, lambda: None if tuple(padding) == (0, 0) else
         _diag_pool_at(_diag_wrap_pad(x, padding, -np.inf), rows, cols, kh, kw, np.max)),
        (_ZERO_SKIPPED, lambda: None if not np.any(x == 0) else
         _diag_pool_at(_diag_pad(np.where(x == 0, -np.inf, x), padding, -np.inf), rows, cols, kh, kw, np.max)),
        *((_finite_start(start), lambda start=start: np.maximum(right, start)) for start in _FINITE_STARTS),
        (_COLUMNS_BY_SH, lambda: None if sh == sw or _diag_windows(inf_pad, rows, _diag_starts(ow, sh), kh, kw) is None
         else _diag_pool_at(inf_pad, rows, _diag_starts(ow, sh), kh, kw, np.max)),
        (_RESET_PER_ROW.format(value="maximum"), lambda: None if kh == 1 else
         _diag_pool_at(inf_pad, rows + kh - 1, cols, 1, kw, np.max)),
        (_WRITE_AFTER_J, lambda: None if ow == 1 else _diag_last_column(right)),
    ]


def _far_below_finite_starts(x):
    """x moved to values of order -1e300, none of them 0: a window of them lies below any finite number a running
    maximum could start at (-1e9, say), as it lies above -inf (and -sys.float_info.max)."""
    return -(np.abs(x) + 1) * 1e300


# Finite numbers a running maximum is started at in place of -inf; a suspect each (the message names the one).
_FINITE_STARTS = (-1e9, -1e10, -1e12, -1e6, -9999.0, -99999.0, -1e18, -1e20, -1e30, -1e100)


def _finite_start(start):
    return (f"the running maximum starts at a finite number ({start:g}), so a window whose values all lie below it "
            "gives that number, and none of its values wins the gradient: start it at -inf, float('-inf'), or at the "
            "window's first value")


_COLUMNS_BY_SH = ("the column stride is sh: output column j starts at column j * sw of x_pad (sw = stride[1]), not at "
                  "j * sh")
_RESET_PER_ROW = ("the running {value} is started again inside the loop over the kernel's rows (ki), so only the window's "
                  "last row counts: start it once per output position, inside the loop over j, before the loops over "
                  "ki and kj")
_WRITE_AFTER_J = ("the write out[n, c, i, j] = ... sits after the loop over j (one indent too few), so only the last "
                  "column of each row is written: write each output inside the loop over j")


def _diag_last_column(out):
    """out with every column but the last left at 0: the write of each output sits after the loop over j."""
    kept = np.zeros_like(out)
    kept[..., -1] = out[..., -1]
    return kept


_ZERO_SKIPPED = ("a 0 in x is skipped as if it were padding (or no value yet): a 0 is a value like any other, and the "
                 "padding is -inf, which no real value needs to be told apart from")


def _diag_running(per_position, accumulate):
    """A value that runs on from one output position to the next in each image and channel (in row-major
    order) instead of starting afresh: accumulate (np.cumsum, np.maximum.accumulate) over the positions."""
    flat = per_position.reshape(*per_position.shape[:2], -1)
    return accumulate(flat, axis=2).reshape(per_position.shape)


def _diag_avg_in_place(xp, rows, cols, kh, kw):
    """Average pooling whose window (a view of x_pad) is divided in place before it is summed: a cell that
    several windows share is divided again by each (in row-major order of the positions)."""
    xp = np.array(xp, dtype=np.float64)
    out = np.zeros((*xp.shape[:2], len(rows), len(cols)))
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            window = xp[:, :, r:r + kh, c:c + kw]
            window /= kh * kw
            out[:, :, i, j] = window.sum(axis=(2, 3))
    return out


def _avgpool_suspects(x, kernel, stride, padding):
    (kh, kw), (sh, sw) = kernel, stride
    oh, ow = _diag_out_hw(x, kernel, stride, padding)
    rows, cols = _diag_starts(oh, sh), _diag_starts(ow, sw)
    xp = _diag_pad(x, padding)
    sums = _diag_pool_at(xp, rows, cols, kh, kw, np.sum)
    real = _diag_pool_at(_diag_pad(np.ones_like(x), padding), rows, cols, kh, kw, np.sum)
    return [
        ("the mean is taken over the real cells only (count_include_pad=False): this lesson's average "
         "pooling divides every window by kh * kw, padding included, as torch.nn.AvgPool2d does by default",
         lambda: None if padding == (0, 0) else sums / real),
        ("the window sum is divided by kh * kh: a window holds kh * kw cells", lambda: sums / (kh * kh)),
        ("the window sum is divided by kw * kw: a window holds kh * kw cells", lambda: sums / (kw * kw)),
        ("the window sum is divided by kh only: len(window) of a 2-D window counts its rows, and np.prod(kernel_size) "
         "of a plain int kernel_size is that int; a window holds kh * kw cells (window.size), from the pair (kh, kw)",
         lambda: sums / kh),
        (_STRIDE_AREA.format(value="the window sum"), lambda: None if sh * sw == kh * kw else sums / (sh * sw)),
        (_PRECEDENCE.format(value="the window sum", name="sum"), lambda: None if kh == kw else sums / kh * kw),
        ("the window sum is not divided by kh * kw in the end: either it is never divided, or it is written "
         "sum / kh * kw, which Python reads as (sum / kh) * kw, the sum itself for a square kernel; the average "
         "is sum / (kh * kw)" if kh == kw else "the window sum is never divided: the average is the sum / (kh * kw)",
         lambda: sums),
        ("the window is kw rows by kh columns: it is x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]",
         lambda: None if kh == kw or _diag_windows(xp, rows, cols, kw, kh) is None
         else _diag_pool_at(xp, rows, cols, kw, kh, np.sum) / (kh * kw)),
        (_X_FOR_X_PAD, lambda: None if padding == (0, 0) else _diag_pool_at(x, rows, cols, kh, kw, np.sum) / (kh * kw)),
        ("the mean is rounded down (// divides and floors): divide the window's sum by kh * kw with /",
         lambda: np.floor(sums / (kh * kw))),
        *[(_STRIDE_IS_KERNEL, make) for make in _diag_stride_is_kernel(xp, kernel, stride, (oh, ow))],
        (_STRIDE_MISSING, lambda: None if (sh, sw) == (1, 1) else
         _diag_pool_at(xp, _diag_starts(oh, 1), _diag_starts(ow, 1), kh, kw, np.sum) / (kh * kw)),
        (_STRIDE_ON_KERNEL, lambda: None if (sh, sw) == (1, 1) else
         _diag_pool_sampled(xp, rows, cols, kernel, stride, np.sum) / (kh * kw)),
        ("the running total is not reset for each output position: start total = 0.0 inside the loop over j, so "
         "each output averages its own window only", lambda: _diag_running(sums, np.cumsum) / (kh * kw)),
        ("the window is divided in place: window = x_pad[...] is a view of x_pad, so window /= kh * kw divides "
         "x_pad itself, and a cell that several windows share is divided again by each; divide the sum instead, "
         "window.sum() / (kh * kw)", lambda: _diag_avg_in_place(xp, rows, cols, kh, kw)),
        (_NEGATIVE_WRAPS, lambda: None if tuple(padding) == (0, 0) else
         _diag_pool_at(_diag_wrap_pad(x, padding), rows, cols, kh, kw, np.sum) / (kh * kw)),
        (_COLUMNS_BY_SH, lambda: None if sh == sw else _diag_pool_at(xp, rows, _diag_starts(ow, sh), kh, kw, np.sum) / (kh * kw)),
        (_RESET_PER_ROW.format(value="total"), lambda: None if kh == 1 else
         _diag_pool_at(xp, rows + kh - 1, cols, 1, kw, np.sum) / (kh * kw)),
        (_WRITE_AFTER_J, lambda: None if ow == 1 else _diag_last_column(sums / (kh * kw))),
    ]


_STRIDE_AREA = ("{value} is divided by the stride's area, sh * sw: the stride says where windows start; a window "
                "holds kh * kw cells, so the average divides by kh * kw")
_PRECEDENCE = ("{value} is divided by kh and then multiplied by kw: Python reads {name} / kh * kw as "
               "({name} / kh) * kw; divide by the window's size with parentheses, {name} / (kh * kw)")
_STRIDE_MISSING = ("the stride is missing: the window of output (i, j) starts at row i * sh, column j * sw of x_pad, "
                   "not at row i, column j")
_STRIDE_IS_KERNEL = ("the windows step by the kernel size instead of the stride: output (i, j) starts at row "
                     "i * sh, column j * sw of x_pad")


_STRIDE_ON_KERNEL = ("the stride is applied to the kernel index too: window (i, j) covers rows i * sh + ki of x_pad "
                     "(ki = 0 .. kh - 1, next to each other), not i * sh + ki * sh (nor (i + ki) * sh); the same for "
                     "the columns")


def _diag_pool_sampled(xp, rows, cols, kernel, step, reduce):
    """A pooling whose window cells are `step` apart (a stride applied to ki and kj); None where it would
    leave xp (the student's loops would have raised an IndexError)."""
    (kh, kw) = kernel
    r = rows[:, None, None, None] + (np.arange(kh) * step[0])[None, None, :, None]
    c = cols[None, :, None, None] + (np.arange(kw) * step[1])[None, None, None, :]
    if r.max() >= xp.shape[2] or c.max() >= xp.shape[3]:
        return None
    return reduce(xp[:, :, r, c], axis=(4, 5))


def _diag_stride_is_kernel(xp, kernel, stride, out_hw):
    """Average pooling whose windows start at i * kh, j * kw, cut short where a slice runs past the end:
    the window's sum over kh * kw, or its .mean() (over the cells the slice kept; nan when none)."""
    (kh, kw) = kernel
    if tuple(stride) == tuple(kernel):
        return []
    rows, cols = _diag_starts(out_hw[0], kh), _diag_starts(out_hw[1], kw)

    def mean():
        counts = _diag_pool_at(np.ones_like(xp), rows, cols, kh, kw, np.sum)
        with np.errstate(invalid="ignore", divide="ignore"):
            return _diag_pool_at(xp, rows, cols, kh, kw, np.sum) / counts
    return [lambda: _diag_pool_at(xp, rows, cols, kh, kw, np.sum) / (kh * kw), mean]


def _diag_coverage(x_shape, kernel, stride, padding, out_hw):
    """How many windows cover each cell of x (padding cut off)."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    count = np.zeros((x_shape[2] + 2 * ph, x_shape[3] + 2 * pw))
    for i in range(out_hw[0]):
        for j in range(out_hw[1]):
            count[i * sh:i * sh + kh, j * sw:j * sw + kw] += 1
    return count[ph:ph + x_shape[2], pw:pw + x_shape[3]]


def _diag_overwrite_hint(got, expected, coverage):
    """'= instead of +=': every cell that one term reaches is right, and every wrong one is reached
    by several (`coverage`: how many terms add up in each cell)."""
    got = np.asarray(got)
    if got.shape != expected.shape:
        return None
    wrong = ~np.isclose(got, expected, rtol=1e-8, atol=1e-8)
    once = np.broadcast_to(coverage == 1, wrong.shape)
    if once.any() and not (wrong & once).any() and wrong.any() and (wrong <= (coverage > 1)).all():
        return ("only cells that several windows reach are wrong: a cell's gradient is the sum over every "
                "window (and output channel) that reaches it, so add with +=, not =")
    return None


def _diag_scatter(x_shape, padding, pairs, swap_crop=False):
    """grad_x of x_shape from (padded row, padded column, n, c, value) contributions, padding cut off (with the
    slip of cutting pw rows and ph columns, if swap_crop)."""
    (ph, pw) = padding
    grad = np.zeros((x_shape[0], x_shape[1], x_shape[2] + 2 * ph, x_shape[3] + 2 * pw))
    for r, c, n, ch, value in pairs:
        grad[n, ch, r, c] += value
    return _diag_crop_swapped(grad, x_shape, padding) if swap_crop else grad[:, :, ph:ph + x_shape[2], pw:pw + x_shape[3]]


def _maxpool_back_variant(g, x, kernel, stride, padding, pad_value=-np.inf, pick="first", start=-np.inf,
                          unravel=None, scatter_stride=None, times_max=False, stop_early=False, swap_crop=False,
                          unbeaten="corner"):
    """The max-pooling gradient with one rule changed: the padding's value, which tied maximum wins
    ("first"/"last" in row-major order, "column" first in column-major order, "all", or "split": each
    tied one gets an equal share), the running maximum's start, the shape the window's flat argmax is
    unravelled with, the stride of the cells the gradient goes to, or a gradient times the maximum; "corner":
    the window's top-left cell gets it (the winner's place never updated); stop_early: the last output row and
    column pass nothing back (range(h_out - 1)); swap_crop: the padding cut off with ph and pw swapped; unbeaten:
    where a window's gradient goes when no value beats the start, the window's "corner", x_pad's "origin" (the
    winner's place started at (0, 0) of the image) or "nowhere"."""
    (kh, kw), (sh, sw) = kernel, stride
    (th, tw) = scatter_stride or stride
    xp = _diag_pad(x, padding, pad_value)
    pairs = []
    for n in range(g.shape[0]):
        for ch in range(g.shape[1]):
            for i in range(g.shape[2] - stop_early):
                for j in range(g.shape[3] - stop_early):
                    window = xp[n, ch, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    best = max(start, window.max())
                    cells = [(a, b) for a in range(kh) for b in range(kw) if window[a, b] == best]
                    if pick == "corner" or not cells and unbeaten == "corner":  # the winner stays at the corner
                        cells = [(0, 0)]
                    elif not cells and unbeaten == "origin":
                        cells = [(-i * th, -j * tw)]
                    if pick == "running":    # every value that beat the running maximum, as the scan met it
                        flat, seen = window.reshape(-1), np.maximum.accumulate(np.r_[start, window.reshape(-1)])[:-1]
                        cells = [divmod(int(k), kw) for k in np.flatnonzero(flat > seen)] or [(0, 0)]
                    elif pick == "last row":  # the maximum started again at each kernel row: the last row's first
                        cells = [(kh - 1, int(np.argmax(window[kh - 1])))]
                    if pick == "last":
                        cells = cells[-1:]
                    elif pick == "column":
                        cells = sorted(cells, key=lambda cell: (cell[1], cell[0]))[:1]
                    elif pick == "first":
                        cells = cells[:1]
                    if unravel is not None:
                        cells = [tuple(int(v) for v in np.unravel_index(int(np.argmax(window)), unravel))]
                    value = g[n, ch, i, j] * (best if times_max else 1.0) / (len(cells) if pick == "split" else 1)
                    pairs += [(i * th + a, j * tw + b, n, ch, value) for a, b in cells]
    return _diag_scatter(x.shape, padding, pairs, swap_crop)


def _maxpool_back_suspects(g, x, kernel, stride, padding):
    (kh, kw) = kernel
    variant = lambda **change: _maxpool_back_variant(g, x, kernel, stride, padding, **change)
    return [
        (_ZERO_SKIPPED, lambda: None if not np.any(x == 0) else
         _maxpool_back_variant(g, np.where(x == 0, -np.inf, x), kernel, stride, padding)),
        ("a tie goes to the last maximum (>= in the comparison): the first maximum in row-major order "
         "gets the gradient, as np.argmax picks it (keep the winner unless a value is strictly greater)",
         lambda: variant(pick="last")),
        ("every tied maximum gets the whole gradient: only the first one in row-major order does",
         lambda: variant(pick="all")),
        ("ties are broken in column-major order (the kernel-column loop outside the kernel-row loop): the "
         "first maximum in row-major order wins", lambda: variant(pick="column")),
        ("the window's flat argmax is split with (kw, kh) (np.unravel_index(k, (kw, kh)), or k // kh and k % kh); "
         "a window row holds kw cells: ki, kj = divmod(k, kw), as np.unravel_index(k, (kh, kw)) gives",
         lambda: None if kh == kw else variant(unravel=(kw, kh))),
        ("the maximum is searched in a zero-padded input: pad with -inf, so padding never wins",
         lambda: variant(pad_value=0.0)),
        ("the running maximum starts at 0, so in a window of negative values nothing wins and the corner "
         "gets the gradient: start at -inf (or at the window's first value)", lambda: variant(start=0.0)),
        *((_finite_start(start), lambda start=start, unbeaten=unbeaten: variant(start=start, unbeaten=unbeaten))
          for start in _FINITE_STARTS for unbeaten in ("corner", "origin", "nowhere")),
        ("the gradient is added inside `if v > best:`, so every value that beat the running maximum gets it as the "
         "scan meets it: only the window's maximum gets it; add once, after the loops over ki and kj, at the "
         "winner's place", lambda: variant(pick="running")),
        (_RESET_PER_ROW.format(value="maximum"), lambda: None if kh == 1 else variant(pick="last row")),
        (_COLUMNS_BY_SH, lambda: None if stride[0] == stride[1] else
         _maxpool_back_variant(g, x, kernel, (stride[0], stride[0]), padding)),
        ("the stride is missing where the gradient goes: the maximum of window (i, j) is at row i * sh + ki, "
         "column j * sw + kj of x_pad, not at i + ki, j + kj", lambda: None if tuple(stride) == (1, 1) else variant(scatter_stride=(1, 1))),
        ("tied maxima share the gradient: only the first one in row-major order gets it, whole (as "
         "np.argmax picks it)", lambda: variant(pick="split")),
        ("the gradient is multiplied by the maximum: max passes its gradient on unchanged, so the winning "
         "cell gets grad_out[n, c, i, j] itself", lambda: variant(times_max=True)),
        ("the gradient goes to the winner's place inside the window, (ki, kj), without the window's start: "
         "the maximum of window (i, j) is at row i * sh + ki, column j * sw + kj of x_pad",
         lambda: variant(scatter_stride=(0, 0))),
        ("the gradient lands ph rows and pw columns too far down and right: (i * sh + ki, j * sw + kj) is a "
         "coordinate of x_pad, not of x; add into grad_x_pad there and cut its padding off at the end (or into "
         "grad_x at row i * sh + ki - ph, column j * sw + kj - pw)",
         lambda: None if tuple(padding) == (0, 0) else _diag_shift(variant(), padding[0], padding[1])),
        ("the winner's place is never updated: when a cell beats the running maximum, keep its row and column "
         "too (best, best_row, best_col = value, row, col); as it is, every window's gradient goes to its "
         "top-left cell", lambda: variant(pick="corner")),
        ("the running maximum is not reset for each output position: start best = -inf (and the winner's "
         "place) inside the loop over j, so each window's gradient goes to that window's own maximum",
         lambda: _maxpool_back_not_reset(g, x, kernel, stride, padding)),
        (_BACK_STOPS_EARLY, lambda: variant(stop_early=True)),
        ("the padding is cut off with the axes swapped: grad_x_pad[:, :, ph:ph + height, pw:pw + width]",
         lambda: None if padding[0] == padding[1] else variant(swap_crop=True)),
    ]


_BACK_STOPS_EARLY = ("the last output row or column's gradient is never passed back: the loops run over every "
                     "output position, for i in range(h_out) and for j in range(w_out), not range(h_out - 1)")


def _maxpool_back_not_reset(g, x, kernel, stride, padding):
    """The max-pooling gradient when the running maximum and its place start once per image and channel,
    not once per window: each window's gradient goes to the largest cell seen so far (row-major)."""
    (kh, kw), (sh, sw) = kernel, stride
    xp = _diag_pad(x, padding, -np.inf)
    pairs = []
    for n in range(g.shape[0]):
        for ch in range(g.shape[1]):
            best, place = -np.inf, (0, 0)
            for i in range(g.shape[2]):
                for j in range(g.shape[3]):
                    for a in range(kh):
                        for b in range(kw):
                            if xp[n, ch, i * sh + a, j * sw + b] > best:
                                best, place = xp[n, ch, i * sh + a, j * sw + b], (i * sh + a, j * sw + b)
                    pairs.append((*place, n, ch, g[n, ch, i, j]))
    return _diag_scatter(x.shape, padding, pairs)


def _diag_avg_back_at(g, x, kernel, steps, padding):
    """The average-pooling gradient with windows at rows i * steps[0], columns j * steps[1], each cut the way a
    slice cuts it (a slice past the end is shorter)."""
    (kh, kw), (ph, pw) = kernel, padding
    grad = np.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * ph, x.shape[3] + 2 * pw))
    for i in range(g.shape[2]):
        for j in range(g.shape[3]):
            r, c = i * steps[0], j * steps[1]
            grad[:, :, r:r + kh, c:c + kw] += g[:, :, i, j, None, None] / (kh * kw)
    return grad[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]


def _avgpool_back_suspects(g, x, kernel, stride, padding):
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding

    def spread(rows, cols, share, steps=(sh, sw), stop_early=False):
        pairs = [(i * steps[0] + a, j * steps[1] + b, n, ch, share(n, ch, i, j))
                 for n in range(g.shape[0]) for ch in range(g.shape[1]) for i in range(g.shape[2] - stop_early)
                 for j in range(g.shape[3] - stop_early) for a in range(rows) for b in range(cols)]
        return _diag_scatter(x.shape, padding, pairs)

    real = _diag_pad(np.ones_like(x), padding)
    real_cells = lambda i, j: real[0, 0, i * sh:i * sh + kh, j * sw:j * sw + kw].sum()
    right_padded = lambda: _diag_avg_back_padded(g, x, kernel, stride, padding)
    return [
        (_PRECEDENCE.format(value="each cell's share", name="grad"), lambda: None if kh == kw else
         spread(kh, kw, lambda n, ch, i, j: g[n, ch, i, j] / kh * kw)),
        ("every cell gets the window's whole gradient: each of the kh * kw cells gets grad / (kh * kw)"
         + (" (grad / kh * kw is read as (grad / kh) * kw, the whole gradient for a square kernel)" if kh == kw else ""),
         lambda: spread(kh, kw, lambda n, ch, i, j: g[n, ch, i, j])),
        ("the gradient is shared over the real cells only (count_include_pad=False): every window divides by "
         "kh * kw, padding included", lambda: None if padding == (0, 0) else
         spread(kh, kw, lambda n, ch, i, j: g[n, ch, i, j] / real_cells(i, j) if real_cells(i, j) else 0.0)),
        ("the window is kw rows by kh columns: it covers rows i * sh .. i * sh + kh - 1 and columns "
         "j * sw .. j * sw + kw - 1", lambda: None if kh == kw else
         spread(kw, kh, lambda n, ch, i, j: g[n, ch, i, j] / (kh * kw))),
        *[(f"each cell's share is the gradient divided by {name}: a window holds kh * kw cells, so each gets "
           "grad / (kh * kw)", lambda area=area: None if area == kh * kw else
           spread(kh, kw, lambda n, ch, i, j: g[n, ch, i, j] / area))
          for name, area in (("kh * kh", kh * kh), ("kw * kw", kw * kw),
                             ("kh only (len(window) of a 2-D window counts its rows, and np.prod(kernel_size) of a "
                              "plain int kernel_size is that int)", kh))],
        (_STRIDE_AREA.format(value="each cell's share"), lambda: None if sh * sw == kh * kw else
         spread(kh, kw, lambda n, ch, i, j: g[n, ch, i, j] / (sh * sw))),
        (_COLUMNS_BY_SH, lambda: None if sh == sw else _diag_avg_back_at(g, x, kernel, (sh, sh), padding)),
        ("the padding is cut off with the axes swapped: grad_x_pad[:, :, ph:ph + height, pw:pw + width]",
         lambda: None if ph == pw else _diag_crop_swapped(right_padded(), x.shape, padding)),
        ("the padding is cut off at one end only: grad_x_pad[:, :, :height, :width] keeps the top and left "
         "padding and drops real rows and columns; cut ph and pw at each end, grad_x_pad[:, :, ph:ph + height, "
         "pw:pw + width]", lambda: None if padding == (0, 0) else right_padded()[:, :, :x.shape[2], :x.shape[3]]),
        ("the stride is missing where the gradient goes: window (i, j) covers rows i * sh .. i * sh + kh - 1 "
         "and columns j * sw .. j * sw + kw - 1 of x_pad, not rows from i and columns from j",
         lambda: None if (sh, sw) == (1, 1) else spread(kh, kw, lambda n, ch, i, j: g[n, ch, i, j] / (kh * kw), (1, 1))),
        ("the gradient lands ph rows and pw columns too far up and left: it is written into grad_x_pad at x's "
         "coordinates (the window's start minus the padding); window (i, j) covers rows i * sh .. i * sh + kh - 1 "
         "and columns j * sw .. j * sw + kw - 1 of grad_x_pad itself, whose padding is cut off once, at the end",
         lambda: None if padding == (0, 0) else _diag_shift(right_padded()[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]],
                                                            -ph, -pw)),
        (_CROP_END, lambda: None if padding == (0, 0) else right_padded()[:, :, ph:x.shape[2], pw:x.shape[3]]),
        (_BACK_STOPS_EARLY, lambda: spread(kh, kw, lambda n, ch, i, j: g[n, ch, i, j] / (kh * kw), stop_early=True)),
    ]


_CROP_END = ("the crop ends ph rows and pw columns short: grad_x_pad[:, :, ph:height, pw:width] stops at row height "
             "of grad_x_pad, but x's rows are ph .. ph + height - 1 there (its columns pw .. pw + width - 1); cut "
             "grad_x_pad[:, :, ph:ph + height, pw:pw + width]")


def _diag_shift(grad, rows, cols):
    """grad moved `rows` down and `cols` right (up and left when negative), zeros where nothing lands:
    a gradient written at coordinates off by the padding."""
    out = np.zeros_like(grad)
    height, width = grad.shape[2:]
    if abs(rows) >= height or abs(cols) >= width:
        return None
    out[:, :, max(rows, 0):height + min(rows, 0), max(cols, 0):width + min(cols, 0)] = \
        grad[:, :, max(-rows, 0):height + min(-rows, 0), max(-cols, 0):width + min(-cols, 0)]
    return out


def _diag_avg_back_padded(g, x, kernel, stride, padding):
    """The average-pooling gradient of the padded input (before the padding is cut off)."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    grad = np.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * ph, x.shape[3] + 2 * pw))
    for i in range(g.shape[2]):
        for j in range(g.shape[3]):
            grad[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += g[:, :, i:i + 1, j:j + 1] / (kh * kw)
    return grad


def _diag_crop_swapped(grad_pad, x_shape, padding):
    (ph, pw) = padding
    return grad_pad[:, :, pw:pw + x_shape[2], ph:ph + x_shape[3]]


_FACTORS_SWAPPED = ("grad_x and grad_w take each other's factor: out[n, co, i, j] += x_pad[n, ci, r, c] * "
                    "weight[co, ci, ki, kj], so the input cell's gradient adds g * weight[co, ci, ki, kj] and the "
                    "weight's adds g * x_pad[n, ci, r, c] (each factor's gradient is g times the other factor)")


# grad_x[n, ci, r, c] += ... at r = i * sh + ki, a row of x_pad (kept where r < height), or the same
# computed in grad_x_pad and cut with [:height, :width]: both give grad_x_pad's top-left corner.
_PADDED_COORDINATES = ("the gradient lands ph rows and pw columns too far down and right: row i * sh + ki, column "
                       "j * sw + kj is a place in x_pad, not in x (writing grad_x there, or cutting grad_x_pad[:, :, "
                       ":height, :width], keeps the padding's top and left and drops x's last rows and columns); add "
                       "into grad_x_pad and cut its padding off at the end, grad_x_pad[:, :, ph:ph + height, pw:pw + width]")


def _conv_back_suspects(g, x, w, stride, padding):
    """(grad_x suspects, grad_w suspects, grad_b suspects) of conv2d_backward_loops."""
    (sh, sw), (ph, pw), (kh, kw) = stride, padding, w.shape[2:]
    oh, ow = g.shape[2:]
    rows, cols = _diag_starts(oh, sh), _diag_starts(ow, sw)

    def grad_x_pad(weight, row_step=sh, col_step=sw):
        grad = np.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * ph, x.shape[3] + 2 * pw))
        for i in range(oh):
            for j in range(ow):
                r, c = i * row_step, j * col_step
                if r + kh > grad.shape[2] or c + kw > grad.shape[3]:
                    return None
                grad[:, :, r:r + kh, c:c + kw] += np.einsum("no,ocab->ncab", g[:, :, i, j], weight)
        return grad

    crop = lambda grad: None if grad is None else grad[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]

    def grad_w_from(xp, starts=(rows, cols)):
        windows = _diag_windows(xp, *starts, kh, kw)
        return None if windows is None else np.einsum("nohw,nchwab->ocab", g, windows)

    last = (g.shape[0] - 1, oh - 1, ow - 1)

    def grad_x_pad_factors_swapped():
        """Each cell of grad_x_pad gets g * x_pad (the weight's factor) from every window and channel over it."""
        xp, grad = _diag_pad(x, padding), np.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * ph, x.shape[3] + 2 * pw))
        for i in range(oh):
            for j in range(ow):
                r, c = i * sh, j * sw
                grad[:, :, r:r + kh, c:c + kw] += g[:, :, i, j].sum(axis=1)[:, None, None, None] * xp[:, :, r:r + kh, c:c + kw]
        return grad

    grad_x = [
        ("grad_x is scattered with the flipped kernel: the forward multiplied x_pad[n, ci, i * sh + ki, "
         "j * sw + kj] by weight[co, ci, ki, kj], so that cell gets grad_out[n, co, i, j] * weight[co, ci, ki, kj]",
         lambda: crop(grad_x_pad(w[:, :, ::-1, ::-1]))),
        ("the padding is cut off with the axes swapped: return grad_x_pad[:, :, ph:ph + height, pw:pw + width]",
         lambda: None if ph == pw else _diag_crop_swapped(grad_x_pad(w), x.shape, padding)),
        ("the strides are swapped: rows step by sh = stride[0], columns by sw = stride[1]",
         lambda: None if sh == sw else crop(grad_x_pad(w, sw, sh))),
        ("the stride is missing where grad_x is scattered: the forward read x_pad[n, ci, i * sh + ki, j * sw + kj], "
         "so that cell (not [i + ki, j + kj]) gets grad_out[n, co, i, j] * weight[co, ci, ki, kj]",
         lambda: None if (sh, sw) == (1, 1) else crop(grad_x_pad(w, 1, 1))),
        (_FACTORS_SWAPPED, lambda: crop(grad_x_pad_factors_swapped())),
        (_CROP_END, lambda: None if padding == (0, 0) else grad_x_pad(w)[:, :, ph:x.shape[2], pw:x.shape[3]]),
        (_PADDED_COORDINATES, lambda: None if padding == (0, 0) else grad_x_pad(w)[:, :, :x.shape[2], :x.shape[3]]),
    ]
    grad_w = [
        ("grad_w is taken from x at padded coordinates: the forward read x_pad, so grad_w[co, ci, ki, kj] sums "
         "grad_out[n, co, i, j] * x_pad[n, ci, i * sh + ki, j * sw + kj]",
         lambda: None if padding == (0, 0) else grad_w_from(_diag_pad(x, padding, corner=True))),
        ("grad_w holds only the last position's term: grad_w[co, ci, ki, kj] is a sum over every image and "
         "position, so add with +=, not =",
         lambda: np.einsum("o,cab->ocab", g[last[0], :, last[1], last[2]],
                           _diag_pad(x, padding)[last[0], :, last[1] * sh:last[1] * sh + kh,
                                                      last[2] * sw:last[2] * sw + kw])),
        ("the stride is missing where grad_w reads x_pad: the forward multiplied weight[co, ci, ki, kj] by "
         "x_pad[n, ci, i * sh + ki, j * sw + kj], not by x_pad[n, ci, i + ki, j + kj]",
         lambda: None if (sh, sw) == (1, 1) else grad_w_from(_diag_pad(x, padding), (_diag_starts(oh, 1), _diag_starts(ow, 1)))),
        ("grad_w is divided by the batch size: a sum over images and positions, not a mean (the loss already "
         "holds any mean)", lambda: None if g.shape[0] == 1 else grad_w_from(_diag_pad(x, padding)) / g.shape[0]),
        ("grad_w holds the last image's sum only: grad_w[co, ci, ki, kj] = total, set once per image, keeps the "
         "last one; it sums over every image as well, so add each image's total with += (or start the total once, "
         "outside the loop over n)", lambda: None if g.shape[0] == 1 else np.einsum(
             "ohw,chwab->ocab", g[-1], _diag_windows(_diag_pad(x, padding)[-1:], rows, cols, kh, kw)[0])),
        (_FACTORS_SWAPPED, lambda: w * g.sum(axis=(0, 2, 3))[:, None, None, None]),
        ("grad_w's kernel row and column are swapped where it reads x_pad: grad_w[co, ci, ki, kj] sums "
         "grad_out[n, co, i, j] * x_pad[n, ci, i * sh + ki, j * sw + kj] (kernel row ki with the row, kj with the "
         "column)", lambda: None if kh != kw else grad_w_from(_diag_pad(x, padding)).transpose(0, 1, 3, 2)),
    ]
    grad_b = [
        ("grad_b is zero: the bias gradient is grad_out summed over images and positions, whether or not "
         "the forward pass had a bias", lambda: np.zeros(w.shape[0])),
        ("grad_b is divided by the batch size: a sum over images and positions, not a mean "
         "(the loss already holds any mean)", lambda: g.sum(axis=(0, 2, 3)) / g.shape[0]),
        ("grad_b sums over the output channels too: each channel's bias gets the sum of its own channel of "
         "grad_out only, grad_b[co] += grad_out[n, co, i, j]",
         lambda: None if w.shape[0] == 1 else np.full(w.shape[0], g.sum())),
        ("grad_b keeps only the last term, grad_out[n, co, h_out - 1, w_out - 1] of the last image: it is a sum "
         "over every image n and position (i, j), so add grad_out[n, co, i, j] with += (not =), inside the loops "
         "over n, i and j", lambda: g[-1, :, -1, -1]),
        ("grad_b sums over the images only, for the last position: add grad_out[n, co, i, j] for every "
         "position (i, j) as well", lambda: g[:, :, -1, -1].sum(axis=0)),
        ("grad_b holds the last image's sum only: grad_b[co] = total, set once per image, keeps the last one; "
         "it sums over every image as well, so add each image's total with += (or start the total once, outside "
         "the loop over n)", lambda: None if g.shape[0] == 1 else g[-1].sum(axis=(1, 2))),
        ("grad_b is added once per kernel cell (inside the ki and kj loops): add grad_out[n, co, i, j] once "
         "per output position", lambda: g.sum(axis=(0, 2, 3)) * kh * kw),
        ("grad_b is added once per kernel cell and input channel (inside the ki, kj and ci loops): add "
         "grad_out[n, co, i, j] once per output position",
         lambda: None if x.shape[1] == 1 else g.sum(axis=(0, 2, 3)) * kh * kw * x.shape[1]),
        ("grad_b is added once per input channel (inside the ci loop): add grad_out[n, co, i, j] once per output "
         "position, outside the loops over ci, ki and kj", lambda: None if x.shape[1] == 1 else g.sum(axis=(0, 2, 3)) * x.shape[1]),
        ("grad_b[co] += grad_out[n, co, i, j] sits after the loop over j (one indent too few), so it adds the last "
         "column's term only: add it inside the loop over j", lambda: None if ow == 1 else g[..., -1].sum(axis=(0, 2))),
    ]
    return grad_x, grad_w, grad_b


def _diag_shape_hint(got, expected, name="grad_x", gradient=True):
    """A hint from the shape alone: an empty crop, or (for a gradient) the padded input's shape."""
    shape = np.shape(got)
    if shape != expected.shape and len(shape) == 4 and 0 in shape:
        return (f"{name} is empty: a crop like [ph:-ph] is empty when the padding is 0 (-0 is 0); cut the "
                "padding off with [ph:ph + height, pw:pw + width]")
    extra = [a - b for a, b in zip(shape[2:], expected.shape[2:])] if len(shape) == 4 == expected.ndim else []
    if gradient and shape[:2] == expected.shape[:2] and extra and min(extra) >= 0 and max(extra) > 0 \
            and all(e % 2 == 0 for e in extra):
        return (f"{name} still holds the padding ({shape[2]} x {shape[3]} is the padded input's height and width): "
                "return the gradient of x itself, grad_x_pad[:, :, ph:ph + height, pw:pw + width]")
    return None


# Exercise 9, receptive_field: an independent walk of the field, and the recurrence's common slips.

_RF_TYPE_HINT = ("a layer without kernel_size (a ReLU) has no kernel or stride to read: skip it; and a "
                 "kernel_size or stride may be a plain int: turn it into a pair first (_pair does it)")


def _field_by_intervals(configs):
    """Independent method: walk one output unit's input interval back through the layers, per axis.

    configs: (kernel, stride) pairs of (h, w) tuples, first layer first. A unit covering rows
    [lo, hi] of a layer's output covers [lo * s, hi * s + k - 1] of its (padded) input.
    """
    sizes = []
    for axis in range(2):
        lo, hi = 0, 0
        for kernel, stride in reversed(configs):
            lo, hi = lo * stride[axis], hi * stride[axis] + kernel[axis] - 1
        sizes.append(hi - lo + 1)
    return tuple(sizes)


def _field_slip(layers, got):
    """Which common slip of the recurrence gives `got` for `layers`, described as (kind, kernel,
    stride, padding) tuples, kind "conv", "maxpool", "avgpool" or "none" (no kernel_size); None if none does."""
    def walk(stack, grow, next_jump=lambda jump, s: jump * s, jump_first=False, start=1):
        field, jump = [start, start], [1, 1]
        for kind, kernel, stride, padding in stack:
            if kind == "none":
                continue
            for a in range(2):
                if jump_first:
                    jump[a] = next_jump(jump[a], stride[a])
                field[a] = grow(field[a], kernel[a], jump[a], padding[a])
                if not jump_first:
                    jump[a] = next_jump(jump[a], stride[a])
        return tuple(field)

    add = lambda field, k, jump, p: field + (k - 1) * jump
    first_none = next((i for i, layer in enumerate(layers) if layer[0] == "none"), len(layers))
    slips = [
        ("the loop stops at the first layer without kernel_size (a ReLU): skip such layers and go on",
         walk(layers[:first_none], add)),
        ("the jump is this layer's stride only: it is the product of the strides of every layer below",
         walk(layers, add, lambda jump, s: s)),
        ("the kernel sizes are multiplied: each layer adds (k - 1) * jump to the field",
         walk(layers, lambda field, k, jump, p: field * k)),
        ("the jump is multiplied by this layer's stride before its (k - 1) * jump is added: a layer's own "
         "stride only matters to the layers above it", walk(layers, add, jump_first=True)),
        ("height and width are swapped: the height grows with kh (kernel_size[0]), the width with kw",
         walk([(kind, k and k[::-1], s, p) for kind, k, s, p in layers], add)),
        ("only Conv2d layers count: a pooling window widens the field and its stride multiplies the jump too",
         walk([layer for layer in layers if layer[0] == "conv"], add)),
        ("padding widens the field: it does not, it only adds zeros around the input",
         walk(layers, lambda field, k, jump, p: field + (k - 1 + 2 * p) * jump)),
        ("the strides are ignored: the jump (how far apart neighbouring units of a layer look in the input) "
         "is multiplied by each layer's stride, and each layer adds (k - 1) * jump",
         walk(layers, add, lambda jump, s: jump)),
        ("each layer adds its whole kernel size: it adds k - 1 (times the jump), since one of its k cells "
         "is the one the field already counts", walk(layers, lambda field, k, jump, p: field + k * jump)),
        ("the field starts at 0: before any layer, a unit sees itself, one pixel, so start at field = 1 "
         "(and jump = 1)", walk(layers, add, start=0)),
        ("the layers are walked from the last to the first: the jump a layer's kernel is multiplied by comes "
         "from the strides of the layers before it (nearer the input), so go through them in the order they run "
         "(r = (r - 1) * s + k, applied from the first layer to the last, does the same: that formula walks from "
         "the output back to the input, from the last layer to the first)",
         walk(layers[::-1], add)),
        ("each layer adds (k - 1) times its own stride: it adds (k - 1) times the jump, the product of the strides "
         "of the layers before it (nearer the input); a layer's own stride only matters to the layers after it",
         walk(layers, add, lambda jump, s: s, jump_first=True)),
        ("the width is computed as the height: kernel_size[0] and stride[0] are the height's; the width grows with "
         "kernel_size[1] and stride[1], one axis at a time", (walk(layers, add)[0],) * 2),
        *[(f"{name} layers are skipped: every layer with a kernel_size (Conv2d, MaxPool2d, AvgPool2d) widens the "
           "field and multiplies the jump by its stride; skip only the layers without one",
           walk([layer for layer in layers if layer[0] != kind], add)) for kind, name in
          (("avgpool", "AvgPool2d"), ("maxpool", "MaxPool2d"))],
    ]
    return next((hint for hint, value in slips if value == tuple(got)), None)

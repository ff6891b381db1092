"""Honest answers in styles neither the reference nor the independent correct set uses score full
marks through the real grader (and keep the loop rule): the verdict must not depend on the style.

This set: plain Python in the loops, no numpy on windows at all. The output size by flooring a
true division; max pooling with the builtin max over a generator of the window's cells; average
pooling with the builtin sum over a list comprehension. The other exercises: the independent set.
"""
from __future__ import annotations

import pytest

import submissions_09 as subs
from tito_helpers import FAST, write_nb

if subs.MODULE is None:
    pytest.skip("src/09_convolutions does not exist", allow_module_level=True)

PLAIN_PYTHON = {
    "conv_output_size": """
import math
return math.floor((size + 2 * padding - kernel) / stride) + 1
""",
    "maxpool2d_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = max(x_pad[n, c, i * sh + a, j * sw + b] for a in range(kh) for b in range(kw))
return out
""",
    "avgpool2d_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                cells = [x_pad[n, c, i * sh + a, j * sw + b] for a in range(kh) for b in range(kw)]
                out[n, c, i, j] = sum(cells) / len(cells)
return out
""",
}


@pytest.mark.slow  # one grading of module 09
def test_plain_python_loops_score_full_marks(tmp_path):
    from tito import paths
    from tito.grading import grade
    nb = subs.build(PLAIN_PYTHON)
    report = grade.grade_submission(subs.MODULE, write_nb(nb, tmp_path / "plain.ipynb"), paths.package_dir(), FAST)
    failing = {item.id: item.message for item in report.items if item.status != "pass"}
    assert report.total == report.maximum == 48, failing


@pytest.mark.parametrize("function", ["maxpool2d_loops", "avgpool2d_loops"])
def test_plain_python_loops_keep_the_loop_rule(function):
    from test_loop_rule import verdict
    assert verdict(function, PLAIN_PYTHON[function]) is None


# Another style: at each output position, the window flattened and multiplied with the flattened
# filter by `@` (a dot product of two vectors, one window at a time), the bias added in the same
# statement. (np.einsum would be the same arithmetic, but the notebook's rule names it a shortcut.)
DOT = {
    "conv2d_loops": """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, co, i, j] = window.ravel() @ weight[co].ravel() + (0 if bias is None else bias[co])
return out
""",
}


def test_a_dot_product_per_window_keeps_the_loop_rule():
    from test_loop_rule import verdict
    assert verdict("conv2d_loops", DOT["conv2d_loops"]) is None


@pytest.mark.slow  # one grading of module 09
def test_a_dot_product_per_window_scores_full_marks(tmp_path):
    from tito import paths
    from tito.grading import grade
    report = grade.grade_submission(subs.MODULE, write_nb(subs.build(DOT), tmp_path / "dot.ipynb"),
                                    paths.package_dir(), FAST)
    failing = {item.id: item.message for item in report.items if item.status != "pass"}
    assert report.total == report.maximum == 48, failing


# Another style: counting with Python's own tools. The output size is the length of the range of
# window starts; the receptive field is the closed form 1 + sum over layers of (k - 1) times the
# product of the strides below (math.prod), one axis at a time, with ints and pairs read alike.
COUNTED = {
    "conv_output_size": """
return len(range(0, size + 2 * padding - kernel + 1, stride))     # every start whose window fits
""",
    "receptive_field": """
import math
def pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)
windows = [(pair(layer.kernel_size), pair(getattr(layer, "stride", 1))) for layer in layers
           if hasattr(layer, "kernel_size")]
return tuple(1 + sum((kernel[axis] - 1) * math.prod(stride[axis] for _, stride in windows[:index])
                     for index, (kernel, _) in enumerate(windows))
             for axis in (0, 1))
""",
}


@pytest.mark.slow  # one grading of module 09
def test_counting_with_range_and_a_closed_form_scores_full_marks(tmp_path):
    from tito import paths
    from tito.grading import grade
    report = grade.grade_submission(subs.MODULE, write_nb(subs.build(COUNTED), tmp_path / "counted.ipynb"),
                                    paths.package_dir(), FAST)
    failing = {item.id: item.message for item in report.items if item.status != "pass"}
    assert report.total == report.maximum == 48, failing


# H41: the receptive field with running height/width scalars and getattr(..., None) to skip a layer,
# He initialisation as a standard normal scaled by sqrt(2) / sqrt(fan_in) and cast to float32 (weight
# and bias), the output size through int(math.floor(...)).
SCALARS = {
    "conv_output_size": """
import math
return int(math.floor((size - kernel + 2 * padding) / stride)) + 1
""",
    "receptive_field": """
rf_h = rf_w = 1
jump_h = jump_w = 1
for layer in layers:
    k = getattr(layer, "kernel_size", None)
    if k is None:
        continue
    s = getattr(layer, "stride", 1)
    kh, kw = (k, k) if isinstance(k, int) else k
    sh, sw = (s, s) if isinstance(s, int) else s
    rf_h += (kh - 1) * jump_h
    rf_w += (kw - 1) * jump_w
    jump_h *= sh
    jump_w *= sw
return rf_h, rf_w
""",
    "Conv2d.__init__": """
kh, kw = self.kernel_size
fan_in = (self.in_channels // self.groups) * kh * kw
std = np.sqrt(2) / np.sqrt(fan_in)
w = get_rng().normal(size=(self.out_channels, self.in_channels // self.groups, kh, kw)) * std
self.weight = Tensor(w.astype(np.float32), requires_grad=True)
if bias:
    self.bias = Tensor(np.zeros(self.out_channels, dtype=np.float32), requires_grad=True)
else:
    self.bias = None
""",
}


@pytest.mark.slow  # one grading of module 09
def test_running_scalars_and_a_scaled_standard_normal_score_full_marks(tmp_path):
    from tito import paths
    from tito.grading import grade
    report = grade.grade_submission(subs.MODULE, write_nb(subs.build(SCALARS), tmp_path / "scalars.ipynb"),
                                    paths.package_dir(), FAST)
    failing = {item.id: item.message for item in report.items if item.status != "pass"}
    assert report.total == report.maximum == 48, failing


# H49: six more honest sets, each mixing styles over several exercises; every one scores full marks and
# its loop exercises keep the loop rule. (A version with while loops only, no for, is refused by clause 1
# as the notebook states it: not kept here.)
# WINDOW_FIRST: the window of every input channel cut once per position, then one np.sum(np.multiply(window, weight[co])) per output channel (loop order n, i, j, co); the running maximum started at the window's first cell; average pooling over itertools.product with an np.float64 accumulator; the output size with an early return for stride 1.
WINDOW_FIRST = {
    "conv2d_loops": """
for n in range(batch):
    for i in range(h_out):
        for j in range(w_out):
            r0, c0 = i * sh, j * sw
            window = x_pad[n, :, r0:r0 + kh, c0:c0 + kw]
            for co in range(c_out):
                value = np.sum(np.multiply(window, weight[co]))
                if bias is not None:
                    value = value + bias[co]
                out[n, co, i, j] = value
return out
""",
    "maxpool2d_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = x_pad[n, c, i * sh, j * sw]          # start from the window's first cell
                for ki in range(kh):
                    for kj in range(kw):
                        best = max(best, x_pad[n, c, i * sh + ki, j * sw + kj])
                out[n, c, i, j] = best
return out
""",
    "avgpool2d_loops": """
import itertools
area = float(kh * kw)
for n, c, i, j in itertools.product(range(batch), range(channels), range(h_out), range(w_out)):
    acc = np.float64(0.0)
    for ki, kj in itertools.product(range(kh), range(kw)):
        acc += x_pad[n, c, i * sh + ki, j * sw + kj]
    out[n, c, i, j] = acc / area
return out
""",
    "conv_output_size": """
if stride == 1:
    return size + 2 * padding - kernel + 1
return 1 + (size - kernel + 2 * padding) // stride
""",
}

# KERNEL_OUTSIDE: conv2d's backward with the kernel and channel loops outside the position loops (grad_b added once, on the first kernel cell) and the padding cut by x_pad's own shape, [ph:H_pad - ph]; max pooling's backward over np.ndindex with np.unravel_index; average pooling's backward multiplying by a precomputed 1 / (kh * kw) and returning a .copy(); the receptive field with a local helper, an early return and a while loop over an index; He weights as a scaled standard normal cast to float32, the bias float32 too.
KERNEL_OUTSIDE = {
    "conv2d_backward_loops": """
for ci in range(c_in):
    for ki in range(kh):
        for kj in range(kw):
            for n in range(batch):
                for co in range(c_out):
                    for i in range(h_out):
                        for j in range(w_out):
                            g = grad_out[n, co, i, j]
                            grad_x_pad[n, ci, sh * i + ki, sw * j + kj] += weight[co, ci, ki, kj] * g
                            grad_w[co, ci, ki, kj] += x_pad[n, ci, sh * i + ki, sw * j + kj] * g
                            if ci == 0 and ki == 0 and kj == 0:
                                grad_b[co] += g
grad_x = grad_x_pad[:, :, ph:grad_x_pad.shape[2] - ph, pw:grad_x_pad.shape[3] - pw]
return grad_x, grad_w, grad_b
""",
    "maxpool2d_backward_loops": """
for n, c, i, j in np.ndindex(batch, channels, h_out, w_out):
    window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
    ki, kj = np.unravel_index(np.argmax(window), window.shape)
    grad_x_pad[n, c, i * sh + ki, j * sw + kj] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""",
    "avgpool2d_backward_loops": """
inv = 1.0 / (kh * kw)
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            top = i * sh
            for j in range(w_out):
                left = j * sw
                grad_x_pad[n, c, top:top + kh, left:left + kw] += grad_out[n, c, i, j] * inv
return grad_x_pad[:, :, ph:ph + height, pw:pw + width].copy()
""",
    "receptive_field": """
def as_pair(v):
    if isinstance(v, int):
        return v, v
    return int(v[0]), int(v[1])

if not layers:
    return (1, 1)
rh, rw, jh, jw = 1, 1, 1, 1
index = 0
while index < len(layers):
    layer = layers[index]
    index += 1
    if getattr(layer, "kernel_size", None) is None:
        continue
    (kh, kw), (sh, sw) = as_pair(layer.kernel_size), as_pair(layer.stride)
    rh, rw = rh + (kh - 1) * jh, rw + (kw - 1) * jw
    jh, jw = jh * sh, jw * sw
return rh, rw
""",
    "Conv2d.__init__": """
rng = get_rng()
groups_in = self.in_channels // self.groups
fan_in = groups_in * kh * kw
w = rng.standard_normal((self.out_channels, groups_in, kh, kw)) * np.sqrt(2.0 / fan_in)
self.weight = Tensor(w.astype(np.float32), requires_grad=True)
self.bias = None
if bias:
    self.bias = Tensor(np.zeros((self.out_channels,), dtype=np.float32), requires_grad=True)
""",
}

# PER_CHANNEL: conv2d with float() of one channel's window product per step, the bias read before the position loops; average pooling by np.mean of the window; max pooling's backward splitting the flat argmax by // kw and % kw; conv2d's backward adding whole windows and whole kernels (grad_x_pad[n, :, r:r + kh, s:s + kw] += g * weight[co]); the output size by int(math.floor(... / stride + 1)).
PER_CHANNEL = {
    "conv2d_loops": """
for n in range(batch):
    for co in range(c_out):
        b = 0.0 if bias is None else float(bias[co])
        for i in range(h_out):
            for j in range(w_out):
                acc = b
                for ci in range(c_in):
                    acc += float((x_pad[n, ci, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[co, ci]).sum())
                out[n, co, i, j] = acc
return out
""",
    "avgpool2d_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = np.mean(x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw])
return out
""",
    "maxpool2d_backward_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                k = int(window.argmax())
                ki, kj = k // kw, k % kw
                grad_x_pad[n, c, i * sh + ki, j * sw + kj] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""",
    "conv2d_backward_loops": """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                r, s = i * sh, j * sw
                grad_x_pad[n, :, r:r + kh, s:s + kw] += g * weight[co]
                grad_w[co] += g * x_pad[n, :, r:r + kh, s:s + kw]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""",
    "conv_output_size": """
import math
return int(math.floor((size + 2 * padding - kernel) / stride + 1))
""",
}

# STARTS: the output size by divmod; conv2d looping over enumerate(range(0, h_out * sh, sh)) starts, np.dot of the raveled window and kernel into an np.float64 accumulator, the bias added by a second loop nest; max pooling collecting a window's values in a list made afresh, then a plain Python maximum from -math.inf; average pooling with math.fsum over a generator.
STARTS = {
    "conv_output_size": """
q, _ = divmod(size + 2 * padding - kernel, stride)
return q + 1
""",
    "conv2d_loops": """
for n in range(batch):
    for co in range(c_out):
        kernel = weight[co].ravel()
        for i, top in enumerate(range(0, h_out * sh, sh)):
            for j, left in enumerate(range(0, w_out * sw, sw)):
                acc = np.float64(0.0)
                acc += np.dot(x_pad[n, :, top:top + kh, left:left + kw].ravel(), kernel)
                out[n, co, i, j] = acc
if bias is not None:
    for n in range(batch):
        for co in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    out[n, co, i, j] += bias[co]
return out
""",
    "maxpool2d_loops": """
import math
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                values = []
                for ki in range(kh):
                    for kj in range(kw):
                        values.append(x_pad[n, c, i * sh + ki, j * sw + kj])
                best = -math.inf
                for v in values:
                    if v > best:
                        best = v
                out[n, c, i, j] = best
return out
""",
    "avgpool2d_loops": """
import math
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = math.fsum(x_pad[n, c, i * sh + a, j * sw + b]
                                            for a in range(kh) for b in range(kw)) / (kh * kw)
return out
""",
}

# REDUCED: the output size as the ceiling of the stride-1 count over the stride, -(-(n + 2p - k + 1) // s); max pooling's backward skipping zero gradients (continue) and tracking (value, ki, kj) from None; average pooling's backward over reversed ranges with x = x + share; conv2d's backward over itertools.product returning a parenthesised tuple; the receptive field by functools.reduce over (field, jump) pairs; He weights with keyword arguments and a float64 bias.
REDUCED = {
    "conv_output_size": """
return -(-(size + 2 * padding - kernel + 1) // stride)    # ceil of the stride-1 positions over the stride
""",
    "maxpool2d_backward_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, c, i, j]
                if g == 0:
                    continue
                best = None
                for ki in range(kh):
                    for kj in range(kw):
                        v = x_pad[n, c, i * sh + ki, j * sw + kj]
                        if best is None or v > best[0]:
                            best = (v, ki, kj)
                _, bi, bj = best
                grad_x_pad[n, c, i * sh + bi, j * sw + bj] += g
grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]
return grad_x
""",
    "avgpool2d_backward_loops": """
for n in reversed(range(batch)):
    for c in reversed(range(channels)):
        for i in reversed(range(h_out)):
            for j in reversed(range(w_out)):
                share = grad_out[n, c, i, j] / float(kh * kw)
                for ki in range(kh):
                    for kj in range(kw):
                        grad_x_pad[n, c, i * sh + ki, j * sw + kj] = grad_x_pad[n, c, i * sh + ki, j * sw + kj] + share
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""",
    "conv2d_backward_loops": """
import itertools
for n, co, i, j in itertools.product(range(batch), range(c_out), range(h_out), range(w_out)):
    g = grad_out[n, co, i, j]
    grad_b[co] += g
    for ci, ki, kj in itertools.product(range(c_in), range(kh), range(kw)):
        r = i * sh + ki
        c = j * sw + kj
        grad_x_pad[n, ci, r, c] += weight[co, ci, ki, kj] * g
        grad_w[co, ci, ki, kj] += x_pad[n, ci, r, c] * g
return (grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b)
""",
    "receptive_field": """
import functools
def step(state, layer):
    (rh, rw), (jh, jw) = state
    if not hasattr(layer, "kernel_size"):
        return state
    k, s = layer.kernel_size, layer.stride
    kh, kw = (k, k) if isinstance(k, int) else k
    sh, sw = (s, s) if isinstance(s, int) else s
    return (rh + (kh - 1) * jh, rw + (kw - 1) * jw), (jh * sh, jw * sw)
field, _ = functools.reduce(step, layers, ((1, 1), (1, 1)))
return tuple(field)
""",
    "Conv2d.__init__": """
c_in_g = self.in_channels // self.groups
n_in = c_in_g * self.kernel_size[0] * self.kernel_size[1]
self.weight = Tensor(get_rng().normal(loc=0, scale=(2 / n_in) ** 0.5, size=(self.out_channels, c_in_g) + tuple(self.kernel_size)),
                     requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels, dtype=np.float64), requires_grad=True) if bias is True else None
""",
}

# CHAINED: chained subscripts (x_pad[n][ci][r][c], out[n][co][i][j]) in conv2d and its backward, a generator sum with the bias in the same statement, kh and kw read again from weight.shape[-2:]; max pooling by np.max of a slice of the plane x_pad[n, c]; average pooling dividing by window.size; grad_b[co] = grad_b[co] + g; the backward's row and column named in their own loops.
CHAINED = {
    "conv2d_loops": """
k_h, k_w = weight.shape[-2:]
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n][co][i][j] = sum(x_pad[n][ci][i * sh + a][j * sw + b] * weight[co][ci][a][b]
                                       for ci in range(c_in) for a in range(k_h) for b in range(k_w)) \\
                    + (bias[co] if bias is not None else 0.0)
return out
""",
    "maxpool2d_loops": """
for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c]
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = np.max(plane[i * sh:i * sh + kh, j * sw:j * sw + kw])
return out
""",
    "avgpool2d_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:(i * sh) + kh, j * sw:(j * sw) + kw]
                out[n, c, i, j] = window.sum() / window.size
return out
""",
    "conv2d_backward_loops": """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                grad_b[co] = grad_b[co] + grad_out[n, co, i, j]
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            grad_x_pad[n][ci][i * sh + ki][j * sw + kj] += grad_out[n][co][i][j] * weight[co][ci][ki][kj]
                            grad_w[co][ci][ki][kj] += grad_out[n][co][i][j] * x_pad[n][ci][i * sh + ki][j * sw + kj]
out_h, out_w = ph + height, pw + width
return grad_x_pad[:, :, ph:out_h, pw:out_w], grad_w, grad_b
""",
    "avgpool2d_backward_loops": """
cells = kh * kw
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    row = i * sh + ki
                    for kj in range(kw):
                        col = j * sw + kj
                        grad_x_pad[n, c, row, col] += grad_out[n, c, i, j] / cells
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""",
}

H49_SETS = {"WINDOW_FIRST": WINDOW_FIRST, "KERNEL_OUTSIDE": KERNEL_OUTSIDE, "PER_CHANNEL": PER_CHANNEL, "STARTS": STARTS, "REDUCED": REDUCED, "CHAINED": CHAINED}

LOOP_EXERCISES = ("conv2d_loops", "conv2d_backward_loops", "maxpool2d_loops", "maxpool2d_backward_loops",
                  "avgpool2d_loops", "avgpool2d_backward_loops")


@pytest.mark.parametrize("name, function", [(name, function) for name, bodies in H49_SETS.items()
                                            for function in bodies if function in LOOP_EXERCISES])
def test_h49_honest_loops_keep_the_loop_rule(name, function):
    from test_loop_rule import verdict
    assert verdict(function, H49_SETS[name][function]) is None


@pytest.mark.slow  # one grading of module 09 per set
@pytest.mark.parametrize("name", list(H49_SETS))
def test_h49_honest_sets_score_full_marks(name, tmp_path):
    from tito import paths
    from tito.grading import grade
    report = grade.grade_submission(subs.MODULE, write_nb(subs.build(H49_SETS[name]), tmp_path / f"{name}.ipynb"),
                                    paths.package_dir(), FAST)
    failing = {item.id: item.message for item in report.items if item.status != "pass"}
    assert report.total == report.maximum == 48, failing


# H56: three honest styles the loop rule refused, each graded through the real grader before the fix:
# - a window's whole index named once, `win = np.s_[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]` (or a tuple of
#   slices), then `x_pad[win]` / `grad_x_pad[win] += ...`: 16 of 48 (every loop exercise but avgpool2d_backward_loops
#   lost its points);
# - border clips written as elif chains (`if top < 0: r0 = 0` / `elif top > height: r0 = height` / `else: r0 = top`),
#   or as an if inside the else, on the unpadded image: 32 of 48 (conv2d_loops, maxpool2d_loops, avgpool2d_loops);
# - a scratch array made by np.zeros(0) and resized in place (`buf.resize(kh * kw, refcheck=False)`): 40 of 48
#   (conv2d_loops: the weight's sizes were no window's any more).
# All three: 48 of 48 after.
H56_NAMED_WINDOWS = {
    "conv2d_loops": """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                win = np.s_[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                total = np.sum(x_pad[win] * weight[co])
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""",
    "conv2d_backward_loops": """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                win = np.s_[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                grad_x_pad[win] += g * weight[co]
                grad_w[co] += g * x_pad[win]
                grad_b[co] += g
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""",
    "maxpool2d_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                win = np.s_[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = x_pad[win].max()
return out
""",
    "avgpool2d_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                r0, c0 = i * sh, j * sw
                win = (n, c, slice(r0, r0 + kh), slice(c0, c0 + kw))
                out[n, c, i, j] = x_pad[win].sum() / (kh * kw)
return out
""",
    "maxpool2d_backward_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                win = np.s_[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                window = x_pad[win]
                ki, kj = np.unravel_index(np.argmax(window), window.shape)
                grad_x_pad[n, c, i * sh + ki, j * sw + kj] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""",
    "avgpool2d_backward_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                r0, c0 = i * sh, j * sw
                win = (n, c, slice(r0, r0 + kh), slice(c0, c0 + kw))
                grad_x_pad[win] += grad_out[n, c, i, j] / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""",
}

H56_ELIF_CLIPS = {
    "conv2d_loops": """
height, width = x.shape[2:]
ph, pw = padding
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                top, left = i * sh - ph, j * sw - pw
                if top < 0:
                    r0 = 0
                elif top > height:
                    r0 = height
                else:
                    r0 = top
                if top + kh > height:
                    r1 = height
                elif top + kh < 0:
                    r1 = 0
                else:
                    r1 = top + kh
                if left < 0:
                    c0 = 0
                elif left > width:
                    c0 = width
                else:
                    c0 = left
                if left + kw > width:
                    c1 = width
                elif left + kw < 0:
                    c1 = 0
                else:
                    c1 = left + kw
                total = np.sum(x[n, :, r0:r1, c0:c1] * weight[co, :, r0 - top:r1 - top, c0 - left:c1 - left])
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""",
    "maxpool2d_loops": """
height, width = x.shape[2:]
ph, pw = padding
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                top, left = i * sh - ph, j * sw - pw
                if top < 0:
                    r0 = 0
                else:
                    if top > height:
                        r0 = height
                    else:
                        r0 = top
                if top + kh > height:
                    r1 = height
                else:
                    if top + kh < 0:
                        r1 = 0
                    else:
                        r1 = top + kh
                if left < 0:
                    c0 = 0
                else:
                    if left > width:
                        c0 = width
                    else:
                        c0 = left
                if left + kw > width:
                    c1 = width
                else:
                    if left + kw < 0:
                        c1 = 0
                    else:
                        c1 = left + kw
                out[n, c, i, j] = x[n, c, r0:r1, c0:c1].max()
return out
""",
    "avgpool2d_loops": """
height, width = x.shape[2:]
ph, pw = padding
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                top, left = i * sh - ph, j * sw - pw
                if top < 0:
                    r0 = 0
                elif top > height:
                    r0 = height
                else:
                    r0 = top
                if top + kh > height:
                    r1 = height
                elif top + kh < 0:
                    r1 = 0
                else:
                    r1 = top + kh
                if left < 0:
                    c0 = 0
                elif left > width:
                    c0 = width
                else:
                    c0 = left
                if left + kw > width:
                    c1 = width
                elif left + kw < 0:
                    c1 = 0
                else:
                    c1 = left + kw
                out[n, c, i, j] = x[n, c, r0:r1, c0:c1].sum() / (kh * kw)
return out
""",
}

H56_SCRATCH = {
    "conv2d_loops": """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ci in range(c_in):
                    window = x_pad[n, ci, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    buf = np.zeros(0)
                    buf.resize(kh * kw, refcheck=False)
                    for ki in range(kh):
                        for kj in range(kw):
                            buf[ki * kw + kj] = window[ki, kj] * weight[co, ci, ki, kj]
                    total += buf.sum()
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""",
}

H56_SETS = {"H56_NAMED_WINDOWS": H56_NAMED_WINDOWS, "H56_ELIF_CLIPS": H56_ELIF_CLIPS, "H56_SCRATCH": H56_SCRATCH}


@pytest.mark.parametrize("name, function", [(name, function) for name, bodies in H56_SETS.items() for function in bodies])
def test_h56_honest_loops_keep_the_loop_rule(name, function):
    from test_loop_rule import verdict
    assert verdict(function, H56_SETS[name][function]) is None


@pytest.mark.slow  # one grading of module 09 per set
@pytest.mark.parametrize("name", list(H56_SETS))
def test_h56_honest_sets_score_full_marks(name, tmp_path):
    from tito import paths
    from tito.grading import grade
    report = grade.grade_submission(subs.MODULE, write_nb(subs.build(H56_SETS[name]), tmp_path / f"{name}.ipynb"),
                                    paths.package_dir(), FAST)
    failing = {item.id: item.message for item in report.items if item.status != "pass"}
    assert report.total == report.maximum == 48, failing


# H59: conv2d_loops collecting one product per element of a window per channel, `window = x_pad[n, ci, ...]` in the
# loop over ci and `products[k] = window[ki, kj] * weight[co, ci, ki, kj]` with a counter k across the channels, then
# `products.sum()`: graded 40/48 before (loop rule 5: products taken for a copy of the image), 48/48 after.
@pytest.mark.slow  # one grading of module 09
def test_h59_a_window_per_channel_collected_by_a_counter_scores_full_marks(tmp_path):
    from test_loop_rule import H59_PER_CHANNEL
    from tito import paths
    from tito.grading import grade
    report = grade.grade_submission(subs.MODULE, write_nb(subs.build({"conv2d_loops": H59_PER_CHANNEL}),
                                                          tmp_path / "per_channel.ipynb"), paths.package_dir(), FAST)
    failing = {item.id: item.message for item in report.items if item.status != "pass"}
    assert report.total == report.maximum == 48, failing
# H58: five more honest sets. Refused as the notebook's rule states it, with a message naming the rule, and not
# kept: np.einsum on one window (clause 3), a helper function defined inside a loop exercise or conv_output_size
# (clause 3), `from itertools import product` inside the function (clause 5: import it at the module's top, or
# call itertools.product; the message said "give your own product another name" and now says that), and
# np.float32(-np.inf) computed before the loops (clause 2; made inside the loops it is kept below).
# WHILE_INSIDE: for loops over output positions, while loops over the kernel offsets inside (conv2d and
# average pooling), the output size as (span + stride) // stride, and conv2d's backward with the kernel
# walked by while loops too.
WHILE_INSIDE = {
    "conv_output_size": """
span = size + 2 * padding - kernel
return (span + stride) // stride
""",
    "conv2d_loops": """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                acc = 0.0 if bias is None else float(bias[co])
                ki = 0
                while ki < kh:
                    kj = 0
                    while kj < kw:
                        for ci in range(c_in):
                            acc += x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj]
                        kj += 1
                    ki += 1
                out[n, co, i, j] = acc
return out
""",
    "avgpool2d_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                s, ki = 0.0, 0
                while ki < kh:
                    kj = 0
                    while kj < kw:
                        s += x_pad[n, c, i * sh + ki, j * sw + kj]
                        kj += 1
                    ki += 1
                out[n, c, i, j] = s / (kh * kw)
return out
""",
    "conv2d_backward_loops": """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                ki = 0
                while ki < kh:
                    kj = 0
                    while kj < kw:
                        r, c = i * sh + ki, j * sw + kj
                        for ci in range(c_in):
                            grad_x_pad[n, ci, r, c] += weight[co, ci, ki, kj] * g
                            grad_w[co, ci, ki, kj] += x_pad[n, ci, r, c] * g
                        kj += 1
                    ki += 1
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""",
}

# ENUMERATED: positions from np.ndenumerate of the output (max pooling, with np.amax of the window) and of
# grad_out (average pooling's backward, a whole window's share added as np.full((kh, kw), share));
# max pooling's backward over itertools.product (imported as the module) with the winner from np.flatnonzero(window == window.max())[0];
# the output size by counting the starts with a generator.
ENUMERATED = {
    "conv_output_size": """
return sum(1 for _ in range(0, size + 2 * padding - kernel + 1, stride))
""",
    "maxpool2d_loops": """
for (n, c, i, j), _ in np.ndenumerate(out):
    out[n, c, i, j] = np.amax(x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw])
return out
""",
    "avgpool2d_backward_loops": """
area = kh * kw
for (n, c, i, j), g in np.ndenumerate(grad_out):
    grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += np.full((kh, kw), g / area)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""",
    "maxpool2d_backward_loops": """
import itertools
for n, c, i, j in itertools.product(range(batch), range(channels), range(h_out), range(w_out)):
    window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
    k = np.flatnonzero(window == window.max())[0]      # the first maximum, row-major
    grad_x_pad[n, c, i * sh + k // kw, j * sw + k % kw] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""",
}

# HELPERS: the receptive field by a recursive helper defined inside the exercise (one layer at a time,
# ints and pairs alike); Conv2d.__init__ with a local helper drawing float32 He weights
# (Generator.standard_normal(dtype=np.float32)) and math.prod for fan_in, the bias float32 too.
HELPERS = {
    "receptive_field": """
def as_pair(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))

def grow(rest, field, jump):
    if not rest:
        return field
    layer = rest[0]
    if not hasattr(layer, "kernel_size"):
        return grow(rest[1:], field, jump)
    k, s = as_pair(layer.kernel_size), as_pair(layer.stride)
    return grow(rest[1:], tuple(f + (kk - 1) * jj for f, kk, jj in zip(field, k, jump)),
                tuple(jj * ss for jj, ss in zip(jump, s)))

return grow(list(layers), (1, 1), (1, 1))
""",
    "Conv2d.__init__": """
def he_normal(shape):
    fan_in = math.prod(shape[1:])              # inputs of one output value: (C_in / groups) * kh * kw
    std = np.float32(math.sqrt(2.0 / fan_in))
    return get_rng().standard_normal(shape, dtype=np.float32) * std

self.weight = Tensor(he_normal((self.out_channels, self.in_channels // self.groups, kh, kw)), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels, dtype=np.float32), requires_grad=True) if bias else None
""",
}

# FLOAT32_MAX: max pooling with a float32 -inf start made in the loops (a maximum is exact in any dtype) and a
# conditional expression; average pooling's backward through reversed kernel loops with
# the share computed once per window; conv2d with np.vdot of one window and one filter.
FLOAT32_MAX = {
    "maxpool2d_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                m = np.float32(-np.inf)
                for ki in range(kh):
                    for kj in range(kw):
                        v = x_pad[n, c, i * sh + ki, j * sw + kj]
                        m = v if v > m else m
                out[n, c, i, j] = m
return out
""",
    "conv2d_loops": """
for n in range(batch):
    for i in range(h_out):
        for j in range(w_out):
            for co in range(c_out):
                win = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                val = np.vdot(win, weight[co])
                out[n, co, i, j] = val if bias is None else val + bias[co]
return out
""",
    "avgpool2d_backward_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                share = grad_out[n, c, i, j] / (kh * kw)
                for ki in reversed(range(kh)):
                    for kj in reversed(range(kw)):
                        grad_x_pad[n, c, i * sh + ki, j * sw + kj] += share
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""",
    "conv_output_size": """
import operator
return operator.floordiv(size + 2 * padding - kernel, stride) + 1
""",
}

# BOUNDS_CHECKED: conv2d reading x itself with bounds checks instead of x_pad (the padding is zeros:
# cells outside x add nothing), its backward writing grad_x the same way (no crop), average pooling
# reading x with bounds checks and dividing by kh * kw, and the receptive field from the interval an
# output unit covers, walked back from the last layer.
BOUNDS_CHECKED = {
    "conv2d_loops": """
ph, pw = padding
height, width = x.shape[2], x.shape[3]
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ci in range(c_in):
                    for ki in range(kh):
                        r = i * sh + ki - ph
                        if r < 0 or r >= height:
                            continue
                        for kj in range(kw):
                            c = j * sw + kj - pw
                            if 0 <= c < width:
                                total += x[n, ci, r, c] * weight[co, ci, ki, kj]
                out[n, co, i, j] = total + (bias[co] if bias is not None else 0.0)
return out
""",
    "conv2d_backward_loops": """
grad_x = np.zeros_like(x, dtype=dtype)
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            r, c = i * sh + ki - ph, j * sw + kj - pw
                            if 0 <= r < height and 0 <= c < width:
                                grad_x[n, ci, r, c] += g * weight[co, ci, ki, kj]
                                grad_w[co, ci, ki, kj] += g * x[n, ci, r, c]
return grad_x, grad_w, grad_b
""",
    "avgpool2d_loops": """
ph, pw = padding
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        r, s = i * sh + ki - ph, j * sw + kj - pw
                        if 0 <= r < x.shape[2] and 0 <= s < x.shape[3]:
                            total += x[n, c, r, s]
                out[n, c, i, j] = total / (kh * kw)
return out
""",
    "receptive_field": """
lo, hi = [0, 0], [0, 0]
for layer in reversed(layers):
    if not hasattr(layer, "kernel_size"):
        continue
    k, s = layer.kernel_size, layer.stride
    k = (k, k) if isinstance(k, int) else k
    s = (s, s) if isinstance(s, int) else s
    for a in (0, 1):
        lo[a], hi[a] = lo[a] * s[a], hi[a] * s[a] + k[a] - 1
return (hi[0] - lo[0] + 1, hi[1] - lo[1] + 1)
""",
}

H58_SETS = {"WHILE_INSIDE": WHILE_INSIDE, "ENUMERATED": ENUMERATED, "HELPERS": HELPERS, "FLOAT32_MAX": FLOAT32_MAX,
            "BOUNDS_CHECKED": BOUNDS_CHECKED}


@pytest.mark.parametrize("name, function", [(name, function) for name, bodies in H58_SETS.items()
                                            for function in bodies if function in LOOP_EXERCISES])
def test_h58_honest_loops_keep_the_loop_rule(name, function):
    from test_loop_rule import verdict
    assert verdict(function, H58_SETS[name][function]) is None


@pytest.mark.slow  # one grading of module 09 per set
@pytest.mark.parametrize("name", list(H58_SETS))
def test_h58_honest_sets_score_full_marks(name, tmp_path):
    from tito import paths
    from tito.grading import grade
    report = grade.grade_submission(subs.MODULE, write_nb(subs.build(H58_SETS[name]), tmp_path / f"{name}.ipynb"),
                                    paths.package_dir(), FAST)
    failing = {item.id: item.message for item in report.items if item.status != "pass"}
    assert report.total == report.maximum == 48, failing


# `tito test 09` on the same bodies: every exported name of module 09 passes its tests. Three notebooks hold
# the five sets (an exercise in two sets goes to two notebooks), the other exercises the reference's.
H58_TITO_TEST = {
    "while, enumerated, helpers": {**ENUMERATED, **WHILE_INSIDE, **HELPERS},
    "bounds checked, float32 max": {**BOUNDS_CHECKED, **{k: v for k, v in FLOAT32_MAX.items() if k != "conv2d_loops"}},
    "vdot conv, counted size": {"conv2d_loops": FLOAT32_MAX["conv2d_loops"], "conv_output_size": ENUMERATED["conv_output_size"]},
}


def test_h58_tito_test_notebooks_hold_every_body():
    held = {(function, body) for bodies in H58_TITO_TEST.values() for function, body in bodies.items()}
    assert held == {(function, body) for bodies in H58_SETS.values() for function, body in bodies.items()}


@pytest.mark.slow  # module 09's whole suite per notebook, about two minutes each
@pytest.mark.parametrize("name", list(H58_TITO_TEST))
def test_h58_honest_sets_pass_tito_test(name, tmp_path):
    import re
    import shutil

    from tito_helpers import ROOT, by_number, make_repo, tito
    module = by_number("09")
    repo = make_repo(tmp_path, [module])
    shutil.copytree(ROOT / "tests" / "helpers", repo / "tests" / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    write_nb(subs.build(H58_TITO_TEST[name]), repo / "modules" / module.slug / f"{module.slug}.ipynb")
    assert tito(repo, "export", "09").returncode == 0
    result = tito(repo, "test", "09", timeout=900)
    lines = [line for line in result.stdout.split("\n") if re.match(r"  (ok|FAIL|-) ", line)]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert len(lines) >= 30 and all(line.startswith("  ok") for line in lines), result.stdout

# Round 28's hunt: honest spellings the loop rule refused (each cost its item with a false message), one set
# graded end to end; tests/grading/test_loop_rule.py keeps them with the attacks near them.
R28_SPELLINGS = {
    "conv2d_loops": """
*_, KH, KW = weight.shape
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
                out[n, co, i, j] = np.sum(window * weight[co]) + (bias[co] if bias is not None else 0.0)
return out
""",
    "conv2d_backward_loops": """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                gx = grad_x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                gx += g * weight[co]
                grad_w[co] += g * x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                grad_b[co] += g
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""",
    "maxpool2d_loops": """
for n in range(batch):
    for c in range(channels):
        plane, dest = x_pad[n, c], out[n, c]
        for i in range(h_out):
            for j in range(w_out):
                dest[i, j] = plane[i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
""",
    "maxpool2d_backward_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].copy()
                k = window.argmax()
                grad_x_pad[n, c, i * sh + k // kw, j * sw + k % kw] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""",
    "avgpool2d_backward_loops": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                gwin = grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                gwin += grad_out[n, c, i, j] / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""",
}


@pytest.mark.parametrize("function", list(R28_SPELLINGS))
def test_r28_honest_spellings_keep_the_loop_rule(function):
    from test_loop_rule import verdict
    assert verdict(function, R28_SPELLINGS[function]) is None


@pytest.mark.slow  # one grading of module 09
def test_r28_honest_spellings_score_full_marks(tmp_path):
    from tito import paths
    from tito.grading import grade
    report = grade.grade_submission(subs.MODULE, write_nb(subs.build(R28_SPELLINGS), tmp_path / "r28.ipynb"),
                                    paths.package_dir(), FAST)
    failing = {item.id: item.message for item in report.items if item.status != "pass"}
    assert report.total == report.maximum == 48, failing

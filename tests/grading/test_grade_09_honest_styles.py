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

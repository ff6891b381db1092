"""Every branch of the vectorized convolution's fast path, on both sides of its condition and on
the boundary, against the numpy oracle in float64 (issue #27).

The fast path chooses between ways of computing the same numbers by shape:

- the layout of the columns, channels-last or channels-first: kw * C >= W_out picks
  channels-last. The input gradient's per-offset GEMM (channels-last) and col2im must agree on
  it, so it is tested on both sides and at equality, with C = C_in, for the col2im path;
- the input gradient as a "full" convolution of the output gradient (stride 1, padding < kernel
  on both axes, C_out <= C_in) or by col2im; the full convolution's own columns have
  kw * C_out against W (the input's width). Each of the five parts of the condition is failed
  alone at its boundary (padding == kernel, C_out == C_in + 1, stride 2 on one axis), and met at
  its boundary (padding == kernel - 1, C_out == C_in);
- with groups: depthwise (one input channel per group, multiplier 1 or 2) by kh*kw multiply-adds,
  else one GEMM per group; "same" with an even span pads one more row (column) at the bottom
  (right), on rows only, columns only, both or neither, on both of those paths.

The case tables state the rule's margins by formula (not by calling the code under test), and
test_the_tables_cover_both_sides_and_the_boundary_of_every_condition keeps them complete; a test
per case checks that the code still takes the path the table names, so a change of the rules
shows up here instead of leaving a path untested. Values and all three gradients are checked
against the numpy oracles of oracles.py (never the student's loops, which a slip of theirs would
turn into a fast-path failure) in float64 at 1e-12, with the input in NCHW and in channels-last
memory (the layout of every Conv2d output), and the two shapes the audit found against torch as well.
"""
import numpy as np
import oracles
import pytest

from tinytorch.core import spatial
from tinytorch.core.spatial import Conv2d
from tinytorch.core.tensor import Tensor

EXACT = dict(rtol=1e-12, atol=1e-12)   # float64 against float64: rounding only
LAYOUTS = ["NCHW input", "channels-last input"]


def channels_last(array):
    """The same (N, C, H, W) values held channels-last in memory, as a Conv2d output is."""
    return array.transpose(0, 2, 3, 1).copy().transpose(0, 3, 1, 2)


def out_size(n, k, s, before, after, d=1):
    return (n + before + after - d * (k - 1) - 1) // s + 1


# ---------------------------------------------------------------- the path rules, by formula

def plain_margins(shape, c_out, kernel, stride, padding):
    """The quantities the plain (no options) path decides on, for a case of PLAIN_CASES."""
    (_, c_in, _, w), (kh, kw), (_, sw), (ph, pw) = shape, kernel, stride, padding
    w_out = out_size(w, kw, sw, pw, pw)
    full = stride == (1, 1) and ph < kh and pw < kw and c_out <= c_in
    return dict(w_out=w_out, full=full,
                columns=kw * c_in - w_out,          # >= 0: channels-last columns, per-offset GEMM, col2im
                full_columns=kw * c_out - w)        # >= 0: the full convolution's columns channels-last


# (id, x shape, C_out, kernel, stride, padding)
PLAIN_CASES = [
    # col2im path (C_out > C_in): kw*C_in against W_out on both sides and at equality
    ("col2im kw*C_in = W_out - 1", (1, 2, 5, 9), 3, (3, 3), (1, 1), (0, 0)),
    ("col2im kw*C_in = W_out", (2, 2, 5, 8), 3, (3, 3), (1, 1), (0, 0)),
    ("col2im kw*C_in = W_out + 1", (1, 2, 5, 7), 3, (3, 3), (1, 1), (0, 0)),
    ("col2im kw*C_in < W_out <= kw*C_out: Conv2d(2, 8, 3) on 12x12", (1, 2, 12, 12), 8, (3, 3), (1, 1), (0, 0)),
    ("col2im padding 1 kw*C_in = W_out", (2, 2, 4, 6), 5, (3, 3), (1, 1), (1, 1)),
    # col2im path by stride, fewer output channels: the same three sides
    ("stride 2 kw*C_in = W_out - 1", (1, 3, 6, 14), 2, (2, 2), (2, 2), (0, 0)),
    ("stride 2 kw*C_in = W_out", (2, 3, 5, 12), 2, (2, 2), (2, 2), (0, 0)),
    ("stride 2 kw*C_in = W_out + 1", (1, 3, 6, 10), 2, (2, 2), (2, 2), (0, 0)),
    ("stride (2,1) kw*C_out < W_out <= kw*C_in", (1, 4, 7, 9), 1, (3, 2), (2, 1), (1, 0)),
    # the full-convolution condition: each part failed alone at its boundary ...
    ("stride (1,2) only", (1, 3, 5, 9), 2, (3, 3), (1, 2), (1, 1)),
    ("stride (2,1) only", (1, 3, 7, 5), 2, (3, 3), (2, 1), (1, 1)),
    ("padding rows = kernel", (1, 3, 4, 6), 2, (3, 3), (1, 1), (3, 1)),
    ("padding columns = kernel", (1, 3, 6, 4), 2, (3, 3), (1, 1), (1, 3)),
    ("padding columns = kernel (3,1): padding (0,1)", (1, 2, 4, 3), 1, (3, 1), (1, 1), (0, 1)),
    ("padding rows = kernel (1,3): padding (1,0)", (1, 2, 3, 4), 1, (1, 3), (1, 1), (1, 0)),
    ("padding columns = kernel (2,2), rows 0", (2, 3, 4, 5), 3, (2, 2), (1, 1), (0, 2)),
    ("C_out = C_in + 1", (1, 3, 5, 6), 4, (3, 3), (1, 1), (1, 1)),
    # ... and met at its boundary: the full convolution
    ("full padding rows = kernel - 1", (1, 3, 4, 6), 2, (3, 3), (1, 1), (2, 0)),
    ("full padding columns = kernel - 1", (1, 3, 6, 4), 2, (3, 3), (1, 1), (0, 2)),
    ("full C_out = C_in", (2, 3, 5, 6), 3, (3, 3), (1, 1), (1, 1)),
    ("full kernel (3,1) padding (2,0)", (1, 2, 4, 3), 1, (3, 1), (1, 1), (2, 0)),
    # the full convolution's columns: kw*C_out against W on both sides and at equality
    ("full kw*C_out = W - 1", (1, 3, 5, 7), 2, (3, 3), (1, 1), (1, 1)),
    ("full kw*C_out = W", (2, 3, 5, 6), 2, (3, 3), (1, 1), (1, 1)),
    ("full kw*C_out = W + 1", (1, 3, 5, 5), 2, (3, 3), (1, 1), (1, 1)),
    ("full 1x1 kernel", (2, 3, 4, 5), 2, (1, 1), (1, 1), (0, 0)),
]
PLAIN_IDS = [case[0] for case in PLAIN_CASES]


def options_margins(shape, c_out, kernel, stride, padding, dilation, groups):
    """The quantities the options path decides on, for a case of OPTIONS_CASES."""
    (_, c_in, _, w), (_, kw), (_, dw) = shape, kernel, dilation
    if padding == "same":
        (top, bottom), (left, right) = ((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in
                                        zip(kernel, dilation))
    else:
        (top, bottom), (left, right) = ((p, p) for p in ((0, 0) if padding == "valid" else padding))
    w_out = out_size(w, kw, stride[1], left, right, dw)
    return dict(depthwise=groups > 1 and c_in == groups, multiplier=c_out // groups,
                uneven=(bottom != top, right != left), columns=kw * (c_in // groups) - w_out)


# (id, x shape, C_out, kernel, stride, padding, dilation, groups)
OPTIONS_CASES = [
    # depthwise: multiplier 1 and 2, "same" even on rows / columns / both / neither (odd), strides, dilation
    ("depthwise same (2,3): extra row", (2, 2, 5, 6), 2, (2, 3), (1, 1), "same", (1, 1), 2),
    ("depthwise same (3,2): extra column", (1, 3, 5, 6), 3, (3, 2), (1, 1), "same", (1, 1), 3),
    ("depthwise same (2,2): extra row and column", (2, 2, 4, 5), 2, (2, 2), (1, 1), "same", (1, 1), 2),
    ("depthwise same (3,3): even padding", (1, 2, 5, 4), 2, (3, 3), (1, 1), "same", (1, 1), 2),
    ("depthwise x2 same (2,4): extra row and column", (1, 2, 5, 6), 4, (2, 4), (1, 1), "same", (1, 1), 2),
    ("depthwise x2 same (3,2) dilation (1,3)", (2, 3, 4, 7), 6, (3, 2), (1, 1), "same", (1, 3), 3),
    ("depthwise x2 stride (2,1) padding (1,2)", (1, 2, 7, 6), 4, (3, 2), (2, 1), (1, 2), (1, 1), 2),
    ("depthwise dilation 2 valid", (2, 3, 7, 6), 3, (2, 2), (1, 1), "valid", (2, 2), 3),
    # grouped GEMM: 2 and 3 channels per group, the same paddings, per-group columns on both sides
    ("groups 2 same (2,3): extra row", (2, 4, 5, 6), 4, (2, 3), (1, 1), "same", (1, 1), 2),
    ("groups 2 same (3,2): extra column", (1, 4, 5, 6), 2, (3, 2), (1, 1), "same", (1, 1), 2),
    ("groups 3 same (2,2) x2", (1, 6, 4, 5), 6, (2, 2), (1, 1), "same", (1, 1), 3),
    ("groups 2 same (3,3) dilation 2", (1, 4, 6, 7), 4, (3, 3), (1, 1), "same", (2, 2), 2),
    ("groups 2 kw*C_group = W_out - 1", (1, 4, 3, 6), 2, (2, 2), (1, 1), (0, 0), (1, 1), 2),
    ("groups 2 kw*C_group = W_out", (2, 4, 3, 5), 6, (2, 2), (1, 1), (0, 0), (1, 1), 2),
    ("groups 2 kw*C_group = W_out + 1", (1, 4, 3, 4), 2, (2, 2), (1, 1), (0, 0), (1, 1), 2),
    ("groups 3 of 3 stride 2 padding 1", (1, 9, 6, 7), 3, (3, 3), (2, 2), (1, 1), (1, 1), 3),
    # groups 1 with one input channel: one weight channel, yet not depthwise
    ("groups 1 C_in 1 dilation 2", (2, 1, 7, 8), 3, (3, 2), (1, 1), (1, 0), (2, 2), 1),
    ("groups 1 same (2,3) dilation (2,1)", (1, 3, 5, 6), 2, (2, 3), (1, 1), "same", (2, 1), 1),
]
OPTIONS_IDS = [case[0] for case in OPTIONS_CASES]


def test_the_tables_cover_both_sides_and_the_boundary_of_every_condition():
    plain = [plain_margins(*case[1:]) for case in PLAIN_CASES]
    col2im, full = [m for m in plain if not m["full"]], [m for m in plain if m["full"]]
    assert {-1, 0, 1} <= {m["columns"] for m in col2im}, "col2im: kw*C_in - W_out must take -1, 0 and 1"
    assert {-1, 0, 1} <= {m["full_columns"] for m in full}, "full convolution: kw*C_out - W must take -1, 0 and 1"
    # the per-offset GEMM is chosen by C_in (col2im's rule), not by C_out: cases between the two, both orders
    sides = [(kernel[1] * shape[1], plain_margins(shape, c_out, kernel, stride, padding), kernel[1] * c_out)
             for _, shape, c_out, kernel, stride, padding in PLAIN_CASES]
    assert any(not m["full"] and by_in < m["w_out"] <= by_out for by_in, m, by_out in sides)
    assert any(not m["full"] and by_out < m["w_out"] <= by_in for by_in, m, by_out in sides)
    # each part of the full-convolution condition fails alone somewhere, and holds at its boundary
    fails_alone, holds_at_boundary = set(), set()
    for _, (_, c_in, _, _), c_out, kernel, stride, padding in PLAIN_CASES:
        parts = {"stride rows": stride[0] == 1, "stride columns": stride[1] == 1, "padding rows": padding[0] < kernel[0],
                 "padding columns": padding[1] < kernel[1], "channels": c_out <= c_in}
        failing = [name for name, ok in parts.items() if not ok]
        if len(failing) == 1:
            fails_alone.add(failing[0])
        if not failing:
            holds_at_boundary |= {name for name, at in (("padding rows", padding[0] == kernel[0] - 1),
                                                        ("padding columns", padding[1] == kernel[1] - 1),
                                                        ("channels", c_out == c_in)) if at}
    assert fails_alone == {"stride rows", "stride columns", "padding rows", "padding columns", "channels"}
    assert holds_at_boundary == {"padding rows", "padding columns", "channels"}
    options = [options_margins(*case[1:]) for case in OPTIONS_CASES]
    for depthwise in (True, False):
        kinds = {m["uneven"] for m in options if m["depthwise"] == depthwise}
        assert kinds >= {(True, False), (False, True), (True, True), (False, False)}, (depthwise, kinds)
    assert {m["multiplier"] for m in options if m["depthwise"]} >= {1, 2}
    assert {-1, 0, 1} <= {m["columns"] for m in options if not m["depthwise"]}
    assert any(not m["depthwise"] and case[1][1] == 1 for case, m in zip(OPTIONS_CASES, options))


@pytest.mark.parametrize("case", PLAIN_CASES, ids=PLAIN_IDS)
def test_each_plain_case_takes_the_path_its_margins_name(case):
    _, shape, c_out, kernel, stride, padding = case
    m = plain_margins(shape, c_out, kernel, stride, padding)
    out_hw = (out_size(shape[2], kernel[0], stride[0], padding[0], padding[0]), m["w_out"])
    assert spatial._input_grad_is_a_convolution((c_out, shape[1], *kernel), stride, padding) == m["full"]
    assert spatial._channels_last(shape[1], kernel, out_hw) == (m["columns"] >= 0)
    if m["full"]:
        assert spatial._channels_last(c_out, kernel, shape[2:]) == (m["full_columns"] >= 0)


@pytest.mark.parametrize("case", OPTIONS_CASES, ids=OPTIONS_IDS)
def test_each_options_case_takes_the_path_its_margins_name(case):
    _, shape, c_out, kernel, stride, padding, dilation, groups = case
    weight = np.zeros((c_out, shape[1] // groups, *kernel))
    assert spatial._is_depthwise(weight, groups) == options_margins(*case[1:])["depthwise"]


# ---------------------------------------------------------------- values and gradients against the oracle

def f64_layer(shape, c_out, kernel, seed, **options):
    """A Conv2d with float64 random weight and bias, and an input and output probe for it."""
    groups = options.get("groups", 1)
    layer = Conv2d(shape[1], c_out, kernel, **options)
    rng = np.random.default_rng(seed)
    layer.weight = Tensor(rng.standard_normal((c_out, shape[1] // groups, *kernel)), requires_grad=True,
                          dtype=np.float64)
    layer.bias = Tensor(rng.standard_normal(c_out), requires_grad=True, dtype=np.float64)
    return layer, rng.standard_normal(shape), rng


def run(layer, x, probe):
    """Output and gradients (x, weight, bias) of the layer for the loss sum(probe * layer(x))."""
    xt = Tensor(x, requires_grad=True, dtype=np.float64)
    out = layer(xt)
    out.backward(probe)
    return out.data, xt.grad, layer.weight.grad, layer.bias.grad


def assert_all_close(got, expected, oracle="the numpy oracle"):
    for name, a, b in zip(("output", "grad x", "grad weight", "grad bias"), got, expected):
        assert a.dtype == np.float64, f"{name}: dtype {a.dtype}, float64 in must give float64"
        np.testing.assert_allclose(a, b, **EXACT, err_msg=f"Conv2d fast path {name} vs {oracle}")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", PLAIN_CASES, ids=PLAIN_IDS)
def test_plain_fast_path_agrees_with_the_oracle_in_float64(case, layout):
    _, shape, c_out, kernel, stride, padding = case
    layer, x, rng = f64_layer(shape, c_out, kernel, seed=2, stride=stride, padding=padding)
    w, b = layer.weight.data, layer.bias.data
    expected_out = oracles.conv2d(x, w, b, stride, padding)
    probe = rng.standard_normal(expected_out.shape)
    got = run(layer, channels_last(x) if layout == LAYOUTS[1] else x, probe)
    assert_all_close(got, (expected_out, *oracles.conv2d_backward(probe, x, w, stride, padding)))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", OPTIONS_CASES, ids=OPTIONS_IDS)
def test_options_fast_path_agrees_with_the_oracle_in_float64(case, layout):
    _, shape, c_out, kernel, stride, padding, dilation, groups = case
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    layer, x, rng = f64_layer(shape, c_out, kernel, seed=3, **options)
    w, b = layer.weight.data, layer.bias.data
    expected_out = oracles.conv2d(x, w, b, **options)
    probe = rng.standard_normal(expected_out.shape)
    got = run(layer, channels_last(x) if layout == LAYOUTS[1] else x, probe)
    assert_all_close(got, (expected_out, *oracles.conv2d_backward(probe, x, w, **options)))


# ---------------------------------------------------------------- the audit's two shapes, against torch

try:
    import torch
except ImportError:      # the oracle comparisons above still run
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed: pip install -e '.[dev]' (torch==2.13.0)")


def torch_run(layer, x, probe, **options):
    xt, wt, bt = (torch.tensor(a, dtype=torch.float64, requires_grad=True)
                  for a in (x, layer.weight.data, layer.bias.data))
    out = torch.nn.functional.conv2d(xt, wt, bt, **options)
    (out * torch.tensor(probe)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


@needs_torch
@pytest.mark.parametrize("c_in, c_out, kernel, padding, shape", [
    (2, 1, (3, 1), (0, 1), (1, 2, 4, 3)),       # padding = kernel on the columns only
    (2, 1, (1, 3), (1, 0), (1, 2, 3, 4)),       # padding = kernel on the rows only
    (3, 3, (2, 2), (0, 3), (2, 3, 5, 4)),       # padding > kernel on the columns only
    (3, 2, (1, 2), (2, 1), (1, 3, 4, 5)),       # padding > kernel on the rows only
], ids=["(3,1) p(0,1)", "(1,3) p(1,0)", "(2,2) p(0,3)", "(1,2) p(2,1)"])
def test_stride_1_input_gradient_with_padding_at_least_the_kernel_on_one_axis_matches_torch(
        c_in, c_out, kernel, padding, shape):
    # Stride 1 and C_out <= C_in: every condition of the input gradient's full convolution holds but one
    # axis's padding < kernel. The gradient must still come out (torch has one), and right.
    layer, x, rng = f64_layer(shape, c_out, kernel, seed=4, padding=padding)
    probe = rng.standard_normal(layer.output_shape(shape))
    assert_all_close(run(layer, x, probe), torch_run(layer, x, probe, padding=padding), oracle="torch")


@needs_torch
@pytest.mark.parametrize("c_in, c_out, shape", [(2, 8, (1, 2, 12, 12)), (3, 16, (2, 3, 14, 12)), (1, 4, (1, 1, 9, 9))],
                         ids=["Conv2d(2, 8, 3) 12x12", "Conv2d(3, 16, 3) 14x12", "Conv2d(1, 4, 3) 9x9"])
def test_ordinary_layers_with_more_output_than_input_channels_match_torch(c_in, c_out, shape):
    # kw * C_in < W_out <= kw * C_out: the first layers of a CNN (few input channels, wide maps).
    layer, x, rng = f64_layer(shape, c_out, (3, 3), seed=5)
    probe = rng.standard_normal(layer.output_shape(shape))
    assert_all_close(run(layer, x, probe), torch_run(layer, x, probe), oracle="torch")

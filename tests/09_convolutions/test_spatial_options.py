"""Module 09, going further (issue #11): the options of the three layers, as PyTorch 2.13 has them.

Conv2d dilation, groups and padding "same"/"valid"; MaxPool2d dilation and ceil_mode; AvgPool2d
ceil_mode and count_include_pad. Checked against torch.nn.functional in float64 on non-square
inputs (forward values, output shapes, and the gradients of x, weight and bias through the layers,
on the vectorized path and on the loops), each option alone and combined with stride and padding;
by float64 finite differences; the `*_general_loops` functions, the vectorized path and the
layers' backward each against torch on random configurations (hypothesis: never one side against
the other, since the loops run on the student's own loops); the layer contract (weight shape, He
init with the grouped fan-in, attributes, output_shape, pool_output_size); and the errors.
"""
import math

import numpy as np
import pytest

from tinytorch.core import spatial
from tinytorch.core.spatial import AvgPool2d, Conv2d, Conv2dFunction, MaxPool2d
from tinytorch.core.tensor import Tensor, manual_seed
from numeric_checks import f64

torch = pytest.importorskip(
    "torch", reason="PyTorch not installed: the oracle comparison needs torch==2.13.0 (pip install -e '.[dev]')")
F = torch.nn.functional
hypothesis = pytest.importorskip("hypothesis", reason="hypothesis not installed: pip install -e '.[dev]'")
from hypothesis import assume, given, settings, strategies as st  # noqa: E402

# derandomize: the same examples on every run; no example database on disk
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None)
EXACT = dict(rtol=1e-12, atol=1e-12)   # float64 against float64: rounding only
# torch warns that it copies the input for "same" with an even kernel: the case tested on purpose
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


# ---------------------------------------------------------------- running both sides

def torch_conv(x, weight, bias, probe, kwargs):
    """torch's output and (grad x, grad weight, grad bias) for the loss sum(probe * conv(x))."""
    xt, wt, bt = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, weight, bias))
    out = F.conv2d(xt, wt, bt, **kwargs)
    if probe is not None:
        (out * torch.tensor(probe)).sum().backward()
        return out.detach().numpy(), (xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy())
    return out.detach().numpy(), None


def conv_layer(x_shape, weight, bias, kwargs, use_loops=False):
    """A tinytorch Conv2d with these float64 parameters."""
    layer = Conv2d(x_shape[1], weight.shape[0], weight.shape[2:], bias=bias is not None, **kwargs)
    layer.weight = f64(weight, requires_grad=True)
    layer.bias = None if bias is None else f64(bias, requires_grad=True)
    layer.use_loops = use_loops
    return layer


def ours(layer, x, probe):
    """Output and input gradient of our `layer` for the loss sum(probe * layer(x))."""
    xt = f64(x, requires_grad=True)
    out = layer(xt)
    (out * f64(probe)).sum().backward()
    return out.data, xt.grad


def torch_pool(fn, x, probe, kernel, kwargs):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = fn(xt, kernel, **kwargs)
    if probe is not None:
        (out * torch.tensor(probe)).sum().backward()
        return out.detach().numpy(), xt.grad.numpy()
    return out.detach().numpy(), None


# ---------------------------------------------------------------- Conv2d against torch

# (id, x shape, out_channels, kernel, options): every case non-square (H != W)
CONV_CASES = [
    ("dilation 2", (2, 3, 9, 7), 2, (3, 3), dict(dilation=2)),
    ("dilation (2,1) kernel (3,2)", (2, 2, 8, 6), 3, (3, 2), dict(dilation=(2, 1))),
    ("dilation (1,3) stride 2 padding 1", (1, 2, 7, 10), 2, (2, 3), dict(dilation=(1, 3), stride=2, padding=1)),
    ("dilation (3,2) stride (2,1) padding (2,0)", (2, 1, 9, 8), 2, (2, 3),
     dict(dilation=(3, 2), stride=(2, 1), padding=(2, 0))),
    ("groups 2", (2, 4, 6, 5), 6, (3, 2), dict(groups=2)),
    ("groups 2 stride (2,1) padding (1,0)", (2, 4, 7, 5), 4, (3, 2), dict(groups=2, stride=(2, 1), padding=(1, 0))),
    ("groups 3 of 2 in 2 out", (1, 6, 5, 7), 6, (2, 2), dict(groups=3)),
    ("depthwise padding 1", (2, 3, 6, 5), 3, (3, 3), dict(groups=3, padding=1)),
    ("depthwise x2 stride 2 padding (1,2)", (2, 3, 7, 6), 6, (3, 2), dict(groups=3, stride=2, padding=(1, 2))),
    ("groups 2 dilation 2 padding 2", (1, 4, 6, 7), 2, (3, 3), dict(groups=2, dilation=2, padding=2)),
    ("same odd 3x3", (2, 2, 5, 7), 3, (3, 3), dict(padding="same")),
    ("same odd (3,5)", (1, 2, 4, 6), 2, (3, 5), dict(padding="same")),
    ("same even (2,4): asymmetric", (2, 2, 5, 6), 3, (2, 4), dict(padding="same")),
    ("same (4,3) dilation (1,2): asymmetric rows", (1, 3, 6, 5), 2, (4, 3), dict(padding="same", dilation=(1, 2))),
    ("same 2x2 dilation 3: asymmetric", (2, 1, 5, 7), 2, (2, 2), dict(padding="same", dilation=3)),
    ("same (3,2) dilation (2,1): asymmetric columns", (1, 2, 6, 4), 2, (3, 2), dict(padding="same", dilation=(2, 1))),
    ("same (2,3) groups 2 stride 1", (2, 4, 5, 6), 4, (2, 3), dict(padding="same", groups=2, stride=1)),
    ("valid", (2, 2, 6, 5), 3, (3, 2), dict(padding="valid")),
    ("valid stride (2,1) dilation 2", (1, 2, 9, 7), 2, (2, 3), dict(padding="valid", stride=(2, 1), dilation=2)),
    ("valid depthwise", (1, 2, 5, 4), 4, (2, 2), dict(padding="valid", groups=2)),
    ("all: stride 2 padding (2,1) dilation (2,3) groups 2", (2, 4, 9, 11), 6, (3, 2),
     dict(stride=2, padding=(2, 1), dilation=(2, 3), groups=2)),
]
CONV_IDS = [case[0] for case in CONV_CASES]


def conv_arrays(shape, c_out, kernel, groups, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    weight = rng.standard_normal((c_out, shape[1] // groups, *kernel))
    bias = rng.standard_normal(c_out)
    return rng, x, weight, bias


@pytest.mark.parametrize("use_loops", [False, True], ids=["vectorized", "loops"])
@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_conv2d_options_match_torch_forward_and_backward(case, use_loops):
    _, shape, c_out, kernel, kwargs = case
    rng, x, weight, bias = conv_arrays(shape, c_out, kernel, kwargs.get("groups", 1))
    expected, _ = torch_conv(x, weight, bias, None, kwargs)
    probe = rng.standard_normal(expected.shape)
    expected, (grad_x, grad_w, grad_b) = torch_conv(x, weight, bias, probe, kwargs)
    layer = conv_layer(shape, weight, bias, kwargs, use_loops)
    got, got_grad_x = ours(layer, x, probe)
    assert got.shape == expected.shape
    assert layer.output_shape(shape) == expected.shape
    np.testing.assert_allclose(got, expected, **EXACT, err_msg="forward")
    np.testing.assert_allclose(got_grad_x, grad_x, **EXACT, err_msg="grad x")
    np.testing.assert_allclose(layer.weight.grad, grad_w, **EXACT, err_msg="grad weight")
    np.testing.assert_allclose(layer.bias.grad, grad_b, **EXACT, err_msg="grad bias")


@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_conv2d_vectorized_and_general_loops_match_torch(case):
    # The numpy functions take the same options, "same"/"valid" included.
    _, shape, c_out, kernel, kwargs = case
    rng, x, weight, bias = conv_arrays(shape, c_out, kernel, kwargs.get("groups", 1), seed=1)
    expected, _ = torch_conv(x, weight, bias, None, kwargs)
    fast = spatial.conv2d_vectorized(x, weight, bias, **kwargs)
    slow = spatial.conv2d_general_loops(x, weight, bias, **kwargs)
    assert fast.dtype == slow.dtype == np.float64
    np.testing.assert_allclose(fast, expected, **EXACT)
    np.testing.assert_allclose(slow, expected, **EXACT)
    probe = rng.standard_normal(expected.shape)
    _, torch_grads = torch_conv(x, weight, bias, probe, kwargs)
    for name, got, want in zip(("x", "weight", "bias"),
                               spatial.conv2d_general_backward_loops(probe, x, weight, **kwargs), torch_grads):
        np.testing.assert_allclose(got, want, **EXACT, err_msg=f"conv2d_general_backward_loops grad {name}")


def test_same_padding_puts_the_extra_row_and_column_at_the_bottom_and_right():
    # A 2x2 kernel that is 1 at its top-left corner and 0 elsewhere returns x itself only if the
    # padding is (0 top, 1 bottom) and (0 left, 1 right); the extra row on top shifts it by one.
    x = np.arange(12, dtype=np.float64).reshape(1, 1, 3, 4)
    weight = np.zeros((1, 1, 2, 2))
    weight[0, 0, 0, 0] = 1.0
    for use_loops in (False, True):
        layer = conv_layer(x.shape, weight, None, dict(padding="same"), use_loops)
        np.testing.assert_array_equal(layer(f64(x)).data, x)
    np.testing.assert_array_equal(spatial.conv2d_vectorized(x, weight, padding="same"), x)
    np.testing.assert_array_equal(spatial.conv2d_general_loops(x, weight, padding="same"), x)


def test_conv2d_bias_false_with_groups_and_pytorch_argument_order():
    # PyTorch's order: (in, out, kernel, stride, padding, dilation, groups, bias).
    layer = Conv2d(4, 2, (3, 2), 1, 1, 2, 2, False)
    assert layer.bias is None and layer.groups == 2 and layer.dilation == (2, 2)
    assert layer.weight.shape == (2, 2, 3, 2)
    rng = np.random.default_rng(2)
    x, weight = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((2, 2, 3, 2))
    layer.weight = f64(weight, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(weight, requires_grad=True)
    expected = F.conv2d(xt, wt, None, 1, 1, 2, 2)
    probe = rng.standard_normal(tuple(expected.shape))
    (expected * torch.tensor(probe)).sum().backward()
    got, grad_x = ours(layer, x, probe)
    np.testing.assert_allclose(got, expected.detach().numpy(), **EXACT)
    np.testing.assert_allclose(grad_x, xt.grad.numpy(), **EXACT)
    np.testing.assert_allclose(layer.weight.grad, wt.grad.numpy(), **EXACT)


def test_conv2d_float32_stays_float32_with_the_options():
    x = np.random.default_rng(3).standard_normal((2, 4, 7, 6)).astype(np.float32)
    layer = Conv2d(4, 6, (3, 2), padding="same", dilation=(2, 1), groups=2)
    out = layer(Tensor(x))
    assert out.data.dtype == np.float32 and out.shape == (2, 6, 7, 6)
    expected = F.conv2d(torch.tensor(x), torch.tensor(layer.weight.data, dtype=torch.float32),
                        torch.tensor(layer.bias.data, dtype=torch.float32), padding="same", dilation=(2, 1), groups=2)
    np.testing.assert_allclose(out.data, expected.numpy(), rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- pooling against torch

def torch_pool_size(n, k, s, p, d, ceil_mode):
    """torch's number of pooling windows along one axis."""
    return F.max_pool2d(torch.zeros(1, 1, n, 1), (k, 1), (s, 1), (p, 0), (d, 1), ceil_mode=ceil_mode).shape[2]


def naive_ceil_size(n, k, s, p, d):
    """ceil_mode's size without PyTorch's rule that the last window must start inside the input
    or its left padding: what a wrong implementation computes."""
    return math.ceil((n + 2 * p - d * (k - 1) - 1) / s) + 1


# (id, x shape, kernel, options)
MAXPOOL_CASES = [
    ("dilation 2", (2, 2, 7, 9), 2, dict(dilation=2)),
    ("dilation (2,1) kernel (3,2) stride (1,2) padding 1", (1, 2, 8, 7), (3, 2),
     dict(dilation=(2, 1), stride=(1, 2), padding=1)),
    ("dilation 2 kernel 3 stride 2 padding 1", (2, 1, 9, 8), 3, dict(dilation=2, stride=2, padding=1)),
    ("dilation (1,3) kernel (2,3) stride (2,1) padding (0,1)", (1, 2, 6, 10), (2, 3),
     dict(dilation=(1, 3), stride=(2, 1), padding=(0, 1))),
    ("ceil_mode adds a window", (1, 2, 5, 7), 2, dict(ceil_mode=True)),
    ("ceil_mode drops the window in the right padding (rows), adds one (columns)", (2, 2, 5, 6), (2, 3),
     dict(stride=2, padding=1, ceil_mode=True)),
    ("ceil_mode drops on both axes", (1, 2, 5, 9), 2, dict(stride=2, padding=1, ceil_mode=True)),
    ("ceil_mode dilation 2 stride 2", (1, 2, 6, 8), 2, dict(dilation=2, stride=2, ceil_mode=True)),
    ("ceil_mode dilation (1,2) stride (3,2) padding 1", (2, 1, 8, 7), (3, 2),
     dict(dilation=(1, 2), stride=(3, 2), padding=1, ceil_mode=True)),
]

# (ceil_mode, count_include_pad) x two geometries with overhanging ceil windows and padding
AVGPOOL_GEOMETRIES = [
    ("k(3,2) s2 p1", (2, 2, 6, 5), (3, 2), dict(stride=2, padding=1)),   # rows: overhang past the padding
    ("k3 s2 p(1,0)", (1, 2, 7, 6), 3, dict(stride=2, padding=(1, 0))),  # columns: overhang, no padding
    ("k(2,3) s(3,2) p(1,1)", (1, 1, 8, 9), (2, 3), dict(stride=(3, 2), padding=1)),
]
AVGPOOL_CASES = [(f"{name} ceil_mode={ceil} count_include_pad={cip}", shape, kernel,
                  dict(kwargs, ceil_mode=ceil, count_include_pad=cip))
                 for name, shape, kernel, kwargs in AVGPOOL_GEOMETRIES
                 for ceil in (False, True) for cip in (True, False)]


def test_the_ceil_mode_cases_cover_an_added_and_a_dropped_window_and_an_overhang():
    # The case lists above must keep catching the two ceil_mode mistakes: no ceil, and no rule.
    dropped = added = 0
    for _, shape, kernel, kwargs in MAXPOOL_CASES + AVGPOOL_CASES:
        if not kwargs.get("ceil_mode"):
            continue
        stride = _pair(kwargs.get("stride", kernel))
        for n, k, s, p, d in zip(shape[2:], _pair(kernel), stride, _pair(kwargs.get("padding", 0)),
                                 _pair(kwargs.get("dilation", 1))):
            true_size, floor_size = torch_pool_size(n, k, s, p, d, True), torch_pool_size(n, k, s, p, d, False)
            dropped += naive_ceil_size(n, k, s, p, d) > true_size
            added += true_size > floor_size
    assert dropped >= 3 and added >= 5, (dropped, added)


@pytest.mark.parametrize("use_loops", [False, True], ids=["vectorized", "loops"])
@pytest.mark.parametrize("case", MAXPOOL_CASES, ids=[case[0] for case in MAXPOOL_CASES])
def test_maxpool2d_options_match_torch_forward_and_backward(case, use_loops):
    _, shape, kernel, kwargs = case
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape)                     # no ties: the winner is unique
    expected, _ = torch_pool(F.max_pool2d, x, None, kernel, kwargs)
    probe = rng.standard_normal(expected.shape)
    expected, expected_grad = torch_pool(F.max_pool2d, x, probe, kernel, kwargs)
    layer = MaxPool2d(kernel, **kwargs)
    layer.use_loops = use_loops
    got, grad = ours(layer, x, probe)
    assert got.shape == expected.shape == layer.output_shape(shape)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_allclose(grad, expected_grad, **EXACT)


@pytest.mark.parametrize("use_loops", [False, True], ids=["vectorized", "loops"])
@pytest.mark.parametrize("case", AVGPOOL_CASES, ids=[case[0] for case in AVGPOOL_CASES])
def test_avgpool2d_options_match_torch_forward_and_backward(case, use_loops):
    _, shape, kernel, kwargs = case
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape)
    expected, _ = torch_pool(F.avg_pool2d, x, None, kernel, kwargs)
    probe = rng.standard_normal(expected.shape)
    expected, expected_grad = torch_pool(F.avg_pool2d, x, probe, kernel, kwargs)
    layer = AvgPool2d(kernel, **kwargs)
    layer.use_loops = use_loops
    got, grad = ours(layer, x, probe)
    assert got.shape == expected.shape == layer.output_shape(shape)
    np.testing.assert_allclose(got, expected, **EXACT)
    np.testing.assert_allclose(grad, expected_grad, **EXACT)


@pytest.mark.parametrize("case", MAXPOOL_CASES, ids=[case[0] for case in MAXPOOL_CASES])
def test_maxpool2d_functions_match_torch(case):
    _, shape, kernel, kwargs = case
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape)
    expected, _ = torch_pool(F.max_pool2d, x, None, kernel, kwargs)
    probe = rng.standard_normal(expected.shape)
    _, expected_grad = torch_pool(F.max_pool2d, x, probe, kernel, kwargs)
    np.testing.assert_array_equal(spatial.maxpool2d_vectorized(x, kernel, **kwargs), expected)
    np.testing.assert_array_equal(spatial.maxpool2d_general_loops(x, kernel, **kwargs), expected)
    np.testing.assert_allclose(spatial.maxpool2d_general_backward_loops(probe, x, kernel, **kwargs),
                               expected_grad, **EXACT)


@pytest.mark.parametrize("case", AVGPOOL_CASES, ids=[case[0] for case in AVGPOOL_CASES])
def test_avgpool2d_functions_match_torch(case):
    _, shape, kernel, kwargs = case
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape)
    expected, _ = torch_pool(F.avg_pool2d, x, None, kernel, kwargs)
    probe = rng.standard_normal(expected.shape)
    _, expected_grad = torch_pool(F.avg_pool2d, x, probe, kernel, kwargs)
    np.testing.assert_allclose(spatial.avgpool2d_vectorized(x, kernel, **kwargs), expected, **EXACT)
    np.testing.assert_allclose(spatial.avgpool2d_general_loops(x, kernel, **kwargs), expected, **EXACT)
    np.testing.assert_allclose(spatial.avgpool2d_general_backward_loops(probe, x, kernel, **kwargs),
                               expected_grad, **EXACT)


def test_avgpool2d_divisors_at_the_ceil_overhang_by_hand():
    # Ones in, so each output is (input pixels in the window) / divisor. Rows: size 4, kernel 3,
    # stride 2, padding 1, ceil_mode: three windows, at input rows -1..1, 1..3 and 3..5. The last
    # one holds row 3, the bottom padding (row 4) and the overhang (row 5): with count_include_pad
    # its divisor is 2 (padding counts, overhang does not), without it 1. The first: 3 or 2.
    x = np.ones((1, 1, 4, 1))
    for cip, expected in ((True, [2 / 3, 1.0, 0.5]), (False, [1.0, 1.0, 1.0])):
        layer = AvgPool2d((3, 1), stride=(2, 1), padding=(1, 0), ceil_mode=True, count_include_pad=cip)
        for use_loops in (False, True):
            layer.use_loops = use_loops
            got = layer(f64(x)).data
            assert got.shape == (1, 1, 3, 1)
            np.testing.assert_allclose(got.ravel(), expected, **EXACT)
        torch_out = F.avg_pool2d(torch.tensor(x), (3, 1), (2, 1), (1, 0), True, cip).numpy()
        np.testing.assert_allclose(torch_out.ravel(), expected, **EXACT)
    # No padding: the overhang beyond the input never counts, count_include_pad or not.
    x = np.arange(1.0, 6.0).reshape(1, 1, 1, 5)            # windows [1, 2], [3, 4], [5 | overhang]
    for cip in (True, False):
        got = AvgPool2d((1, 2), ceil_mode=True, count_include_pad=cip)(f64(x)).data
        np.testing.assert_allclose(got.ravel(), [1.5, 3.5, 5.0], **EXACT)


def test_maxpool2d_ceil_overhang_counts_as_minus_infinity():
    # All-negative input: if the overhang were 0 (zero padding), the last window would return 0.
    x = -np.arange(1.0, 6.0).reshape(1, 1, 1, 5)
    got = MaxPool2d((1, 2), ceil_mode=True)(f64(x)).data
    np.testing.assert_array_equal(got.ravel(), [-1.0, -3.0, -5.0])


# ---------------------------------------------------------------- finite differences

FD_CONV = [
    ("dilation (2,1) padding (0,1)", (1, 2, 5, 4), 2, (2, 2), dict(dilation=(2, 1), padding=(0, 1))),
    ("groups 2 stride (1,2)", (2, 4, 3, 5), 2, (2, 2), dict(groups=2, stride=(1, 2))),
    ("same even (2,2) dilation (1,2)", (1, 1, 3, 4), 2, (2, 2), dict(padding="same", dilation=(1, 2))),
    ("valid depthwise", (1, 2, 4, 3), 2, (2, 2), dict(padding="valid", groups=2)),
]


@pytest.mark.parametrize("case", FD_CONV, ids=[case[0] for case in FD_CONV])
def test_conv2d_options_gradients_by_finite_differences(case, numgrad, assert_grad_close):
    _, shape, c_out, kernel, kwargs = case
    rng, x0, w0, b0 = conv_arrays(shape, c_out, kernel, kwargs.get("groups", 1), seed=8)
    layer = conv_layer(shape, w0, b0, kwargs)
    xt = f64(x0, requires_grad=True)
    out = layer(xt)
    probe = rng.standard_normal(out.shape)
    (out * f64(probe)).sum().backward()

    def loss(x, weight, bias):
        return float((conv_layer(shape, weight, bias, kwargs)(f64(x)).data * probe).sum())

    assert_grad_close(xt.grad, numgrad(lambda a: loss(a, w0, b0), x0), what="grad x")
    assert_grad_close(layer.weight.grad, numgrad(lambda a: loss(x0, a, b0), w0), what="grad weight")
    assert_grad_close(layer.bias.grad, numgrad(lambda a: loss(x0, w0, a), b0), what="grad bias")


FD_POOL = [
    ("MaxPool2d dilation 2 stride 2 padding 1 ceil_mode", MaxPool2d, (1, 2, 5, 6), 2,
     dict(dilation=2, stride=2, padding=1, ceil_mode=True)),
    ("MaxPool2d dilation (1,2) stride 1", MaxPool2d, (1, 1, 4, 5), (2, 2), dict(dilation=(1, 2), stride=1)),
] + [(f"AvgPool2d ceil_mode={ceil} count_include_pad={cip}", AvgPool2d, (1, 2, 6, 5), (3, 2),
      dict(stride=2, padding=1, ceil_mode=ceil, count_include_pad=cip)) for ceil in (False, True) for cip in (True, False)]


@pytest.mark.parametrize("case", FD_POOL, ids=[case[0] for case in FD_POOL])
def test_pool_options_gradients_by_finite_differences(case, numgrad, assert_grad_close):
    _, cls, shape, kernel, kwargs = case
    rng = np.random.default_rng(9)
    x0 = rng.standard_normal(shape)
    layer = cls(kernel, **kwargs)
    probe = rng.standard_normal(layer.output_shape(shape))
    _, grad = ours(layer, x0, probe)
    assert_grad_close(grad, numgrad(lambda a: float((layer(f64(a)).data * probe).sum()), x0), what="grad x")


# ---------------------------------------------------------------- loops and vectorized against torch (hypothesis)

def resolved_padding(padding, kernel, dilation):
    """Total padding per axis: what "same"/"valid"/ints add to each axis."""
    if padding == "same":
        return tuple(d * (k - 1) for k, d in zip(kernel, dilation))
    if padding == "valid":
        return (0, 0)
    return tuple(2 * p for p in _pair(padding))


@st.composite
def conv_options(draw):
    groups = draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.sampled_from(["same", "valid", 0, 1, 2, (0, 1), (2, 1)]))
    stride = 1 if padding == "same" else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    hw = (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    totals = resolved_padding(padding, kernel, dilation)
    # the output-size rule: the dilated kernel fits the padded input
    assume(all(d * (k - 1) + 1 <= n + t for k, d, n, t in zip(kernel, dilation, hw, totals)))
    square = dilation[0] == dilation[1]
    return dict(n=draw(st.integers(1, 2)), c_in=groups * draw(st.integers(1, 2)),
                c_out=groups * draw(st.integers(1, 2)), hw=hw, kernel=kernel, bias=draw(st.booleans()),
                seed=draw(st.integers(0, 2**32 - 1)),
                options=dict(stride=stride, padding=padding, dilation=dilation[0] if square else dilation,
                             groups=groups))


@SETTINGS
@given(conv_options())
def test_conv2d_general_loops_the_vectorized_path_and_the_layer_match_torch(cfg):
    rng = np.random.default_rng(cfg["seed"])
    options = cfg["options"]
    x = rng.standard_normal((cfg["n"], cfg["c_in"], *cfg["hw"]))
    weight = rng.standard_normal((cfg["c_out"], cfg["c_in"] // options["groups"], *cfg["kernel"]))
    bias = rng.standard_normal(cfg["c_out"]) if cfg["bias"] else None
    # Every side against torch, the given fast path first: the loops (on the student's conv2d_loops
    # and conv2d_backward_loops) are never what another side is measured by.
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(weight, requires_grad=True)
    expected_t = F.conv2d(xt, wt, None if bias is None else torch.tensor(bias), **options)
    expected = expected_t.detach().numpy()
    fast = spatial.conv2d_vectorized(x, weight, bias, **options)
    assert fast.shape == expected.shape
    np.testing.assert_allclose(fast, expected, **EXACT, err_msg="conv2d_vectorized (given) vs torch")
    slow = spatial.conv2d_general_loops(x, weight, bias, **options)
    assert slow.shape == expected.shape
    np.testing.assert_allclose(slow, expected, **EXACT,
                               err_msg="conv2d_general_loops (on your conv2d_loops) vs torch")
    grad_out = rng.standard_normal(expected.shape)
    expected_t.backward(torch.tensor(grad_out))
    expected_grads = (xt.grad.numpy(), wt.grad.numpy(), grad_out.sum(axis=(0, 2, 3)))   # d/d bias: grad_out summed
    layer = conv_layer(x.shape, weight, bias, options)
    x_layer = f64(x, requires_grad=True)
    layer(x_layer).backward(grad_out)
    layer_grads = (x_layer.grad, layer.weight.grad) + (() if bias is None else (layer.bias.grad,))
    for name, got, want in zip(("x", "weight", "bias"), layer_grads, expected_grads):
        np.testing.assert_allclose(got, want, **EXACT, err_msg=f"Conv2d (given fast path) grad {name} vs torch")
    loops_grads = spatial.conv2d_general_backward_loops(grad_out, x, weight, **options)
    for name, got, want in zip(("x", "weight", "bias"), loops_grads, expected_grads):
        np.testing.assert_allclose(got, want, **EXACT,
                                   err_msg=f"conv2d_general_backward_loops (on your conv2d_backward_loops) "
                                           f"grad {name} vs torch")


@st.composite
def pool_options(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = draw(st.sampled_from([None, (draw(st.integers(1, 3)), draw(st.integers(1, 3)))]))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    hw = (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    assume(all(d * (k - 1) + 1 <= n + 2 * p for k, d, n, p in zip(kernel, dilation, hw, padding)))
    return dict(n=draw(st.integers(1, 2)), c=draw(st.integers(1, 2)), hw=hw, kernel=kernel,
                seed=draw(st.integers(0, 2**32 - 1)), dilation=dilation,
                common=dict(stride=stride, padding=padding, ceil_mode=draw(st.booleans())),
                count_include_pad=draw(st.booleans()))


def _pool_backward_through_layer(layer, x, grad_out):
    xt = f64(x, requires_grad=True)
    layer(xt).backward(grad_out)
    return xt.grad


@SETTINGS
@given(pool_options())
def test_maxpool2d_general_loops_the_vectorized_path_and_the_layer_match_torch(cfg):
    x = np.random.default_rng(cfg["seed"]).standard_normal((cfg["n"], cfg["c"], *cfg["hw"]))
    options = dict(cfg["common"], dilation=cfg["dilation"])
    # Every side against torch, the given fast path first (see the convolution's test above).
    expected = torch_pool(F.max_pool2d, x, None, cfg["kernel"], options)[0]
    fast = spatial.maxpool2d_vectorized(x, cfg["kernel"], **options)
    assert fast.shape == expected.shape
    np.testing.assert_array_equal(fast, expected, err_msg="maxpool2d_vectorized (given) vs torch")
    slow = spatial.maxpool2d_general_loops(x, cfg["kernel"], **options)
    assert slow.shape == expected.shape
    np.testing.assert_array_equal(slow, expected,
                                  err_msg="maxpool2d_general_loops (on your maxpool2d_loops) vs torch")
    # A dilated window can hold only padding (then -inf, as torch): its gradient is undefined.
    if np.isfinite(expected).all():
        grad_out = np.random.default_rng(cfg["seed"] + 1).standard_normal(fast.shape)
        expected_grad = torch_pool(F.max_pool2d, x, grad_out, cfg["kernel"], options)[1]
        layer_grad = _pool_backward_through_layer(MaxPool2d(cfg["kernel"], **options), x, grad_out)
        np.testing.assert_allclose(layer_grad, expected_grad, **EXACT, err_msg="MaxPool2d (given) grad x vs torch")
        slow_grad = spatial.maxpool2d_general_backward_loops(grad_out, x, cfg["kernel"], **options)
        np.testing.assert_allclose(slow_grad, expected_grad, **EXACT,
                                   err_msg="maxpool2d_general_backward_loops (on your maxpool2d_backward_loops) "
                                           "vs torch")
        np.testing.assert_allclose(slow_grad.sum(), grad_out.sum(), **EXACT)   # each output pays one input


@SETTINGS
@given(pool_options())
def test_avgpool2d_general_loops_the_vectorized_path_and_the_layer_match_torch(cfg):
    x = np.random.default_rng(cfg["seed"]).standard_normal((cfg["n"], cfg["c"], *cfg["hw"]))
    options = dict(cfg["common"], count_include_pad=cfg["count_include_pad"])
    # Every side against torch, the given fast path first (see the convolution's test above).
    expected = torch_pool(F.avg_pool2d, x, None, cfg["kernel"], options)[0]
    fast = spatial.avgpool2d_vectorized(x, cfg["kernel"], **options)
    assert fast.shape == expected.shape
    np.testing.assert_allclose(fast, expected, **EXACT, err_msg="avgpool2d_vectorized (given) vs torch")
    slow = spatial.avgpool2d_general_loops(x, cfg["kernel"], **options)
    assert slow.shape == expected.shape
    np.testing.assert_allclose(slow, expected, **EXACT,
                               err_msg="avgpool2d_general_loops (on your avgpool2d_loops) vs torch")
    grad_out = np.random.default_rng(cfg["seed"] + 1).standard_normal(fast.shape)
    expected_grad = torch_pool(F.avg_pool2d, x, grad_out, cfg["kernel"], options)[1]
    layer_grad = _pool_backward_through_layer(AvgPool2d(cfg["kernel"], **options), x, grad_out)
    np.testing.assert_allclose(layer_grad, expected_grad, **EXACT, err_msg="AvgPool2d (given) grad x vs torch")
    slow_grad = spatial.avgpool2d_general_backward_loops(grad_out, x, cfg["kernel"], **options)
    np.testing.assert_allclose(slow_grad, expected_grad, **EXACT,
                               err_msg="avgpool2d_general_backward_loops (on your avgpool2d_backward_loops) "
                                       "vs torch")


# ---------------------------------------------------------------- the layer contract

def test_conv2d_weight_shape_and_attributes_with_groups_and_dilation():
    layer = Conv2d(6, 9, (3, 2), dilation=(2, 1), groups=3)
    assert layer.weight.shape == (9, 2, 3, 2)
    assert layer.bias.shape == (9,)
    assert layer.dilation == (2, 1) and layer.groups == 3
    assert Conv2d(4, 4, 3, dilation=2).dilation == (2, 2)
    depthwise = Conv2d(5, 10, 3, groups=5)
    assert depthwise.weight.shape == (10, 1, 3, 3) and depthwise.groups == 5
    plain = Conv2d(3, 2, 3)
    assert plain.dilation == (1, 1) and plain.groups == 1 and plain.weight.shape == (2, 3, 3, 3)
    assert Conv2d(3, 2, 3, padding="same").padding == "same"      # the string as given, as torch
    assert Conv2d(3, 2, 3, padding="valid").padding == "valid"


@pytest.mark.parametrize("in_channels, out_channels, groups, dilation", [(64, 256, 8, 1), (64, 640, 64, 1),
                                                                        (32, 256, 1, 3)],
                         ids=["groups 8", "depthwise x10", "dilation 3 (fan-in unchanged)"])
def test_conv2d_he_init_uses_the_grouped_fan_in(in_channels, out_channels, groups, dilation):
    manual_seed(0)
    layer = Conv2d(in_channels, out_channels, (3, 5), dilation=dilation, groups=groups)
    fan_in = (in_channels // groups) * 3 * 5
    assert layer.weight.data.size >= 7000        # enough samples for a 5% tolerance on the std
    std = float(np.std(layer.weight.data))
    assert abs(std / math.sqrt(2.0 / fan_in) - 1) < 0.05, (std, math.sqrt(2.0 / fan_in))
    assert abs(float(np.mean(layer.weight.data))) < 0.1 * std


# (id, layer class, args, kwargs): torch.nn has the same class with the same signature
OUTPUT_SHAPE_CASES = [
    ("Conv2d dilation groups stride padding", Conv2d, (4, 6, (3, 2)),
     dict(stride=2, padding=(2, 1), dilation=(2, 3), groups=2), (2, 4, 9, 11)),
    ("Conv2d same even kernel", Conv2d, (2, 3, (2, 4)), dict(padding="same", dilation=(3, 1)), (1, 2, 7, 5)),
    ("Conv2d valid", Conv2d, (3, 3, (3, 1)), dict(stride=(1, 2), padding="valid", groups=3), (1, 3, 6, 7)),
    ("MaxPool2d dilation ceil_mode", MaxPool2d, ((3, 2),), dict(stride=2, padding=1, dilation=(1, 2), ceil_mode=True),
     (1, 2, 8, 9)),
    ("MaxPool2d ceil_mode drops a window", MaxPool2d, (2,), dict(padding=1, ceil_mode=True), (1, 1, 5, 9)),
    ("AvgPool2d ceil_mode count_include_pad=False", AvgPool2d, ((3, 2),),
     dict(stride=(2, 3), padding=1, ceil_mode=True, count_include_pad=False), (2, 3, 6, 8)),
]


@pytest.mark.parametrize("cls, args, kwargs, shape", [case[1:] for case in OUTPUT_SHAPE_CASES],
                         ids=[case[0] for case in OUTPUT_SHAPE_CASES])
def test_output_shape_knows_every_option(cls, args, kwargs, shape):
    layer = cls(*args, **kwargs)
    out = layer(Tensor(np.random.default_rng(10).standard_normal(shape).astype(np.float32)))
    assert layer.output_shape(shape) == out.shape
    assert tuple(getattr(torch.nn, cls.__name__)(*args, **kwargs)(torch.zeros(shape)).shape) == out.shape


def test_pool_output_size_matches_torch_over_a_grid():
    checked = differs_from_floor = 0
    for size in range(1, 9):
        for kernel in range(1, 5):
            for stride in range(1, 4):
                for padding in range(kernel // 2 + 1):
                    for dilation in range(1, 4):
                        if dilation * (kernel - 1) + 1 > size + 2 * padding:
                            continue
                        x = torch.zeros(1, 1, size, 1)
                        for ceil_mode in (False, True):
                            expected = F.max_pool2d(x, (kernel, 1), (stride, 1), (padding, 0), (dilation, 1),
                                                    ceil_mode=ceil_mode).shape[2]
                            got = spatial.pool_output_size(size, kernel, stride, padding, dilation, ceil_mode)
                            assert got == expected, (size, kernel, stride, padding, dilation, ceil_mode, got, expected)
                            checked += 1
                            differs_from_floor += ceil_mode and expected != spatial.pool_output_size(
                                size, kernel, stride, padding, dilation)
    assert checked > 500 and differs_from_floor > 50


# ---------------------------------------------------------------- errors

def raises(error, call, *fragments):
    """`call()` raises `error` whose message contains every fragment (the layer's name, the bad
    value, what was expected)."""
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from the message: {message}"


@pytest.mark.parametrize("groups, error, fragments", [
    (3, ValueError, ["Conv2d", "groups", "3", "in_channels", "4"]),
    (4, ValueError, ["Conv2d", "groups", "4", "out_channels", "6"]),
    (0, ValueError, ["Conv2d", "groups", "0"]),
    (-2, ValueError, ["Conv2d", "groups", "-2"]),
    (1.5, TypeError, ["Conv2d", "groups", "1.5"]),
    ("2", TypeError, ["Conv2d", "groups", "'2'"]),
    (True, TypeError, ["Conv2d", "groups", "True"]),
], ids=["3 does not divide in 4", "4 does not divide out 6", "0", "negative", "float", "string", "bool"])
def test_conv2d_refuses_bad_groups(groups, error, fragments):
    raises(error, lambda: Conv2d(4, 6, 3, groups=groups), *fragments)


@pytest.mark.parametrize("stride", [2, (1, 2)], ids=["stride 2", "stride (1,2)"])
def test_same_padding_with_a_stride_is_refused_like_torch(stride):
    raises(ValueError, lambda: Conv2d(3, 4, 3, stride=stride, padding="same"), "Conv2d", "same", "stride")
    x, weight = np.zeros((1, 3, 6, 6)), np.zeros((4, 3, 3, 3))
    raises(ValueError, lambda: spatial.conv2d_vectorized(x, weight, stride=stride, padding="same"),
           "conv2d_vectorized", "same", "stride")
    raises(ValueError, lambda: spatial.conv2d_general_loops(x, weight, stride=stride, padding="same"),
           "conv2d_general_loops", "same", "stride")


@pytest.mark.parametrize("padding", ["SAME", "full", "Valid", ""])
def test_unknown_padding_strings_are_refused(padding):
    raises(ValueError, lambda: Conv2d(3, 4, 3, padding=padding), "Conv2d", repr(padding), "'same'", "'valid'")
    raises(ValueError, lambda: spatial.conv2d_vectorized(np.zeros((1, 3, 5, 5)), np.zeros((4, 3, 3, 3)),
                                                         padding=padding), "conv2d_vectorized", repr(padding))


@pytest.mark.parametrize("dilation, error", [(0, ValueError), ((1, 0), ValueError), ((2, -1), ValueError),
                                             (1.5, TypeError), ((1, 2, 3), TypeError), ("2", TypeError)])
def test_bad_dilation_is_refused(dilation, error):
    raises(error, lambda: Conv2d(3, 4, 3, dilation=dilation), "Conv2d", "dilation", repr(dilation))
    raises(error, lambda: MaxPool2d(3, dilation=dilation), "MaxPool2d", "dilation", repr(dilation))


def test_a_dilated_kernel_larger_than_the_padded_input_is_refused():
    # kernel 3 with dilation 3 spans 7 rows; the input has 6 (torch refuses it as well).
    x = Tensor(np.zeros((1, 1, 6, 8), dtype=np.float32))
    raises(ValueError, lambda: Conv2d(1, 1, 3, dilation=3)(x), "Conv2d", "dilation", "7", "(6, 8)")
    raises(ValueError, lambda: Conv2d(1, 1, 3, dilation=3).output_shape((1, 1, 6, 8)), "Conv2d", "dilation", "7")
    # with padding: dilation (1, 3) spans 7 columns; 5 columns + padding (1, 0) is 5 wide
    raises(ValueError, lambda: Conv2d(1, 1, 3, padding=(1, 0), dilation=(1, 3))(Tensor(np.zeros((1, 1, 4, 5)))),
           "Conv2d", "dilation", "7", "(6, 5)")
    raises(ValueError, lambda: spatial.conv2d_vectorized(np.zeros((1, 1, 6, 8)), np.zeros((1, 1, 3, 3)), dilation=3),
           "conv2d_vectorized", "dilation")
    # MaxPool2d: kernel 2 with dilation 4 spans 5 > 4 rows
    raises(ValueError, lambda: MaxPool2d(2, dilation=4)(Tensor(np.zeros((1, 1, 4, 6)))), "MaxPool2d", "dilation", "5")
    raises(ValueError, lambda: spatial.maxpool2d_vectorized(np.zeros((1, 1, 4, 6)), 2, dilation=4),
           "maxpool2d_vectorized", "dilation")
    for padding, dilation in (((1, 1), 2), (0, 1)):   # the same sizes that do fit are accepted
        assert Conv2d(1, 1, 3, padding=padding, dilation=dilation)(Tensor(np.zeros((1, 1, 3, 5)))).shape[2] >= 1


def test_weight_channels_times_groups_must_match_the_input():
    x = np.zeros((1, 4, 5, 5))
    for fn in (spatial.conv2d_vectorized, spatial.conv2d_general_loops):
        # weight.shape[1] * groups = 3 * 2 = 6 != 4 channels
        raises(ValueError, lambda: fn(x, np.zeros((2, 3, 3, 3)), groups=2), fn.__name__, "groups", "4", "6")
    raises(ValueError, lambda: spatial.conv2d_general_backward_loops(np.zeros((1, 2, 3, 3)), x, np.zeros((2, 3, 3, 3)),
                                                                     groups=2),
           "conv2d_general_backward_loops", "groups")
    # the layer: 4 in_channels in groups of 2 fed with 6 channels
    raises(ValueError, lambda: Conv2d(4, 4, 3, groups=2)(Tensor(np.zeros((1, 6, 5, 5)))), "Conv2d", "4", "6")
    # groups must divide out_channels in the functions too: 3 filters in 2 groups
    raises(ValueError, lambda: spatial.conv2d_vectorized(x, np.zeros((3, 2, 3, 3)), groups=2),
           "conv2d_vectorized", "groups", "3")


def test_pool_padding_rule_still_holds_on_the_undilated_kernel():
    # torch: padding <= kernel_size // 2, on the kernel before dilation
    raises(ValueError, lambda: MaxPool2d(2, padding=2, dilation=3), "MaxPool2d", "padding")
    raises(ValueError, lambda: MaxPool2d(3, padding=2), "MaxPool2d", "padding")
    raises(ValueError, lambda: AvgPool2d((2, 4), padding=(1, 3), ceil_mode=True), "AvgPool2d", "padding")
    assert MaxPool2d(2, padding=1, dilation=3).output_shape((1, 1, 6, 6)) == \
        tuple(F.max_pool2d(torch.zeros(1, 1, 6, 6), 2, None, 1, 3).shape)


@pytest.mark.parametrize("option, value, error", [
    ("groups", True, TypeError), ("groups", 1.0, TypeError), ("dilation", True, TypeError), ("dilation", 1.0, TypeError)],
    ids=["groups True", "groups 1.0", "dilation True", "dilation 1.0"])
def test_the_functions_refuse_an_option_that_equals_1_without_being_an_int(option, value, error):
    # True == 1 and 1.0 == 1 in Python: the functions must not take them for the plain convolution
    x, weight = np.ones((1, 2, 4, 4)), np.ones((2, 2, 3, 3))
    raises(error, lambda: Conv2dFunction.apply(Tensor(x), Tensor(weight), None, **{option: value}), "Conv2d", option)
    raises(error, lambda: spatial.conv2d_vectorized(x, weight, **{option: value}), "conv2d_vectorized", option)
    if option == "dilation":
        raises(error, lambda: spatial.maxpool2d_vectorized(x, 2, dilation=value), "maxpool2d_vectorized", option)

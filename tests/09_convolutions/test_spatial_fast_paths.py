"""The fast paths of the vectorized convolution and max pooling (issue #14) agree with the numpy oracles.

The vectorized convolution picks its memory layout by shape (spatial._channels_last: columns
from a channels-last or a channels-first copy of the input) and computes the input gradient
one of two ways (spatial._input_grad_is_a_convolution: as a "full" convolution of the output
gradient for stride 1 and C_out <= C_in, else by col2im). Max pooling takes the maxima with
np.maximum (NaN propagates, as in PyTorch) and finds the winners afterwards. Each case below states which path it takes, so a
change of the rules cannot leave a path untested, and checks values and all gradients against
the oracles of oracles.py (plain numpy, independent of the student's loops: a wrong conv2d_loops
must not fail the fast path's tests) on small non-square shapes. The layers' use_loops path is
checked against the same oracles, after the fast path, with the student's loops named.
"""
import numpy as np
import oracles
import pytest

from tinytorch.core import spatial
from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Sequential
from tinytorch.core.spatial import Conv2d, Conv2dFunction, MaxPool2d, MaxPool2dFunction
from tinytorch.core.tensor import Tensor

# (x shape, C_out, kernel, stride, padding, channels-last columns?, input gradient as a convolution?)
CONV_CASES = [
    ((2, 3, 5, 7), 2, (3, 3), (1, 1), (1, 1), True, True),      # "same" 3x3, fewer output channels: full conv
    ((2, 4, 6, 5), 3, (2, 3), (1, 1), (0, 2), True, True),      # non-square kernel and padding, padding 0 on rows
    ((1, 3, 6, 6), 3, (3, 3), (1, 1), (2, 2), True, True),      # padding k - 1: the full conv needs no padding
    ((2, 2, 5, 6), 4, (3, 3), (1, 1), (1, 1), True, False),     # more output channels: col2im, channels-last
    ((2, 3, 7, 6), 5, (3, 2), (2, 1), (1, 0), True, False),     # strides (2, 1): col2im, channels-last
    ((1, 1, 5, 9), 3, (3, 3), (1, 1), (1, 1), False, False),    # one channel, wide rows: channels-first
    ((2, 1, 7, 11), 2, (2, 3), (2, 1), (0, 1), False, False),   # channels-first with strides and non-square kernel
    ((2, 3, 4, 5), 2, (1, 1), (1, 1), (0, 0), False, True),     # 1x1 kernel, no padding: full conv, channels-first
    ((2, 3, 4, 5), 4, (1, 1), (2, 1), (1, 1), False, False),    # 1x1 kernel with padding >= kernel: col2im
    ((1, 4, 5, 5), 4, (3, 3), (1, 1), (3, 0), True, False),     # padding >= kernel rows: no full conv
]
CASE_IDS = [f"{shape}->{c_out} k{kernel} s{stride} p{padding}" for shape, c_out, kernel, stride, padding, *_ in CONV_CASES]


def _out_hw(hw, kernel, stride, padding):
    return tuple((n + 2 * p - k) // s + 1 for n, k, s, p in zip(hw, kernel, stride, padding))


def _channels_last_view(array):
    """The same (N, C, H, W) values held channels-last in memory, as a Conv2d output is."""
    return np.ascontiguousarray(array.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def _conv_case(case, dtype, seed=0):
    shape, c_out, kernel, *_ = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    weight = rng.standard_normal((c_out, shape[1], *kernel)).astype(dtype)
    bias = rng.standard_normal(c_out).astype(dtype)
    return x, weight, bias


def _function_forward_backward(x, weight, bias, stride, padding, grad_out):
    """Conv2dFunction (the layers' fast path) forward and backward on numpy arrays."""
    xt, wt, bt = (Tensor(a, requires_grad=True, dtype=a.dtype) for a in (x, weight, bias))
    out = Conv2dFunction.apply(xt, wt, bt, stride=stride, padding=padding)
    out.backward(grad_out)
    return out.data, xt.grad, wt.grad, bt.grad


@pytest.mark.parametrize("case", CONV_CASES, ids=CASE_IDS)
def test_each_case_takes_the_path_it_names(case):
    shape, c_out, kernel, stride, padding, channels_last, full_conv = case
    out_hw = _out_hw(shape[2:], kernel, stride, padding)
    assert spatial._channels_last(shape[1], kernel, out_hw) == channels_last
    assert spatial._input_grad_is_a_convolution((c_out, shape[1], *kernel), stride, padding) == full_conv


@pytest.mark.parametrize("case", CONV_CASES, ids=CASE_IDS)
@pytest.mark.parametrize("channels_last_input", [False, True], ids=["NCHW input", "channels-last input"])
def test_conv_values_and_gradients_agree_with_the_oracle(case, channels_last_input):
    shape, c_out, kernel, stride, padding, *_ = case
    x, weight, bias = _conv_case(case, np.float64)
    grad_out = np.random.default_rng(1).standard_normal((shape[0], c_out, *_out_hw(shape[2:], kernel, stride, padding)))
    given_x = _channels_last_view(x) if channels_last_input else x
    out, grad_x, grad_w, grad_b = _function_forward_backward(given_x, weight, bias, stride, padding, grad_out)
    expected_x, expected_w, expected_b = oracles.conv2d_backward(grad_out, x, weight, stride, padding)
    np.testing.assert_allclose(out, oracles.conv2d(x, weight, bias, stride, padding), rtol=1e-12, atol=1e-12,
                               err_msg="Conv2dFunction output vs the numpy oracle")
    for name, got, expected in (("x", grad_x, expected_x), ("weight", grad_w, expected_w), ("bias", grad_b, expected_b)):
        assert got.dtype == np.float64, f"grad {name}: dtype {got.dtype}, float64 inputs must give float64"
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12,
                                   err_msg=f"Conv2dFunction grad {name} vs the numpy oracle")


@pytest.mark.parametrize("case", CONV_CASES[:1] + CONV_CASES[3:4] + CONV_CASES[5:6], ids=CASE_IDS[:1] + CASE_IDS[3:4] + CASE_IDS[5:6])
def test_conv_float32_agrees_with_the_oracle(case):
    shape, c_out, kernel, stride, padding, *_ = case
    x, weight, bias = _conv_case(case, np.float32, seed=2)
    grad_out = np.random.default_rng(3).standard_normal(
        (shape[0], c_out, *_out_hw(shape[2:], kernel, stride, padding))).astype(np.float32)
    out, grad_x, grad_w, grad_b = _function_forward_backward(x, weight, bias, stride, padding, grad_out)
    expected = oracles.conv2d_backward(grad_out, x, weight, stride, padding)      # float64 of the same float32 values
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, oracles.conv2d(x, weight, bias, stride, padding), rtol=1e-5, atol=1e-5,
                               err_msg="Conv2dFunction float32 output vs the numpy oracle")
    for name, got, want in zip(("x", "weight", "bias"), (grad_x, grad_w, grad_b), expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4,
                                   err_msg=f"Conv2dFunction float32 grad {name} vs the numpy oracle")


def test_conv_output_is_channels_last_in_memory_and_im2col_rows_are_windows():
    # The layout the fast path promises the next layer, and the column order _weight_cols matches.
    x = np.arange(2 * 2 * 3 * 4, dtype=np.float64).reshape(2, 2, 3, 4)
    weight = np.random.default_rng(4).standard_normal((5, 2, 2, 2))
    out = spatial.conv2d_vectorized(x, weight)
    assert out.transpose(0, 2, 3, 1).flags.c_contiguous, "Conv2d output should be channels-last in memory"
    cols = spatial._im2col(x, (2, 2), (1, 1), (0, 0), (2, 3))
    assert cols.shape == (2 * 2 * 3, 2 * 2 * 2)
    # row of output position (n=1, i=1, j=2): the window x[1, :, 1:3, 2:4], ordered (ki, kj, c)
    np.testing.assert_array_equal(cols[1 * 6 + 1 * 3 + 2], x[1, :, 1:3, 2:4].transpose(1, 2, 0).ravel())


def _model_oracle(x, params, probe=None):
    """Conv 3x3 p1 -> ReLU -> MaxPool 2 stride (2, 1) -> Conv (2, 3) p (0, 1) in numpy: the output, then
    (given a probe) the gradients of sum(probe * output) for x and each parameter, by the chain rule."""
    w1, b1, w2, b2 = params
    h = oracles.conv2d(x, w1, b1, 1, 1)
    r = np.maximum(h, 0)
    p = oracles.max_pool2d(r, 2, (2, 1))
    out = oracles.conv2d(p, w2, b2, 1, (0, 1))
    if probe is None:
        return [out]
    grad_p, grad_w2, grad_b2 = oracles.conv2d_backward(probe, p, w2, 1, (0, 1))
    grad_h = oracles.max_pool2d_backward(grad_p, r, 2, (2, 1)) * (h > 0)
    grad_x, grad_w1, grad_b1 = oracles.conv2d_backward(grad_h, x, w1, 1, 1)
    return [out, grad_x, grad_w1, grad_b1, grad_w2, grad_b2]


@pytest.mark.parametrize("path, use_loops", [("the given fast path", False), ("use_loops=True (your loops)", True)],
                         ids=["fast path", "loops"])
def test_layers_match_the_oracle_through_a_small_cnn(path, use_loops):
    # Conv -> ReLU -> MaxPool -> Conv: activations pass between layers in the channels-last layout.
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 6, 7))
    params = [rng.standard_normal(shape) for shape in ((4, 3, 3, 3), (4,), (3, 4, 2, 3), (3,))]
    out_shape = _model_oracle(x, params)[0].shape                                  # (2, 3, 2, 6)
    probe = np.cos(np.arange(np.prod(out_shape))).reshape(out_shape)
    expected = _model_oracle(x, params, probe)

    model = Sequential(Conv2d(3, 4, 3, padding=1), ReLU(), MaxPool2d(2, stride=(2, 1)),
                       Conv2d(4, 3, (2, 3), padding=(0, 1)))
    convs = [layer for layer in model if isinstance(layer, Conv2d)]
    for conv, (weight, bias) in zip(convs, (params[:2], params[2:])):
        conv.weight = Tensor(weight, requires_grad=True, dtype=np.float64)
        conv.bias = Tensor(bias, requires_grad=True, dtype=np.float64)
    for layer in model:
        layer.use_loops = use_loops
    xt = Tensor(x, requires_grad=True, dtype=np.float64)
    out = model(xt)
    out.backward(probe)
    got = [out.data, xt.grad] + [p.grad for p in model.parameters()]

    names = ["output", "grad x", "grad conv1 weight", "grad conv1 bias", "grad conv2 weight", "grad conv2 bias"]
    assert len(got) == len(expected), f"{path}: {len(got) - 2} parameter gradients, expected 4"
    for name, a, b in zip(names, got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=f"{path}: {name} vs the numpy oracle")


# --- max pooling: (x shape, kernel, stride, padding)
POOL_CASES = [
    ((2, 3, 6, 8), (2, 2), (2, 2), (0, 0)),     # non-overlapping windows
    ((2, 2, 7, 9), (2, 2), (2, 2), (0, 0)),     # non-overlapping, odd sizes: the last row and column uncovered
    ((1, 2, 5, 6), (3, 3), (1, 1), (1, 1)),     # stride 1: every pixel in up to nine windows
    ((2, 2, 6, 7), (2, 3), (1, 2), (1, 1)),     # non-square kernel, stride and padding
    ((1, 3, 7, 5), (3, 3), (2, 2), (1, 1)),     # 3x3 stride 2 padding 1
]
POOL_IDS = [f"{shape} k{k} s{s} p{p}" for shape, k, s, p in POOL_CASES]


def _pool_forward_backward(x, kernel, stride, padding, grad_out):
    xt = Tensor(x, requires_grad=True, dtype=x.dtype)
    out = MaxPool2dFunction.apply(xt, kernel_size=kernel, stride=stride, padding=padding)
    out.backward(grad_out)
    return out.data, xt.grad


def _check_pool_against_the_oracle(x, kernel, stride, padding, seed=6):
    expected_out = oracles.max_pool2d(x, kernel, stride, padding)
    grad_out = np.random.default_rng(seed).standard_normal(expected_out.shape)
    out, grad_x = _pool_forward_backward(x, kernel, stride, padding, grad_out)
    np.testing.assert_array_equal(out, expected_out, err_msg="MaxPool2dFunction output vs the numpy oracle")
    # Overlapping windows add their gradients in another order than the oracle: rounding only.
    np.testing.assert_allclose(grad_x, oracles.max_pool2d_backward(grad_out, x, kernel, stride, padding),
                               rtol=1e-14, atol=1e-15, err_msg="MaxPool2dFunction grad x vs the numpy oracle")


@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
@pytest.mark.parametrize("channels_last_input", [False, True], ids=["NCHW input", "channels-last input"])
def test_maxpool_values_and_gradients_agree_with_the_oracle(case, channels_last_input):
    shape, kernel, stride, padding = case
    x = np.random.default_rng(7).standard_normal(shape)
    _check_pool_against_the_oracle(_channels_last_view(x) if channels_last_input else x, kernel, stride, padding)


@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_maxpool_ties_send_the_gradient_to_the_first_maximum_in_row_major_order(case):
    # Values from {0, 1, 2}: most windows hold a tied maximum. The rule (the module's, PyTorch's CPU
    # kernel's): the first maximum in row-major order of the window gets the whole gradient.
    shape, kernel, stride, padding = case
    x = np.random.default_rng(8).integers(0, 3, size=shape).astype(np.float64)
    _check_pool_against_the_oracle(x, kernel, stride, padding)


def test_maxpool_tie_by_hand():
    # One 2x2 window of 5s: the top-left one takes the gradient; a window of [[1, 7], [7, 7]] pays x[0, 1].
    x = np.array([[[[5.0, 5.0, 1.0, 7.0], [5.0, 5.0, 7.0, 7.0]]]])
    out, grad_x = _pool_forward_backward(x, (2, 2), (2, 2), (0, 0), np.array([[[[10.0, 20.0]]]]))
    np.testing.assert_array_equal(out, [[[[5.0, 7.0]]]])
    np.testing.assert_array_equal(grad_x, [[[[10.0, 0.0, 0.0, 20.0], [0.0, 0.0, 0.0, 0.0]]]])


def _maxpool_nan_oracle(x, kernel, stride, padding, grad_out):
    """Plain numpy, one window at a time: a window holding NaN pools to NaN (PyTorch's forward) and
    sends its gradient to its first NaN in row-major order (np.argmax's rule); else to its first maximum."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    out = np.zeros(grad_out.shape)
    grad = np.zeros(xp.shape)
    for n, c, i, j in np.ndindex(*grad_out.shape):
        window = xp[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
        winner = int(np.argmax(window))          # argmax stops at the first NaN
        out[n, c, i, j] = window.flat[winner]
        grad[n, c, i * sh + winner // kw, j * sw + winner % kw] += grad_out[n, c, i, j]
    return out, grad[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]


@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_maxpool_a_window_holding_nan_pools_to_nan_and_pays_its_first_nan(case):
    shape, kernel, stride, padding = case
    x = np.random.default_rng(9).standard_normal(shape)
    x[..., ::3, ::2] = np.nan
    x[..., 1::4, 1::3] = np.nan                      # windows with two NaN: the first gets the gradient
    out_hw = [oracles.output_size(n, k, s, p) for n, k, s, p in zip(shape[2:], kernel, stride, padding)]
    grad_out = np.random.default_rng(10).standard_normal((*shape[:2], *out_hw))
    expected_out, expected_grad = _maxpool_nan_oracle(x, kernel, stride, padding, grad_out)
    for layout in (x, np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)):
        out, grad_x = _pool_forward_backward(layout, kernel, stride, padding, grad_out)
        np.testing.assert_array_equal(np.isnan(out), np.isnan(expected_out))
        np.testing.assert_allclose(out, expected_out, rtol=0, atol=0)            # NaN where expected, same numbers
        np.testing.assert_allclose(grad_x, expected_grad, rtol=1e-12, atol=1e-12)


def test_maxpool_forward_with_nan_matches_torch_and_an_all_nan_window_is_nan():
    torch = pytest.importorskip("torch", reason="PyTorch 2.x is the oracle for NaN (pip install -e .[dev])")
    x = np.random.default_rng(11).standard_normal((2, 3, 6, 7))
    x[0, 0, :2, :2] = np.nan                          # one whole window NaN
    x[1, 2, 3, ::2] = np.nan
    for kernel, stride, padding in [((2, 2), (2, 2), (0, 0)), ((3, 3), (1, 1), (1, 1)), ((2, 3), (1, 2), (1, 1))]:
        expected = torch.nn.functional.max_pool2d(torch.tensor(x), kernel, stride, padding).numpy()
        got = MaxPool2d(kernel, stride, padding)(Tensor(x, dtype=np.float64)).data
        np.testing.assert_allclose(got, expected, rtol=0, atol=0)
    out, grad_x = _pool_forward_backward(x, (2, 2), (2, 2), (0, 0), np.ones((2, 3, 3, 3)))
    assert np.isnan(out[0, 0, 0, 0]) and grad_x[0, 0, 0, 0] == 1 and grad_x[0, 0, :2, :2].sum() == 1


def test_maxpool_winners_fit_a_small_integer_type():
    _, argmax = spatial._maxpool2d_forward(np.zeros((1, 1, 4, 4)), (2, 2), (2, 2), (0, 0), (2, 2))
    assert argmax.dtype == np.uint8
    x = np.random.default_rng(10).standard_normal((1, 1, 17, 17))
    _check_pool_against_the_oracle(x, (17, 17), (1, 1), (0, 0))   # 289 offsets: more than uint8 holds

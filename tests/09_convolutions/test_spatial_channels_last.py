"""Every layer and every option on channels-last input, against PyTorch 2.13 in float64 (issue #27).

Every Conv2d output is an (N, C, H, W) array held channels-last in memory (not C-contiguous), and
the fast paths pick memory layouts from it: the pools' gradient buffers, BatchNorm2d's channel
sums, the depthwise convolution's padded copy. So each option (Conv2d dilation, groups, depthwise,
padding "same" with an even kernel and "valid"; MaxPool2d dilation and ceil_mode; AvgPool2d
ceil_mode and count_include_pad; AdaptiveAvgPool2d; BatchNorm2d in training and eval) gets input
in that layout, made two ways (a transposed copy, and the output of a real Conv2d in front of the
layer), with the output gradient in either layout. Outputs, input gradients, parameter gradients
and BatchNorm2d's running statistics must equal torch's.
"""
import numpy as np
import pytest

from tinytorch.core.spatial import AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d
from tinytorch.core.tensor import Tensor
from numeric_checks import f64

torch = pytest.importorskip(
    "torch", reason="PyTorch not installed: the oracle comparison needs torch==2.13.0 (pip install -e '.[dev]')")
F = torch.nn.functional
TOL = dict(rtol=1e-10, atol=1e-12)      # float64 against float64
# torch warns that it copies the input for "same" with an even kernel: the case tested on purpose
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")


def channels_last(array):
    """The same (N, C, H, W) values held channels-last in memory."""
    return array.transpose(0, 2, 3, 1).copy().transpose(0, 3, 1, 2)


def is_channels_last(array):
    return array.transpose(0, 2, 3, 1).flags.c_contiguous and not array.flags.c_contiguous


def tt(array):
    return torch.tensor(np.ascontiguousarray(array), dtype=torch.float64, requires_grad=True)


def conv_params(layer, rng):
    """Random float64 weight and bias for a Conv2d, returned as arrays too."""
    layer.weight = f64(rng.standard_normal(layer.weight.shape), requires_grad=True)
    layer.bias = f64(rng.standard_normal(layer.out_channels), requires_grad=True)
    return layer


# (id, our layer, torch's function of (x, weight tensors), C, H, W)
def conv(c_in, c_out, kernel, **options):
    return (lambda: Conv2d(c_in, c_out, kernel, **options),
            lambda x, w, b: F.conv2d(x, w, b, **options))


def pool(layer, fn, kernel, **options):
    return (lambda: layer(kernel, **options), lambda x: fn(x, kernel, **options))


LAYERS = [
    ("Conv2d padding (1,2)", *conv(4, 3, (3, 2), padding=(1, 2)), (4, 6, 5)),
    ("Conv2d dilation (2,1) stride (1,2)", *conv(4, 3, (2, 3), dilation=(2, 1), stride=(1, 2)), (4, 7, 8)),
    ("Conv2d groups 2", *conv(4, 6, (3, 2), groups=2, padding=1), (4, 5, 6)),
    ("Conv2d depthwise x2 stride 2", *conv(3, 6, (3, 3), groups=3, stride=2, padding=(1, 0)), (3, 7, 6)),
    ("Conv2d same (2,3)", *conv(4, 2, (2, 3), padding="same"), (4, 5, 6)),
    ("Conv2d same (3,2) groups 2", *conv(4, 4, (3, 2), padding="same", groups=2), (4, 5, 6)),
    ("Conv2d same (2,2) depthwise", *conv(3, 3, (2, 2), padding="same", groups=3), (3, 5, 4)),
    ("Conv2d same (2,3) depthwise dilation (1,2)", *conv(2, 4, (2, 3), padding="same", groups=2, dilation=(1, 2)),
     (2, 6, 5)),
    ("Conv2d valid stride (2,1) dilation 2", *conv(3, 2, (2, 2), padding="valid", stride=(2, 1), dilation=2),
     (3, 7, 6)),
    ("MaxPool2d 2", *pool(MaxPool2d, F.max_pool2d, 2), (3, 6, 7)),
    ("MaxPool2d 3 stride 1 padding 1", *pool(MaxPool2d, F.max_pool2d, 3, stride=1, padding=1), (3, 5, 6)),
    ("MaxPool2d dilation 2 padding 1", *pool(MaxPool2d, F.max_pool2d, (2, 3), padding=1, dilation=2), (3, 7, 8)),
    ("MaxPool2d ceil_mode", *pool(MaxPool2d, F.max_pool2d, 2, ceil_mode=True), (3, 5, 7)),
    ("MaxPool2d ceil_mode stride 2 padding 1 overhang", *pool(MaxPool2d, F.max_pool2d, (3, 2), stride=2, padding=1,
                                                               ceil_mode=True), (2, 6, 5)),
    ("MaxPool2d ceil_mode dilation (1,2) stride (2,3)", *pool(MaxPool2d, F.max_pool2d, (2, 2), stride=(2, 3),
                                                              dilation=(1, 2), ceil_mode=True), (3, 6, 8)),
    ("AvgPool2d 3 stride 2 padding 1", *pool(AvgPool2d, F.avg_pool2d, 3, stride=2, padding=1), (3, 6, 7)),
    ("AvgPool2d ceil_mode", *pool(AvgPool2d, F.avg_pool2d, 2, ceil_mode=True), (3, 5, 7)),
    ("AvgPool2d count_include_pad=False", *pool(AvgPool2d, F.avg_pool2d, (3, 2), stride=(2, 1), padding=1,
                                                 count_include_pad=False), (2, 6, 5)),
    ("AvgPool2d ceil_mode count_include_pad=False overhang", *pool(AvgPool2d, F.avg_pool2d, (3, 2), stride=2,
                                                                    padding=1, ceil_mode=True,
                                                                    count_include_pad=False), (3, 6, 5)),
    ("AdaptiveAvgPool2d (3,2)", lambda: AdaptiveAvgPool2d((3, 2)), lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
     (3, 7, 5)),
    ("AdaptiveAvgPool2d 1", lambda: AdaptiveAvgPool2d(1), lambda x: F.adaptive_avg_pool2d(x, 1), (4, 5, 6)),
]
SOURCES = ["transposed copy", "Conv2d output"]
PROBES = ["NCHW grad", "channels-last grad"]


class Front:
    """Where the channels-last input comes from: a transposed copy of x, or a 3x3 Conv2d on x
    (with its torch twin), so that gradients flow back through a real layer too."""

    def __init__(self, source, channels, hw, rng, batch=2):
        self.source, self.rng = source, rng
        if source == SOURCES[0]:
            self.x = rng.standard_normal((batch, channels, *hw))
        else:
            self.x = rng.standard_normal((batch, 2, *hw))
            self.conv = conv_params(Conv2d(2, channels, 3, padding=1), rng)

    def ours(self):
        """(our input Tensor, what feeds the layer: a channels-last array or Tensor)."""
        if self.source == SOURCES[0]:
            xt = f64(channels_last(self.x), requires_grad=True)
            return xt, xt
        xt = f64(self.x, requires_grad=True)
        return xt, self.conv(xt)

    def torch(self):
        if self.source == SOURCES[0]:
            xt = tt(self.x)
            return xt, xt
        xt = tt(self.x)
        self.tw, self.tb = tt(self.conv.weight.data), tt(self.conv.bias.data)
        return xt, F.conv2d(xt, self.tw, self.tb, padding=1)

    def check_grads(self, **tol):
        """Our front conv's parameter gradients equal torch's."""
        if self.source == SOURCES[1]:
            tol = tol or TOL
            np.testing.assert_allclose(self.conv.weight.grad, self.tw.grad.numpy(), **tol, err_msg="front conv weight")
            np.testing.assert_allclose(self.conv.bias.grad, self.tb.grad.numpy(), **tol, err_msg="front conv bias")


def make_probe(shape, layout, rng):
    probe = rng.standard_normal(shape)
    return channels_last(probe) if layout == PROBES[1] else probe


@pytest.mark.parametrize("probe_layout", PROBES)
@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("case", LAYERS, ids=[case[0] for case in LAYERS])
def test_layer_on_channels_last_input_matches_torch(case, source, probe_layout):
    _, make_ours, torch_fn, (channels, *hw) = case
    rng = np.random.default_rng(11)
    front = Front(source, channels, hw, rng)
    layer = make_ours()
    params = []
    if isinstance(layer, Conv2d):
        conv_params(layer, rng)
        params = [(layer.weight, tt(layer.weight.data)), (layer.bias, tt(layer.bias.data))]
    xt, feed = front.ours()
    assert is_channels_last(feed.data if isinstance(feed, Tensor) else feed), "the input is not channels-last"
    out = layer(feed)
    probe = make_probe(out.shape, probe_layout, rng)
    out.backward(probe)
    txt, tfeed = front.torch()
    tout = torch_fn(tfeed, *(t for _, t in params)) if params else torch_fn(tfeed)
    (tout * torch.tensor(np.ascontiguousarray(probe))).sum().backward()
    assert out.shape == tuple(tout.shape) == layer.output_shape((2, channels, *hw))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL, err_msg="output")
    np.testing.assert_allclose(xt.grad, txt.grad.numpy(), **TOL, err_msg="grad x")
    for (ours, theirs), name in zip(params, ("weight", "bias")):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), **TOL, err_msg=f"grad {name}")
    front.check_grads()


# ---------------------------------------------------------------- BatchNorm2d

BN_OPTIONS = [{}, {"momentum": None}, {"affine": False}, {"track_running_stats": False}]
BN_IDS = ["defaults", "momentum=None", "affine=False", "track_running_stats=False"]


@pytest.mark.parametrize("probe_layout", PROBES)
@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("options", BN_OPTIONS, ids=BN_IDS)
def test_batchnorm_on_channels_last_input_matches_torch(options, source, probe_layout):
    # Two training steps (output, every gradient, the running statistics after each), then eval.
    rng = np.random.default_rng(12)
    channels, hw = 3, (5, 4)
    bn, tbn = BatchNorm2d(channels, **options), torch.nn.BatchNorm2d(channels, dtype=torch.float64, **options)
    if bn.weight is not None:
        gamma, beta = rng.uniform(0.5, 2, channels), rng.standard_normal(channels)
        bn.weight, bn.bias = f64(gamma, requires_grad=True), f64(beta, requires_grad=True)
        with torch.no_grad():
            tbn.weight[:], tbn.bias[:] = torch.tensor(gamma), torch.tensor(beta)
    for step, mode in enumerate(("train", "train", "eval")):
        getattr(bn, mode)()
        getattr(tbn, mode)()
        front = Front(source, channels, hw, rng, batch=3)
        front.x = front.x * (1 + step) + step               # statistics that move from step to step
        if bn.weight is not None:
            bn.weight.grad = bn.bias.grad = None
            tbn.zero_grad()
        xt, feed = front.ours()
        assert is_channels_last(feed.data if isinstance(feed, Tensor) else feed)
        out = bn(feed)
        probe = make_probe(out.shape, probe_layout, rng)
        out.backward(probe)
        txt, tfeed = front.torch()
        tout = tbn(tfeed)
        (tout * torch.tensor(np.ascontiguousarray(probe))).sum().backward()
        what = f"step {step} ({mode})"
        # eval normalises by the running statistics, float32 arrays (as torch's are in a float32 model)
        tol = dict(rtol=1e-5, atol=1e-6) if mode == "eval" and bn.running_var is not None else TOL
        np.testing.assert_allclose(out.data, tout.detach().numpy(), **tol, err_msg=f"{what}: output")
        np.testing.assert_allclose(xt.grad, txt.grad.numpy(), **tol, err_msg=f"{what}: grad x")
        if bn.weight is not None:
            np.testing.assert_allclose(bn.weight.grad, tbn.weight.grad.numpy(), **tol, err_msg=f"{what}: grad weight")
            np.testing.assert_allclose(bn.bias.grad, tbn.bias.grad.numpy(), **tol, err_msg=f"{what}: grad bias")
        if bn.running_mean is not None:
            np.testing.assert_allclose(bn.running_mean, tbn.running_mean.numpy(), rtol=1e-6, atol=1e-7,
                                       err_msg=f"{what}: running_mean")
            np.testing.assert_allclose(bn.running_var, tbn.running_var.numpy(), rtol=1e-6, atol=1e-7,
                                       err_msg=f"{what}: running_var")
        front.check_grads(**tol)


def test_batchnorm_statistics_of_a_conv_output_by_hand():
    # The per-channel mean and (unbiased) variance that the running statistics take, computed
    # directly from the numbers, on a Conv2d output (channels-last in memory).
    rng = np.random.default_rng(13)
    conv = conv_params(Conv2d(2, 4, 3, padding=1), rng)
    h = conv(f64(rng.standard_normal((3, 2, 5, 6)))).data
    assert is_channels_last(h)
    bn = BatchNorm2d(4, momentum=1.0)                 # momentum 1: the running stats are this batch's
    bn(f64(h))
    plain = np.ascontiguousarray(h)
    np.testing.assert_allclose(bn.running_mean, plain.mean(axis=(0, 2, 3)), rtol=1e-6)
    np.testing.assert_allclose(bn.running_var, plain.var(axis=(0, 2, 3), ddof=1), rtol=1e-6)

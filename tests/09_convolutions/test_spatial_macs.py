"""Conv2d.macs and the parameter count with groups, dilation and string padding, against PyTorch
2.13's FlopCounterMode (which counts 2 floating-point operations per multiply-accumulate) and a
formula written out here (issue #27).

A convolution's output position sums (C_in // groups) * kh * kw products: groups split the input
channels, and dilation spreads the kh * kw taps without adding any. The weight has
C_out * (C_in // groups) * kh * kw values, plus C_out biases.
"""
import numpy as np
import pytest

from tinytorch.core.layers import count_parameters
from tinytorch.core.spatial import Conv2d, conv2d_macs

torch = pytest.importorskip(
    "torch", reason="PyTorch not installed: the oracle comparison needs torch==2.13.0 (pip install -e '.[dev]')")
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

# torch warns that it would copy the input for "same" with an even kernel: a case tested on purpose
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel:UserWarning")

# (input shape, Conv2d arguments)
CASES = [
    ((1, 3, 12, 12), dict(in_channels=3, out_channels=4, kernel_size=3)),
    ((2, 4, 9, 11), dict(in_channels=4, out_channels=6, kernel_size=3, groups=2)),
    ((1, 8, 10, 10), dict(in_channels=8, out_channels=8, kernel_size=3, groups=8, padding=1)),
    ((1, 4, 8, 8), dict(in_channels=4, out_channels=8, kernel_size=3, groups=4)),
    ((1, 2, 12, 12), dict(in_channels=2, out_channels=4, kernel_size=3, dilation=2)),
    ((2, 3, 11, 13), dict(in_channels=3, out_channels=5, kernel_size=(2, 3), dilation=(3, 2), stride=(2, 1))),
    ((1, 6, 10, 9), dict(in_channels=6, out_channels=4, kernel_size=3, groups=2, dilation=2, padding=1, stride=2)),
    ((2, 4, 7, 8), dict(in_channels=4, out_channels=6, kernel_size=(2, 4), padding="same", groups=2)),
    ((1, 3, 9, 7), dict(in_channels=3, out_channels=3, kernel_size=(3, 2), padding="same", dilation=(2, 3), groups=3)),
    ((1, 4, 9, 10), dict(in_channels=4, out_channels=2, kernel_size=2, padding="valid", dilation=3, groups=2)),
    ((1, 16, 6, 6), dict(in_channels=16, out_channels=32, kernel_size=(1, 1), groups=16)),
]
IDS = [", ".join(f"{k}={v}" for k, v in kwargs.items() if k not in ("in_channels", "out_channels"))
       + f" {shape}" for shape, kwargs in CASES]


def torch_conv(kwargs):
    return torch.nn.Conv2d(**kwargs, device="meta")      # shapes only: no memory, no numbers


def torch_flops(layer, shape):
    with FlopCounterMode(display=False) as counter:
        layer(torch.zeros(shape, device="meta"))
    return counter.get_total_flops()


@pytest.mark.parametrize("shape, kwargs", CASES, ids=IDS)
def test_macs_are_half_torch_flop_count(shape, kwargs):
    assert 2 * Conv2d(**kwargs).macs(shape) == torch_flops(torch_conv(kwargs), shape)


@pytest.mark.parametrize("shape, kwargs", CASES, ids=IDS)
def test_macs_by_the_formula(shape, kwargs):
    layer = Conv2d(**kwargs)
    batch, c_out, h_out, w_out = torch_conv(kwargs)(torch.zeros(shape, device="meta")).shape
    assert layer.output_shape(shape) == (batch, c_out, h_out, w_out)
    kh, kw = (kwargs["kernel_size"],) * 2 if isinstance(kwargs["kernel_size"], int) else kwargs["kernel_size"]
    per_output = kwargs["in_channels"] // kwargs.get("groups", 1) * kh * kw    # dilation adds no products
    assert layer.macs(shape) == batch * c_out * h_out * w_out * per_output


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape, kwargs", CASES, ids=IDS)
def test_parameter_count_and_weight_shape_match_torch(shape, kwargs, bias):
    layer, twin = Conv2d(**kwargs, bias=bias), torch_conv(dict(kwargs, bias=bias))
    assert layer.weight.shape == tuple(twin.weight.shape)
    assert count_parameters(layer) == sum(p.numel() for p in twin.parameters())
    assert count_parameters(layer, trainable_only=True) == count_parameters(layer)


def test_the_audits_two_layers_by_hand():
    # Conv2d(4, 8, 3, groups=4) on (1, 4, 8, 8): 6x6 outputs, 8 channels, 1 * 3 * 3 products each.
    assert Conv2d(4, 8, 3, groups=4).macs((1, 4, 8, 8)) == 8 * 6 * 6 * 9
    # Conv2d(2, 4, 3, dilation=2) on (1, 2, 12, 12): the taps span 5x5, so 8x8 outputs, 2 * 3 * 3 products each.
    assert Conv2d(2, 4, 3, dilation=2).macs((1, 2, 12, 12)) == 4 * 8 * 8 * 18


def test_conv2d_macs_agrees_with_the_layer_without_options():
    for shape, kwargs in CASES[:1]:
        layer = Conv2d(**kwargs)
        assert conv2d_macs(shape, layer.out_channels, layer.kernel_size, layer.stride, layer.padding) == \
            layer.macs(shape) == np.prod(layer.output_shape(shape)) * 3 * 9

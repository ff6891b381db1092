"""The five check-your-understanding questions of Module 09, answered by the module's
helpers and checked against the arithmetic done by hand in the comments."""
import numpy as np

from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Linear
from tinytorch.core.spatial import (AvgPool2d, Conv2d, MaxPool2d, activation_bytes, conv_output_size,
                                    count_parameters, receptive_field)


def test_q1_output_shape_stride_two_same_padding():
    # H_out = W_out = (128 + 2*2 - 5) // 2 + 1 = 127 // 2 + 1 = 63 + 1 = 64 (floor: 127/2 = 63.5)
    # -> (batch 32, out_channels 64, 64, 64)
    assert Conv2d(3, 64, kernel_size=5, padding=2, stride=2).output_shape((32, 3, 128, 128)) == (32, 64, 64, 64)


def test_q2_parameters_conv_vs_dense():
    # conv: 64 * 3 * 3 * 3 weights + 64 biases = 1728 + 64 = 1792
    assert count_parameters(Conv2d(3, 64, 3)) == 1792
    # no bias: 1728
    assert count_parameters(Conv2d(3, 64, 3, bias=False)) == 1728
    # dense from a 224x224x3 image: 224*224*3 = 150528 inputs; 150528 * 64 = 9633792 weights
    # + 64 biases = 9633856
    assert count_parameters(Linear(224 * 224 * 3, 64)) == 9_633_856


def test_q3_macs():
    # out (16, 128, 56, 56) ("same" padding); MACs = 16*128*56*56 outputs * 64*3*3 per output
    # = 6,422,528 * 576 = 3,699,376,128
    assert Conv2d(64, 128, 3, padding=1).macs((16, 64, 56, 56)) == 3_699_376_128


def test_q3_macs_count_the_floor_and_rectangles():
    # (1, 2, 7, 8) through Conv2d(2, 3, (2, 3), stride=(2, 3)):
    # H_out = (7 - 2) // 2 + 1 = 3, W_out = (8 - 3) // 3 + 1 = 2; MACs = 1*3*3*2 * 2*2*3 = 18 * 12 = 216
    assert Conv2d(2, 3, (2, 3), stride=(2, 3)).macs((1, 2, 7, 8)) == 216


def test_q4_activation_bytes():
    # H_out = (224 + 6 - 7) // 2 + 1 = 223 // 2 + 1 = 112; out (64, 256, 112, 112)
    # = 64*256 = 16384 * 12544 = 205,520,896 values * 4 bytes = 822,083,584 bytes (784 MiB)
    shape = Conv2d(3, 256, 7, stride=2, padding=3).output_shape((64, 3, 224, 224))
    assert shape == (64, 256, 112, 112)
    assert activation_bytes(shape) == 822_083_584
    # float64 doubles it
    assert activation_bytes(shape, np.float64) == 1_644_167_168


def test_q5_receptive_field():
    # r = j = 1; conv3: r = 1 + 2*1 = 3, j = 1; maxpool2 (stride 2): r = 3 + 1*1 = 4, j = 2;
    # conv3: r = 4 + 2*2 = 8; conv3: r = 8 + 2*2 = 12  -> (12, 12)
    layers = [Conv2d(1, 1, 3), MaxPool2d(2), Conv2d(1, 1, 3), Conv2d(1, 1, 3)]
    assert receptive_field(layers) == (12, 12)


def test_receptive_field_rectangular_and_strided():
    # conv (3, 1) stride (2, 1): r = (3, 1), j = (2, 1); avgpool (2, 3) stride (2, 3):
    # r = (3 + 1*2, 1 + 2*1) = (5, 3), j = (4, 3); conv (1, 3): r = (5, 3 + 2*3) = (5, 9)
    layers = [Conv2d(1, 1, (3, 1), stride=(2, 1)), AvgPool2d((2, 3)), Conv2d(1, 1, (1, 3))]
    assert receptive_field(layers) == (5, 9)
    assert receptive_field([]) == (1, 1)


def test_receptive_field_skips_layers_without_a_kernel():
    # ReLU sees one value at a time: it neither widens the field nor ends the walk.
    # conv3 -> r = 3, j = 1; ReLU: same; maxpool2 -> r = 4, j = 2; ReLU: same; conv3 -> r = 4 + 2*2 = 8
    # (stopping at the first ReLU would give 3; stopping at the second, 4)
    layers = [Conv2d(1, 1, 3), ReLU(), MaxPool2d(2), ReLU(), Conv2d(1, 1, 3)]
    assert receptive_field(layers) == (8, 8)
    assert receptive_field([ReLU(), Conv2d(1, 1, (3, 5)), ReLU()]) == (3, 5)
    assert receptive_field([ReLU()]) == (1, 1)


def test_receptive_field_keeps_the_stride_of_a_1x1_layer():
    # a 1x1 stride-2 layer (ResNet's shortcut) widens nothing but doubles the jump: the 3x3 after it sees 1 + 2 * 2
    assert receptive_field([Conv2d(1, 1, 1, stride=2), Conv2d(1, 1, 3)]) == (5, 5)
    assert receptive_field([Conv2d(1, 1, (1, 3), stride=2), Conv2d(1, 1, 3)]) == (5, 7)


def test_conv_output_size_formula():
    # (n + 2p - k) // s + 1
    assert conv_output_size(28, 5) == 24
    assert conv_output_size(8, 3, stride=2) == 3          # (8-3)/2 = 2.5 -> floor 2, +1
    assert conv_output_size(224, 7, stride=2, padding=3) == 112
    assert conv_output_size(5, 5) == 1


def test_pool_output_shape_and_macs():
    # MaxPool2d(3, stride=2) on (2, 5, 9, 8): (9-3)//2+1 = 4, (8-3)//2+1 = 3; channels kept
    assert MaxPool2d(3, stride=2).output_shape((2, 5, 9, 8)) == (2, 5, 4, 3)
    # AvgPool2d((2, 1), padding=(1, 0)), stride (2, 1), on 3x3: (3 + 2 - 2) // 2 + 1 = 2, (3 - 1) // 1 + 1 = 3
    assert AvgPool2d((2, 1), padding=(1, 0)).output_shape((1, 1, 3, 3)) == (1, 1, 2, 3)
    assert MaxPool2d(2).macs((1, 1, 4, 4)) == 0

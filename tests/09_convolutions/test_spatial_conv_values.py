"""Conv2d values worked out by hand, for the loops, the vectorized function and the layer.

Every expected array below is written out literally; the comment above it shows the
arithmetic. Each case runs three ways: conv2d_loops, conv2d_vectorized, and a Conv2d
layer whose weight (and bias) are set by hand through layer.weight.data[...] = ...
"""
import numpy as np
import pytest
from numeric_checks import assert_values as check, image as img

from tinytorch.core.spatial import Conv2d, conv2d_loops, conv2d_vectorized
from tinytorch.core.tensor import Tensor


def _layer(x, w, b=None, stride=1, padding=0):
    c_out, c_in, kh, kw = w.shape
    layer = Conv2d(c_in, c_out, (kh, kw), stride=stride, padding=padding, bias=b is not None)
    layer.weight.data[...] = w
    if b is not None:
        layer.bias.data[...] = b
    out = layer(Tensor(x))
    assert isinstance(out, Tensor)
    return out.data


IMPLS = {
    "loops": lambda x, w, b=None, stride=1, padding=0: conv2d_loops(x, w, b, stride, padding),
    "vectorized": lambda x, w, b=None, stride=1, padding=0: conv2d_vectorized(x, w, b, stride, padding),
    "layer": _layer,
}


@pytest.fixture(params=list(IMPLS))
def conv(request):
    return IMPLS[request.param]


def f32(values):
    return np.array(values, dtype=np.float32)


# x = 1..9 as a 3x3 image:  1 2 3 / 4 5 6 / 7 8 9
X9 = img([[1, 2, 3], [4, 5, 6], [7, 8, 9]])


def test_identity_kernel_with_same_padding_returns_the_input(conv):
    # 3x3 kernel with a single 1 in the centre, padding 1: every output is the pixel
    # under the centre, so the output is the input itself (a padding applied on one
    # side only, or an off-by-one window start, would shift it).
    w = np.zeros((1, 1, 3, 3), dtype=np.float32)
    w[0, 0, 1, 1] = 1
    check(conv(X9, w, padding=1), [[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]])


def test_one_by_one_kernel_scales(conv):
    # 1x1 kernel of value 2: out = 2 * x, same shape.
    check(conv(X9, f32([[[[2]]]])), [[[[2, 4, 6], [8, 10, 12], [14, 16, 18]]]])


def test_all_ones_kernel_sums_each_window(conv):
    # 2x2 ones on 1..9: [1+2+4+5, 2+3+5+6] = [12, 16]; [4+5+7+8, 5+6+8+9] = [24, 28]
    check(conv(X9, np.ones((1, 1, 2, 2), np.float32)), [[[[12, 16], [24, 28]]]])


def test_kernel_is_neither_transposed_nor_flipped(conv):
    # Cross-correlation, as PyTorch: y[i, j] = sum_ab x[i+a, j+b] * w[a, b], w = [[1, 2], [3, 4]].
    # (0,0): 1*1 + 2*2 + 4*3 + 5*4 = 37      (0,1): 2*1 + 3*2 + 5*3 + 6*4 = 47
    # (1,0): 4*1 + 5*2 + 7*3 + 8*4 = 67      (1,1): 5*1 + 6*2 + 8*3 + 9*4 = 77
    # (a transposed kernel gives 35 at (0,0), a flipped one 23)
    check(conv(X9, f32([[[[1, 2], [3, 4]]]])), [[[[37, 47], [67, 77]]]])


# A vertical step edge: columns 0-1 are 0, columns 2-4 are 1 (4 rows x 5 columns).
STEP = img([[0, 0, 1, 1, 1]] * 4)


def test_horizontal_difference_finds_a_vertical_edge(conv):
    # kernel [[-1, 1]] (1x2): y[i, j] = x[i, j+1] - x[i, j] -> 1 only between columns 1 and 2.
    # Output 4 x (5 - 2 + 1) = 4 x 4, each row [0, 1, 0, 0].
    check(conv(STEP, f32([[[[-1, 1]]]])), [[[[0, 1, 0, 0]] * 4]])


def test_vertical_difference_ignores_a_vertical_edge(conv):
    # kernel [[-1], [1]] (2x1): y[i, j] = x[i+1, j] - x[i, j] = 0 on a picture constant down each
    # column; output (4 - 2 + 1) x 5 = 3 x 5 zeros. On the transposed step (rows 0-1 are 0,
    # rows 2-4 are 1) it finds the edge: a row of ones between rows 1 and 2.
    check(conv(STEP, f32([[[[-1], [1]]]])), [[[[0, 0, 0, 0, 0]] * 3]])
    step_t = np.ascontiguousarray(STEP.transpose(0, 1, 3, 2))            # 5 x 4
    check(conv(step_t, f32([[[[-1], [1]]]])), [[[[0, 0, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0]]]])


# x = 0..15 as a 4x4 image: row r holds 4r .. 4r+3
X16 = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)


def test_stride_two(conv):
    # 2x2 ones, stride 2 on 0..15: windows at (0,0), (0,2), (2,0), (2,2)
    # 0+1+4+5 = 10, 2+3+6+7 = 18, 8+9+12+13 = 42, 10+11+14+15 = 50
    check(conv(X16, np.ones((1, 1, 2, 2), np.float32), stride=2), [[[[10, 18], [42, 50]]]])


def test_stride_two_floors_the_output_size(conv):
    # 5x5 image 0..24 (row r: 5r .. 5r+4), 2x2 kernel picking the window's top-left, stride 2:
    # (5 - 2) // 2 + 1 = 2 windows per axis, starting at 0 and 2 (the last row/column is dropped):
    # [[x(0,0), x(0,2)], [x(2,0), x(2,2)]] = [[0, 2], [10, 12]]
    x = np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5)
    check(conv(x, f32([[[[1, 0], [0, 0]]]]), stride=2), [[[[0, 2], [10, 12]]]])


def test_padding_one(conv):
    # 3x3 ones with padding 1 on 1..9: each output sums the 3x3 neighbourhood, zeros outside.
    # row 0: 1+2+4+5 = 12, 1+2+3+4+5+6 = 21, 2+3+5+6 = 16
    # row 1: 1+2+4+5+7+8 = 27, 45, 2+3+5+6+8+9 = 33
    # row 2: 4+5+7+8 = 24, 4+5+6+7+8+9 = 39, 5+6+8+9 = 28
    check(conv(X9, np.ones((1, 1, 3, 3), np.float32), padding=1),
          [[[[12, 21, 16], [27, 45, 33], [24, 39, 28]]]])


def test_padding_one_stride_two(conv):
    # 3x3 ones, padding 1, stride 2 on 1..9: (3 + 2 - 3) // 2 + 1 = 2 per axis, windows centred
    # on (0,0), (0,2), (2,0), (2,2) -> the corners of the table above: [[12, 16], [24, 28]]
    check(conv(X9, np.ones((1, 1, 3, 3), np.float32), stride=2, padding=1), [[[[12, 16], [24, 28]]]])


def test_rectangular_kernel_and_stride(conv):
    # 4x6 image 0..23 (row r: 6r .. 6r+5), 2x3 ones kernel, stride (2, 3):
    # H_out = (4 - 2) // 2 + 1 = 2, W_out = (6 - 3) // 3 + 1 = 2
    # (0,0): 0+1+2+6+7+8 = 24          (0,1): 3+4+5+9+10+11 = 42
    # (1,0): 12+13+14+18+19+20 = 96    (1,1): 15+16+17+21+22+23 = 114
    x = np.arange(24, dtype=np.float32).reshape(1, 1, 4, 6)
    check(conv(x, np.ones((1, 1, 2, 3), np.float32), stride=(2, 3)), [[[[24, 42], [96, 114]]]])


def test_rectangular_padding_kernel_and_stride(conv):
    # x = 1 2 3 4 / 5 6 7 8 / 9 10 11 12; 3x1 ones kernel (a column sum), padding (1, 0), stride (1, 2):
    # H_out = (3 + 2 - 3) // 1 + 1 = 3, W_out = (4 - 1) // 2 + 1 = 2 (columns 0 and 2)
    # row 0 sums rows -1..1: [1+5, 3+7] = [6, 10]
    # row 1 sums rows 0..2:  [1+5+9, 3+7+11] = [15, 21]
    # row 2 sums rows 1..3:  [5+9, 7+11] = [14, 18]
    x = img([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    check(conv(x, np.ones((1, 1, 3, 1), np.float32), stride=(1, 2), padding=(1, 0)),
          [[[[6, 10], [15, 21], [14, 18]]]])


def test_input_channels_are_summed_and_output_channels_separate(conv):
    # Image 0 has channels c0 = ones, c1 = 2 * ones, c2 = 1..9; image 1 is image 0 negated.
    # Output channel 0: weight ones on c0 and c1, zeros on c2 -> 4*1 + 4*2 = 12 everywhere.
    # Output channel 1: weight [[0,0],[0,1]] on c0 (adds 1), zeros on c1, [[1,0],[0,0]] on c2
    # (the window's top-left of 1..9) -> [[1, 2], [4, 5]] + 1 = [[2, 3], [5, 6]].
    # No bias, so image 1's outputs are the negatives.
    image = np.stack([np.ones((3, 3)), 2 * np.ones((3, 3)), X9[0, 0]]).astype(np.float32)
    x = np.stack([image, -image])
    w = np.zeros((2, 3, 2, 2), dtype=np.float32)
    w[0, 0] = 1
    w[0, 1] = 1
    w[1, 0, 1, 1] = 1
    w[1, 2, 0, 0] = 1
    first = [[[12, 12], [12, 12]], [[2, 3], [5, 6]]]
    check(conv(x, w), [first, -np.array(first)])


def test_bias_is_added_per_output_channel(conv):
    # 2x2 kernels on 1..9: channel 0 ones (window sums 12, 16, 24, 28) + bias 10 -> 22, 26, 34, 38;
    # channel 1 twos (24, 32, 48, 56) + bias -1 -> 23, 31, 47, 55.
    w = np.stack([np.ones((1, 2, 2)), 2 * np.ones((1, 2, 2))]).astype(np.float32)
    check(conv(X9, w, f32([10, -1])), [[[[22, 26], [34, 38]], [[23, 31], [47, 55]]]])


def test_bias_with_padding_reaches_the_border(conv):
    # 1x1 zero kernel, padding 1, bias 3: the output is all 3, ring of padding included (3x3 -> 5x5).
    check(conv(X9, np.zeros((1, 1, 1, 1), np.float32), f32([3]), padding=1), np.full((1, 1, 5, 5), 3.0))


def test_float32_in_float32_out(conv):
    out = conv(X9, np.ones((1, 1, 2, 2), np.float32), f32([1]))
    assert out.dtype == np.float32

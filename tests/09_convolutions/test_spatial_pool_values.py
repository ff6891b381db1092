"""MaxPool2d / AvgPool2d values worked out by hand, for the loops, the vectorized
functions and the layers."""
import numpy as np
import pytest
from numeric_checks import assert_values as check, image as img

from tinytorch.core.spatial import (AvgPool2d, MaxPool2d, avgpool2d_loops, avgpool2d_vectorized,
                                    maxpool2d_loops, maxpool2d_vectorized)
from tinytorch.core.tensor import Tensor


def _layer(cls):
    def run(x, kernel_size, stride=None, padding=0):
        out = cls(kernel_size, stride=stride, padding=padding)(Tensor(x))
        assert isinstance(out, Tensor)
        return out.data
    return run


MAX = {"loops": maxpool2d_loops, "vectorized": maxpool2d_vectorized, "layer": _layer(MaxPool2d)}
AVG = {"loops": avgpool2d_loops, "vectorized": avgpool2d_vectorized, "layer": _layer(AvgPool2d)}


@pytest.fixture(params=list(MAX))
def maxpool(request):
    return MAX[request.param]


@pytest.fixture(params=list(AVG))
def avgpool(request):
    return AVG[request.param]


# An irregular 4x4 image, so the maximum is not always in the same corner of a window:
#   1 9 2 0
#   3 4 8 5
#   7 0 6 1
#   2 5 3 4
X = img([[1, 9, 2, 0], [3, 4, 8, 5], [7, 0, 6, 1], [2, 5, 3, 4]])
# x = 0..15 (row r: 4r .. 4r+3)
X16 = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
# x = -1 .. -9 as a 3x3 image: every value negative
NEG = -np.arange(1, 10, dtype=np.float32).reshape(1, 1, 3, 3)


def test_max_default_stride_is_the_kernel(maxpool):
    # 2x2 windows at (0,0), (0,2), (2,0), (2,2) of X: max(1,9,3,4) = 9, max(2,0,8,5) = 8,
    # max(7,0,2,5) = 7, max(6,1,3,4) = 6
    check(maxpool(X, 2), [[[[9, 8], [7, 6]]]])


def test_avg_default_stride_is_the_kernel(avgpool):
    # (1+9+3+4)/4 = 4.25, (2+0+8+5)/4 = 3.75, (7+0+2+5)/4 = 3.5, (6+1+3+4)/4 = 3.5
    check(avgpool(X, 2), [[[[4.25, 3.75], [3.5, 3.5]]]])


def test_max_overlapping_windows(maxpool):
    # 2x2 windows, stride 1 -> 3x3 output:
    # row 0: max(1,9,3,4)=9  max(9,2,4,8)=9  max(2,0,8,5)=8
    # row 1: max(3,4,7,0)=7  max(4,8,0,6)=8  max(8,5,6,1)=8
    # row 2: max(7,0,2,5)=7  max(0,6,5,3)=6  max(6,1,3,4)=6
    check(maxpool(X, 2, stride=1), [[[[9, 9, 8], [7, 8, 8], [7, 6, 6]]]])


def test_avg_overlapping_windows(avgpool):
    # same windows, sums / 4:
    # row 0: 17/4=4.25  23/4=5.75  15/4=3.75
    # row 1: 14/4=3.5   18/4=4.5   20/4=5
    # row 2: 14/4=3.5   14/4=3.5   14/4=3.5
    check(avgpool(X, 2, stride=1), [[[[4.25, 5.75, 3.75], [3.5, 4.5, 5.0], [3.5, 3.5, 3.5]]]])


def test_overlapping_3x3_stride_2_floors(maxpool, avgpool):
    # 5x5 image 0..24 (row r: 5r .. 5r+4), 3x3 windows with stride 2 (AlexNet style):
    # (5 - 3) // 2 + 1 = 2 per axis, windows at rows/cols 0-2 and 2-4.
    # max = bottom-right of each window: [[12, 14], [22, 24]]
    # mean of a window of this linear ramp = its centre: [[6, 8], [16, 18]]
    x = np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5)
    check(maxpool(x, 3, stride=2), [[[[12, 14], [22, 24]]]])
    check(avgpool(x, 3, stride=2), [[[[6, 8], [16, 18]]]])


def test_max_floor_drops_the_last_row_and_column(maxpool):
    # 5x5 ramp, 2x2 windows, stride 2: (5 - 2) // 2 + 1 = 2 (not 3): row/column 4 is never seen.
    # windows at 0 and 2: max = x(1,1), x(1,3), x(3,1), x(3,3) = 6, 8, 16, 18
    x = np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5)
    check(maxpool(x, 2), [[[[6, 8], [16, 18]]]])


def test_max_padding_counts_as_minus_infinity(maxpool):
    # All-negative 3x3 (-1..-9), 2x2 windows, stride 2, padding 1: padded 5x5, output 2x2.
    # (0,0) sees only x(0,0) = -1; (0,1) sees x(0,1), x(0,2) = -2, -3 -> -2;
    # (1,0) sees x(1,0), x(2,0) = -4, -7 -> -4; (1,1) sees -5, -6, -8, -9 -> -5.
    # Zero padding would give [[0, 0], [0, -5]].
    check(maxpool(NEG, 2, stride=2, padding=1), [[[[-1, -2], [-4, -5]]]])


def test_max_padding_overlapping(maxpool):
    # -1..-9, 3x3 windows, stride 1, padding 1 (output 3x3): max over each 3x3 neighbourhood
    # inside the image. Row 0: -1 (of -1,-2,-4,-5), -1, -2 (of -2,-3,-5,-6)
    # row 1: -1, -1, -2; row 2: -4 (of -4,-5,-7,-8), -4, -5 (of -5,-6,-8,-9)
    check(maxpool(NEG, 3, stride=1, padding=1), [[[[-1, -1, -2], [-1, -1, -2], [-4, -4, -5]]]])


def test_avg_padding_counts_zeros_in_the_mean(avgpool):
    # 3x3 ones, 2x2 windows, stride 2, padding 1 (count_include_pad=True, divide by 4 always):
    # (0,0) holds one real 1: 1/4; (0,1), (1,0) hold two: 2/4; (1,1) holds four: 1.
    # (Excluding the padding from the count would give all ones.)
    check(avgpool(np.ones((1, 1, 3, 3), np.float32), 2, stride=2, padding=1), [[[[0.25, 0.5], [0.5, 1.0]]]])


def test_avg_padding_overlapping(avgpool):
    # 1..9, 3x3 windows, stride 1, padding 1: neighbourhood sums (see the conv test) / 9
    # [[12, 21, 16], [27, 45, 33], [24, 39, 28]] / 9
    x = img([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    check(avgpool(x, 3, stride=1, padding=1), np.array([[[[12, 21, 16], [27, 45, 33], [24, 39, 28]]]]) / 9)


def test_rectangular_windows(maxpool, avgpool):
    # 4x6 image 0..23 (row r: 6r .. 6r+5), 2x3 windows (stride defaults to (2, 3)): 2x2 output.
    # max = bottom-right of each window: x(1,2)=8, x(1,5)=11, x(3,2)=20, x(3,5)=23
    # mean = (top row + bottom row) / 6: (0+1+2+6+7+8)/6 = 4, (3+4+5+9+10+11)/6 = 7,
    #        (12+13+14+18+19+20)/6 = 16, (15+16+17+21+22+23)/6 = 19
    x = np.arange(24, dtype=np.float32).reshape(1, 1, 4, 6)
    check(maxpool(x, (2, 3)), [[[[8, 11], [20, 23]]]])
    check(avgpool(x, (2, 3)), [[[[4, 7], [16, 19]]]])


def test_rectangular_window_stride_and_padding(maxpool, avgpool):
    # X, 3x2 windows, stride (1, 2), padding (1, 0): H_out = (4 + 2 - 3) + 1 = 4,
    # W_out = (4 - 2) // 2 + 1 = 2 (column pairs A = 0-1, B = 2-3); output row i covers rows i-1..i+1.
    # i=0 rows 0-1: A {1,9,3,4} max 9 sum 17;  B {2,0,8,5} max 8 sum 15
    # i=1 rows 0-2: A +{7,0} max 9 sum 24;     B +{6,1} max 8 sum 22
    # i=2 rows 1-3: A {3,4,7,0,2,5} max 7 sum 21;  B {8,5,6,1,3,4} max 8 sum 27
    # i=3 rows 2-3: A {7,0,2,5} max 7 sum 14;  B {6,1,3,4} max 6 sum 14
    # averages divide by 6 (padding rows count as zeros)
    check(maxpool(X, (3, 2), stride=(1, 2), padding=(1, 0)), [[[[9, 8], [9, 8], [7, 8], [7, 6]]]])
    check(avgpool(X, (3, 2), stride=(1, 2), padding=(1, 0)),
          np.array([[[[17, 15], [24, 22], [21, 27], [14, 14]]]]) / 6)


def test_channels_and_images_are_pooled_separately(maxpool, avgpool):
    # Batch of 2 images with 2 channels: [X, -X] and [2X, X + 1].
    # max 2x2: X -> [[9, 8], [7, 6]]; -X -> -(window minima) = -[[1, 0], [0, 1]];
    #          2X -> [[18, 16], [14, 12]]; X + 1 -> [[10, 9], [8, 7]]
    # avg 2x2: X -> [[4.25, 3.75], [3.5, 3.5]], and linearly for the others
    x = np.concatenate([np.concatenate([X, -X], axis=1), np.concatenate([2 * X, X + 1], axis=1)])
    check(maxpool(x, 2), [[[[9, 8], [7, 6]], [[-1, 0], [0, -1]]],
                          [[[18, 16], [14, 12]], [[10, 9], [8, 7]]]])
    a = np.array([[4.25, 3.75], [3.5, 3.5]])
    check(avgpool(x, 2), [[a, -a], [2 * a, a + 1]])


def test_pool_float32_in_float32_out(maxpool, avgpool):
    assert maxpool(X, 2).dtype == np.float32
    assert avgpool(X, 2).dtype == np.float32

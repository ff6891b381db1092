"""Integer and bool inputs become float32, as Tensor does, in the loops, the vectorized functions,
the backward loops and the layers: no int64 output, no OverflowError when max pooling pads with
-inf, no integer division in average pooling."""
import numpy as np
import pytest

from tinytorch.core.spatial import (AvgPool2d, Conv2d, MaxPool2d, avgpool2d_backward_loops, avgpool2d_loops,
                                    avgpool2d_vectorized, conv2d_backward_loops, conv2d_loops, conv2d_vectorized,
                                    maxpool2d_backward_loops, maxpool2d_loops, maxpool2d_vectorized)

# 1 9 2 / 3 4 8 / 7 0 6, as ints
XI = np.array([[[[1, 9, 2], [3, 4, 8], [7, 0, 6]]]], dtype=np.int64)

INT_DTYPES = [np.int64, np.int32, np.uint8, np.int8]


def _conv_layer(x, w, b=None, stride=1, padding=0):
    layer = Conv2d(w.shape[1], w.shape[0], w.shape[2:], stride=stride, padding=padding, bias=b is not None)
    layer.weight.data[...] = w
    if b is not None:
        layer.bias.data[...] = b
    return layer(x).data     # a plain (integer) numpy array straight into the layer


CONVS = {"conv2d_loops": conv2d_loops, "conv2d_vectorized": conv2d_vectorized, "Conv2d": _conv_layer}


@pytest.mark.parametrize("name", list(CONVS))
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_conv_integer_input_gives_float32(name, dtype):
    # 2x2 kernel [[1, 0], [0, 2]], bias 1, padding 1 (4x4 output): out[i, j] = P[i, j] + 2 P[i+1, j+1] + 1,
    # P = x inside a ring of zeros. Row 0: 2*1+1, 2*9+1, 2*2+1, 1 = 3, 19, 5, 1
    # row 1: 2*3+1, 1+2*4+1, 9+2*8+1, 2+1 = 7, 10, 26, 3;  row 2: 2*7+1, 3+1, 4+2*6+1, 8+1 = 15, 4, 17, 9
    # row 3: 1, 7+1, 1, 6+1 = 1, 8, 1, 7
    w = np.array([[[[1, 0], [0, 2]]]], dtype=dtype)
    out = CONVS[name](XI.astype(dtype), w, np.array([1], dtype=dtype), 1, 1)
    assert out.dtype == np.float32, f"{name}: {np.dtype(dtype).name} input gave {out.dtype}, expected float32"
    np.testing.assert_array_equal(out[0, 0], [[3, 19, 5, 1], [7, 10, 26, 3], [15, 4, 17, 9], [1, 8, 1, 7]])


def _pool_layer(cls):
    return lambda x, kernel, stride=None, padding=0: cls(kernel, stride=stride, padding=padding)(x).data


MAX = {"maxpool2d_loops": maxpool2d_loops, "maxpool2d_vectorized": maxpool2d_vectorized,
       "MaxPool2d": _pool_layer(MaxPool2d)}
AVG = {"avgpool2d_loops": avgpool2d_loops, "avgpool2d_vectorized": avgpool2d_vectorized,
       "AvgPool2d": _pool_layer(AvgPool2d)}


@pytest.mark.parametrize("name", list(MAX))
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_maxpool_integer_input_with_padding(name, dtype):
    # 2x2 windows, stride 2, padding 1 over the -inf rim: (0,0) {1}, (0,1) {9, 2},
    # (1,0) {3, 7}, (1,1) {4, 8, 0, 6}. -inf does not fit an integer array: it must be float.
    out = MAX[name](XI.astype(dtype), 2, 2, 1)
    assert out.dtype == np.float32, f"{name}: {np.dtype(dtype).name} input gave {out.dtype}, expected float32"
    np.testing.assert_array_equal(out, [[[[1, 9], [7, 8]]]])


@pytest.mark.parametrize("name", list(AVG))
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_avgpool_integer_input_keeps_the_fraction(name, dtype):
    # 2x2 windows, stride 1: (1+9+3+4)/4 = 4.25, (9+2+4+8)/4 = 5.75, (3+4+7+0)/4 = 3.5, (4+8+0+6)/4 = 4.5
    out = AVG[name](XI.astype(dtype), 2, 1)
    assert out.dtype == np.float32, f"{name}: {np.dtype(dtype).name} input gave {out.dtype}, expected float32"
    np.testing.assert_array_equal(out, [[[[4.25, 5.75], [3.5, 4.5]]]])


@pytest.mark.parametrize("name, call", [
    ("maxpool2d_loops", lambda x: maxpool2d_loops(x, 2, 1, 1)),
    ("maxpool2d_vectorized", lambda x: maxpool2d_vectorized(x, 2, 1, 1)),
    ("avgpool2d_loops", lambda x: avgpool2d_loops(x, 2, 1, 1)),
    ("avgpool2d_vectorized", lambda x: avgpool2d_vectorized(x, 2, 1, 1)),
    ("conv2d_loops", lambda x: conv2d_loops(x, np.ones((1, 1, 2, 2), bool), padding=1)),
    ("conv2d_vectorized", lambda x: conv2d_vectorized(x, np.ones((1, 1, 2, 2), bool), padding=1)),
])
def test_bool_input_gives_float32(name, call):
    # a 2x2 mask with one True: every 2x2 window (padding 1) that covers it sees exactly one 1
    x = np.array([[[[True, False], [False, False]]]])
    out = call(x)
    assert out.dtype == np.float32, f"{name}: bool input gave {out.dtype}"
    ones = [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
    expected = np.array(ones, np.float32) / (4 if name.startswith("avg") else 1)
    np.testing.assert_array_equal(out[0, 0], expected)


def test_backward_loops_integer_input_gives_float32():
    x, w = XI.astype(np.int32), np.ones((2, 1, 2, 2), np.int32)
    grads = conv2d_backward_loops(np.ones((1, 2, 2, 2), np.int32), x, w)
    assert [g.dtype for g in grads] == [np.float32] * 3
    # each x cell is in as many windows as the 2x2 kernel covers it: corners 1, edges 2, centre 4; two channels
    np.testing.assert_array_equal(grads[0][0, 0], 2 * np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]))
    # grad_w[co, 0, a, b] = sum of x over the 2x2 windows' (a, b) cells = x[a:a+2, b:b+2].sum()
    np.testing.assert_array_equal(grads[1][0, 0], [[17, 23], [14, 18]])
    np.testing.assert_array_equal(grads[2], [4, 4])
    grad_max = maxpool2d_backward_loops(np.ones((1, 1, 2, 2), np.int64), x, 2, 2, 1)
    assert grad_max.dtype == np.float32
    # window maxima (see the maxpool test above): 1 at (0,0), 9 at (0,1), 7 at (2,0), 8 at (1,2)
    np.testing.assert_array_equal(grad_max[0, 0], [[1, 1, 0], [0, 0, 1], [1, 0, 0]])
    grad_avg = avgpool2d_backward_loops(np.full((1, 1, 2, 2), 4, np.int64), x, 2, 1)
    assert grad_avg.dtype == np.float32
    np.testing.assert_array_equal(grad_avg[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])

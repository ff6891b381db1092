"""The plain convolution's fast path a block of columns at a time (_blocks, _column_blocks, _col2im_block).

Forward builds the columns of a block of output positions into one reused buffer and runs the
GEMM on it; backward builds them again from the padded input, unless the columns are small
(_KEEP_BYTES): then forward writes each block to its own part of one buffer and keeps it for
backward. A block is several whole images, or a few output rows of one image; the last block of
each kind can be partial. The course's tiny shapes fit one block, so here _BLOCK_BYTES is set
small enough to cut them: one output row per block, two rows with a partial last block, two
images with a partial last block; and _KEEP_BYTES so that the columns are kept, or rebuilt. Values and all three gradients are compared with the loops
(conv2d_loops and conv2d_backward_loops) in float32 and float64, with and without a bias, on
both column layouts and both ways of the input gradient (col2im, whose windows overlap the
block boundaries, and the full convolution), and with the numpy oracle in float64.
"""
import numpy as np
import oracles
import pytest

from tinytorch.core import spatial
from tinytorch.core.spatial import Conv2d, conv2d_backward_loops, conv2d_loops
from tinytorch.core.tensor import Tensor

# (id, x shape, C_out, kernel, stride, padding): H_out is odd in each, so two rows per block leave a partial block
CASES = [
    ("channels-last col2im (C_out > C_in)", (3, 3, 7, 5), 4, (3, 3), (1, 1), (1, 1)),
    ("channels-last col2im stride 2, windows overlap the blocks", (3, 3, 9, 7), 2, (3, 3), (2, 1), (1, 0)),
    ("channels-last full convolution (C_out <= C_in)", (3, 4, 5, 6), 3, (3, 2), (1, 1), (1, 1)),
    ("channels-first col2im (one input channel)", (3, 1, 9, 9), 3, (3, 3), (1, 1), (0, 1)),
    ("channels-first col2im stride 2", (3, 1, 11, 12), 2, (3, 2), (2, 2), (1, 0)),
    ("channels-first full convolution", (3, 2, 5, 12), 1, (2, 3), (1, 1), (1, 1)),
]
IDS = [case[0] for case in CASES]
# how to cut: (id, output rows per block, images per block); None: whole images
PLANS = [("one row per block", 1, None), ("two rows per block", 2, None), ("two images per block", None, 2)]
DTYPES = [np.float32, np.float64]
KEEP = {"columns kept": 2**40, "columns rebuilt": 0}     # _KEEP_BYTES
CLOSE = {np.float32: dict(rtol=1e-4, atol=1e-4), np.float64: dict(rtol=1e-10, atol=1e-10)}


def out_size(n, k, s, p):
    return (n + 2 * p - k) // s + 1


def block_bytes(case, plan, dtype):
    """_BLOCK_BYTES that cuts this case's output positions as `plan` says, by the rule's formula:
    a position costs (kh*kw*C_in + C_out) numbers, a block holds whole output rows."""
    _, shape, c_out, kernel, stride, padding = case
    _, rows, images = plan
    h_out, w_out = (out_size(n, k, s, p) for n, k, s, p in zip(shape[2:], kernel, stride, padding))
    row_bytes = (kernel[0] * kernel[1] * shape[1] + c_out) * np.dtype(dtype).itemsize * w_out
    return row_bytes * (rows if images is None else images * h_out), (h_out, w_out)


def expected_blocks(batch, h_out, plan):
    _, rows, images = plan
    if images is None:
        return [(n, i, min(i + rows, h_out)) for n in range(batch) for i in range(0, h_out, rows)]
    return [(n, 0, h_out) for n in range(0, batch, images)]


@pytest.mark.parametrize("plan", PLANS, ids=[p[0] for p in PLANS])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_blocks_cut_the_positions_as_planned(case, plan, monkeypatch):
    _, shape, c_out, kernel, stride, padding = case
    size, out_hw = block_bytes(case, plan, np.float32)
    monkeypatch.setattr(spatial, "_BLOCK_BYTES", size)
    row_bytes = (kernel[0] * kernel[1] * shape[1] + c_out) * 4
    blocks = spatial._blocks(shape[0], out_hw, row_bytes)
    got = [(images.start, rows.start, min(rows.stop, out_hw[0])) for images, rows in blocks]
    assert got == expected_blocks(shape[0], out_hw[0], plan)
    assert len(blocks) > 1
    # every (n, i, j) exactly once, in order: the blocks are consecutive runs of the (n, i, j) rows
    positions = np.concatenate([np.arange(shape[0] * out_hw[0]).reshape(shape[0], out_hw[0])[images, rows].ravel()
                                for images, rows in blocks])
    np.testing.assert_array_equal(positions, np.arange(shape[0] * out_hw[0]))


@pytest.mark.parametrize("keep", KEEP)
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no bias"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("plan", PLANS, ids=[p[0] for p in PLANS])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_blocks_agree_with_the_loops(case, plan, dtype, bias, keep, monkeypatch):
    _, shape, c_out, kernel, stride, padding = case
    monkeypatch.setattr(spatial, "_BLOCK_BYTES", block_bytes(case, plan, dtype)[0])
    monkeypatch.setattr(spatial, "_KEEP_BYTES", KEEP[keep])
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape).astype(dtype)
    layer = Conv2d(shape[1], c_out, kernel, stride=stride, padding=padding, bias=bias)
    layer.weight = Tensor(rng.standard_normal(layer.weight.shape), requires_grad=True, dtype=dtype)
    if bias:
        layer.bias = Tensor(rng.standard_normal(c_out), requires_grad=True, dtype=dtype)
    w, b = layer.weight.data, layer.bias.data if bias else None
    xt = Tensor(x, requires_grad=True, dtype=dtype)
    out = layer(xt)
    x_pad, kept = out._ctx.saved                          # what forward kept for backward
    # only channels-last columns are kept: channels-first ones (few channels) are cheap to build again
    assert (kept is not None) == (keep == "columns kept" and case[0].startswith("channels-last"))
    assert (kept is None) == (x_pad.strides[0] != 0)
    expected = conv2d_loops(x, w, b, stride, padding)
    assert out.data.dtype == dtype
    np.testing.assert_allclose(out.data, expected, **CLOSE[dtype], err_msg="forward vs conv2d_loops")
    probe = rng.standard_normal(expected.shape).astype(dtype)
    out.backward(probe)
    grad_x, grad_w, grad_b = conv2d_backward_loops(probe, x, w, stride, padding)
    for name, got, want in (("x", xt.grad, grad_x), ("weight", layer.weight.grad, grad_w)):
        assert got.dtype == dtype, name
        np.testing.assert_allclose(got, want, **CLOSE[dtype], err_msg=f"grad {name} vs conv2d_backward_loops")
    if bias:
        np.testing.assert_allclose(layer.bias.grad, grad_b, **CLOSE[dtype], err_msg="grad bias vs conv2d_backward_loops")
    if dtype == np.float64:        # and the numpy oracle, independent of the loops
        np.testing.assert_allclose(out.data, oracles.conv2d(x, w, b, stride, padding), rtol=1e-12, atol=1e-12)
        for got, want in zip((xt.grad, layer.weight.grad), oracles.conv2d_backward(probe, x, w, stride, padding)):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("keep", KEEP)
@pytest.mark.parametrize("plan", PLANS, ids=[p[0] for p in PLANS])
def test_blocks_with_a_channels_last_input_and_an_input_that_needs_no_gradient(plan, keep, monkeypatch):
    # A Conv2d output (channels-last in memory) as the input, and the weight's gradient alone
    # (an input without requires_grad: the first layer of a network).
    case = CASES[0]
    _, shape, c_out, kernel, stride, padding = case
    monkeypatch.setattr(spatial, "_BLOCK_BYTES", block_bytes(case, plan, np.float32)[0])
    monkeypatch.setattr(spatial, "_KEEP_BYTES", KEEP[keep])
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape).astype(np.float32).transpose(0, 2, 3, 1).copy().transpose(0, 3, 1, 2)
    layer = Conv2d(shape[1], c_out, kernel, stride=stride, padding=padding)
    out = layer(Tensor(x))
    probe = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(probe)
    w = layer.weight.data
    np.testing.assert_allclose(out.data, conv2d_loops(x, w, layer.bias.data, stride, padding), rtol=1e-4, atol=1e-4)
    _, grad_w, grad_b = conv2d_backward_loops(probe, x, w, stride, padding)
    np.testing.assert_allclose(layer.weight.grad, grad_w, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.bias.grad, grad_b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_case_takes_the_path_its_id_names(case):
    name, shape, c_out, kernel, stride, padding = case
    w_out = out_size(shape[3], kernel[1], stride[1], padding[1])
    channels_last = kernel[1] * shape[1] >= w_out                   # the rule, by formula
    full = stride == (1, 1) and padding[0] < kernel[0] and padding[1] < kernel[1] and c_out <= shape[1]
    assert name.startswith("channels-last" if channels_last else "channels-first")
    assert ("full convolution" in name) == full
    assert spatial._channels_last(shape[1], kernel, (0, w_out)) == channels_last
    assert spatial._input_grad_is_a_convolution((c_out, shape[1], *kernel), stride, padding) == full


def test_backward_puts_g_times_w_in_the_memory_of_columns_it_built_again():
    # col2im's g @ W.T has as many numbers as the block's columns; when backward built those columns
    # itself (not kept), it writes g @ W.T over them instead of holding a second array that large.
    import tracemalloc
    rng = np.random.default_rng(11)
    shape, c_out, kernel, stride, padding = (4, 8, 16, 16), 2, (3, 3), (2, 2), (1, 1)     # col2im: stride 2
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((c_out, shape[1], *kernel)).astype(np.float32)
    out, saved = spatial._conv2d_forward(x, w, None, stride, padding, (8, 8))
    assert saved[1] is None and len(spatial._blocks(4, (8, 8), (72 + c_out) * 4)) == 1       # rebuilt, one block
    probe = rng.standard_normal(out.shape).astype(np.float32).transpose(0, 2, 3, 1).copy().transpose(0, 3, 1, 2)
    columns = shape[0] * 8 * 8 * 72 * 4                                  # bytes of the block's columns
    tracemalloc.start()
    grad_x, grad_w, grad_b = spatial._conv2d_backward(probe, x.shape, w, saved, stride, padding)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2 * columns, (peak, columns)      # columns + padded input gradient, not two arrays of columns
    expected = conv2d_backward_loops(probe, x, w, stride, padding)
    for got, want in zip((grad_x, grad_w, grad_b), expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("keep", KEEP)
def test_a_second_backward_through_the_same_graph_gives_the_same_gradients(keep, monkeypatch):
    # Kept columns stay intact through backward (only columns built again are written over).
    monkeypatch.setattr(spatial, "_KEEP_BYTES", KEEP[keep])
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 3, 7, 5)).astype(np.float32)
    layer = Conv2d(3, 4, 3, padding=1)
    xt = Tensor(x, requires_grad=True)
    out = layer(xt)
    assert (out._ctx.saved[1] is not None) == (keep == "columns kept")
    probe = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(probe)
    first = [xt.grad.copy(), layer.weight.grad.copy(), layer.bias.grad.copy()]
    out.backward(probe)
    for once, twice in zip(first, (xt.grad, layer.weight.grad, layer.bias.grad)):
        np.testing.assert_allclose(twice, 2 * once, rtol=1e-5, atol=1e-5)

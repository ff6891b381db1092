"""Argument checks the other error tests do not reach: a bias or weight of the wrong shape,
bad arguments passed straight to conv_output_size, and that every error names the layer or
function the student called (AvgPool2d's errors say AvgPool2d, never MaxPool2d)."""
import ast
import re
from pathlib import Path

import numpy as np
import oracles
import pytest

from tinytorch.core.spatial import (AvgPool2d, AvgPool2dFunction, Conv2d, Conv2dFunction, MaxPool2d,
                                    MaxPool2dFunction, avgpool2d_backward_loops, avgpool2d_loops,
                                    avgpool2d_vectorized, conv2d_backward_loops, conv2d_loops, conv2d_vectorized,
                                    conv_output_size, maxpool2d_backward_loops, maxpool2d_loops,
                                    maxpool2d_vectorized, pool_output_size)
from tinytorch.core.tensor import Tensor

X = np.zeros((2, 3, 5, 6), np.float32)
W = np.zeros((4, 3, 3, 3), np.float32)      # 4 output channels


def _conv_with_bias(name, bias):
    """A call of conv `name` with this bias (4 output channels)."""
    if name == "Conv2d":
        layer = Conv2d(3, 4, 3)
        layer.bias = Tensor(bias, requires_grad=True)
        return lambda: layer(Tensor(X))
    fn = {"conv2d_loops": conv2d_loops, "conv2d_vectorized": conv2d_vectorized}[name]
    return lambda: fn(X, W, bias)


@pytest.mark.parametrize("name", ["conv2d_loops", "conv2d_vectorized", "Conv2d"])
@pytest.mark.parametrize("bias_shape", [(5,), (1,), (3,), (4, 1), (1, 4), ()])
def test_bias_of_the_wrong_shape(name, bias_shape):
    # (5,) would be silently cut to the first 4 entries by a loop reading bias[co]; (1,) and
    # (4, 1) / (1, 4) would broadcast in the vectorized path. All must be refused.
    call = _conv_with_bias(name, np.ones(bias_shape, np.float32))
    with pytest.raises(ValueError, match=r"bias of shape \(4,\)") as info:
        call()
    message = str(info.value)
    assert re.search(rf"\b{name}\b", message), f"the error should name {name}: {message}"
    assert str(tuple(bias_shape)) in message, f"the error should show the shape it got: {message}"


@pytest.mark.parametrize("name", ["conv2d_loops", "conv2d_vectorized", "Conv2d"])
def test_bias_of_the_right_shape_is_used(name):
    bias = np.array([1, 2, 3, 4], np.float32)
    out = _conv_with_bias(name, bias)()
    out = out.data if isinstance(out, Tensor) else out
    # zero weights: the output is the bias, broadcast over images and positions (3x4 outputs)
    np.testing.assert_array_equal(out, np.broadcast_to(bias[None, :, None, None], (2, 4, 3, 4)))


@pytest.mark.parametrize("name, call", [
    ("conv2d_loops", lambda w: conv2d_loops(X, w)),
    ("conv2d_vectorized", lambda w: conv2d_vectorized(X, w)),
    ("conv2d_backward_loops", lambda w: conv2d_backward_loops(np.zeros((2, 4, 3, 4), np.float32), X, w)),
    ("Conv2d", lambda w: Conv2dFunction.apply(Tensor(X), Tensor(w), None)),
])
@pytest.mark.parametrize("weight_shape", [(4, 3, 3), (4, 27), (1, 4, 3, 3, 3), (3,)])
def test_weight_that_is_not_4d(name, call, weight_shape):
    with pytest.raises(ValueError, match=r"4D weight \(out_channels, in_channels, kh, kw\)") as info:
        call(np.zeros(weight_shape, np.float32))
    message = str(info.value)
    assert re.search(rf"\b{name}\b", message), f"the error should name {name}: {message}"
    assert str(weight_shape) in message, f"the error should show the shape it got: {message}"


# ---- conv_output_size on its own -------------------------------------------------------------

@pytest.mark.parametrize("args, word", [
    ((5.0, 3), "size"), ((5, 2.5), "kernel"), ((5, 3, 1.0), "stride"), ((5, 3, 1, 0.5), "padding"),
    (("5", 3), "size"), ((5, None), "kernel"), ((5, 3, True), "stride"), ((True, 1), "size"),
    ((5, (3, 3)), "kernel"),
])
def test_conv_output_size_refuses_non_ints(args, word):
    with pytest.raises(TypeError, match=rf"conv_output_size: {word} must be an int") as info:
        conv_output_size(*args)
    assert repr(args[["size", "kernel", "stride", "padding"].index(word)]) in str(info.value)


@pytest.mark.parametrize("args, pattern", [
    ((0, 1), r"size must be >= 1, got 0"),
    ((5, 0), r"kernel must be >= 1, got 0"),
    ((5, -2), r"kernel must be >= 1, got -2"),
    ((5, 3, 0), r"stride must be >= 1, got 0"),
    ((5, 3, -1), r"stride must be >= 1, got -1"),
    ((5, 3, 1, -1), r"padding must be >= 0, got -1"),
    ((4, 5), r"kernel 5 does not fit an axis of size 4 with padding 0"),
    ((4, 7, 1, 1), r"kernel 7 does not fit an axis of size 4 with padding 1"),
])
def test_conv_output_size_refuses_impossible_values(args, pattern):
    with pytest.raises(ValueError, match=rf"conv_output_size: {pattern}"):
        conv_output_size(*args)


def test_conv_output_size_edges_that_are_fine():
    assert conv_output_size(4, 6, 1, 1) == 1         # 4 + 2 - 6 = 0: the kernel just fits
    assert conv_output_size(1, 1) == 1
    assert conv_output_size(3, 1, 5) == 1             # a stride longer than the axis: one window
    assert conv_output_size(np.int64(9), np.int32(3), np.int16(2)) == 4     # numpy ints are ints
    assert type(conv_output_size(9, 3, 2)) is int


def test_conv_output_size_matches_the_oracle_over_a_grid():
    # Every valid (size, kernel, stride, padding) up to 9, 5, 4, 3 against the formula of oracles.py.
    checked = 0
    for size, kernel, stride, padding in np.ndindex(10, 6, 5, 4):
        if size >= 1 and kernel >= 1 and stride >= 1 and kernel <= size + 2 * padding:
            expected = oracles.output_size(size, kernel, stride, padding)
            got = conv_output_size(size, kernel, stride, padding)
            assert got == expected, f"conv_output_size{(size, kernel, stride, padding)} returned {got}, expected {expected}"
            checked += 1
    assert checked > 400, f"only {checked} cases checked"


# ---- every error names who raised it ----------------------------------------------------------

IMG3 = np.zeros((3, 6, 6), np.float32)       # a single image without its batch axis
IMG4 = np.zeros((1, 3, 6, 6), np.float32)

NAMED_ERRORS = [
    # (name the message must carry, a sibling it must not carry, the failing call)
    ("Conv2d", "MaxPool2d", lambda: Conv2d(3, 4, 3)(Tensor(IMG3))),
    ("Conv2d", None, lambda: Conv2d(3, 4, 0)),
    ("Conv2d", None, lambda: Conv2d(3, 4, 3, padding=-1)),
    ("Conv2d", None, lambda: Conv2d(3, 4, 7)(Tensor(IMG4))),
    ("Conv2d", None, lambda: Conv2dFunction.apply(Tensor(IMG3), Tensor(W), None)),
    # Conv2d.macs checks the shape as output_shape does, with or without options (before: conv2d_macs's errors)
    ("Conv2d", "conv2d_macs", lambda: Conv2d(3, 4, 7).macs((1, 3, 6, 6))),
    ("Conv2d", "conv2d_macs", lambda: Conv2d(3, 4, 3).macs((1, 3, 6))),
    ("MaxPool2d", "AvgPool2d", lambda: MaxPool2d(2)(Tensor(IMG3))),
    ("MaxPool2d", "AvgPool2d", lambda: MaxPool2d(0)),
    ("MaxPool2d", "AvgPool2d", lambda: MaxPool2d(2, stride=(1, 0))),
    ("MaxPool2d", "AvgPool2d", lambda: MaxPool2d(2, padding=2)),
    ("MaxPool2d", "AvgPool2d", lambda: MaxPool2d(7)(Tensor(IMG4))),
    ("MaxPool2d", "AvgPool2d", lambda: MaxPool2d(3).output_shape((1, 1, 2, 9))),
    ("MaxPool2d", "AvgPool2d", lambda: MaxPool2dFunction.apply(Tensor(IMG3), kernel_size=2)),
    ("AvgPool2d", "MaxPool2d", lambda: AvgPool2d(2)(Tensor(IMG3))),
    ("AvgPool2d", "MaxPool2d", lambda: AvgPool2d(0)),
    ("AvgPool2d", "MaxPool2d", lambda: AvgPool2d(2, stride=(1, 0))),
    ("AvgPool2d", "MaxPool2d", lambda: AvgPool2d("2")),
    ("AvgPool2d", "MaxPool2d", lambda: AvgPool2d(2, padding=2)),
    ("AvgPool2d", "MaxPool2d", lambda: AvgPool2d(2, padding=(-1, 0))),
    ("AvgPool2d", "MaxPool2d", lambda: AvgPool2d(7)(Tensor(IMG4))),
    ("AvgPool2d", "MaxPool2d", lambda: AvgPool2d(3).output_shape((1, 1, 2, 9))),
    ("AvgPool2d", "MaxPool2d", lambda: AvgPool2dFunction.apply(Tensor(IMG3), kernel_size=2)),
    ("conv2d_loops", "conv2d_vectorized", lambda: conv2d_loops(IMG3, W)),
    ("conv2d_loops", "conv2d_vectorized", lambda: conv2d_loops(IMG4, W, stride=0)),
    ("conv2d_vectorized", "conv2d_loops", lambda: conv2d_vectorized(IMG3, W)),
    ("conv2d_vectorized", "conv2d_loops", lambda: conv2d_vectorized(IMG4, W, padding=-1)),
    ("conv2d_backward_loops", None, lambda: conv2d_backward_loops(np.zeros((1, 4, 3, 3)), IMG4, W)),
    ("conv2d_backward_loops", None, lambda: conv2d_backward_loops(np.zeros((1, 4, 4, 4)), IMG3, W)),
    ("maxpool2d_loops", "avgpool2d_loops", lambda: maxpool2d_loops(IMG3, 2)),
    ("maxpool2d_loops", "avgpool2d_loops", lambda: maxpool2d_loops(IMG4, 2, padding=2)),
    ("avgpool2d_loops", "maxpool2d_loops", lambda: avgpool2d_loops(IMG3, 2)),
    ("avgpool2d_loops", "maxpool2d_loops", lambda: avgpool2d_loops(IMG4, 2, padding=2)),
    ("maxpool2d_vectorized", "avgpool2d_vectorized", lambda: maxpool2d_vectorized(IMG3, 2)),
    ("avgpool2d_vectorized", "maxpool2d_vectorized", lambda: avgpool2d_vectorized(IMG3, 2)),
    ("avgpool2d_vectorized", "maxpool2d_vectorized", lambda: avgpool2d_vectorized(IMG4, 2, padding=2)),
    ("maxpool2d_backward_loops", "avgpool2d_backward_loops",
     lambda: maxpool2d_backward_loops(np.zeros((1, 3, 2, 2)), IMG4, 2)),
    ("maxpool2d_backward_loops", "avgpool2d_backward_loops",
     lambda: maxpool2d_backward_loops(np.zeros((1, 3, 3, 3)), IMG4, 2, padding=3)),
    ("avgpool2d_backward_loops", "maxpool2d_backward_loops",
     lambda: avgpool2d_backward_loops(np.zeros((1, 3, 2, 2)), IMG4, 2)),
    ("avgpool2d_backward_loops", "maxpool2d_backward_loops",
     lambda: avgpool2d_backward_loops(np.zeros((1, 3, 3, 3)), IMG3, 2)),
    ("conv_output_size", None, lambda: conv_output_size(4, 5)),
]


@pytest.mark.parametrize("name, sibling, call", NAMED_ERRORS,
                         ids=[f"{i}-{name}" for i, (name, _, _) in enumerate(NAMED_ERRORS)])
def test_every_error_names_the_layer_or_function(name, sibling, call):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    message = str(info.value)
    assert re.search(rf"\b{name}\b", message), f"the error should name {name}: {message}"
    if sibling is not None:
        assert sibling not in message, f"an error of {name} names {sibling}: {message}"


@pytest.mark.parametrize("name, call", [
    ("conv2d_backward_loops", lambda: conv2d_backward_loops(np.zeros((1, 4, 3, 3)), IMG4, W)),
    ("maxpool2d_backward_loops", lambda: maxpool2d_backward_loops(np.zeros((1, 3, 2, 2)), IMG4, 2)),
    ("avgpool2d_backward_loops", lambda: avgpool2d_backward_loops(np.zeros((3, 3, 3)), IMG4, 2)),
])
def test_backward_loops_check_the_shape_of_grad_out(name, call):
    # conv: (1, 3, 6, 6) through a 3x3 kernel gives (1, 4, 4, 4); pools: 2x2 windows give (1, 3, 3, 3)
    with pytest.raises(ValueError, match=rf"{name} expected grad_out of shape \(1, [34], [34], [34]\)"):
        call()


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("name, call", [
    ("conv2d_loops", lambda padding: conv2d_loops(X, W[:, :, :2, :2], None, 1, padding)),
    ("conv2d_backward_loops", lambda padding: conv2d_backward_loops(np.zeros((2, 4, 5, 6)), X, W[:, :, :2, :2], 1,
                                                                    padding)),
])
def test_the_loops_take_an_int_or_pair_padding_only(name, call, padding):
    """Padding "same" and "valid" are conv2d_vectorized's and Conv2d's (torch's F.conv2d): the loops,
    which pad evenly, refuse them. Since the loops' checks go through the one convolution check,
    which takes them (for a 2x2 kernel "same" pads one row at the bottom only), the loops' own
    entry must keep refusing them."""
    with pytest.raises(TypeError, match=rf"{name}: padding must be an int or a tuple of two ints \(h, w\), "
                                        rf"got '{padding}'"):
        call(padding)


# ---- one check that the kernel fits (issue #23) -------------------------------------------------

def _raises_does_not_fit(node):
    """The ValueErrors raised in function `node` whose message says "does not fit"."""
    return [raised for raised in ast.walk(node) if isinstance(raised, ast.Raise) and "does not fit" in ast.unparse(raised)]


def test_the_kernel_fit_check_is_written_once():
    """conv_output_size's given check and every layer's output size (_output_hw) ask one function
    whether the kernel fits the padded input; before, each wrote the test and the message itself."""
    import tinytorch.core.spatial as spatial
    tree = ast.parse(Path(spatial.__file__).read_text(encoding="utf-8"))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    raising = sorted(node.name for node in ast.walk(tree)
                     if isinstance(node, ast.FunctionDef) and _raises_does_not_fit(node))
    assert raising == ["_check_fits"], raising
    for caller in ("_check_output_size_args", "_output_hw"):
        called = {node.func.id for node in ast.walk(functions[caller])
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
        assert "_check_fits" in called, f"{caller} calls {sorted(called)}"


@pytest.mark.parametrize("args, message", [
    ((4, 5, 1), "pool_output_size: kernel 5 does not fit an axis of size 4 with padding 0 (padded length 4). "
                "Use a smaller kernel or more padding."),
    ((4, 2, 1, 0, 4), "pool_output_size: kernel 2 with dilation 4 spans 5, which does not fit an axis of size 4 "
                      "with padding 0 (padded length 4). Use a smaller kernel or dilation, or more padding."),
    ((2, 6, 2, 1, 1, True), "pool_output_size: kernel 6 does not fit an axis of size 2 with padding 1 (padded length "
                            "4) even with ceil_mode's overhang of up to stride - 1 = 1. Use a smaller kernel or more "
                            "padding."),
])
def test_one_axis_reads_as_numbers_in_pool_output_size_too(args, message):
    """pool_output_size, a one-axis function as conv_output_size is, words its error as
    conv_output_size does (before: 1-tuples, 'kernel (5,) does not fit the padded input (4,)')."""
    with pytest.raises(ValueError) as info:
        pool_output_size(*args)
    assert str(info.value) == message


def test_conv2d_macs_counts_the_input_it_can_run_on():
    """Conv2d(3, 4, 3) cannot run on 5 channels: its macs refuse them, as output_shape and forward do
    (before, a layer without options counted 5 input channels: 1 * 4 * 6 * 6 * 5 * 9 = 6480)."""
    with pytest.raises(ValueError, match=r"Conv2d expected 3 input channels, got 5"):
        Conv2d(3, 4, 3).macs((1, 5, 8, 8))
    assert Conv2d(3, 4, 3).macs((1, 3, 8, 8)) == 4 * 6 * 6 * 3 * 9

"""Errors: the mistakes students make raise ValueError/TypeError with a message that says
what was expected and how to fix it, and the failing call changes nothing."""
import numpy as np
import pytest

from tinytorch.core.spatial import (AvgPool2d, Conv2d, MaxPool2d, avgpool2d_loops, avgpool2d_vectorized,
                                    conv2d_loops, conv2d_vectorized, maxpool2d_loops, maxpool2d_vectorized)
from tinytorch.core.tensor import Tensor

Z = np.zeros


# Layers are built inside the test (through these lambdas), not at collection time: a broken
# constructor then fails its tests instead of the whole file.
def _pool_calls():
    return [lambda x: MaxPool2d(2)(x), lambda x: AvgPool2d(2)(x),
            lambda x: maxpool2d_loops(x, 2), lambda x: maxpool2d_vectorized(x, 2),
            lambda x: avgpool2d_loops(x, 2), lambda x: avgpool2d_vectorized(x, 2)]


def _conv_calls():
    w = Z((8, 3, 3, 3), np.float32)
    return [lambda x: Conv2d(3, 8, 3)(x), lambda x: conv2d_loops(x, w), lambda x: conv2d_vectorized(x, w)]


@pytest.mark.parametrize("call", _conv_calls() + _pool_calls())
def test_single_image_without_batch_dimension(call):
    x = Tensor(Z((3, 32, 32), np.float32))
    with pytest.raises(ValueError, match=r"4D.*\(3, 32, 32\)") as info:
        call(x)
    assert "add the batch dimension" in str(info.value)
    assert "reshape(1, 3, 32, 32)" in str(info.value)


@pytest.mark.parametrize("shape", [(32, 32), (1, 1, 3, 32, 32)])
def test_other_ranks_are_refused(shape):
    with pytest.raises(ValueError, match="4D"):
        Conv2d(3, 8, 3)(Tensor(Z(shape, np.float32)))
    with pytest.raises(ValueError, match="4D"):
        MaxPool2d(2)(Tensor(Z(shape, np.float32)))


@pytest.mark.parametrize("call", _conv_calls())
def test_channel_mismatch(call):
    with pytest.raises(ValueError, match=r"expected 3 input channels, got 1"):
        call(Tensor(Z((1, 1, 28, 28), np.float32)))


def test_channel_mismatch_in_output_shape():
    with pytest.raises(ValueError, match=r"expected 3 input channels, got 1"):
        Conv2d(3, 8, 3).output_shape((1, 1, 28, 28))


@pytest.mark.parametrize("call", [
    lambda x: Conv2d(1, 1, 5)(x), lambda x: MaxPool2d(5)(x), lambda x: AvgPool2d(5)(x),
    lambda x: Conv2d(1, 1, (2, 5))(x),
    lambda x: conv2d_loops(x, Z((1, 1, 5, 5), np.float32)),
    lambda x: conv2d_vectorized(x, Z((1, 1, 5, 5), np.float32)),
    lambda x: maxpool2d_loops(x, 5), lambda x: avgpool2d_vectorized(x, (1, 5)),
])
def test_kernel_larger_than_the_input(call):
    with pytest.raises(ValueError, match=r"does not fit the padded input"):
        call(Tensor(Z((1, 1, 4, 4), np.float32)))


def test_padding_can_make_a_kernel_fit():
    # 4 + 2*1 - 5 = 1 >= 0: fits, (4 + 2 - 5) // 1 + 1 = 2
    assert Conv2d(1, 1, 5, padding=1)(Tensor(Z((1, 1, 4, 4), np.float32))).shape == (1, 1, 2, 2)
    with pytest.raises(ValueError, match=r"does not fit"):
        Conv2d(1, 1, 5, padding=(1, 0))(Tensor(Z((1, 1, 4, 4), np.float32)))


def test_output_shape_refuses_a_kernel_that_does_not_fit():
    with pytest.raises(ValueError, match=r"does not fit"):
        Conv2d(1, 1, 7).output_shape((1, 1, 6, 6))
    with pytest.raises(ValueError, match=r"does not fit"):
        MaxPool2d(3).output_shape((1, 1, 2, 9))


@pytest.mark.parametrize("make, word", [
    (lambda: Conv2d(1, 1, 0), "kernel_size"),
    (lambda: Conv2d(1, 1, (3, 0)), "kernel_size"),
    (lambda: Conv2d(1, 1, 3, stride=0), "stride"),
    (lambda: Conv2d(1, 1, 3, stride=(1, -1)), "stride"),
    (lambda: MaxPool2d(0), "kernel_size"),
    (lambda: MaxPool2d(2, stride=0), "stride"),
    (lambda: AvgPool2d((2, 2), stride=(0, 1)), "stride"),
])
def test_kernel_or_stride_below_one(make, word):
    with pytest.raises(ValueError, match=rf"{word} must be >= 1"):
        make()


@pytest.mark.parametrize("make", [
    lambda: Conv2d(1, 1, 3, padding=-1), lambda: Conv2d(1, 1, 3, padding=(0, -2)),
    lambda: MaxPool2d(2, padding=-1), lambda: AvgPool2d(3, padding=(-1, 0)),
])
def test_negative_padding(make):
    with pytest.raises(ValueError, match=r"padding must be >= 0") as info:
        make()
    assert "Use 0 for no padding" in str(info.value)


@pytest.mark.parametrize("call", [
    lambda x: conv2d_loops(x, Z((1, 1, 2, 2), np.float32), stride=0),
    lambda x: conv2d_vectorized(x, Z((1, 1, 2, 2), np.float32), padding=-1),
    lambda x: maxpool2d_vectorized(x, 2, stride=0),
    lambda x: avgpool2d_loops(x, 0),
])
def test_functions_check_their_arguments_too(call):
    with pytest.raises(ValueError, match=r"must be >= [01]"):
        call(Z((1, 1, 4, 4), np.float32))


@pytest.mark.parametrize("kernel, padding", [(2, 2), (3, 2), ((2, 4), (1, 3)), ((4, 2), (1, 2))])
def test_maxpool_padding_more_than_half_the_kernel(kernel, padding):
    with pytest.raises(ValueError, match=r"padding should be at most half the kernel size"):
        MaxPool2d(kernel, padding=padding)
    with pytest.raises(ValueError, match=r"at most half the kernel"):
        maxpool2d_loops(Z((1, 1, 8, 8), np.float32), kernel, padding=padding)
    with pytest.raises(ValueError, match=r"at most half the kernel"):
        maxpool2d_vectorized(Z((1, 1, 8, 8), np.float32), kernel, padding=padding)


def test_maxpool_padding_of_exactly_half_is_fine():
    assert MaxPool2d(2, padding=1)(Tensor(Z((1, 1, 3, 3), np.float32))).shape == (1, 1, 2, 2)
    assert MaxPool2d(3, stride=1, padding=1)(Tensor(Z((1, 1, 3, 3), np.float32))).shape == (1, 1, 3, 3)


@pytest.mark.parametrize("call", [
    lambda x: Conv2d(1, 1, 1)(x), lambda x: MaxPool2d(1)(x), lambda x: AvgPool2d(1)(x),
    lambda x: conv2d_loops(x, Z((1, 1, 1, 1), np.float32)),
    lambda x: conv2d_vectorized(x, Z((1, 1, 1, 1), np.float32)),
    lambda x: maxpool2d_loops(x, 1), lambda x: maxpool2d_vectorized(x, 1),
    lambda x: avgpool2d_loops(x, 1), lambda x: avgpool2d_vectorized(x, 1),
])
def test_non_numeric_input(call):
    with pytest.raises(TypeError, match=r"must be numeric"):
        call(np.full((1, 1, 2, 2), "a"))


def test_object_input_is_a_type_error():
    with pytest.raises(TypeError, match=r"numeric"):
        Conv2d(1, 1, 1)(np.array([[[[object()]]]]))
    with pytest.raises(TypeError, match=r"numeric"):
        AvgPool2d(1)([[[["x"]]]])


@pytest.mark.parametrize("make", [
    lambda: Conv2d(1, 1, 2.5), lambda: Conv2d(1, 1, "3"), lambda: Conv2d(1, 1, (2, 2, 2)),
    lambda: Conv2d(1, 1, (2.0, 2)), lambda: Conv2d(1, 1, True), lambda: Conv2d(1, 1, None),
    lambda: MaxPool2d("2"), lambda: MaxPool2d(2.0), lambda: AvgPool2d((2,)),
])
def test_kernel_size_of_the_wrong_type(make):
    with pytest.raises(TypeError, match=r"kernel_size must be an int or a tuple of two ints"):
        make()


@pytest.mark.parametrize("make", [lambda: Conv2d(1, 1, 3, stride=1.5), lambda: MaxPool2d(2, padding="1")])
def test_stride_and_padding_of_the_wrong_type(make):
    with pytest.raises(TypeError, match=r"(stride|padding) must be an int or a tuple of two ints"):
        make()


@pytest.mark.parametrize("bad", [
    Z((3, 6, 6), np.float32),                    # no batch axis
    Z((1, 1, 6, 6), np.float32),                 # wrong channels
    Z((1, 2, 2, 2), np.float32),                 # kernel does not fit
    np.full((1, 2, 6, 6), "a"),                  # not numeric
])
def test_a_failing_call_changes_nothing(bad):
    conv = Conv2d(2, 3, 3)
    conv.bias.data[...] = [1, 2, 3]
    weight, bias = conv.weight.data.copy(), conv.bias.data.copy()
    before = bad.copy()
    x = Tensor(bad, requires_grad=True) if bad.dtype.kind == "f" else bad
    with pytest.raises((ValueError, TypeError)):
        conv(x)
    np.testing.assert_array_equal(conv.weight.data, weight)
    np.testing.assert_array_equal(conv.bias.data, bias)
    assert conv.weight.grad is None and conv.bias.grad is None
    np.testing.assert_array_equal(bad, before)
    # and the layer still works afterwards
    assert conv(Tensor(Z((1, 2, 6, 6), np.float32))).shape == (1, 3, 4, 4)


def test_functions_do_not_modify_their_inputs():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    saved = x.copy(), w.copy(), b.copy()
    for fn in (conv2d_loops, conv2d_vectorized):
        fn(x, w, b, 2, 1)
    for fn in (maxpool2d_loops, maxpool2d_vectorized, avgpool2d_loops, avgpool2d_vectorized):
        fn(x, 3, 1, 1)
    for a, s in zip((x, w, b), saved):
        np.testing.assert_array_equal(a, s)


@pytest.mark.parametrize("value, error, says", [
    (0, ValueError, "must be at least 1, got 0"), (-1, ValueError, "must be at least 1, got -1"),
    (2.0, TypeError, "must be an int, got 2.0"), (True, TypeError, "must be an int, got True")])
def test_channel_counts_must_be_positive_ints(value, error, says):
    with pytest.raises(error, match=rf"Conv2d: in_channels {says}"):
        Conv2d(value, 1, 1)
    with pytest.raises(error, match=rf"Conv2d: out_channels {says}"):
        Conv2d(1, value, 1)

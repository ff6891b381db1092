"""Module 03: count_parameters counts frozen parameters too, or only the trainable ones."""
import pytest

from tinytorch.core.layers import Flatten, Linear, Sequential, count_parameters
from tinytorch.core.tensor import Tensor


def test_counts_every_weight_and_bias():
    model = Sequential(Flatten(), Linear(6, 4), Linear(4, 2))
    assert count_parameters(model) == count_parameters(model, trainable_only=True) == 6 * 4 + 4 + 4 * 2 + 2


def test_frozen_parameters_count_in_the_total_not_in_the_trainable_part():
    model = Sequential(Linear(6, 4), Linear(4, 2))
    model[0].weight.requires_grad = False
    assert count_parameters(model) == 6 * 4 + 4 + 4 * 2 + 2
    assert count_parameters(model, trainable_only=True) == 4 + 4 * 2 + 2


def test_a_shared_tensor_counts_once():
    first, second = Linear(3, 3), Linear(3, 3)
    second.weight = first.weight                     # weight tying
    first.weight.requires_grad = False
    assert count_parameters(Sequential(first, second)) == 9 + 3 + 3


def test_a_tensor_buffer_counts_in_the_total():
    layer = Linear(2, 2)
    layer.mask = Tensor([1.0, 0.0, 1.0])             # requires_grad False: a buffer
    assert count_parameters(layer) == 4 + 2 + 3 and count_parameters(layer, trainable_only=True) == 6


def test_rejects_what_is_not_a_module():
    with pytest.raises(TypeError, match="count_parameters expects a Module .*got list"):
        count_parameters([Linear(2, 2)])

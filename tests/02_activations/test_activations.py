"""Module 02: activation values, numerical stability, dtypes, the Activation base class."""
import math

import numpy as np
import pytest

from tinytorch.core.activations import GELU, Activation, ReLU, Sigmoid, Softmax, Tanh
from tinytorch.core.tensor import Tensor
from numeric_checks import f64

ALL = [ReLU, Sigmoid, Tanh, GELU, Softmax]


def test_relu_by_hand():
    out = ReLU()(Tensor([[-3.0, -0.0, 0.0], [1e-8, 2.0, -1e-8]]))
    assert isinstance(out, Tensor)
    assert np.array_equal(out.data, np.array([[0, 0, 0], [1e-8, 2, 0]], dtype=np.float32))


def test_sigmoid_by_hand():
    x = np.array([0.0, np.log(3.0), -np.log(3.0)])
    assert np.allclose(Sigmoid()(f64(x)).data, [0.5, 0.75, 0.25], rtol=1e-14)


def test_tanh_by_hand():
    x = np.array([0.0, np.log(2.0)])                  # tanh(log 2) = (2 - 1/2) / (2 + 1/2) = 0.6
    assert np.allclose(Tanh()(f64(x)).data, [0.0, 0.6], rtol=1e-14)


def test_gelu_tanh_approximation_by_hand():
    x = np.array([-1.0, 0.0, 1.0, 2.0])
    c = math.sqrt(2 / math.pi)
    expected = [0.5 * v * (1 + math.tanh(c * (v + 0.044715 * v ** 3))) for v in x]
    out = GELU()(f64(x)).data
    assert np.allclose(out, expected, rtol=1e-14)
    exact_at_1 = 0.5 * (1 + math.erf(1 / math.sqrt(2)))   # erf form differs: this is the tanh one
    assert out[2] != pytest.approx(exact_at_1, rel=1e-6) and out[2] == pytest.approx(exact_at_1, abs=1e-3)


def test_softmax_by_hand_and_dim():
    p = Softmax()(f64([[0.0, np.log(3.0)], [np.log(2.0), np.log(2.0)]])).data
    assert np.allclose(p, [[0.25, 0.75], [0.5, 0.5]], rtol=1e-14)
    q = Softmax(dim=0)(f64([[0.0, 1.0], [np.log(4.0), 1.0]])).data
    assert np.allclose(q, [[0.2, 0.5], [0.8, 0.5]], rtol=1e-14)
    r = Softmax(dim=1)(f64(np.zeros((2, 4, 3)))).data
    assert r.shape == (2, 4, 3) and np.allclose(r, 0.25)


@pytest.mark.parametrize("cls", [Sigmoid, Tanh, GELU, Softmax, ReLU])
def test_no_overflow_for_huge_inputs(cls):
    x = Tensor([[-1e4, -500.0, -89.0, 0.0, 89.0, 500.0, 1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = cls()(x).data
    assert np.isfinite(out).all()


def test_saturation_values():
    s = Sigmoid()(Tensor([-1e4, 1e4])).data
    assert s[0] == 0.0 and s[1] == 1.0
    p = Softmax()(Tensor([1000.0, 1001.0, 1002.0])).data
    e = np.exp([-2.0, -1.0, 0.0])
    assert np.allclose(p, e / e.sum(), rtol=1e-6)
    p = Softmax()(Tensor([-1e4, 0.0])).data
    assert np.array_equal(p, [0.0, 1.0])


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_keeps_dtype_and_shape(cls, dtype):
    x = Tensor(np.linspace(-3, 3, 12).reshape(3, 4), dtype=dtype)
    out = cls()(x)
    assert isinstance(out, Tensor) and out.dtype == np.dtype(dtype) and out.shape == (3, 4)


@pytest.mark.parametrize("cls", ALL)
def test_accepts_arrays_and_lists(cls):
    assert np.allclose(cls()([[0.5, -0.5]]).data, cls()(Tensor([[0.5, -0.5]])).data)
    assert np.allclose(cls()(np.array([0.5, -0.5])).data, cls()(Tensor([0.5, -0.5])).data)


@pytest.mark.parametrize("cls", ALL)
def test_input_not_modified(cls):
    x = Tensor([-1.0, 0.5, 2.0])
    cls()(x)
    assert np.array_equal(x.data, np.array([-1.0, 0.5, 2.0], dtype=np.float32))


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2, -3])
def test_softmax_of_a_3d_input_is_taken_over_dim_alone(dim):
    x = np.random.default_rng(4).normal(scale=2, size=(2, 3, 4))
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    assert np.allclose(Softmax(dim=dim)(f64(x)).data, e / e.sum(axis=dim, keepdims=True), rtol=1e-12)


def test_softmax_bad_dim_says_what_and_how():
    with pytest.raises(ValueError, match=r"Softmax\(dim=2\).*shape \(2, 3\).*dim in \[-2, 1\]"):
        Softmax(dim=2)(Tensor(np.zeros((2, 3))))
    # A scalar has no dimension to pick: the message says so, not "pick another dim".
    for dim in (0, -1):
        with pytest.raises(ValueError, match=r"at least one dimension, got a scalar \(shape \(\)\)\. Reshape it to \(1,\)"):
            Softmax(dim=dim)(Tensor(1.0))


@pytest.mark.parametrize("cls", ALL)
def test_base_class_behaviour(cls):
    act = cls()
    assert isinstance(act, Activation)
    assert act.parameters() == []
    assert act.eval() is act and act.training is False
    assert act.train() is act and act.training is True
    assert repr(act) in (f"{cls.__name__}()", "Softmax(dim=-1)")


def test_base_forward_is_abstract():
    with pytest.raises(NotImplementedError, match="must implement forward"):
        Activation()(Tensor([1.0]))


def test_against_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(scale=4.0, size=(5, 7))
    t, p = f64(x), torch.tensor(x)
    F = torch.nn.functional
    pairs = [(ReLU(), F.relu(p)), (Sigmoid(), torch.sigmoid(p)), (Tanh(), torch.tanh(p)),
             (GELU(), F.gelu(p, approximate="tanh")), (Softmax(), F.softmax(p, dim=-1)),
             (Softmax(dim=0), F.softmax(p, dim=0))]
    for act, expected in pairs:
        assert np.allclose(act(t).data, expected.numpy(), rtol=1e-12, atol=1e-14), act

"""Module 01: Tensor construction, dtype rules, operations and their error messages."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tinytorch.core.tensor import Tensor, get_rng, manual_seed, to_numpy

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)


# --- construction ---------------------------------------------------------------------------

@pytest.mark.parametrize("data, shape", [
    (3, ()), (2.5, ()), (True, ()), (np.float64(1.5), ()), ([1, 2, 3], (3,)),
    ([[1, 2], [3, 4], [5, 6]], (3, 2)), ((1.0, 2.0), (2,)), (np.zeros((2, 3, 4)), (2, 3, 4)),
    (np.arange(4), (4,)), ([], (0,)),
])
def test_accepted_inputs_give_float32(data, shape):
    t = Tensor(data)
    assert t.shape == shape and t.dtype == F32 and isinstance(t.data, np.ndarray)
    assert np.array_equal(t.data, np.asarray(data, dtype=np.float32))


def test_to_numpy_gives_a_tensors_own_array_and_converts_anything_else():
    t = Tensor([[1.0, 2.0]], dtype=np.float64)
    assert to_numpy(t) is t.data, "to_numpy(tensor) is the tensor's array itself, not a copy"
    labels = to_numpy([3, 1, 2])
    assert isinstance(labels, np.ndarray) and labels.dtype.kind == "i" and labels.tolist() == [3, 1, 2], (
        "to_numpy of a list keeps integers (labels stay class indices)")
    arr = np.arange(3)
    assert to_numpy(arr) is arr
    assert to_numpy(2.5).shape == ()


def test_float32_array_is_shared_not_copied():
    arr = np.ones((2, 2), dtype=np.float32)
    t = Tensor(arr)
    assert t.data is arr
    arr[0, 0] = 7
    assert t.data[0, 0] == 7


def test_conversions_copy():
    arr = np.ones(3)                       # float64 -> converted, so copied
    t = Tensor(arr)
    arr[0] = 5
    assert t.dtype == F32 and t.data[0] == 1


def test_float64_on_request_and_tensor_input_keeps_dtype():
    t = Tensor([1, 2], dtype=np.float64)
    assert t.dtype == F64
    assert Tensor(t).dtype == F64
    assert Tensor(t, dtype=np.float32).dtype == F32
    assert Tensor([1], dtype="float64").dtype == F64


def test_defaults():
    t = Tensor([1.0])
    assert t.requires_grad is False and t.grad is None and t._ctx is None
    assert Tensor([1.0], requires_grad=True).requires_grad is True


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float16, "complex64", bool, "nonsense"])
def test_bad_dtype_is_value_error(dtype):
    with pytest.raises(ValueError, match=r"float32 or float64, got .*dtype=np\.float64"):
        Tensor([1.0], dtype=dtype)


@pytest.mark.parametrize("data, message", [
    ("abc", r"expects a number, a nested list.*got str"),
    (None, r"expects a number, a nested list.*got NoneType"),
    ({"a": 1}, r"got dict"),
    ([[1, 2], [3]], r"ragged list.*same length"),
    ([[1, 2], [3, [4, 5]]], r"ragged list"),
    (["a", "b"], r"nested list of numbers, got a list holding <U1 values"),
    ([1, None], r"non-numeric objects"),
    (np.array(["x"]), r"numeric data, got a numpy array of dtype <U1.*astype"),
    (np.array([1 + 2j]), r"numeric data.*complex128"),
    (1 + 2j, r"got complex"),
])
def test_bad_data_is_type_error_saying_what_came(data, message):
    with pytest.raises(TypeError, match=message):
        Tensor(data)


def test_requires_grad_must_be_bool():
    with pytest.raises(TypeError, match="requires_grad must be True or False, got 'yes'"):
        Tensor([1.0], requires_grad="yes")


# --- properties and conversions -------------------------------------------------------------

def test_properties():
    t = Tensor(np.zeros((2, 3, 4)))
    assert (t.shape, t.size, t.ndim, t.dtype, len(t)) == ((2, 3, 4), 24, 3, F32, 2)
    assert t.numpy() is t.data


def test_item():
    assert Tensor([[2.5]]).item() == 2.5 and isinstance(Tensor(1).item(), float)
    with pytest.raises(ValueError, match=r"exactly one element, got shape \(2,\)"):
        Tensor([1.0, 2.0]).item()


def test_len_of_scalar():
    with pytest.raises(TypeError, match="0-d tensor"):
        len(Tensor(1.0))


def test_repr():
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert repr(Tensor([1.0], dtype=np.float64)) == "Tensor([1.], dtype=float64)"
    assert "requires_grad=True" in repr(Tensor([1.0], requires_grad=True))


def test_backward_without_autograd_points_to_module_06():
    """Module 01 alone (loaded from its file, outside the package) has no autograd."""
    path = Path(__import__("tinytorch.core.tensor").core.tensor.__file__)
    spec = importlib.util.spec_from_file_location("standalone_tensor", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with pytest.raises(RuntimeError, match="module 06"):
        mod.Tensor([1.0], requires_grad=True).sum().backward()


# --- arithmetic -----------------------------------------------------------------------------

A = [[1.0, 2.0], [3.0, 4.0]]
B = [10.0, 20.0]


@pytest.mark.parametrize("op, expected", [
    (lambda a, b: a + b, [[11, 22], [13, 24]]),
    (lambda a, b: a - b, [[-9, -18], [-7, -16]]),
    (lambda a, b: b - a, [[9, 18], [7, 16]]),
    (lambda a, b: a * b, [[10, 40], [30, 80]]),
    (lambda a, b: a / b, [[0.1, 0.1], [0.3, 0.2]]),
    (lambda a, b: b / a, [[10, 10], [10 / 3, 5]]),
])
def test_binary_ops_broadcast(op, expected):
    out = op(Tensor(A), Tensor(B))
    assert isinstance(out, Tensor) and out.shape == (2, 2)
    assert np.allclose(out.data, expected)


@pytest.mark.parametrize("op, expected", [
    (lambda t: t + 1, [2, 3]), (lambda t: 1 + t, [2, 3]),
    (lambda t: t - 1, [0, 1]), (lambda t: 1 - t, [0, -1]),
    (lambda t: t * 3, [3, 6]), (lambda t: 3 * t, [3, 6]),
    (lambda t: t / 4, [0.25, 0.5]), (lambda t: 4 / t, [4, 2]),
    (lambda t: -t, [-1, -2]), (lambda t: t ** 2, [1, 4]), (lambda t: t ** 0.5, [1, 2 ** 0.5]),
    (lambda t: t ** -1, [1, 0.5]),
    (lambda t: np.array([1.0, 1.0]) + t, [2, 3]), (lambda t: np.array([5.0, 5.0]) - t, [4, 3]),
    (lambda t: t + [1, 1], [2, 3]),
    (lambda t: t.exp(), np.exp([1, 2])), (lambda t: t.log(), np.log([1, 2])),
])
def test_ops_with_numbers_arrays_and_reflected(op, expected):
    out = op(Tensor([1.0, 2.0]))
    assert isinstance(out, Tensor), "ndarray op Tensor must defer to Tensor, not return an array"
    assert np.allclose(out.data, expected)


def test_incompatible_broadcast_raises():
    with pytest.raises(ValueError):
        Tensor([1.0, 2.0, 3.0]) + Tensor([1.0, 2.0])


def test_pow_needs_number_exponent():
    with pytest.raises(TypeError, match=r"number exponent, got Tensor"):
        Tensor([1.0]) ** Tensor([2.0])
    with pytest.raises(TypeError, match=r"number exponent, got ndarray"):
        Tensor([1.0]) ** np.array([2.0])


def test_ops_do_not_modify_operands():
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    _ = a + b, a * b, -a, a ** 2, a.exp(), a.reshape(2, 1), a.sum()
    assert np.array_equal(a.data, [1, 2]) and np.array_equal(b.data, [3, 4])


# --- dtype rules ----------------------------------------------------------------------------

OPS = {
    "add": lambda t: t + t, "radd": lambda t: 1.5 + t, "sub": lambda t: t - 1.5, "rsub": lambda t: 1 - t,
    "mul": lambda t: t * 2.0, "rmul": lambda t: 2 * t, "div": lambda t: t / 3, "rdiv": lambda t: 3 / t,
    "neg": lambda t: -t, "pow": lambda t: t ** 2, "exp": lambda t: t.exp(), "log": lambda t: t.log(),
    "matmul": lambda t: t @ t.transpose(), "reshape": lambda t: t.reshape(-1),
    "transpose": lambda t: t.transpose(), "sum": lambda t: t.sum(), "sum0": lambda t: t.sum(axis=0),
    "mean": lambda t: t.mean(), "max": lambda t: t.max(axis=1), "getitem": lambda t: t[0],
    "getitem_scalar": lambda t: t[0, 1], "fancy": lambda t: t[np.array([1, 0]), np.array([0, 0])],
}


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_results_keep_the_operand_dtype(name, dtype):
    t = Tensor([[1.0, 2.0], [3.0, 4.0]], dtype=dtype)
    out = OPS[name](t)
    assert isinstance(out, Tensor) and out.dtype == np.dtype(dtype)


def test_mixed_tensor_dtypes_promote_to_float64():
    assert (Tensor([1.0]) + Tensor([1.0], dtype=np.float64)).dtype == F64
    assert (Tensor([1.0], dtype=np.float64) * Tensor([1.0])).dtype == F64


def test_constants_take_the_tensor_dtype():
    """An array or number constant is converted to the tensor's dtype (no silent upcast)."""
    assert (Tensor([1.0]) + np.array([1.0], dtype=np.float64)).dtype == F32
    assert (np.array([1.0], dtype=np.float64) * Tensor([1.0])).dtype == F32
    assert (Tensor([1.0], dtype=np.float64) + np.array([1], dtype=np.int64)).dtype == F64


def test_a_numpy_scalar_exponent_keeps_the_tensor_dtype():
    """t ** np.sqrt(2) passes a numpy float64: numpy alone would make float32 data float64."""
    t = Tensor([1.0, 4.0])
    for exponent in (np.float64(2), 1 / np.sqrt(2), np.int64(3), np.float32(0.5)):
        got = t ** exponent
        assert got.dtype == F32, (exponent, got.dtype)
        assert np.allclose(got.data, np.array([1.0, 4.0]) ** float(exponent), rtol=1e-6)
    assert (Tensor([4.0], dtype=np.float64) ** np.float32(0.5)).dtype == F64


# --- matmul ---------------------------------------------------------------------------------

def test_matmul_by_hand():
    a = Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    b = Tensor([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
    expected = [[5, 2, -1], [11, 4, -3], [17, 6, -5]]
    assert np.allclose((a @ b).data, expected) and np.allclose(a.matmul(b).data, expected)
    assert np.allclose((a.data @ b).data, expected)          # __rmatmul__


@pytest.mark.parametrize("sa, sb, sout", [
    ((3, 4), (4, 5), (3, 5)), ((4,), (4, 5), (5,)), ((3, 4), (4,), (3,)), ((4,), (4,), ()),
    ((2, 3, 4), (4, 5), (2, 3, 5)), ((2, 3, 4), (2, 4, 5), (2, 3, 5)), ((1, 3, 4), (6, 4, 2), (6, 3, 2)),
    ((3, 4), (2, 4, 5), (2, 3, 5)), ((4,), (2, 4, 5), (2, 5)), ((2, 3, 4), (4,), (2, 3)),
])
def test_matmul_shapes_follow_numpy(sa, sb, sout):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    out = Tensor(a, dtype=np.float64) @ Tensor(b, dtype=np.float64)
    assert out.shape == sout and np.allclose(out.data, a @ b)


def test_exp_and_log_are_numpys_over_the_whole_float64_range():
    """Nothing clipped, no eps added: exp(700) is about 1e304 in float64, log(1e-300) about -690.8."""
    wide, tiny = np.array([-100.0, 100.0, 700.0]), np.array([1e-13, 1e-300, 3.5])
    np.testing.assert_allclose(Tensor(wide, dtype=np.float64).exp().data, np.exp(wide), rtol=1e-12)
    np.testing.assert_allclose(Tensor(tiny, dtype=np.float64).log().data, np.log(tiny), rtol=1e-12)


def test_matmul_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(3, 2\) @ \(3, 2\).*\(2\).*\(3\)"):
        Tensor(np.ones((3, 2))) @ Tensor(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"\(3,\) @ \(4,\)"):
        Tensor(np.ones(3)).matmul(np.ones(4))
    with pytest.raises(ValueError, match=r"at least 1 dimension.*\(\) and \(2,\)"):
        Tensor(2.0) @ Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"batch dimensions do not broadcast: \(2, 3, 4\) @ \(3, 4, 5\)"):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((3, 4, 5)))


# --- shape operations -----------------------------------------------------------------------

def test_reshape_forms():
    t = Tensor(np.arange(12.0))
    assert t.reshape(3, 4).shape == (3, 4)
    assert t.reshape((3, 4)).shape == (3, 4)
    assert t.reshape([2, -1]).shape == (2, 6)
    assert t.reshape(-1, 3).shape == (4, 3)
    assert np.array_equal(t.reshape(3, 4).data[1], [4, 5, 6, 7])
    assert Tensor(5.0).reshape(1, 1).shape == (1, 1)


@pytest.mark.parametrize("shape, message", [
    ((5, 2), r"12 elements into shape \(5, 2\)"),
    ((-1, 5), r"12 elements into shape \(-1, 5\)"),
    ((-1, -1), r"only one dimension can be -1"),
    ((2.0, 6), r"reshape takes integers"),
])
def test_reshape_errors(shape, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Tensor(np.arange(12.0)).reshape(*shape)


def test_transpose():
    t = Tensor(np.arange(6.0).reshape(2, 3))
    assert np.array_equal(t.transpose().data, [[0, 3], [1, 4], [2, 5]])
    x = Tensor(np.zeros((2, 3, 4)))
    assert x.transpose().shape == (2, 4, 3) and x.transpose(0, 2).shape == (4, 3, 2)
    assert x.transpose(-3, 1).shape == (3, 2, 4)
    with pytest.raises(ValueError, match=r"dimension -2 is out of range for a tensor of shape \(3,\)"):
        Tensor([1.0, 2.0, 3.0]).transpose()


def test_getitem():
    t = Tensor(np.arange(12.0).reshape(3, 4))
    assert np.array_equal(t[1].data, [4, 5, 6, 7])
    assert np.array_equal(t[:, -1].data, [3, 7, 11])
    assert t[1:, ::2].shape == (2, 2)
    assert np.array_equal(t[np.arange(3), np.array([0, 1, 3])].data, [0, 5, 11])
    assert np.array_equal(t[[0, 0, 2]].data[:, 0], [0, 0, 8])
    assert np.array_equal(t[Tensor([2.0, 0.0])].data[:, 0], [8, 0])       # Tensor index
    assert t[2, 3].shape == () and t[2, 3].item() == 11
    with pytest.raises(IndexError):
        t[3]


# --- reductions -----------------------------------------------------------------------------

X = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])


@pytest.mark.parametrize("method", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(method, axis, keepdims):
    out = getattr(Tensor(X), method)(axis=axis, keepdims=keepdims)
    expected = getattr(np, method)(X, axis=axis, keepdims=keepdims)
    assert isinstance(out, Tensor) and out.shape == expected.shape
    assert np.allclose(out.data, expected)


def test_reductions_by_hand():
    t = Tensor(X)
    assert t.sum().item() == 21 and t.mean().item() == 3.5 and t.max().item() == 6
    assert np.array_equal(t.sum(axis=0).data, [5, 7, 9])
    assert np.array_equal(t.max(axis=1).data, [5, 6])


def test_max_of_empty():
    with pytest.raises(ValueError, match="empty"):
        Tensor([]).max()


# --- random number generator ----------------------------------------------------------------

def test_manual_seed_makes_draws_repeat():
    manual_seed(123)
    first = get_rng().normal(size=5)
    manual_seed(123)
    assert np.array_equal(first, get_rng().normal(size=5))
    assert isinstance(get_rng(), np.random.Generator)
    manual_seed(0)


def test_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(4, 3, 5)), rng.normal(size=(5, 2))
    c = rng.uniform(0.5, 2.0, size=(3, 5))
    ta, tb, tc = (Tensor(v, dtype=np.float64) for v in (a, b, c))
    pa, pb, pc = (torch.tensor(v) for v in (a, b, c))
    pairs = [
        (ta @ tb, pa @ pb), ((ta * tc - tc / 3) ** 2, (pa * pc - pc / 3) ** 2),
        (ta.transpose(0, 2).reshape(5, -1), pa.transpose(0, 2).reshape(5, -1)),
        (tc.log().exp(), pc.log().exp()), (ta.sum(axis=(0, 2)), pa.sum(dim=(0, 2))),
        (ta.mean(axis=1, keepdims=True), pa.mean(dim=1, keepdim=True)), (ta.max(axis=-1), pa.amax(dim=-1)),
        (ta[1:, 0, np.array([0, 4])], pa[1:, 0, [0, 4]]),
    ]
    for ours, theirs in pairs:
        assert ours.shape == tuple(theirs.shape)
        assert np.allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_reductions_name_a_bad_axis():
    """H41: sum/mean/max passed numpy's AxisError ('axis 5 is out of bounds for array of dimension 2') and
    "duplicate value in 'axis'" through; the given _check_axis says what came and what fits."""
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"sum\(axis=5\): axis 5 is out of range for a tensor of shape \(2, 3\) "
                                         r"\(2 dims\)\. Use axes in \[-2, 1\]"):
        t.sum(axis=5)
    with pytest.raises(ValueError, match=r"mean\(axis=\(0, -2\)\): an axis is named twice"):
        t.mean(axis=(0, -2))
    with pytest.raises(TypeError, match=r"max\(axis='1'\): axis must be None, an int or a tuple of ints"):
        t.max(axis="1")
    assert t.sum(axis=np.int64(1)).shape == (2,) and t.mean(axis=(0, -1)).shape == ()

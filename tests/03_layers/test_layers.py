"""Module 03: Module (parameter discovery, train/eval), Linear, Sequential, Flatten, Dropout."""
import numpy as np
import pytest

from tinytorch.core.tensor import Tensor, manual_seed
from tinytorch.core.layers import Module, Linear, Sequential, Flatten, Dropout
from tinytorch.core.activations import ReLU


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def param(*shape):
    return Tensor(np.ones(shape), requires_grad=True)


# --- Module: parameter discovery ----------------------------------------------------

class Leaf(Module):
    def __init__(self, weight=None):
        self.weight = weight if weight is not None else param(2)
        self.running = Tensor(np.zeros(2))  # buffer, not a parameter
        self.note = "ignored"
        self.count = 3


class Tree(Module):
    def __init__(self):
        self.first = param(1)
        self.children_list = [Leaf(), Leaf()]
        self.pair = (Leaf(), [Leaf()])            # tuple holding a module and a nested list
        self.inner = Sequential(Linear(2, 3), ReLU(), Linear(3, 1))
        self.tied = Leaf(weight=self.children_list[1].weight)  # weight sharing
        self.nothing = None
        self.last = param(1)


def test_named_parameters_order_and_names_through_nesting():
    tree = Tree()
    names = [name for name, _ in tree.named_parameters()]
    assert names == [
        "first",
        "children_list.0.weight",
        "children_list.1.weight",
        "pair.0.weight",
        "pair.1.0.weight",
        "inner.layers.0.weight",
        "inner.layers.0.bias",
        "inner.layers.2.weight",
        "inner.layers.2.bias",
        "last",
    ]


def test_parameters_are_the_same_objects_without_duplicates():
    tree = Tree()
    params = tree.parameters()
    assert params[0] is tree.first and params[-1] is tree.last
    assert params[5] is tree.inner.layers[0].weight
    assert len({id(p) for p in params}) == len(params)
    assert tree.tied.weight is tree.children_list[1].weight
    assert sum(p is tree.tied.weight for p in params) == 1


def test_buffers_and_non_tensors_are_not_parameters():
    leaf = Leaf()
    assert [n for n, _ in leaf.named_parameters()] == ["weight"]
    assert Module().parameters() == []
    assert Sequential(ReLU(), Flatten(), Dropout()).parameters() == []


def test_shared_module_listed_once():
    shared = Linear(2, 2)
    model = Sequential(shared, ReLU(), shared)
    assert [n for n, _ in model.named_parameters()] == ["layers.0.weight", "layers.0.bias"]


def test_parameters_added_after_construction_are_found():
    leaf = Leaf()
    leaf.extra = param(3)
    assert [n for n, _ in leaf.named_parameters()] == ["weight", "extra"]


def test_train_eval_propagate_through_modules_lists_and_sequential():
    tree = Tree()
    dropout = Dropout(0.5)
    tree.inner.layers.append(dropout)
    assert tree.eval() is tree
    modules = [tree, *tree.children_list, tree.pair[0], tree.pair[1][0], tree.inner,
               *tree.inner.layers[::2], tree.tied, dropout]
    assert all(m.training is False for m in modules)
    assert tree.train() is tree
    assert all(m.training is True for m in modules)
    tree.train(False)
    assert dropout.training is False


def test_train_rejects_non_bool():
    with pytest.raises(ValueError, match="True or False"):
        Linear(2, 2).train("no")


def test_training_defaults_to_true_without_super_init():
    class NoInit(Module):
        def __init__(self):
            self.w = param(1)

    assert NoInit().training is True
    assert Linear(1, 1).training is True


def test_zero_grad_clears_every_parameter():
    tree = Tree()
    for p in tree.parameters():
        p.grad = np.ones_like(p.data)
    tree.zero_grad()
    assert all(p.grad is None for p in tree.parameters())


def test_call_runs_forward_and_missing_forward_errors():
    class Twice(Module):
        def forward(self, x, scale=2.0):
            return x * scale

    assert np.allclose(Twice()(Tensor([1.0]), scale=3.0).data, [3.0])
    with pytest.raises(NotImplementedError, match="forward"):
        Module()(Tensor([1.0]))


# --- Linear ----------------------------------------------------------------------------

def test_linear_shapes_and_parameter_names():
    layer = Linear(4, 3)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    assert layer.weight.dtype == np.float32 and layer.weight.requires_grad and layer.bias.requires_grad
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert repr(layer) == "Linear(in_features=4, out_features=3, bias=True)"
    no_bias = Linear(4, 3, bias=False)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]


def test_linear_forward_by_hand():
    layer = Linear(2, 3)
    layer.weight.data[...] = [[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]]
    layer.bias.data[...] = [0.0, 1.0, -2.0]
    y = layer(Tensor([[1.0, 1.0], [2.0, -2.0]]))
    assert np.allclose(y.data, [[3.0, 0.0, 1.5], [-2.0, 3.0, 3.0]])
    layer.bias = None
    assert np.allclose(layer(Tensor([[1.0, 1.0]])).data, [[3.0, -1.0, 3.5]])


def test_linear_accepts_single_samples_and_extra_leading_axes():
    layer = Linear(5, 2)
    x = np.random.default_rng(1).standard_normal((3, 4, 5)).astype(np.float32)
    y = layer(Tensor(x))
    assert y.shape == (3, 4, 2)
    expected = x @ layer.weight.data.T + layer.bias.data
    assert np.allclose(y.data, expected, atol=1e-6)
    assert np.allclose(layer(Tensor(x[0, 0])).data, expected[0, 0], atol=1e-6)


def test_linear_init_bound_and_spread():
    manual_seed(0)
    layer = Linear(256, 512)
    bound = np.float32(1 / np.sqrt(256))    # the bound as float32 rounds it: a draw just under it may round up to it
    w, b = layer.weight.data, layer.bias.data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound and w.min() < -0.99 * bound
    assert abs(w.mean()) < 0.01 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.02 * bound  # uniform, not normal
    assert np.abs(b).max() > 0.9 * bound                     # bias is random too, not zero


def test_linear_init_uses_the_seeded_global_generator():
    manual_seed(7)
    a = Linear(6, 4)
    manual_seed(7)
    b = Linear(6, 4)
    c = Linear(6, 4)
    assert np.array_equal(a.weight.data, b.weight.data) and np.array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(b.weight.data, c.weight.data)


def test_linear_matches_torch(torch):
    layer = Linear(7, 5)
    x = np.random.default_rng(2).standard_normal((4, 7)).astype(np.float32)
    expected = torch.nn.functional.linear(torch.from_numpy(x), torch.from_numpy(layer.weight.data),
                                          torch.from_numpy(layer.bias.data))
    assert np.allclose(layer(Tensor(x)).data, expected.numpy(), atol=1e-6)


def test_linear_float64_input_and_gradients_match_torch(torch):
    rng = np.random.default_rng(3)
    layer = Linear(4, 3)
    w, b = rng.standard_normal((3, 4)), rng.standard_normal(3)
    x, c = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    layer.weight = Tensor(w, requires_grad=True, dtype=np.float64)
    layer.bias = Tensor(b, requires_grad=True, dtype=np.float64)
    xt = Tensor(x, requires_grad=True, dtype=np.float64)
    y = layer(xt)
    assert y.data.dtype == np.float64
    (y * c).sum().backward()

    tw, tb, tx = (torch.tensor(a, requires_grad=True) for a in (w, b, x))
    (torch.nn.functional.linear(tx, tw, tb) * torch.from_numpy(c)).sum().backward()
    assert np.allclose(y.data, (tx @ tw.T + tb).detach().numpy(), atol=1e-12)
    assert np.allclose(layer.weight.grad, tw.grad.numpy(), atol=1e-12)
    assert np.allclose(layer.bias.grad, tb.grad.numpy(), atol=1e-12)
    assert np.allclose(xt.grad, tx.grad.numpy(), atol=1e-12)


def test_linear_rejects_wrong_input_shape():
    layer = Linear(3, 2)
    with pytest.raises(ValueError, match=r"last dimension is 3, got shape \(2, 4\)"):
        layer(Tensor(np.zeros((2, 4))))
    with pytest.raises(ValueError, match="Flatten"):
        layer(Tensor(np.zeros((2, 1, 4, 4))))
    with pytest.raises(ValueError, match="last dimension"):
        layer(Tensor(1.0))
    with pytest.raises(TypeError, match=r"Tensor\(x\)"):
        layer(np.zeros((2, 3)))


def test_linear_rejects_bad_sizes():
    with pytest.raises(TypeError, match="in_features must be an int"):
        Linear(3.0, 2)
    with pytest.raises(ValueError, match="out_features must be at least 1"):
        Linear(3, 0)


# --- Sequential and Flatten ------------------------------------------------------------

def test_sequential_applies_layers_in_order():
    calls = []

    def record(name):
        def layer(x):
            calls.append(name)
            return x + 1.0
        return layer

    model = Sequential(record("a"), record("b"), lambda x: x * 10.0)
    y = model(Tensor([0.0]))
    assert calls == ["a", "b"] and np.allclose(y.data, [20.0])  # (0 + 1 + 1) * 10, not 0 * 10 + 2


def test_sequential_container_protocol_and_repr():
    first, second = Linear(2, 3), Linear(3, 1)
    model = Sequential(first, ReLU(), second)
    assert len(model) == 3 and model[0] is first and model[-1] is second
    assert list(model) == model.layers
    text = repr(model)
    assert text.startswith("Sequential(") and "(0): Linear(in_features=2, out_features=3, bias=True)" in text
    x = Tensor([[1.0, -2.0]])
    assert Sequential()(x) is x


def test_sequential_mlp_forward_matches_numpy():
    model = Sequential(Linear(4, 8), ReLU(), Linear(8, 2))
    x = np.random.default_rng(4).standard_normal((6, 4)).astype(np.float32)
    l1, l2 = model[0], model[2]
    h = np.maximum(x @ l1.weight.data.T + l1.bias.data, 0)
    assert np.allclose(model(Tensor(x)).data, h @ l2.weight.data.T + l2.bias.data, atol=1e-5)


def test_sequential_rejects_non_callables():
    with pytest.raises(TypeError, match=r"layer 1 is a int"):
        Sequential(Linear(1, 1), 3)
    with pytest.raises(TypeError, match=r"Sequential\(\*layers\)"):
        Sequential([Linear(1, 1), ReLU()])


def test_flatten_shapes_and_order(torch):
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    for args in [(), (1, -1), (0, -1), (0, 1), (1, 2), (2, 3), (-3, -2), (2, 2)]:
        ours = Flatten(*args)(Tensor(x))
        theirs = torch.nn.Flatten(*args)(torch.from_numpy(x))
        assert ours.shape == tuple(theirs.shape), args
        assert np.array_equal(ours.data, theirs.numpy()), args
    assert Flatten()(Tensor(np.zeros((7, 3)))).shape == (7, 3)


def test_flatten_gradient_flows_back_in_shape():
    x = Tensor(np.arange(12.0).reshape(2, 2, 3), requires_grad=True, dtype=np.float64)
    (Flatten()(x) * np.arange(6.0)).sum().backward()
    assert x.grad.shape == (2, 2, 3)
    assert np.array_equal(x.grad.reshape(2, 6), np.tile(np.arange(6.0), (2, 1)))


def test_flatten_rejects_bad_dims():
    with pytest.raises(ValueError, match=r"reshape\(1, \*x.shape\)"):
        Flatten()(Tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"start_dim is dimension 2 and end_dim is dimension 1, so start_dim comes "
                                         r"after end_dim\. Pick start_dim <= end_dim"):
        Flatten(2, 1)(Tensor(np.zeros((2, 3, 4))))
    # Negative dims count from the end: Flatten(1, -3) on 3 dimensions ends at dimension 0, before it starts.
    with pytest.raises(ValueError, match="start_dim is dimension 1 and end_dim is dimension 0"):
        Flatten(1, -3)(Tensor(np.zeros((2, 3, 4))))
    assert Flatten(1, -3)(Tensor(np.zeros((2, 3, 4, 5)))).shape == (2, 3, 4, 5)


# --- Dropout ---------------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics(p):
    manual_seed(123)
    x = Tensor(np.ones((400, 500)))
    y = Dropout(p)(x).data
    dropped = np.mean(y == 0)
    # 200000 Bernoulli draws: std of the fraction is below 0.0012
    assert abs(dropped - p) < 0.006, dropped
    assert np.allclose(y[y != 0], 1 / (1 - p), rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.006 / (1 - p)


def test_dropout_mask_is_elementwise_random_and_seeded():
    layer = Dropout(0.5)
    x = Tensor(np.ones((50, 60)))
    manual_seed(5)
    first, second = layer(x).data, layer(x).data
    assert not np.array_equal(first, second)
    manual_seed(5)
    assert np.array_equal(layer(x).data, first)
    assert 0.3 < np.mean(first[:, 0] == 0) < 0.7 and 0.3 < np.mean(first[0, :] == 0) < 0.7  # not whole rows/cols


def test_dropout_draws_a_coin_per_pixel_and_per_sample():
    # nn.Dropout, not Dropout2d: on images every pixel of a channel has its own coin, and so has every
    # sample of the batch (a mask shared by a channel's pixels, or by neighbouring samples, is wrong).
    manual_seed(7)
    kept = Dropout(0.5)(Tensor(np.ones((8, 16, 8, 8)))).data != 0
    per_channel = kept.mean(axis=(2, 3))              # 64 coins each: std of the fraction 0.0625
    assert per_channel.min() > 0.2 and per_channel.max() < 0.8, (per_channel.min(), per_channel.max())
    rows = Dropout(0.5)(Tensor(np.ones((400, 300)))).data == 0
    both = np.mean(rows[:-1] & rows[1:])              # 119,700 pairs: std about 0.0013 around 1/4
    assert abs(both - 0.25) < 0.02, both


def test_dropout_drops_no_fixed_share_of_a_small_input():
    # A coin per element: on three elements a call drops 0, 1, 2 or 3 of them (not always int(p * 3) = 1).
    manual_seed(11)
    counts = {int(np.sum(Dropout(0.5)(Tensor(np.ones(3))).data == 0)) for _ in range(300)}
    assert counts == {0, 1, 2, 3}, counts


def test_dropout_keeps_values_of_survivors_and_dtype():
    manual_seed(0)
    x = np.random.default_rng(9).standard_normal((30, 40))
    y = Dropout(0.25)(Tensor(x, dtype=np.float64))
    assert y.data.dtype == np.float64 and y.shape == x.shape
    kept = y.data != 0
    assert np.allclose(y.data[kept], x[kept] / 0.75)


def test_dropout_identity_in_eval_and_for_p_zero():
    x = Tensor(np.random.default_rng(0).standard_normal((20, 20)))
    layer = Dropout(0.9).eval()
    assert np.array_equal(layer(x).data, x.data)
    assert np.array_equal(Dropout(0.0)(x).data, x.data)
    model = Sequential(Linear(20, 20), Dropout(0.9))
    model.eval()
    assert np.array_equal(model(x).data, model(x).data)
    model.train()
    assert not np.array_equal(model(x).data, model(x).data)


@pytest.mark.parametrize("p, training", [(0.5, False), (0.0, True)], ids=["not training", "p=0"])
def test_dropout_that_drops_nothing_passes_the_graph_on(p, training):
    layer = Dropout(p)
    layer.train(training)
    x = Tensor(np.arange(3.0), requires_grad=True)
    out = layer(x)
    assert out.requires_grad, "a Dropout that drops nothing must keep the graph back to x (return x, not a copy)"
    (out * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


def test_dropout_gradient_uses_the_same_mask():
    manual_seed(1)
    x = Tensor(np.ones((10, 10)), requires_grad=True, dtype=np.float64)
    y = Dropout(0.3)(x)
    y.sum().backward()
    assert np.allclose(x.grad, y.data)  # d(sum(x * mask))/dx = mask = y for x = 1


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, "0.5"])
def test_dropout_rejects_bad_p(p):
    with pytest.raises(ValueError, match=r"in \[0, 1\)"):
        Dropout(p)


# --- all together ----------------------------------------------------------------------

def test_mlp_gradients_match_torch(torch):
    rng = np.random.default_rng(11)
    model = Sequential(Flatten(), Linear(6, 5), ReLU(), Linear(5, 3))
    for p in model.parameters():
        p.data = rng.standard_normal(p.shape)  # float64 parameters
    x = rng.standard_normal((4, 2, 3))
    out = model(Tensor(x, dtype=np.float64))
    (out * out).sum().backward()

    tmodel = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3)).double()
    with torch.no_grad():
        for tp, p in zip(tmodel.parameters(), model.parameters()):
            tp.copy_(torch.from_numpy(p.data))
    tout = tmodel(torch.from_numpy(x))
    (tout * tout).sum().backward()
    assert np.allclose(out.data, tout.detach().numpy(), atol=1e-12)
    for (name, p), tp in zip(model.named_parameters(), tmodel.parameters()):
        assert np.allclose(p.grad, tp.grad.numpy(), atol=1e-10), name


@pytest.mark.parametrize("dims, shape, needed", [
    ((1, -1), (5,), 2),          # the default: a batch axis, then something to flatten
    ((-3, -2), (2, 3), 3),       # negative dims count from the end: -3 needs three axes
    ((0, 2), (2, 3), 3),
])
def test_flatten_says_how_many_dimensions_it_needs(dims, shape, needed):
    with pytest.raises(ValueError, match=rf"Flatten\(start_dim={dims[0]}, end_dim={dims[1]}\) cannot flatten an input "
                                         rf"with {len(shape)} dimension\(s\)\. Expected at least {needed} dimensions"):
        Flatten(*dims)(Tensor(np.zeros(shape)))


def test_sequential_names_a_class_given_for_a_layer():
    """H41: Sequential(ReLU) (the class, not ReLU()) failed later with 'ReLU() takes no arguments'."""
    with pytest.raises(TypeError, match=r"layer 1 is the class ReLU, not a layer made from it\. Fix: call it"):
        Sequential(Linear(2, 2), ReLU)
    with pytest.raises(TypeError, match=r"layer 0 is the class Linear"):
        Sequential(Linear)

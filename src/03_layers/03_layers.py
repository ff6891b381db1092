# %% [markdown]
# # Module 03: Layers
#
# A neural network is a function with knobs. Module 01 gave us `Tensor`, module 02
# gave us activations; this module packages computations *with knobs* into reusable
# objects called **layers**, and lets a model find all of its own knobs.
#
# You will build:
#
# | class | what it does | PyTorch twin |
# | --- | --- | --- |
# | `Module` | base class: `__call__` runs `forward`, finds parameters, switches train/eval | `torch.nn.Module` |
# | `Linear` | `y = x @ W.T + b`, with PyTorch's initialisation | `torch.nn.Linear` |
# | `Sequential` | chains layers: the output of one is the input of the next | `torch.nn.Sequential` |
# | `Flatten` | turns `(N, C, H, W)` images into `(N, C*H*W)` rows | `torch.nn.Flatten` |
# | `Dropout` | randomly zeroes activations while training (inverted scaling) | `torch.nn.Dropout` |
#
# Every layer is written with `Tensor` operations only. That is deliberate: once
# module 06 teaches those operations to compute gradients, every layer here becomes
# trainable without a single line of layer-specific backward code.

# %% nbgrader={"grade": false, "grade_id": "layers-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.layers
#| export
import numpy as np

import tinytorch.core.autograd  # noqa: F401  (importing module 06 turns gradients on, so layers train)
from tinytorch.core.tensor import Tensor, get_rng, is_real_number, is_whole_number

# %%
# The examples and checks below reseed tinytorch's generator (the layers draw from get_rng()).
from tinytorch.core.tensor import manual_seed

# %% [markdown]
# ## 1. `Module`: a layer that knows its parameters
#
# A **parameter** is a tensor the optimizer is allowed to change: a weight or a bias.
# In tinytorch a parameter is simply a `Tensor` with `requires_grad=True` stored as an
# attribute of a module. A **buffer** (a tensor with `requires_grad=False`, such as a
# fixed mask) is not a parameter.
#
# Models are trees: a classifier holds a `Sequential`, which holds a list of `Linear`
# layers, each holding a weight and a bias. The optimizer needs a flat list of all
# leaves. Instead of asking every layer author to register parameters by hand,
# `Module` *discovers* them by walking its attributes in the order they were assigned:
#
# - a `Tensor` that requires grad is a parameter, named after its attribute (`weight`);
# - a `Module` is searched recursively, and its parameters' names get a prefix (`fc.weight`);
# - a list or tuple is searched item by item, the position becoming part of the name
#   (`layers.0.weight`), exactly like PyTorch's `ModuleList`;
# - anything else (numbers, `None`, activations without parameters) is ignored.
#
# Two modules may share one tensor (weight tying). The optimizer must then see it
# **once**, or it would update it twice per step; the first name found wins.
#
# The helper `_attributes()` (given) does the flattening of lists and tuples, so
# you only have to write the walk itself in `named_parameters()`. Everything else
# (`parameters()`, `zero_grad()`, `train()`, `eval()`) is built on top of it.
#
# **`train()` and `eval()`.** Some layers behave differently while learning and while
# being used: `Dropout` drops activations only during training. Every module carries a
# flag `training` (True by default); `model.eval()` sets it to False on the model *and
# every sub-`Module`*, `model.train()` sets it back. (Module 02's activations are not
# `Module`s: they keep their own flag, which they ignore.) Both return the module itself so
# you can write `model = Net().eval()`.

# %% [markdown]
# **Worked example.** The walk traced by hand on a small tree of plain Python objects
# (stand-ins for modules, so nothing here needs your `Module`): `vars()` lists each
# object's attributes in assignment order, a stand-in is entered with its name as a
# prefix and walked to the bottom before the next attribute, a list adds the item's
# position, a tensor without `requires_grad` is a buffer, and a tensor already found
# (compared by `id`, not by value) is skipped.

# %%
if __name__ == "__main__":
    class _Box:
        """A stand-in for a module: just attributes."""

    _shared = Tensor(np.ones((2, 2)), requires_grad=True)
    _model = _Box()
    _model.scale = Tensor([1.0], requires_grad=True)
    _model.inner = _Box()
    _model.inner.weight = _shared
    _model.inner.mask = Tensor(np.ones(2))                 # a buffer
    _model.inner.deep = _Box()                             # a stand-in inside a stand-in
    _model.inner.deep.weight = Tensor(np.ones(4), requires_grad=True)
    _model.name = "model"
    _model.blocks = [_Box(), _Box()]
    _model.blocks[0].weight = Tensor(np.zeros(3), requires_grad=True)
    _model.blocks[1].weight = _shared                      # the same tensor again
    print("vars(model), in assignment order:", list(vars(_model)))
    _found, _seen = [], set()

    def _walk(_prefix, _box):
        _items = []
        for _name, _value in vars(_box).items():
            _items += [(f"{_name}.{_i}", _v) for _i, _v in enumerate(_value)] if isinstance(_value, list) else [(_name, _value)]
        for _name, _value in _items:
            _full = _prefix + _name
            if isinstance(_value, _Box):
                print(f"{_full:<18} a stand-in module: walk it now, its names start with '{_full}.'")
                _walk(_full + ".", _value)
            elif not isinstance(_value, Tensor):
                print(f"{_full:<18} {type(_value).__name__}: ignored")
            elif not _value.requires_grad:
                print(f"{_full:<18} Tensor, requires_grad=False: a buffer, not a parameter")
            elif id(_value) in _seen:
                print(f"{_full:<18} Tensor already found: skipped (listed once)")
            else:
                _seen.add(id(_value))
                _found.append(_full)
                print(f"{_full:<18} Tensor, requires_grad=True: parameter '{_full}'")

    _walk("", _model)
    print("parameters, first name wins:", _found)

# %% nbgrader={"grade": false, "grade_id": "layers-module", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Module:
    """Base class for layers and models (like torch.nn.Module).

    Subclasses assign their parameters (Tensors with requires_grad=True) and their
    sub-modules as attributes in __init__ and define forward(). Calling the module
    runs forward().
    """

    # A class attribute, so subclasses work even if they forget super().__init__().
    training = True

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} does not define forward(). A Module subclass must "
            "implement forward(self, x) and return the output Tensor."
        )

    def _attributes(self):
        """Yield (name, value) for every attribute, in assignment order, with lists
        and tuples opened up: an item at position i of `layers` is named `layers.i`."""

        def expand(name, value):
            if isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    yield from expand(f"{name}.{i}", item)
            else:
                yield name, value

        for name, value in vars(self).items():
            yield from expand(name, value)

    def named_parameters(self):
        """Return [(dotted_name, Tensor)] for every parameter of this module and its
        sub-modules, in attribute order, each tensor once (first name wins)."""
        ### BEGIN SOLUTION
        found, seen = [], set()
        for name, value in self._attributes():
            if isinstance(value, Tensor):
                candidates = [(name, value)] if value.requires_grad else []
            elif isinstance(value, Module):
                candidates = [(f"{name}.{sub}", p) for sub, p in value.named_parameters()]
            else:
                candidates = []
            for full_name, param in candidates:
                if id(param) not in seen:
                    seen.add(id(param))
                    found.append((full_name, param))
        return found
        ### END SOLUTION

    def parameters(self):
        """Return the list of parameter Tensors (what an optimizer takes)."""
        return [param for _, param in self.named_parameters()]

    def zero_grad(self):
        """Forget accumulated gradients: set every parameter's .grad to None."""
        for param in self.parameters():
            param.grad = None

    def train(self, mode=True):
        """Set training mode on this module and all sub-modules; return self."""
        if not isinstance(mode, bool):
            raise ValueError(
                f"train(mode) expects True or False, got {mode!r} ({type(mode).__name__}). "
                "Use model.train() to train and model.eval() to evaluate."
            )
        self.training = mode
        for _, value in self._attributes():
            if isinstance(value, Module):
                value.train(mode)
        return self

    def eval(self):
        """Switch to evaluation mode (same as train(False)); return self."""
        return self.train(False)

    def extra_repr(self):
        """The text inside the parentheses of repr(); layers override it."""
        return ""

    def __repr__(self):
        children = [(name, value) for name, value in self._attributes() if isinstance(value, Module)]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, child in children:
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_text}")
        return "\n".join(lines) + "\n)"


# %% [markdown]
# ### Check: discovery through nested modules
#
# The test below builds a small tree by hand (no `Linear` yet) from plain `Module()`
# objects and attribute assignments: a model holding a tensor, a sub-module that holds a
# sub-module of its own (three levels: model, inner, deep), a buffer, a plain string, and a
# sub-module that shares a tensor with the first one. The expected names spell out the
# rules above. Lists and tuples of modules are checked after `Sequential` (section 3).

# %% nbgrader={"grade": false, "grade_id": "check-helpers-names", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| check_helpers
# Slips in named_parameters (and Linear) that the name checks below tell apart, by replaying each on a mirror of
# the model they build.
_NAMES_SLIPS = {
    "no dedup": "a tensor shared by two sub-modules is listed under both names: keep the ids of the tensors listed "
                "(a set of id(p)) and skip one seen before (first name wins)",
    "one level": "a sub-module's own tensors are listed, not those of its sub-modules: for a Module, recurse with "
                 "value.named_parameters() and put the attribute's name in front",
    "lists only": "only modules inside a list are searched; one kept in an attribute (model.inner, Residual's block) "
                  "or in a tuple is skipped: walk self._attributes() and recurse into every Module",
    "no tuples": "lists are opened but tuples are not (Residual's heads): self._attributes() opens both",
    "bias first": "Linear assigns self.bias before self.weight, and named_parameters follows the order of assignment: "
                  "create the weight first (PyTorch lists weight, then bias)",
}


def _names_replay(tree, slip=None):
    """The names named_parameters() gives for a model mirrored by `tree`: a dict of its attributes in assignment
    order, a sub-module as a dict, a parameter as a number (the same number where a tensor is shared), lists and
    tuples as themselves, anything else (buffers, strings) as None or a str; or with a slip of _NAMES_SLIPS."""
    def walk(tree):
        attributes = tree.items()
        if slip == "bias first":                                          # a module's bias assigned before the rest
            attributes = sorted(attributes, key=lambda item: item[0] != "bias")
        for name, value in attributes:
            opened = isinstance(value, list) or (isinstance(value, tuple) and slip not in ("no tuples", "lists only"))
            for key, item in [(f"{name}.{i}", v) for i, v in enumerate(value)] if opened else [(name, value)]:
                if isinstance(item, int):
                    yield key, item
                elif isinstance(item, dict) and slip == "one level":       # the sub-module's own tensors only
                    yield from ((f"{key}.{sub}", p) for sub, p in item.items() if isinstance(p, int))
                elif isinstance(item, dict) and (slip != "lists only" or opened):
                    yield from ((f"{key}.{sub}", p) for sub, p in walk(item))

    names, seen = [], set()
    for name, token in walk(tree):
        if slip == "no dedup" or token not in seen:
            names.append(name)
            seen.add(token)
    return names


def _names_message(what, expected, names, tree):
    """The message of a wrong list of names, naming the slips whose replay on `tree` gives them (a tree may not tell
    two apart: both are named then)."""
    hints = [hint for slip, hint in _NAMES_SLIPS.items() if names != expected and _names_replay(tree, slip) == names]
    return f"{what}: expected {expected}, got {names}" + "".join(
        f"{'. Likely bug: ' if i == 0 else '. Or: '}{hint}" for i, hint in enumerate(hints))

# %% nbgrader={"grade": true, "grade_id": "test-module-parameters", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
def test_unit_module_parameters():
    deep = Module()
    deep.weight = Tensor(np.ones(4), requires_grad=True)
    inner = Module()
    inner.weight = Tensor(np.ones((2, 2)), requires_grad=True)
    inner.mask = Tensor(np.ones(2))                      # a buffer: requires_grad=False
    inner.deep = deep                                    # a sub-module of a sub-module
    model = Module()
    model.scale = Tensor([1.0], requires_grad=True)
    model.inner = inner
    model.name = "model"                                 # not a tensor: ignored
    model.tied = Module()
    model.tied.weight = inner.weight                     # the same tensor again: listed once
    model.tied.own = Tensor(np.zeros(3), requires_grad=True)

    names = [name for name, _ in model.named_parameters()]
    expected = ["scale", "inner.weight", "inner.deep.weight", "tied.own"]
    # The model mirrored (see _names_replay), to name a slip: a number per tensor, 1 shared by inner and tied.
    tree = {"scale": 0, "inner": {"weight": 1, "mask": None, "deep": {"weight": 2}}, "name": "model",
            "tied": {"weight": 1, "own": 3}}
    assert names == expected, _names_message("named_parameters()", expected, names, tree)
    shapes = [p.shape for p in model.parameters()]
    assert shapes == [(1,), (2, 2), (4,), (3,)], f"parameters(): expected shapes [(1,), (2, 2), (4,), (3,)], got {shapes}"
    inner_names, inner_expected = [n for n, _ in inner.named_parameters()], ["weight", "deep.weight"]
    assert inner_names == inner_expected, (f"inner.named_parameters(), a sub-module on its own: expected the names "
                                           f"{inner_expected}, got {inner_names}")

    returned = model.eval()
    assert returned is not None and not model.training, (
        f"model.eval(): expected it to return the module and set training False, got "
        f"{'None' if returned is None else type(returned).__name__} and training {model.training}")
    assert not inner.training and not deep.training, "eval() reaches sub-modules of sub-modules"
    model.train()
    assert model.training and deep.training, (
        f"model.train(): expected training True on the model and two levels down, got {model.training} and {deep.training}")

    for p in model.parameters():
        p.grad = np.ones(p.shape)
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters()), "zero_grad() clears every parameter, however deep"
    ### BEGIN HIDDEN TESTS
    rng, core, head = np.random.default_rng(3031), Module(), Module()
    core.kernel, core.running = Tensor(rng.standard_normal((3, 2)), requires_grad=True), Tensor(np.zeros(3))  # + buffer
    core.deep = Module()
    core.deep.bias = Tensor(rng.standard_normal(4), requires_grad=True)
    head.gain, head.label, head.core = Tensor(rng.standard_normal(5), requires_grad=True), "head", core
    head.twin = Module()
    head.twin.offset, head.twin.kernel = Tensor(np.ones(2), requires_grad=True), core.kernel   # shared: listed once
    names, expected = [n for n, _ in head.named_parameters()], ["gain", "core.kernel", "core.deep.bias", "twin.offset"]
    tree = {"gain": 0, "label": "head", "core": {"kernel": 1, "running": None, "deep": {"bias": 2}},
            "twin": {"offset": 3, "kernel": 1}}
    assert names == expected, _names_message("named_parameters() of a tree, an input the notebook does not show",
                                             expected, names, tree)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_module_parameters()
    print("Module: parameter discovery, train/eval and zero_grad work.")

# %% [markdown]
# ## 2. `Linear`: the fully connected layer
#
# `Linear(in_features, out_features)` maps each input row of `in_features` numbers to
# `out_features` numbers:
#
# $$ y = x W^\top + b, \qquad x: (N, \text{in}),\ W: (\text{out}, \text{in}),\ b: (\text{out},),\ y: (N, \text{out}). $$
#
# Why store `W` as `(out, in)` and transpose it? It is PyTorch's convention: row `j` of
# `W` holds the weights of output unit `j`, so `layer.weight[j]` is "what neuron `j`
# looks at". `x @ W.T` then has shape `(N, in) @ (in, out) = (N, out)`, and `b` is
# broadcast over the batch. Because `matmul` only touches the last two axes, the
# same code works for a single sample `(in,)` or a stack `(N, T, in)`.
#
# **Initialisation.** All weights equal would make all units compute the same thing
# forever, so they start random. How random matters: output unit `j` sums `in`
# products `W[j, k] * x[k]`, so the variance of `y` grows with `in`. PyTorch draws
# weight and bias from the uniform distribution `U(-1/sqrt(in), 1/sqrt(in))`. A
# uniform `U(-a, a)` has variance `a**2 / 3`, so the weighted sum has variance about
# `in * (1/in) / 3 * Var(x) = Var(x) / 3` **whatever the width**: signals neither
# explode nor vanish as the layer grows. (The bias adds its own `1/(3 in)`, which fades
# as the layer widens.) Draw from `get_rng()` (module 01's global
# generator) so that `manual_seed` makes runs reproducible; draw the weight first, in
# one call of shape `(out_features, in_features)` (not `(in, out)` transposed: the same
# numbers would land in other places), then the bias. The checks compare your layer with
# those draws.
#
# Your tasks: create the parameters in `__init__` (after the given checks) and write
# `forward` (after the given shape check). `bias=False` means `self.bias = None`.

# %% [markdown]
# **Worked example.** A layer with 3 inputs and 2 outputs on a batch of 2 rows, in numpy:
# the initial weight and bias drawn from a seeded generator (weight first, then bias,
# both within the bound), then `x @ W.T + b` entry by entry. Row `j` of `W` holds the
# weights of output `j`, so output `j` of a sample is that sample dotted with row `j`.

# %%
if __name__ == "__main__":
    _n_in, _n_out = 3, 2
    _bound = 1 / np.sqrt(_n_in)
    _rng = np.random.default_rng(0)                      # what get_rng() is after manual_seed(0)
    _w0 = _rng.uniform(-_bound, _bound, size=(_n_out, _n_in))
    _b0 = _rng.uniform(-_bound, _bound, size=(_n_out,))
    print(f"bound 1/sqrt({_n_in}) = {_bound:.4f}; weight {_w0.shape} drawn first:\n{_w0.round(4)}\nthen bias {_b0.shape}: {_b0.round(4)}")
    _w = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])   # (out, in), set by hand to follow the arithmetic
    _b = np.array([0.5, -1.0])
    _x = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]])    # (N, in)
    print(f"x {_x.shape} @ W.T {_w.T.shape} -> {(_x @ _w.T).shape}, then + b {_b.shape} on every row")
    for _i in range(2):
        for _j in range(2):
            _terms = " + ".join(f"{_a:g}*({_c:g})" if _c < 0 else f"{_a:g}*{_c:g}" for _a, _c in zip(_x[_i], _w[_j]))
            print(f"y[{_i},{_j}] = x[{_i}] . W[{_j}] + b[{_j}] = {_terms} + ({_b[_j]:g}) = {_x[_i] @ _w[_j] + _b[_j]:g}")
    print("x @ W.T + b =\n", _x @ _w.T + _b, sep="")
    print(f"one sample {_x[0].shape} -> {(_x[0] @ _w.T + _b).shape}; a stack (4, 5, 3) -> {(np.ones((4, 5, 3)) @ _w.T + _b).shape}")

# %% nbgrader={"grade": false, "grade_id": "layers-linear", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _check_positive_int(value, name, layer):
    if not is_whole_number(value):
        raise TypeError(f"{layer}: {name} must be an int, got {value!r} ({type(value).__name__}). Pass a whole number such as 64.")
    if value < 1:
        raise ValueError(f"{layer}: {name} must be at least 1, got {value}. A layer needs at least one input and one output feature.")


def _check_tensor(x, layer):
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer} expects a Tensor, got {type(x).__name__}. Wrap the data first: Tensor(x).")


class Linear(Module):
    """Fully connected layer: y = x @ weight.T + bias (like torch.nn.Linear).

    weight: Tensor (out_features, in_features); bias: Tensor (out_features,) or None.
    Both start as U(-1/sqrt(in_features), 1/sqrt(in_features)) drawn from get_rng().
    """

    def __init__(self, in_features, out_features, bias=True):
        _check_positive_int(in_features, "in_features", "Linear")
        _check_positive_int(out_features, "out_features", "Linear")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        ### BEGIN SOLUTION
        bound = 1.0 / np.sqrt(self.in_features)
        rng = get_rng()
        self.weight = Tensor(rng.uniform(-bound, bound, size=(self.out_features, self.in_features)), requires_grad=True)
        if bias:
            self.bias = Tensor(rng.uniform(-bound, bound, size=(self.out_features,)), requires_grad=True)
        else:
            self.bias = None
        ### END SOLUTION

    def forward(self, x):
        _check_tensor(x, "Linear")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear(in_features={self.in_features}, out_features={self.out_features}) expected an input "
                f"whose last dimension is {self.in_features}, got shape {x.shape}. Fix: give each sample "
                f"{self.in_features} features (put Flatten() before this layer for images), or build the "
                f"layer as Linear({x.shape[-1] if x.ndim else '...'}, {self.out_features})."
            )
        ### BEGIN SOLUTION
        out = x @ self.weight.transpose()
        if self.bias is not None:
            out = out + self.bias
        return out
        ### END SOLUTION

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


# %% nbgrader={"grade": true, "grade_id": "test-linear", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def _forward_message(what, got, x, w):
    """The message of a wrong forward output `got` for input x and weight w; names the bias left out."""
    no_bias = np.asarray(x) @ np.asarray(w).T
    if np.ndim(x) == 1 and np.shape(got) == (1, *no_bias.shape):
        return what + (". Likely bug: a single sample (in_features,) came out with a batch axis, (1, out_features): "
                       "the bias reshaped to a row (1, out_features) adds it; add self.bias as it is, broadcasting "
                       "matches its one axis with the output's last")
    return what + (". Likely bug: the output is x @ W.T alone, the bias left out: forward must add self.bias "
                   "(x @ self.weight.transpose() + self.bias)" if np.shape(got) == no_bias.shape and
                   np.allclose(got, no_bias) else "")


def test_unit_linear():
    layer = Linear(3, 2)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,), (
        f"Linear(3, 2): weight (2, 3) and bias (2,) expected, got {layer.weight.shape} and {layer.bias.shape}")
    assert layer.weight.requires_grad and layer.bias.requires_grad, "weight and bias are parameters: requires_grad=True"
    bound = np.asarray(1 / np.sqrt(3), dtype=layer.weight.data.dtype)   # in the weight's dtype: a draw just under the
    largest = max(np.abs(layer.weight.data).max(), np.abs(layer.bias.data).max())   # bound may round up to it
    assert largest <= bound, (
        f"Linear(3, 2): weight and bias within 1/sqrt(in_features) = {bound:.4f}, got values up to {largest:.4f}" + (
            ". Likely bug: the bound is 1/sqrt(out_features); it is 1/sqrt(in_features)" if largest <= 1 / np.sqrt(2)
            else ""))

    # Worked by hand: y = x @ W.T + b
    layer.weight = Tensor([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]], requires_grad=True)
    layer.bias = Tensor([0.5, -1.0], requires_grad=True)
    x, w = [[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]], [[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]
    y = layer(Tensor(x))
    want = (2, 2)
    assert y.shape == want, f"Linear(3, 2) on {np.shape(x)}: expected shape {want}, got {y.shape}"
    np.testing.assert_allclose(y.data, [[-1.5, 3.0], [0.5, 0.0]],
                               err_msg=_forward_message("Linear forward: x @ W.T + b", y.data, x, w))
    single = layer(Tensor(x[0])).data
    np.testing.assert_allclose(single, [-1.5, 3.0], err_msg=_forward_message("a single sample (3,)", single, x[0], w))
    stack = layer(Tensor(np.ones((4, 5, 3))))
    assert stack.shape == (4, 5, 2), f"a stack (4, 5, 3) gives (4, 5, 2), got {stack.shape}"

    no_bias = Linear(4, 5, bias=False)
    assert no_bias.bias is None, f"Linear(4, 5, bias=False): expected bias None, got {no_bias.bias!r}"
    zeros, want = np.zeros((6, 4)), (6, 5)
    shape = no_bias(Tensor(zeros)).shape
    assert shape == want, f"Linear(4, 5, bias=False) on {zeros.shape}: expected shape {want}, got {shape}"

    wide = Linear(400, 300)
    w_max, b_max = np.abs(wide.weight.data).max(), np.abs(wide.bias.data).max()
    assert w_max > 0.9 / np.sqrt(400), (  # uses the full range
        f"Linear(400, 300): expected the weight to use the full range, values above {0.9 / np.sqrt(400):.4f}, "
        f"got values up to {w_max:.4f}")
    assert w_max <= np.asarray(1 / np.sqrt(400), dtype=wide.weight.data.dtype), (   # the bound rounded as the draws are
        f"Linear(400, 300): expected the weight within 1/sqrt(in_features) = {1 / np.sqrt(400):.4f}, "
        f"got values up to {w_max:.4f}")
    assert b_max > 0.9 / np.sqrt(400), (  # the bias is drawn too, not zeros
        f"Linear(400, 300): expected the bias drawn over the full range too, values above {0.9 / np.sqrt(400):.4f}, "
        f"got values up to {b_max:.4f}")

    try:
        layer(Tensor(np.zeros((2, 4))))
    except ValueError:
        pass
    else:
        raise AssertionError("Linear(3, 2) must reject an input with 4 features")
    ### BEGIN HIDDEN TESTS
    rng, hidden = np.random.default_rng(3032), Linear(5, 4)
    largest = max(np.abs(hidden.weight.data).max(), np.abs(hidden.bias.data).max())
    assert hidden.weight.shape == (4, 5) and hidden.bias.shape == (4,) and largest <= np.float32(1 / np.sqrt(5)), (
        f"Linear(5, 4), an input the notebook does not show: weight (4, 5) and bias (4,) within 1/sqrt(5) expected, "
        f"got {hidden.weight.shape} and {hidden.bias.shape}, values up to {largest:.4f}")
    w, b, v = (rng.integers(-3, 4, size=shape).astype(np.float64) for shape in ((4, 5), (4,), (3, 5)))
    hidden.weight, hidden.bias = Tensor(w, requires_grad=True), Tensor(b, requires_grad=True)
    where = "Linear(5, 4) forward x @ W.T + b on an input the notebook does not show"
    for x, what in ((v, "x (3, 5)"), (v[0], "a single sample (5,)")):
        got = hidden(Tensor(x)).data
        np.testing.assert_allclose(got, x @ w.T + b, err_msg=_forward_message(f"{where}: {what}", got, x, w))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_linear()
    print("Linear: shapes, initialisation and forward values are right.")

# %% nbgrader={"grade": true, "grade_id": "test-linear-seed", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from tinytorch.core.tensor import get_rng, manual_seed

# Slips in Linear's initial draws that the checks below name when the values match their replay.
_LINEAR_SLIPS = {
    "in out T": "the weight was drawn as (in_features, out_features) and transposed; draw it in one call of shape "
                "(out_features, in_features)",
    "bound out": "the bound is 1/sqrt(out_features); it is 1/sqrt(in_features)",
    "bias first": "the bias is drawn before the weight; draw the weight first, then the bias",
}


def _linear_draws(seed, n_in, n_out, slip=None):
    """The weight and bias Linear(n_in, n_out) draws after manual_seed(seed), get_rng() being then
    np.random.default_rng(seed); or with a slip of _LINEAR_SLIPS."""
    rng = np.random.default_rng(seed)
    bound = 1 / np.sqrt(n_out if slip == "bound out" else n_in)
    bias = rng.uniform(-bound, bound, size=n_out) if slip == "bias first" else None
    weight = rng.uniform(-bound, bound, size=(n_in, n_out)).T if slip == "in out T" else \
        rng.uniform(-bound, bound, size=(n_out, n_in))
    return weight, rng.uniform(-bound, bound, size=n_out) if bias is None else bias


def _draws_hint(layer, seed):
    """'. Likely bug: ...' when the layer's weight and bias are the draws of a slip of _LINEAR_SLIPS, else ''."""
    got = (np.asarray(layer.weight.data), np.asarray(layer.bias.data))
    for slip, hint in _LINEAR_SLIPS.items():
        draws = _linear_draws(seed, layer.in_features, layer.out_features, slip)
        if all(g.shape == d.shape and np.allclose(g, d, rtol=1e-6) for g, d in zip(got, draws)):
            return f". Likely bug: {hint}"
    return ""


def test_unit_linear_seed():
    manual_seed(0)
    first = Linear(3, 2)
    manual_seed(0)
    second = Linear(3, 2)
    hint = ""
    if not np.array_equal(first.weight.data, second.weight.data):   # does Linear draw from get_rng() at all?
        manual_seed(0)
        untouched = get_rng().random()
        manual_seed(0)
        Linear(3, 2)
        if get_rng().random() == untouched:
            hint = (". Likely bug: the values come from np.random (or a generator of its own): building a Linear took "
                    "no numbers from get_rng(), so manual_seed cannot repeat them; draw with get_rng().uniform(...)")
    np.testing.assert_array_equal(first.weight.data, second.weight.data, err_msg=(
        "two Linear(3, 2) built after manual_seed(0) must be identical: draw from get_rng()" + hint))
    np.testing.assert_array_equal(first.bias.data, second.bias.data, err_msg="the bias too")
    third = Linear(3, 2)
    assert not np.array_equal(third.weight.data, second.weight.data), "a layer built later draws new numbers"
    # The same draws as a numpy Generator seeded with 0: the weight first, then the bias.
    rng, bound = np.random.default_rng(0), 1 / np.sqrt(3)
    expected = rng.uniform(-bound, bound, size=(2, 3))
    np.testing.assert_allclose(first.weight.data, expected, rtol=1e-6, err_msg=(
        "weight: get_rng().uniform(-1/sqrt(in), 1/sqrt(in), size=(out, in)), drawn first" + _draws_hint(first, 0)))
    np.testing.assert_allclose(first.bias.data, rng.uniform(-bound, bound, size=2), rtol=1e-6, err_msg=(
        "bias: get_rng().uniform(-1/sqrt(in), 1/sqrt(in), size=(out,)), drawn after the weight"
        + _draws_hint(first, 0)))
    assert first.weight.dtype == np.float32 and first.bias.dtype == np.float32, "parameters are float32 Tensors"
    ### BEGIN HIDDEN TESTS
    manual_seed(3033)
    hidden, rng, bound = Linear(4, 6), np.random.default_rng(3033), 1 / np.sqrt(4)
    for name, got, size in (("weight", hidden.weight, (6, 4)), ("bias", hidden.bias, (6,))):
        np.testing.assert_allclose(got.data, rng.uniform(-bound, bound, size=size), rtol=1e-6, err_msg=(
            f"Linear(4, 6) after manual_seed(3033), an input the notebook does not show: {name}: the next "
            f"get_rng().uniform(-1/sqrt(in), 1/sqrt(in), size={size}), the weight drawn first"
            + _draws_hint(hidden, 3033)))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_linear_seed()
    print("Linear: seeded initialisation from get_rng().")

# %% [markdown]
# How much does the initialisation matter? The cell below feeds a batch of
# standard-normal inputs through `Linear(in, 64)` for growing `in`, once with
# PyTorch's bound and once with weights drawn from a standard normal (a tempting
# "simple" choice), and prints the standard deviation of the outputs.

# %% nbgrader={"grade": false, "grade_id": "layers-linear-demo", "locked": false, "schema_version": 3, "solution": false, "task": false}
if __name__ == "__main__":
    manual_seed(0)
    x = Tensor(get_rng().standard_normal((256, 1024)))
    print(f"{'in_features':>12} {'std, U(-1/sqrt(in), 1/sqrt(in))':>32} {'predicted':>10} {'std, N(0, 1) weights':>22}")
    for n_in in (16, 64, 256, 1024):
        layer = Linear(n_in, 64)
        std_default = layer(x[:, :n_in]).data.std()
        predicted = np.sqrt(1 / 3 + 1 / (3 * n_in))    # Var(x) = 1: weights' 1/3, plus the bias's 1/(3 in)
        layer.weight = Tensor(get_rng().standard_normal((64, n_in)), requires_grad=True)
        std_normal = layer(x[:, :n_in]).data.std()
        print(f"{n_in:>12} {std_default:>32.3f} {predicted:>10.3f} {std_normal:>22.3f}")
    print(f"the weights alone give sqrt(1/3) = {np.sqrt(1 / 3):.3f} at every width")

# %% [markdown]
# With PyTorch's bound the output scale stays put as the layer widens; with
# standard-normal weights it grows like `sqrt(in)`, and stacking a few such layers
# would push activations (and gradients) out of any useful range.
# Section 7 stacks ten layers with a ReLU after each and draws what happens to the
# scale with depth, for this rule, for He's and for standard-normal weights.

# %% [markdown]
# ## 3. `Sequential` and `Flatten`
#
# Most models are a pipeline: `Flatten`, `Linear`, `ReLU`, `Linear`, ...
# `Sequential(*layers)` stores its layers in the list `self.layers` and its `forward`
# feeds the output of each layer into the next. Because the list is an attribute,
# parameter discovery finds `layers.1.weight`, `layers.1.bias`, `layers.3.weight`, ...
# with no extra code. Any callable works as a layer (the activations of module 02
# are not `Module`s, and they have no parameters to find).
#
# `Flatten(start_dim=1, end_dim=-1)` merges the axes from `start_dim` to `end_dim`
# into one. The defaults keep the batch axis 0 and flatten everything else: a batch
# of images `(N, C, H, W)` becomes `(N, C*H*W)`, ready for a `Linear` layer. The
# given code turns negative dims into positive ones and checks them; you compute the
# new shape and reshape.

# %% [markdown]
# **Worked example.** Flatten's new shape for a `(2, 3, 2, 2)` batch and three choices of
# dims: negative dims count from the end, the lengths from `start_dim` to `end_dim`
# multiply into one, the others stay. Then a chain of two steps, applied in the order
# given: swapping the order changes the answer, which is why `Sequential` must keep it.

# %%
if __name__ == "__main__":
    _x = np.arange(24.0).reshape(2, 3, 2, 2)
    for _start_dim, _end_dim in [(1, -1), (0, 1), (-3, -2)]:
        _start = _start_dim + _x.ndim if _start_dim < 0 else _start_dim
        _end = _end_dim + _x.ndim if _end_dim < 0 else _end_dim
        _merged = int(np.prod(_x.shape[_start:_end + 1]))
        _shape = _x.shape[:_start] + (_merged,) + _x.shape[_end + 1:]
        print(f"start_dim={_start_dim}, end_dim={_end_dim} -> dims {_start}..{_end}: "
              f"{' * '.join(str(_n) for _n in _x.shape[_start:_end + 1])} = {_merged}, shape {_x.shape} -> {_shape}")
    print("row 1 of the default flatten:", _x.reshape(2, -1)[1])
    _steps = [("add 1", lambda _v: _v + 1), ("double", lambda _v: 2 * _v)]
    _v = np.array([3.0])
    for _name, _step in _steps:
        _v = _step(_v)
        print(f"after '{_name}': {_v}")
    print("the other order, double then add 1:", 2 * np.array([3.0]) + 1)

# %% nbgrader={"grade": false, "grade_id": "layers-sequential-flatten", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Sequential(Module):
    """Chain of layers applied in order (like torch.nn.Sequential)."""

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if isinstance(layer, type):
                raise TypeError(f"Sequential: layer {i} is the class {layer.__name__}, not a layer made from it. "
                                f"Fix: call it to make one, {layer.__name__}(...) with its arguments (ReLU(), "
                                "Linear(784, 128)).")
            if not callable(layer):
                hint = " Pass the layers as separate arguments: Sequential(*layers)." if isinstance(layer, (list, tuple)) else ""
                raise TypeError(f"Sequential: layer {i} is a {type(layer).__name__}, which cannot be called on a Tensor. Expected a Module or another callable layer.{hint}")
        self.layers = list(layers)

    def forward(self, x):
        ### BEGIN SOLUTION
        for layer in self.layers:
            x = layer(x)
        return x
        ### END SOLUTION

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, index):
        return self.layers[index]

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        lines = ["Sequential("]
        for i, layer in enumerate(self.layers):
            lines.append(f"  ({i}): " + repr(layer).replace("\n", "\n  "))
        return "\n".join(lines) + "\n)"


class Flatten(Module):
    """Merge dims start_dim..end_dim into one (like torch.nn.Flatten); keeps the batch axis by default."""

    def __init__(self, start_dim=1, end_dim=-1):
        self.start_dim = start_dim
        self.end_dim = end_dim

    def _needed_dims(self):
        """The fewest dimensions an input needs: dim d >= 0 needs d + 1 of them, dim -d needs d."""
        return max(dim + 1 if dim >= 0 else -dim for dim in (self.start_dim, self.end_dim))

    def _dims(self, ndim):
        start = self.start_dim + ndim if self.start_dim < 0 else self.start_dim
        end = self.end_dim + ndim if self.end_dim < 0 else self.end_dim
        if not (0 <= start < ndim and 0 <= end < ndim):
            raise ValueError(
                f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}) cannot flatten an input with "
                f"{ndim} dimension(s). Expected at least {self._needed_dims()} dimensions; "
                "a single sample needs a batch axis first: x.reshape(1, *x.shape)."
            )
        if start > end:
            raise ValueError(
                f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}): on an input with {ndim} dimensions, "
                f"start_dim is dimension {start} and end_dim is dimension {end}, so start_dim comes after end_dim. "
                "Pick start_dim <= end_dim, counted in the input's dimensions."
            )
        return start, end

    def forward(self, x):
        _check_tensor(x, "Flatten")
        start, end = self._dims(x.ndim)
        ### BEGIN SOLUTION
        shape = tuple(x.shape)
        merged = int(np.prod(shape[start:end + 1]))
        return x.reshape(shape[:start] + (merged,) + shape[end + 1:])
        ### END SOLUTION

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


# %% nbgrader={"grade": true, "grade_id": "test-sequential-flatten", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_sequential_flatten():
    data = np.arange(24.0).reshape(2, 3, 2, 2)
    x = Tensor(data)
    flat = Flatten()(x)
    assert flat.shape == (2, 12), f"Flatten() of (2, 3, 2, 2): expected (2, 12), got {flat.shape}"
    np.testing.assert_array_equal(flat.data[1], np.arange(12.0, 24.0))
    shape = Flatten(0, 1)(x).shape
    assert shape == (6, 2, 2), f"Flatten(0, 1) of (2, 3, 2, 2) merges axes 0 and 1: expected (6, 2, 2), got {shape}" + (
        ". Likely bug: every axis after the first is merged whatever start_dim and end_dim say: merge only "
        "start_dim..end_dim (self._dims(x.ndim) gives them as non-negative axes)" if shape == (2, 12) else "")
    want = (2, 6, 2)
    shape = Flatten(1, 2)(x).shape
    assert shape == want, f"Flatten(1, 2) of {data.shape}: expected {want}, got {shape}"
    shape = Flatten(-3, -2)(x).shape
    assert shape == want, f"Flatten(-3, -2) of {data.shape}: expected {want}, got {shape}"
    assert x.shape == (2, 3, 2, 2), f"Flatten must not change its input: its shape became {x.shape}"
    np.testing.assert_array_equal(x.data, data, err_msg="Flatten must not change its input's data")

    # Two layers that do not commute: applied in order, first one then two.
    one, two = Linear(2, 2, bias=False), Linear(2, 2)
    one.weight = Tensor([[0.0, 1.0], [1.0, 1.0]], requires_grad=True)
    two.weight = Tensor([[2.0, 0.0], [0.0, 3.0]], requires_grad=True)
    b2 = [1.0, -1.0]
    two.bias = Tensor(b2, requires_grad=True)
    model = Sequential(one, two)
    v = np.array([[1.0, 2.0], [3.0, -1.0]])
    y = model(Tensor(v))
    expected = (v @ np.array([[0.0, 1.0], [1.0, 1.0]]).T) @ np.array([[2.0, 0.0], [0.0, 3.0]]).T + b2
    np.testing.assert_allclose(y.data, expected, err_msg="Sequential(one, two)(x) must be two(one(x))" + (
        ". Likely bug: each layer is applied to the input x, not to the previous layer's output: x = layer(x)"
        if np.allclose(y.data, two(Tensor(v)).data) else
        f". Likely bug: that is two(one(x)) without two's bias {b2}: Linear.forward must add self.bias "
        "(test-linear checks it)" if np.allclose(y.data, expected - b2) else ""))
    assert len(model) == 2 and model[1].out_features == 2, (
        f"Sequential(one, two): expected len 2 and model[1] being two (out_features {two.out_features}), got " + (
            f"len {len(model)}" if len(model) != 2 else f"model[1].out_features {model[1].out_features}"))
    chain = Sequential(Flatten(), Linear(12, 3), Linear(3, 1))
    assert chain(x).shape == (2, 1), "Sequential(Flatten(), Linear(12, 3), Linear(3, 1)) on (2, 3, 2, 2)"
    np.testing.assert_array_equal(Sequential()(x).data, data, err_msg="no layers: the identity")
    # Any callable is a layer (the constructor's contract), a plain function too: call each one, layer(x).
    try:
        doubled = Sequential(Linear(12, 3), lambda t: t * 2.0)(flat)
    except AttributeError as error:
        raise AssertionError(f"Sequential(Linear(12, 3), lambda t: t * 2.0) raised AttributeError: {error}. Likely "
                             "bug: layer.forward(x) works for Modules only; call the layer itself, layer(x)") from None
    assert doubled.shape == (2, 3), f"Sequential(Linear(12, 3), lambda t: t * 2.0) on (2, 12): expected (2, 3), got {doubled.shape}"
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3034)
    data, where = rng.permutation(120).reshape(3, 2, 4, 5) * 1.0, "(3, 2, 4, 5), an input the notebook does not show"
    for start, end in ((1, -1), (0, 2), (-3, -2)):
        want = data.reshape(data.shape[:start % 4] + (-1,) + data.shape[end % 4 + 1:])
        got = Flatten(start, end)(Tensor(data))
        assert got.shape == want.shape, f"Flatten({start}, {end}) of {where}: expected {want.shape}, got {got.shape}"
    np.testing.assert_array_equal(Flatten()(Tensor(data)).data, data.reshape(3, -1), err_msg=f"Flatten() of {where}")
    (one, w1), (two, w2) = ((Linear(a, b, bias=False), rng.integers(-3, 4, (b, a)) * 1.0) for a, b in ((5, 3), (3, 2)))
    one.weight, two.weight = Tensor(w1, requires_grad=True), Tensor(w2, requires_grad=True)
    np.testing.assert_allclose(Sequential(one, two)(Tensor(data[1, 0])).data, data[1, 0] @ w1.T @ w2.T, err_msg=(
        "Sequential(one, two)(x) must be two(one(x)), on an input the notebook does not show"))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_sequential_flatten()
    print("Sequential and Flatten work.")

# %% [markdown]
# ## 4. `Dropout`: noise that regularises
#
# A big network can memorise its training set by letting units rely on very specific
# partners. **Dropout** (Srivastava et al., 2014) breaks those partnerships: during
# training each activation is kept with probability `1 - p` and set to zero with
# probability `p`, a fresh random choice on every call.
#
# Zeroing shrinks the expected activation from `x` to `(1 - p) * x`. At test time all
# units are present, so the next layer would see larger inputs than it was trained on.
# **Inverted dropout** fixes this during training instead: the survivors are divided by
# `1 - p`, so
#
# $$ \mathbb{E}[\text{out}] = (1-p)\cdot\frac{x}{1-p} + p \cdot 0 = x, $$
#
# and evaluation is then the identity: nothing to rescale, nothing to remember.
#
# In code: draw `u = get_rng().random(x.shape)` (uniform in [0, 1)), keep where
# `u >= p`, build the array `keep / (1 - p)` in `x`'s dtype, and return `x * mask`.
# Multiplying by a constant array keeps the result a `Tensor` computed by a `Tensor`
# operation, so gradients flow through the kept units (scaled the same way) once
# module 06 is in place. In eval mode (`self.training` False), or with `p == 0`,
# return `x` unchanged. `p` must lie in `[0, 1)`: `p = 1` would drop everything.

# %% [markdown]
# **Worked example.** Inverted dropout with `p = 0.25` on eight float32 ones, step by
# step: uniform draws, the keep mask `u >= p`, the survivors scaled by `1 / (1 - p)`.
# The mean of eight outputs depends on how many survive; over many elements it stays
# close to the input's mean, as the expectation above says. The mask is cast to the
# input's dtype, so float32 stays float32.

# %%
if __name__ == "__main__":
    _p = 0.25
    _x = np.ones(8, dtype=np.float32)
    _u = np.random.default_rng(0).random(_x.shape)
    _keep = _u >= _p
    _mask = (_keep / (1 - _p)).astype(_x.dtype)
    print("u          :", _u.round(3))
    print("keep u >= p:", _keep)
    print(f"mask       : {_mask.round(4)} (1 / (1 - p) = {1 / (1 - _p):.4f})")
    print("x * mask   :", (_x * _mask).round(4), "dtype", (_x * _mask).dtype, f"mean {(_x * _mask).mean():.4f}")
    _big = np.random.default_rng(1).random(100_000) >= _p
    print(f"100,000 ones: {1 - _big.mean():.4f} dropped, mean after scaling {(_big / (1 - _p)).mean():.4f}")

# %% nbgrader={"grade": false, "grade_id": "layers-dropout", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Dropout(Module):
    """Inverted dropout (like torch.nn.Dropout): while training, zero each element with
    probability p and scale the survivors by 1/(1-p); identity in eval mode."""

    def __init__(self, p=0.5):
        if not is_real_number(p) or not 0 <= p < 1:
            raise ValueError(f"Dropout probability p must be a number in [0, 1), got {p!r}. p is the fraction of units dropped; typical values are 0.1 to 0.5.")
        self.p = float(p)

    def forward(self, x):
        _check_tensor(x, "Dropout")
        ### BEGIN SOLUTION
        if not self.training or self.p == 0.0:
            return x
        keep = get_rng().random(x.shape) >= self.p
        mask = (keep / (1.0 - self.p)).astype(x.data.dtype)
        return x * mask
        ### END SOLUTION

    def extra_repr(self):
        return f"p={self.p}"


# %% nbgrader={"grade": false, "grade_id": "check-helpers-dropout", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| check_helpers
import numpy as np


def _shared_mask_hint(kept, seed, p):
    """'. Likely bug: ...' when `kept` (where Dropout(p) kept the units, after manual_seed(seed)) is one draw per
    feature shared by every row: get_rng() is then np.random.default_rng(seed), so that mask can be replayed."""
    per_feature = np.random.default_rng(seed).random(kept.shape[-1]) >= p
    return (". Likely bug: one random number per feature (get_rng().random(x.shape[-1])), shared by every row of the "
            "batch; draw one per element, get_rng().random(x.shape)"
            if np.array_equal(kept, np.broadcast_to(per_feature, kept.shape)) else "")


_UNSEEN = ", an input the notebook does not show"


def _check_channels_independent(p, shape, unseen=""):
    """Dropout(p) of ones of `shape` (N, C, H, W): every image's channel loses about the fraction dropped overall, as
    its H * W pixels have coins of their own. A mask with one coin per image and channel drops channels whole."""
    where = f"Dropout(p={p}) on images of shape {shape}{unseen}"
    kept = Dropout(p=p)(Tensor(np.ones(shape))).data != 0
    f = 1 - kept.mean()
    per_channel = 1 - kept.mean(axis=(2, 3))
    whole = np.all((per_channel == 0) | (per_channel == 1))
    assert per_channel.min() > f - 0.3 and per_channel.max() < f + 0.3, (
        f"{where}: every channel of every image should lose about {f:.0%} of its {shape[2] * shape[3]} pixels (the "
        f"fraction dropped overall), channels lost from {per_channel.min():.2f} to {per_channel.max():.2f}" + (
            ". Likely bug: one random number per image and channel (x.shape[:2], the mask of Dropout2d), shared by "
            "its pixels; nn.Dropout draws one per element, get_rng().random(x.shape)" if whole else ""))


def _check_counts_vary(p, shape, calls, unseen=""):
    """`calls` calls of Dropout(p) on ones of a small `shape`: with a coin per element, the number dropped varies from
    call to call (a Binomial(size, f) count, variance size * f * (1 - f)); a fixed share, int(p * size), never does."""
    layer, where = Dropout(p=p), f"Dropout(p={p}) on ones of shape {shape}{unseen}"
    counts = np.array([int(np.sum(layer(Tensor(np.ones(shape))).data == 0)) for _ in range(calls)])
    size = int(np.prod(shape))
    f = counts.mean() / size
    expected = size * f * (1 - f)
    assert counts.var() > expected / 2, (
        f"{where}, {calls} calls: with a coin per element the number dropped varies from call to call (variance about "
        f"{size} f (1 - f) = {expected:.2f}, f = {f:.2f} the share dropped), got variance {counts.var():.2f} "
        f"(counts {sorted(set(counts.tolist()))})" + (
            f". Likely bug: every call drops the same number, int(p * x.size) = {counts[0]}: dropout drops no fixed "
            "share; each element has its own coin, get_rng().random(x.shape) >= p" if len(set(counts.tolist())) == 1 else ""))


# %% nbgrader={"grade": true, "grade_id": "test-dropout", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tinytorch.core.tensor import get_rng, manual_seed


def test_unit_dropout():
    x = Tensor(np.ones((200, 500)))
    layer = Dropout(p=0.25)
    manual_seed(0)
    y = layer(x).data
    dropped = np.mean(y == 0)
    assert abs(dropped - 0.25) < 0.01, f"fraction of zeros {dropped:.3f}, expected about p = 0.25" + (
        ". Likely bug: the mask keeps where u < p, a fraction p of the units; keep where u >= p (drop with "
        "probability p)" if abs(dropped - 0.75) < 0.01 else _shared_mask_hint(y != 0, 0, 0.25))
    survivors = y[y != 0]
    np.testing.assert_allclose(survivors, 1 / 0.75, rtol=1e-6, err_msg="survivors scaled by 1/(1-p)" + (
        ". Likely bug: the survivors are multiplied by 1 - p; inverted dropout divides them by 1 - p"
        if survivors.size and np.allclose(survivors, 0.75) else ""))
    assert abs(y.mean() - 1.0) < 0.02, (  # expectation preserved
        f"Dropout(p=0.25) of ones: expected a mean within 0.02 of 1.0, got {y.mean():.4f}")
    again = layer(x).data
    assert not np.array_equal(again, y), "a new mask every call"
    np.testing.assert_array_equal(x.data, np.ones((200, 500)), err_msg="Dropout must not change its input" + (
        ". Likely bug: forward scaled the input's own data (x.data *= mask) and returned x: the input now holds the "
        "last output; return x * mask, a new Tensor" if np.array_equal(x.data, again) else ""))
    assert y.dtype == np.float32 and layer(Tensor(np.ones(3), dtype=np.float64)).dtype == np.float64, "Dropout keeps the dtype"

    manual_seed(0)                                   # from get_rng() itself: a mask moves its stream
    untouched = get_rng().random()
    manual_seed(0)
    repeated = layer(x).data
    unmoved = get_rng().random() == untouched
    hint = (". Likely bug: the mask comes from np.random (or a generator of its own): the layer took no numbers "
            "from get_rng(), so manual_seed cannot repeat it; draw get_rng().random(x.shape)") if unmoved else ""
    np.testing.assert_array_equal(repeated, y, err_msg="same seed, same mask: draw the mask from get_rng()" + hint)
    assert not unmoved, "Dropout must draw its mask from get_rng(), the generator manual_seed seeds" + hint

    layer.eval()
    in_eval = layer(x).data
    np.testing.assert_array_equal(in_eval, x.data, err_msg="eval mode: identity" + (
        ". Likely bug: forward ignores self.training: in eval mode (and with p == 0) return x unchanged"
        if np.mean(in_eval == 0) > 0.1 else ""))
    np.testing.assert_array_equal(Dropout(0.0)(x).data, x.data, err_msg="p = 0: identity")
    ### BEGIN HIDDEN TESTS
    manual_seed(3035)
    v = Tensor(np.random.default_rng(3035).uniform(0.5, 2.0, size=(300, 400)))
    out = Dropout(p=0.4)(v).data
    where = "Dropout(p=0.4) on a (300, 400) input, an input the notebook does not show"
    dropped, kept = np.mean(out == 0), out != 0
    assert abs(dropped - 0.4) < 0.01, (f"{where}: fraction of zeros {dropped:.3f}, expected about p = 0.4"
                                       + _shared_mask_hint(kept, 3035, 0.4))
    np.testing.assert_allclose(out[kept], v.data[kept] / 0.6, rtol=1e-6, err_msg=f"{where}: survivors times 1/(1-p)")
    assert out.dtype == np.float32, f"{where}: Dropout keeps the dtype (float32), got {out.dtype}"
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_dropout()
    print("Dropout: inverted scaling in training, identity in eval.")

# %% nbgrader={"grade": true, "grade_id": "test-dropout-independent", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tinytorch.core.tensor import manual_seed


def test_unit_dropout_independent():
    # Each element is dropped on its own coin. With 200 x 500 elements, the counts below are
    # many standard deviations inside their bounds for independent coins, and far outside
    # them for a mask shared by rows, by columns, by neighbours (in a row or in the batch),
    # or by the pixels of an image's channel (Dropout2d's mask, not nn.Dropout's).
    # The bounds are around the fraction f this Dropout drops overall (p = 0.25 when right; a wrong fraction is
    # test-dropout's item): independence is this item's whole question.
    manual_seed(1)
    kept = Dropout(p=0.25)(Tensor(np.ones((200, 500)))).data != 0
    f = 1 - kept.mean()
    per_row, per_column = 1 - kept.mean(axis=1), 1 - kept.mean(axis=0)
    assert per_row.min() > f - 0.15 and per_row.max() < f + 0.15, (
        f"every row should lose about {f:.0%} of its elements (the fraction dropped overall), rows lost from "
        f"{per_row.min():.2f} to {per_row.max():.2f}: draw one random number per element (get_rng().random(x.shape)), "
        "not one per row")
    assert per_column.min() > f - 0.2 and per_column.max() < f + 0.2, (
        f"every column should lose about {f:.0%} of its elements (the fraction dropped overall), columns lost from "
        f"{per_column.min():.2f} to {per_column.max():.2f}: draw one random number per element, not one per column"
        + _shared_mask_hint(kept, 1, 0.25))
    both_dropped = np.mean(~kept[:, :-1] & ~kept[:, 1:])
    assert abs(both_dropped - f ** 2) < 0.01, (
        f"two neighbours are both dropped with probability f^2 = {f ** 2:.4f} when independent (f = {f:.4f}, the "
        f"fraction dropped), got {both_dropped:.4f}")
    samples_both = np.mean(~kept[:-1] & ~kept[1:])
    assert abs(samples_both - f ** 2) < 0.01, (
        f"two samples next to each other in the batch (rows i and i + 1) lose the same element with probability "
        f"f^2 = {f ** 2:.4f} when independent, got {samples_both:.4f}: draw one random number per element")
    manual_seed(2)
    _check_channels_independent(0.25, (8, 16, 8, 8))
    manual_seed(4)
    _check_counts_vary(0.5, (1, 3), 400)
    ### BEGIN HIDDEN TESTS
    manual_seed(3036)
    kept = Dropout(p=0.4)(Tensor(np.ones((250, 400)))).data != 0
    f, where = 1 - kept.mean(), "Dropout(p=0.4) on (250, 400) ones, an input the notebook does not show"
    per_row, per_column = 1 - kept.mean(axis=1), 1 - kept.mean(axis=0)
    assert per_row.min() > f - 0.15 and per_row.max() < f + 0.15, (
        f"{where}: rows lost from {per_row.min():.2f} to {per_row.max():.2f} (overall {f:.2f})")
    assert per_column.min() > f - 0.2 and per_column.max() < f + 0.2, (
        f"{where}: columns lost from {per_column.min():.2f} to {per_column.max():.2f} (overall {f:.2f})"
        + _shared_mask_hint(kept, 3036, 0.4))
    both = np.mean(~kept[:, :-1] & ~kept[:, 1:])
    assert abs(both - f ** 2) < 0.01, f"{where}: neighbours both dropped {both:.4f}, expected f^2 = {f ** 2:.4f}"
    both = np.mean(~kept[:-1] & ~kept[1:])
    assert abs(both - f ** 2) < 0.01, f"{where}: samples i and i + 1 both dropped {both:.4f}, expected f^2 = {f ** 2:.4f}"
    manual_seed(3037)
    _check_channels_independent(0.4, (6, 10, 7, 9), _UNSEEN)
    manual_seed(3038)
    _check_counts_vary(0.4, (2, 2), 400, _UNSEEN)
    ### END HIDDEN TESTS
    print("Dropout: one independent draw per element")


if __name__ == "__main__":
    test_unit_dropout_independent()

# %% [markdown]
# ### A model with a sub-module and a tuple of heads
#
# `Residual` (given) is a small model of the kind you will write yourself: its `__init__`
# stores a sub-module, a tuple of further modules, a buffer and a plain name; `forward`
# computes `x + block(x)`, then applies each head. The test after it nests
# `Sequential`s and `Residual`s three levels deep and checks that `named_parameters()`
# finds everything, with dotted names in PyTorch's style. (PyTorch's own `nn.Sequential`
# leaves out the `layers.` part, `0.weight`, `1.block.0.weight`, ..., and finds modules
# kept in a tuple only when they are an `nn.ModuleList`.)

# %% nbgrader={"grade": false, "grade_id": "layers-residual", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
class Residual(Module):
    """Given example model: out = x + block(x), then each of `heads` in turn."""

    def __init__(self, block, *heads):
        self.block = block                    # a sub-module attribute
        self.heads = tuple(heads)             # a tuple of modules: heads.0, heads.1, ...
        self.scale = Tensor(np.ones(1))       # a buffer (requires_grad=False): not a parameter
        self.name = "residual"                # not a tensor: ignored

    def forward(self, x):
        out = x + self.block(x)
        for head in self.heads:
            out = head(out)
        return out


# %% nbgrader={"grade": false, "grade_id": "check-helpers-layers", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| check_helpers
import numpy as np


def _sequential_chains():
    """True when your Sequential applies its layers in turn, two(one(x)) (test-sequential-flatten's item). The
    checks that run a model through it are about other things: they take the layers in turn themselves otherwise,
    so that one slip costs one item."""
    one, two = Linear(1, 1, bias=False), Linear(1, 1, bias=False)
    one.weight, two.weight = Tensor([[2.0]], requires_grad=True), Tensor([[3.0]], requires_grad=True)
    try:
        return np.allclose(np.asarray(Sequential(one, two)(Tensor([[1.0]])).data, dtype=np.float64), [[6.0]])
    except Exception:
        return False


def _in_turn(layers, x):
    """x through `layers` one after the other (what Sequential does)."""
    for layer in layers:
        x = layer(x)
    return x


# %% nbgrader={"grade": true, "grade_id": "test-module-tree", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
from tinytorch.core.tensor import manual_seed


def test_unit_module_tree():
    manual_seed(0)
    model = Sequential(
        Linear(4, 3),
        Residual(Sequential(Linear(3, 3), Dropout(0.5), Residual(Linear(3, 3))), Linear(3, 2), Linear(2, 2, bias=False)),
    )
    names = [name for name, _ in model.named_parameters()]
    expected = ["layers.0.weight", "layers.0.bias",
                "layers.1.block.layers.0.weight", "layers.1.block.layers.0.bias",
                "layers.1.block.layers.2.block.weight", "layers.1.block.layers.2.block.bias",
                "layers.1.heads.0.weight", "layers.1.heads.0.bias", "layers.1.heads.1.weight"]
    # The model mirrored (see _names_replay), to name a slip: a new number for each parameter.
    numbers = iter(range(100))
    linear = lambda bias=True: {"weight": next(numbers), "bias": next(numbers) if bias else None}
    seq = lambda *layers: {"layers": list(layers)}
    res = lambda block, *heads: {"block": block, "heads": heads}
    tree = seq(linear(), res(seq(linear(), {}, res(linear())), linear(), linear(bias=False)))
    assert names == expected, _names_message("named_parameters() of a nested model", expected, names, tree)
    count = int(np.sum([p.size for p in model.parameters()]))
    assert count == (4 * 3 + 3) + 2 * (3 * 3 + 3) + (3 * 2 + 2) + 2 * 2, f"parameter count {count}"
    model.eval()
    assert not model[1].block[1].training, "eval() reaches a Dropout three levels down"
    dropout_eval = Dropout(0.5).eval()
    if _sequential_chains() and np.array_equal(dropout_eval(Tensor(np.ones(8))).data, np.ones(8)):
        # The whole tree runs (Sequential and Dropout's eval mode are their own items: run only when right).
        out = model(Tensor(np.ones((5, 4))))
        assert out.shape == (5, 2), f"the nested model maps (5, 4) to (5, 2), got {out.shape}"
        np.testing.assert_array_equal(out.data, model(Tensor(np.ones((5, 4)))).data, err_msg="eval mode is deterministic")
    model.train()
    assert model[1].block[1].training, (
        f"train() reaches a Dropout three levels down: expected training True, got {model[1].block[1].training}")
    ### BEGIN HIDDEN TESTS
    other = Sequential(Residual(Linear(3, 3), Sequential(Dropout(0.1), Linear(3, 2, bias=False))), Linear(2, 4))
    names, where = [name for name, _ in other.named_parameters()], "a nested model, an input the notebook does not show"
    expected = ["layers.0.block.weight", "layers.0.block.bias", "layers.0.heads.0.layers.1.weight",
                "layers.1.weight", "layers.1.bias"]
    tree = seq(res(linear(), seq({}, linear(bias=False))), linear())
    assert names == expected, _names_message(f"named_parameters() of {where}", expected, names, tree)
    count = int(np.sum([p.size for p in other.parameters()]))
    assert count == (3 * 3 + 3) + 3 * 2 + (2 * 4 + 4), f"parameter count of {where}: {count}"
    assert not other.eval()[0].heads[0][0].training, f"eval() reaches a Dropout inside a tuple of heads, in {where}"
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_unit_module_tree()
    print("Module: parameters found through Sequential, sub-modules and tuples.")

# %% [markdown]
# ### Gradients through the layers
#
# Every layer here is made of `Tensor` operations, so once module 06 is in place (it is,
# in the package) gradients flow through them with no extra code. The check below runs
# `backward()` through `Linear`, `Flatten`, `Sequential` and `Dropout` and compares with
# gradients worked out with numpy.

# %% nbgrader={"grade": true, "grade_id": "test-layers-backward", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tinytorch.core.tensor import manual_seed


def _no_graph_message(what, out, want):
    """The message of a Linear output without graph; names the numpy forward when its values are right (`want`)."""
    numpy_forward = out.shape == np.shape(want) and np.allclose(out.data, want)
    return (f"{what}, with x, weight and bias requiring grad, returned a Tensor with requires_grad False: no graph, so "
            "no gradient can flow back" + (". Likely bug: forward computed on .data with numpy and wrapped the result "
            "in a new Tensor (right values, no graph); compute with the Tensors: x @ self.weight.transpose() + "
            "self.bias" if numpy_forward else ""))


def test_unit_layers_backward():
    # Autograd (module 06) is on in the package, so gradients must flow through your forward code.
    w0 = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]])
    b0 = np.array([0.5, -1.0])
    x0 = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, -1.0], [2.0, -2.0, 1.0], [0.5, 0.5, 0.5]])
    g0 = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0], [2.0, 2.0]])   # weights of the outputs in the loss
    layer = Linear(3, 2)
    layer.weight = Tensor(w0, requires_grad=True, dtype=np.float64)
    layer.bias = Tensor(b0, requires_grad=True, dtype=np.float64)
    x = Tensor(x0, requires_grad=True, dtype=np.float64)
    out = layer(x)
    assert out.requires_grad, _no_graph_message("Linear(3, 2)(x)", out, x0 @ w0.T + b0)
    (out * Tensor(g0, dtype=np.float64)).sum().backward()
    assert layer.weight.grad is not None or layer.bias.grad is not None or x.grad is not None, (
        "no gradient reached the weight, bias or input: compute forward with Tensor operations "
        "(x @ self.weight.transpose() + self.bias), not on .data")
    assert layer.bias.grad is not None, (
        "the bias got no gradient: forward must add self.bias (out = x @ self.weight.transpose() + self.bias)" + (
            ". Likely bug: the output is x @ W.T alone, the bias left out" if np.allclose(out.data, x0 @ w0.T) else ""))
    assert layer.weight.grad is not None, (
        "the weight got no gradient: forward must use self.weight as a Tensor (x @ self.weight.transpose()), "
        "not its .data")
    assert x.grad is not None, "the input got no gradient: compute forward from x itself, not from x.data"
    np.testing.assert_allclose(layer.weight.grad, g0.T @ x0, err_msg="Linear: dL/dW = G^T @ x")
    np.testing.assert_allclose(layer.bias.grad, g0.sum(axis=0), err_msg="Linear: dL/db = column sums of G")
    np.testing.assert_allclose(x.grad, g0 @ w0, err_msg="Linear: dL/dx = G @ W")

    # Through Flatten and a Sequential: images (2, 1, 2, 3) -> (2, 6) -> Linear(6, 1).
    images = Tensor(np.arange(12.0).reshape(2, 1, 2, 3), requires_grad=True, dtype=np.float64)
    head = Linear(6, 1)
    head.weight = Tensor(np.arange(1.0, 7.0).reshape(1, 6), requires_grad=True, dtype=np.float64)
    through = Sequential(Flatten(), head) if _sequential_chains() else (lambda t: _in_turn((Flatten(), head), t))
    through(images).sum().backward()
    assert images.grad is not None, "no gradient reached the images through Flatten: reshape the Tensor, not its data" \
        + (". Likely bug: Flatten reshaped x.data and wrapped it in a new Tensor, with no graph back to x (the Linear "
           "after it got its gradient); return x.reshape(...)" if head.weight.grad is not None else "")
    np.testing.assert_allclose(images.grad, np.broadcast_to(np.arange(1.0, 7.0).reshape(1, 1, 2, 3), (2, 1, 2, 3)),
                               err_msg="through Flatten: each pixel gets its weight")
    np.testing.assert_allclose(head.weight.grad, np.arange(12.0).reshape(2, 6).sum(axis=0, keepdims=True),
                               err_msg="through Sequential(Flatten(), Linear): dL/dW = column sums of the flat images")

    # Through Dropout: kept units pass gradient 1 / (1 - p), dropped ones 0.
    ones = Tensor(np.ones((4, 50)), requires_grad=True)
    manual_seed(3)
    out = Dropout(0.5)(ones)
    out.sum().backward()
    assert ones.grad is not None, "no gradient reached the input through Dropout: multiply the Tensor by the mask"
    np.testing.assert_allclose(ones.grad, out.data, err_msg="through Dropout: the gradient of x * mask is the mask" + (
        ". Likely bug: forward scaled the input's own data (x.data *= mask) and returned x itself: no multiplication "
        "in the graph, so the gradient is 1 everywhere; return x * mask, a new Tensor"
        if np.array_equal(ones.data, out.data) and np.all(ones.grad == 1) else ""))
    # Where Dropout drops nothing (p = 0; not training is test-dropout's) it is the identity, for the gradient too.
    x = Tensor(np.arange(3.0), requires_grad=True)
    out = Dropout(0.0)(x)
    assert out.requires_grad, ("Dropout(0.0), on an x that requires grad, returned a Tensor with requires_grad False: no "
                               "graph back to x. Likely bug: it returned a new Tensor of x's data (a copy); return x itself")
    (out * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 2.0, 2.0], err_msg="Dropout(0.0) passes the gradient on unchanged")
    ### BEGIN HIDDEN TESTS
    rng, where = np.random.default_rng(3038), "Linear(4, 3) on a (5, 4) x, an input the notebook does not show"
    w, b, v, g = (rng.integers(-3, 4, size=shape).astype(np.float64) for shape in ((3, 4), (3,), (5, 4), (5, 3)))
    layer = Linear(4, 3)
    layer.weight, layer.bias = (Tensor(a, requires_grad=True, dtype=np.float64) for a in (w, b))
    x = Tensor(v, requires_grad=True, dtype=np.float64)
    out = layer(x)
    assert out.requires_grad, _no_graph_message(where, out, v @ w.T + b)
    (out * Tensor(g, dtype=np.float64)).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, g.T @ v, err_msg=f"{where}: dL/dW = G^T @ x")
    np.testing.assert_allclose(layer.bias.grad, g.sum(axis=0), err_msg=f"{where}: dL/db = column sums of G")
    np.testing.assert_allclose(x.grad, g @ w, err_msg=f"{where}: dL/dx = G @ W")
    ### END HIDDEN TESTS
    print("gradients flow through Linear, Flatten, Sequential and Dropout")


if __name__ == "__main__":
    test_unit_layers_backward()

# %% [markdown]
# The statistics of inverted dropout, measured: for a few values of `p` the cell below
# applies dropout to a large tensor of ones and prints the fraction of zeros, the value
# of the survivors and the mean (which should stay near 1).

# %% nbgrader={"grade": false, "grade_id": "layers-dropout-demo", "locked": false, "schema_version": 3, "solution": false, "task": false}
if __name__ == "__main__":
    manual_seed(0)
    ones = Tensor(np.ones((1000, 1000)))
    print(f"{'p':>5} {'fraction zero':>14} {'survivor value':>15} {'mean':>8}")
    for p in (0.1, 0.5, 0.8):
        out = Dropout(p)(ones).data
        print(f"{p:>5} {np.mean(out == 0):>14.4f} {out.max():>15.4f} {out.mean():>8.4f}")

# %% [markdown]
# ## 5. Putting it together
#
# A small classifier for 8x8 digit images, as used in later modules: flatten, two
# linear layers with a ReLU between them, dropout for regularisation. The cell prints
# the model, every named parameter with its shape, the total number of parameters
# (computed, and checked against the formula `in*out + out` per layer), and shows
# that `eval()` reaches the dropout layer inside the `Sequential`.

# %% nbgrader={"grade": false, "grade_id": "layers-model-demo", "locked": false, "schema_version": 3, "solution": false, "task": false}
if __name__ == "__main__":
    from tinytorch.core.activations import ReLU

    manual_seed(0)
    model = Sequential(Flatten(), Linear(64, 32), ReLU(), Dropout(0.2), Linear(32, 10))
    print(model)
    for name, param in model.named_parameters():
        print(f"  {name:16} {param.shape}")
    total = sum(param.size for param in model.parameters())
    assert total == (64 * 32 + 32) + (32 * 10 + 10)
    print(f"total parameters: {total}")

    images = Tensor(get_rng().random((5, 1, 8, 8)))
    logits = model(images)
    print(f"input {images.shape} -> logits {logits.shape}")
    model.eval()
    print(f"after model.eval(): dropout layer training = {model[3].training}")
    assert np.array_equal(model(images).data, model(images).data)  # deterministic in eval
    model.train()

# %% [markdown]
# ## 6. Counting parameters (given)
#
# "How big is this model?" is the number of values in its tensors. `parameters()` lists
# only what the optimizer may change, so a **frozen** weight (`requires_grad=False`, kept
# at its value on purpose) disappears from it. `count_parameters(module)` counts every
# tensor the module tree holds, frozen ones included, each shared tensor once;
# `count_parameters(module, trainable_only=True)` counts only `parameters()`, what training
# updates (like summing `p.numel()` over `p.requires_grad` in PyTorch). tinytorch cannot
# tell a frozen weight from a buffer (both have `requires_grad=False`), so a Tensor buffer
# counts in the total too.

# %% nbgrader={"grade": false, "grade_id": "layers-count-parameters", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _all_tensors(module, seen):
    """Every Tensor in `module` and its sub-modules, frozen or not, each once, in attribute order."""
    found = []
    for _, value in module._attributes():
        if isinstance(value, Module):
            found += _all_tensors(value, seen)
        elif isinstance(value, Tensor) and id(value) not in seen:
            seen.add(id(value))
            found.append(value)
    return found


def count_parameters(module, trainable_only=False):
    """Number of values in a Module's tensors: all of them, frozen ones included (default),
    or, with trainable_only=True, only those of module.parameters()."""
    if not isinstance(module, Module):
        raise TypeError(f"count_parameters expects a Module (a layer or a model), got {type(module).__name__}. "
                        "Pass e.g. count_parameters(Sequential(Linear(4, 2)))")
    tensors = module.parameters() if trainable_only else _all_tensors(module, set())
    return int(sum(tensor.data.size for tensor in tensors))

# %%
if __name__ == "__main__":
    _frozen = Linear(4, 3)
    _frozen.weight.requires_grad = False     # a frozen weight: kept, but not trained
    print(f"Linear(4, 3) with its weight frozen: {count_parameters(_frozen)} values, "
          f"{count_parameters(_frozen, trainable_only=True)} of them trainable (the bias)")

# %% [markdown]
# ## 7. Seeing the layers
#
# The pictures below use the classes you just wrote, so they come after the tests. They are
# drawn with matplotlib; without it, each picture cell prints one line and goes on.
#
# **How deep can the default initialisation go?** Section 2 showed that one `Linear` keeps
# its output scale whatever its width. A network stacks many layers, with a ReLU after
# each, and the question becomes what happens to the scale with *depth*. The argument is
# the one module 09 makes for convolutions. Each output sums `fan_in` products of a weight
# and an input; with independent weights of mean 0 and standard deviation `sigma`, and
# inputs of mean square `m`, it has variance `fan_in * sigma^2 * m`. ReLU zeroes the
# negative half, which halves the mean square. So each Linear + ReLU layer multiplies the
# mean square by `fan_in * sigma^2 / 2`, the same factor at every layer:
#
# - module 03's rule `U(-1/sqrt(fan_in), 1/sqrt(fan_in))` (PyTorch's default) has
#   `sigma^2 = 1 / (3 * fan_in)`, so the factor is `1/3 * 1/2 = 1/6`: each layer keeps a
#   sixth of the mean square;
# - He's rule (He et al., 2015), a normal distribution with `sigma = sqrt(2 / fan_in)`,
#   makes the factor exactly 1: the scale stays put however deep the network;
# - a "simple" standard normal (`sigma = 1`) makes it `fan_in / 2`: the scale explodes.
#
# The cell stacks ten `Linear(256, 256, bias=False)` layers, each followed by a `ReLU`,
# feeds them one seeded batch of standard-normal inputs, and follows the activations'
# mean square layer by layer for the three rules. Biases are left out (as in module 09's
# experiment) so that the weights alone set the scale. It prints the factor the argument
# predicts next to the one measured, and the picture draws both on a log axis (dotted:
# predicted). The shaded band covers the depth of module 03's own models: two or three
# layers.
#
# Read the printed numbers to reconcile the two rules. In a network of two or three
# layers the default loses a fixed, modest factor, and training absorbs it: the first
# updates rescale the weights, and small outputs at the start only mean that the first
# predictions are cautious. That is why `Linear` can keep PyTorch's rule for the shallow
# MLPs of this course. Through ten layers the same factor is applied ten times; the
# signal that reaches the top is a tiny fraction of the input, the gradients flowing back
# are shrunk alike (module 06), and the first layers barely learn. Deep ReLU stacks
# therefore use He's rule, which is what module 09's `Conv2d` does.


# %%
# The pictures' two helpers, shared by every lesson: matplotlib.pyplot (or None, after a one-line
# note, without matplotlib) and showing a figure (closing it when run as a script).
from tinytorch.figures import pyplot as _pyplot, show as _show


# %%
if __name__ == "__main__":
    from tinytorch.core.activations import ReLU as _ReLU

    _depth, _width, _batch = 10, 256, 512
    manual_seed(0)
    _x0 = Tensor(get_rng().standard_normal((_batch, _width)))
    _m0 = float(np.mean(_x0.data.astype(np.float64) ** 2))
    _sigmas = {"Linear's default, U(+-1/sqrt(fan_in))": 1 / np.sqrt(3 * _width),
               "He, N(0, 2/fan_in)": np.sqrt(2 / _width),
               "standard normal, N(0, 1)": 1.0}
    _squares, _factors = {}, {}
    for _rule, _sigma in _sigmas.items():
        manual_seed(1)
        _stack = [Linear(_width, _width, bias=False) for _ in range(_depth)]   # module 03's own initialisation
        if not _rule.startswith("Linear"):
            for _layer in _stack:
                _layer.weight = Tensor(get_rng().normal(0.0, _sigma, size=(_width, _width)), requires_grad=True)
        _a, _squares[_rule] = _x0, []
        for _layer in _stack:
            _a = _ReLU()(_layer(_a))
            _squares[_rule].append(float(np.mean(_a.data.astype(np.float64) ** 2)))
        _factors[_rule] = _width * _sigma ** 2 / 2
    manual_seed(1)
    _w_default = Linear(_width, _width, bias=False).weight.data
    print(f"{_depth} layers of Linear({_width}, {_width}, bias=False) + ReLU, a batch of {_batch}; "
          f"input mean square {_m0:.3f}")
    print(f"Linear's default weights: measured std {_w_default.std():.5f}, 1/sqrt(3 * fan_in) = "
          f"{1 / np.sqrt(3 * _width):.5f}; factor fan_in * sigma^2 / 2 = {_factors[next(iter(_sigmas))]:.4f} "
          f"= 1/{1 / _factors[next(iter(_sigmas))]:.2f}")
    _measured = {}
    for _rule, _values in _squares.items():
        _measured[_rule] = (_values[-1] / _m0) ** (1 / _depth)
        print(f"{_rule:38s}: factor per layer predicted {_factors[_rule]:8.4g}, measured {_measured[_rule]:8.4g}; "
              f"mean square after 2 layers {_values[1]:.3g}, 3 layers {_values[2]:.3g}, {_depth} layers {_values[-1]:.3g}")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _ax = _plt.subplots(figsize=(7, 4))
        _layer_numbers = np.arange(1, _depth + 1)
        _ax.axvspan(0.5, 3.5, color="0.85", label="depth of module 03's MLPs")
        for _rule, _values in _squares.items():
            _line, = _ax.semilogy(_layer_numbers, _values, marker="o", label=_rule)
            _ax.semilogy(_layer_numbers, _m0 * _factors[_rule] ** _layer_numbers, linestyle=":",
                         color=_line.get_color())
        _ax.set_xlabel("Linear + ReLU layers passed")
        _ax.set_ylabel("activation mean square (log scale)")
        _ax.set_title("mean square per layer: measured (dots), fan_in * sigma^2 / 2 per layer (dotted)", fontsize=9)
        _ax.legend(fontsize=8)
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# **What stacking buys: bent boundaries.** One `Linear(2, 1)` followed by "is the output
# positive?" splits the plane along a straight line. Stacking two `Linear` layers
# *without* anything in between buys nothing: `(x W1^T + b1) W2^T + b2` is again
# `x W^T + b` with `W = W2 W1`, one straight line. A ReLU in between changes that. Each
# hidden unit is zero on one side of its own line (its *kink*, where its pre-activation is
# zero) and grows linearly on the other, so the output is a sum of such folded planes: a
# function made of flat pieces that meet along the kinks, and its zero set is a boundary
# of straight segments that bends where it crosses a kink.
#
# The cell builds both networks from the same two `Linear` layers with fixed weights, four
# hidden units that look right, left, up and down (rows of `W1`), and an output layer that
# weighs them unequally. It evaluates both on a grid and colours where the output is
# positive. Left: without the ReLU, the weights collapse to one `Linear(2, 1)` (the cell
# prints `W2 W1`) and the boundary is a single straight line. Right: with the ReLU, the
# positive region is a closed four-sided patch around the origin, its corners on the
# hidden units' kinks (dashed). A trained network does the same with many more units:
# enough bends approximate any boundary.


# %%
if __name__ == "__main__":
    from tinytorch.core.activations import ReLU as _ReLU

    _hidden, _out = Linear(2, 4), Linear(4, 1)
    _hidden.weight = Tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]], requires_grad=True)
    _hidden.bias = Tensor([0.0, 0.0, 0.0, 0.0], requires_grad=True)
    _out.weight = Tensor([[-1.0, -0.5, -1.0, -2.0]], requires_grad=True)
    _out.bias = Tensor([1.0], requires_grad=True)
    _nets = {"Linear -> Linear (no ReLU)": Sequential(_hidden, _out),
             "Linear -> ReLU -> Linear": Sequential(_hidden, _ReLU(), _out)}
    _ticks = np.linspace(-3, 3, 241)
    _gx, _gy = np.meshgrid(_ticks, _ticks)
    _points = Tensor(np.stack([_gx.ravel(), _gy.ravel()], axis=1), dtype=np.float64)
    _grid_out = {_name: _net(_points).data.reshape(_gx.shape) for _name, _net in _nets.items()}
    _collapsed = _out.weight.data @ _hidden.weight.data
    _collapsed_bias = _out.weight.data @ _hidden.bias.data + _out.bias.data
    print(f"without ReLU: W2 W1 = {_collapsed.ravel().tolist()}, W2 b1 + b2 = {_collapsed_bias.tolist()}: "
          f"one Linear(2, 1), boundary {_collapsed[0, 0]:+g} x {_collapsed[0, 1]:+g} y {_collapsed_bias[0]:+g} = 0")
    _affine = np.column_stack([_gx.ravel(), _gy.ravel(), np.ones(_gx.size)])
    for _name, _values in _grid_out.items():
        _fit = np.linalg.lstsq(_affine, _values.ravel(), rcond=None)
        _residual = float(np.abs(_affine @ _fit[0] - _values.ravel()).max())
        _inside = _values > 0
        _touches = bool(_inside[0].any() or _inside[-1].any() or _inside[:, 0].any() or _inside[:, -1].any())
        print(f"{_name:26s}: largest distance from the best plane {_residual:.3g}; positive on "
              f"{_inside.mean():.1%} of the grid; positive region reaches the grid's edge: {_touches}")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _axes = _plt.subplots(1, 2, figsize=(8, 4), sharey=True)
        for _ax, (_name, _values) in zip(_axes, _grid_out.items()):
            _ax.contourf(_gx, _gy, (_values > 0).astype(float), levels=[-0.5, 0.5, 1.5], colors=["0.92", "tab:blue"],
                         alpha=0.6)
            _ax.contour(_gx, _gy, _values, levels=[0.0], colors="k")
            _ax.set_title(_name, fontsize=9)
            _ax.set_xlabel("x[0]")
            _ax.set_aspect("equal")
        _axes[1].axvline(0.0, color="0.4", linestyle="--", linewidth=0.8)   # kinks of units 0, 1: x[0] = 0
        _axes[1].axhline(0.0, color="0.4", linestyle="--", linewidth=0.8)   # kinks of units 2, 3: x[1] = 0
        _axes[0].set_ylabel("x[1]")
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# **Where the parameters are.** A `Linear(in, out)` holds `in * out` weights and `out`
# biases, so its size grows with the *product* of its widths. In a multilayer perceptron
# for 28x28 images (the size of the MNIST digits), the first layer sees every pixel, and
# the cell shows what that costs: it builds
# `Flatten, Linear(784, 128), ReLU, Linear(128, 64), ReLU, Linear(64, 10)`, reads every
# layer's weight and bias counts off `named_parameters()`, checks them against
# `in * out + out` and `count_parameters`, and draws them on a log axis (a bias would be
# invisible next to its weight on a linear one). The printed shares answer "where would
# you cut to make the model smaller?": in the layer that touches the input.


# %%
if __name__ == "__main__":
    from tinytorch.core.activations import ReLU as _ReLU

    manual_seed(0)
    _mlp = Sequential(Flatten(), Linear(784, 128), _ReLU(), Linear(128, 64), _ReLU(), Linear(64, 10))
    _counts = {}
    for _name, _param in _mlp.named_parameters():
        _layer_name, _kind = _name.rsplit(".", 1)
        _counts.setdefault(_layer_name, {})[_kind] = _param.size
    _total = count_parameters(_mlp)
    assert _total == sum(_c["weight"] + _c["bias"] for _c in _counts.values())
    for _layer_name, _c in _counts.items():
        _lin = _mlp[int(_layer_name.split(".")[1])]
        assert _c["weight"] == _lin.in_features * _lin.out_features and _c["bias"] == _lin.out_features
        print(f"{_layer_name} {_lin}: {_lin.in_features} * {_lin.out_features} = {_c['weight']} weights + "
              f"{_c['bias']} biases = {_c['weight'] + _c['bias']} ({(_c['weight'] + _c['bias']) / _total:.1%} of {_total})")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _ax = _plt.subplots(figsize=(7, 3.5))
        _positions = np.arange(len(_counts))
        for _offset, _kind, _color in ((-0.2, "weight", "tab:blue"), (0.2, "bias", "tab:orange")):
            _bars = _ax.bar(_positions + _offset, [_c[_kind] for _c in _counts.values()], width=0.4,
                            color=_color, label=_kind)
            _ax.bar_label(_bars, fontsize=8)
        _ax.set_yscale("log")
        _ax.set_xticks(_positions)
        _ax.set_xticklabels([f"{_n}\n{_mlp[int(_n.split('.')[1])].in_features} -> "
                             f"{_mlp[int(_n.split('.')[1])].out_features}" for _n in _counts], fontsize=8)
        _ax.set_ylabel("values (log scale)")
        _ax.set_title(f"parameters per Linear layer ({_total} in all)", fontsize=9)
        _ax.legend(fontsize=8)
        _fig.tight_layout()
        _show(_plt, _fig)


# %% [markdown]
# ## 8. Systems questions
#
# Answer in a sentence or two each, then run the cell for the numbers.
#
# 1. `Linear(784, 128)` on a batch of `B` rows computes `x @ W.T + b`: `B * out * in`
#    multiply-adds, 2 floating-point operations each, plus `B * out` additions for the bias.
#    How many FLOPs is that for `B = 64`, and per parameter per sample?
# 2. Backward (module 06) computes two products of the same size as forward:
#    `dW = dy.T @ x` and `dx = dy @ W`. Why does that make backward about twice forward?
# 3. Training keeps every layer's output for backward. For an MLP `784 -> 128 -> 64 -> 10`
#    with ReLUs, how many bytes of activations does one float32 batch of 64 keep, compared with
#    the model's parameters, and from which batch size on do activations outweigh the weights?


# %%
if __name__ == "__main__":
    from tinytorch.core.activations import ReLU as _SqReLU
    # 1. Forward FLOPs: 2 * B * out * in for the product, B * out for the bias.
    _sq_b, _sq_in, _sq_out = 64, 784, 128
    _sq_layer = Linear(_sq_in, _sq_out)
    _sq_params = count_parameters(_sq_layer)
    _sq_fwd = 2 * _sq_b * _sq_out * _sq_in + _sq_b * _sq_out
    print(f"1. forward: 2 * {_sq_b} * {_sq_out} * {_sq_in} + {_sq_b} * {_sq_out} = {_sq_fwd:,} FLOPs "
          f"= {_sq_fwd / (_sq_b * _sq_params):.2f} per parameter per sample ({_sq_params:,} parameters)")
    assert _sq_layer(Tensor(np.ones((_sq_b, _sq_in)))).shape == (_sq_b, _sq_out)
    # 2. Backward: dW (out, in) = dy.T @ x and dx (B, in) = dy @ W, each B * out * in multiply-adds;
    #    db = dy summed over the batch, B * out additions.
    _sq_bwd = 2 * (2 * _sq_b * _sq_out * _sq_in) + _sq_b * _sq_out
    print(f"2. backward: dW and dx are 2 * {_sq_b} * {_sq_out} * {_sq_in} FLOPs each, db {_sq_b * _sq_out:,}: "
          f"{_sq_bwd:,} FLOPs = {_sq_bwd / _sq_fwd:.2f}x forward; one training step = {(_sq_fwd + _sq_bwd) / _sq_fwd:.2f}x forward")
    # 3. Activation bytes: run the MLP and sum the nbytes of every layer's output.
    _sq_mlp = Sequential(Linear(784, 128), _SqReLU(), Linear(128, 64), _SqReLU(), Linear(64, 10))
    _sq_h, _sq_act = Tensor(np.ones((_sq_b, 784))), 0
    for _sq_module in _sq_mlp:
        _sq_h = _sq_module(_sq_h)
        _sq_act += _sq_h.data.nbytes
    _sq_weights = sum(_p.data.nbytes for _p in _sq_mlp.parameters())
    _sq_per_row = _sq_act // _sq_b
    print(f"3. batch {_sq_b}: activations {_sq_act:,} bytes ({_sq_per_row:,} per sample) against "
          f"{_sq_weights:,} bytes of parameters ({count_parameters(_sq_mlp):,} * 4)")
    print(f"   activations outweigh the weights from batch {_sq_weights // _sq_per_row + 1:,} on")
    assert _sq_per_row == 4 * (128 + 128 + 64 + 64 + 10)


# %% [markdown]
# ## 9. Check your understanding
#
# Work each one out by hand first, then run the cell to check.
#
# 1. How many parameters does `Linear(784, 128)` hold, and how many bytes do they take as
#    float32 (four bytes each)?
# 2. With the default initialisation every Linear + ReLU layer keeps a sixth of the mean
#    square (section 7). After how many such layers is it below a millionth of the input's?
# 3. `Dropout(0.2)` in training mode receives a vector of ones. Which values can come out,
#    and what is the mean of the output on average? And in eval mode?


# %%
if __name__ == "__main__":
    # Each answer is derived step by step, then checked against what your classes compute.
    # 1. in * out weights, out biases; float32 is 4 bytes per value.
    _q_in, _q_out = 784, 128
    _q_layer = Linear(_q_in, _q_out)
    _q_count = _q_in * _q_out + _q_out
    _q_bytes = _q_count * np.dtype(np.float32).itemsize
    print(f"1. {_q_in} * {_q_out} = {_q_in * _q_out} weights + {_q_out} biases = {_q_count} parameters; "
          f"* {np.dtype(np.float32).itemsize} bytes = {_q_bytes} bytes = {_q_bytes / 1024:.1f} KiB")
    assert count_parameters(_q_layer) == _q_count
    assert sum(_p.data.nbytes for _p in _q_layer.parameters()) == _q_bytes
    # 2. The factor per layer is fan_in * sigma^2 / 2 with sigma^2 = 1 / (3 fan_in): (1/6)^L < 1e-6.
    _q_factor = (1 / 3) / 2
    _q_depth = int(np.ceil(np.log(1e-6) / np.log(_q_factor)))
    print(f"2. factor fan_in * 1/(3 fan_in) / 2 = {_q_factor:.4f}; (1/6)^L < 1e-6  <=>  L > ln(1e-6) / ln(1/6) = "
          f"{np.log(1e-6) / np.log(_q_factor):.2f}: L = {_q_depth} ((1/6)^{_q_depth} = {_q_factor ** _q_depth:.2e}, "
          f"(1/6)^{_q_depth - 1} = {_q_factor ** (_q_depth - 1):.2e})")
    assert _q_factor ** _q_depth < 1e-6 <= _q_factor ** (_q_depth - 1)
    _q_measured = _squares["Linear's default, U(+-1/sqrt(fan_in))"]
    print(f"   section 7 measured, relative to the input: {_q_measured[_q_depth - 2] / _m0:.2e} after "
          f"{_q_depth - 1} layers, {_q_measured[_q_depth - 1] / _m0:.2e} after {_q_depth}")
    # 3. Kept with probability 1 - p and scaled by 1 / (1 - p); the mean is (1 - p) * 1 / (1 - p) = 1.
    _q_p = 0.2
    _q_kept = 1 / (1 - _q_p)
    print(f"3. each value is 0 (probability {_q_p}) or 1 / (1 - {_q_p}) = {_q_kept:.2f} (probability {1 - _q_p:.1f}); "
          f"mean {1 - _q_p:.1f} * {_q_kept:.2f} = {(1 - _q_p) * _q_kept:.2f}; in eval mode the ones pass unchanged")
    manual_seed(0)
    _q_drop = Dropout(_q_p)
    _q_y = _q_drop(Tensor(np.ones(100_000))).data
    assert set(np.unique(_q_y).round(6)) == {0.0, round(_q_kept, 6)} and abs(_q_y.mean() - 1) < 0.01
    print(f"   measured on {_q_y.size} ones: values {np.unique(_q_y).round(4).tolist()}, mean {_q_y.mean():.4f}")
    assert np.array_equal(_q_drop.eval()(Tensor(np.ones(10))).data, np.ones(10))

# %% [markdown]
# ## Summary
#
# - `Module` finds parameters by walking attributes (tensors that require grad,
#   sub-modules, lists and tuples of them), names them with dotted paths, and lists
#   shared tensors once. `train()`/`eval()` propagate a `training` flag down the tree.
# - `Linear` computes `x @ W.T + b` with `W` stored `(out, in)` and initialised from
#   `U(-1/sqrt(in), 1/sqrt(in))`, which keeps the output scale independent of width.
# - `Sequential` chains callables; `Flatten` keeps the batch axis and merges the rest.
# - `Dropout` zeroes with probability `p` and rescales survivors by `1/(1-p)` while
#   training, so evaluation is the identity.
#
# Next: module 04 measures how wrong a model's outputs are (losses), module 06 makes
# every operation used here differentiable, and module 07 uses `parameters()` and the
# gradients to update the weights.

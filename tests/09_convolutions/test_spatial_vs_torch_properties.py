"""Held-out property check of module 09's one stack (H60) against PyTorch 2.13 in float64.

test_spatial_options.py draws options for the functions and the layers' fast path; this file draws
what it leaves out, through the layers and Tensor.backward(): use_loops=True on random options,
inputs held in other memory layouts (channels-last, a strided view, negative strides), an input
that needs no gradient (the weight's alone), batch 1 and 1x1 images, AdaptiveAvgPool2d and
BatchNorm2d on random shapes and options; and every invalid combination torch refuses, which ours
must refuse with a ValueError or TypeError (never an IndexError, never a silent shape). Seeded
loops, not hypothesis: each test draws a fixed list of cases, so a failure names its case.
"""
import importlib.util
import re
import sys
import warnings

import numpy as np
import pytest

from tinytorch.core import spatial
from tinytorch.core.spatial import AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d
from numeric_checks import f64

torch = pytest.importorskip(
    "torch", reason="PyTorch not installed: the oracle comparison needs torch==2.13.0 (pip install -e '.[dev]')")
F = torch.nn.functional
TOL = dict(rtol=1e-9, atol=1e-11)      # float64 against float64: rounding only
CASES = 80                             # per test (pools: twice); all of them take a few seconds
# torch warns that it copies the input for "same" with an even kernel: the case tested on purpose
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")


def layouts(x):
    """The same (N, C, H, W) values in four memory layouts."""
    wide = np.zeros((x.shape[0], 2 * x.shape[1], x.shape[2], 2 * x.shape[3]))
    wide[:, ::2, :, ::2] = x
    return {"contiguous": x,
            "channels-last": x.transpose(0, 2, 3, 1).copy().transpose(0, 3, 1, 2),
            "strided view": wide[:, ::2, :, ::2],
            "negative strides": np.ascontiguousarray(x[:, :, ::-1, ::-1])[:, :, ::-1, ::-1]}


LAYOUTS = list(layouts(np.zeros((1, 1, 1, 1))))


def pair(rng, low, high):
    return (int(rng.integers(low, high)), int(rng.integers(low, high)))


def fits(kernel, dilation, hw, totals):
    return all(d * (k - 1) + 1 <= n + t for k, d, n, t in zip(kernel, dilation, hw, totals))


def draw_conv(rng):
    """A legal Conv2d configuration, or None (the kernel does not fit)."""
    groups = int(rng.choice([1, 1, 2, 3]))
    c_in, c_out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
    if rng.random() < 0.25:
        c_in = groups                                            # depthwise, with a multiplier when c_out > c_in
    kernel = pair(rng, 1, 5)
    dilation = pair(rng, 1, 4) if rng.random() < 0.5 else (1, 1)
    padding = [lambda: "same", lambda: "valid", lambda: int(rng.integers(0, 3)), lambda: pair(rng, 0, 3)][
        int(rng.integers(0, 4))]()
    stride = 1 if padding == "same" else pair(rng, 1, 4)
    hw = (1, 1) if rng.random() < 0.1 else pair(rng, 1, 7)
    totals = {"same": [d * (k - 1) for k, d in zip(kernel, dilation)], "valid": [0, 0]}.get(
        padding if isinstance(padding, str) else "", None)
    if totals is None:
        totals = [2 * p for p in (padding if isinstance(padding, tuple) else (padding, padding))]
    if not fits(kernel, dilation, hw, totals):
        return None
    return dict(n=int(rng.choice([1, 1, 2])), c_in=c_in, c_out=c_out, hw=hw, kernel=kernel, bias=bool(rng.integers(0, 2)),
                layout=LAYOUTS[int(rng.integers(0, 4))], use_loops=bool(rng.integers(0, 2)),
                x_grad=rng.random() < 0.8, options=dict(stride=stride, padding=padding, dilation=dilation, groups=groups))


def draw_cases(draw, count, seed):
    rng, cases = np.random.default_rng(seed), []
    while len(cases) < count:
        case = draw(rng)
        if case is not None:
            cases.append((case, int(rng.integers(0, 2**31))))
    return cases


def check(got, want, what, case):
    assert got is not None, f"{what}: None ({case})"
    assert np.shape(got) == np.shape(want), f"{what}: shape {np.shape(got)}, torch {np.shape(want)} ({case})"
    np.testing.assert_allclose(got, want, **TOL, err_msg=f"{what} vs torch ({case})")


@pytest.mark.parametrize("case, seed", draw_cases(draw_conv, CASES, 60), ids=range(CASES))
def test_conv2d_layer_forward_and_backward_match_torch(case, seed):
    rng, options = np.random.default_rng(seed), case["options"]
    x = rng.standard_normal((case["n"], case["c_in"], *case["hw"]))
    weight = rng.standard_normal((case["c_out"], case["c_in"] // options["groups"], *case["kernel"]))
    bias = rng.standard_normal(case["c_out"]) if case["bias"] else None
    layer = Conv2d(case["c_in"], case["c_out"], case["kernel"], bias=case["bias"], **options)
    layer.weight = f64(weight, requires_grad=True)
    layer.bias = None if bias is None else f64(bias, requires_grad=True)
    layer.use_loops = case["use_loops"]
    xt = f64(layouts(x)[case["layout"]], requires_grad=case["x_grad"])
    out = layer(xt)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(weight, requires_grad=True)
    tb = None if bias is None else torch.tensor(bias, requires_grad=True)
    expected = F.conv2d(tx, tw, tb, **options)
    check(out.data, expected.detach().numpy(), "output", case)
    assert tuple(layer.output_shape(x.shape)) == tuple(expected.shape)
    probe = rng.standard_normal(tuple(expected.shape))
    (out * f64(probe)).sum().backward()
    expected.backward(torch.tensor(probe))
    if case["x_grad"]:
        check(xt.grad, tx.grad.numpy(), "grad x", case)
    check(layer.weight.grad, tw.grad.numpy(), "grad weight", case)
    if bias is not None:
        check(layer.bias.grad, tb.grad.numpy(), "grad bias", case)


def draw_pool(rng, max_pool):
    kernel = pair(rng, 1, 5)
    stride = None if rng.random() < 0.3 else pair(rng, 1, 5)
    padding = (int(rng.integers(0, kernel[0] // 2 + 1)), int(rng.integers(0, kernel[1] // 2 + 1)))
    dilation = pair(rng, 1, 4) if max_pool and rng.random() < 0.5 else (1, 1)
    hw = (1, 1) if rng.random() < 0.1 else pair(rng, 1, 8)
    ceil_mode = bool(rng.integers(0, 2))
    steps = kernel if stride is None else stride
    # what torch computes: the dilated window fits the padded input, or with ceil_mode overhangs it by < stride
    if not fits(kernel, dilation, hw, [2 * p - (s - 1 if ceil_mode else 0) for p, s in zip(padding, steps)]):
        return None
    options = dict(stride=stride, padding=padding, ceil_mode=ceil_mode)
    options.update(dict(dilation=dilation) if max_pool else dict(count_include_pad=bool(rng.integers(0, 2))))
    return dict(n=int(rng.choice([1, 1, 2])), c=int(rng.integers(1, 4)), hw=hw, kernel=kernel, options=options,
                layout=LAYOUTS[int(rng.integers(0, 4))], use_loops=bool(rng.integers(0, 2)))


@pytest.mark.parametrize("max_pool", [True, False], ids=["MaxPool2d", "AvgPool2d"])
def test_pool_layers_forward_and_backward_match_torch(max_pool):
    layer_class, function = (MaxPool2d, F.max_pool2d) if max_pool else (AvgPool2d, F.avg_pool2d)
    for case, seed in draw_cases(lambda rng: draw_pool(rng, max_pool), 2 * CASES, 61 + max_pool):
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((case["n"], case["c"], *case["hw"]))
        layer = layer_class(case["kernel"], **case["options"])
        layer.use_loops = case["use_loops"]
        xt, tx = f64(layouts(x)[case["layout"]], requires_grad=True), torch.tensor(x, requires_grad=True)
        expected = function(tx, case["kernel"], **case["options"])
        # a window on padding alone: -inf, no gradient
        _forward_and_backward_match(layer, xt, tx, expected, rng, case,
                                    backward=bool(np.isfinite(expected.detach().numpy()).all()))


def _forward_and_backward_match(layer, xt, tx, expected, rng, case, backward=True):
    """layer(xt) equals torch's `expected` (computed from tx), output_shape says its shape, and (when
    `backward`) the input's gradient for a random upstream gradient equals torch's."""
    out = layer(xt)
    check(out.data, expected.detach().numpy(), "output", case)
    assert tuple(layer.output_shape(tuple(tx.shape))) == tuple(expected.shape), case
    if backward:
        probe = rng.standard_normal(tuple(expected.shape))
        (out * f64(probe)).sum().backward()
        expected.backward(torch.tensor(probe))
        check(xt.grad, tx.grad.numpy(), "grad x", case)


def test_adaptive_avgpool_forward_and_backward_match_torch():
    rng = np.random.default_rng(62)
    for _ in range(CASES):
        hw, n, c = pair(rng, 1, 8), int(rng.choice([1, 2])), int(rng.integers(1, 4))
        size = [lambda: int(rng.integers(1, 9)), lambda: pair(rng, 1, 9), lambda: (None, int(rng.integers(1, 9))),
                lambda: (int(rng.integers(1, 9)), None)][int(rng.integers(0, 4))]()
        case = dict(hw=hw, n=n, c=c, size=size, layout=LAYOUTS[int(rng.integers(0, 4))])
        x = rng.standard_normal((n, c, *hw))
        xt, tx = f64(layouts(x)[case["layout"]], requires_grad=True), torch.tensor(x, requires_grad=True)
        layer = AdaptiveAvgPool2d(size)
        _forward_and_backward_match(layer, xt, tx, F.adaptive_avg_pool2d(tx, size), rng, case)


def test_batchnorm_training_steps_then_eval_match_torch():
    rng = np.random.default_rng(63)
    for _ in range(CASES // 2):
        c, n, hw = int(rng.integers(1, 4)), int(rng.integers(1, 4)), pair(rng, 1, 5)
        if n * hw[0] * hw[1] < 2:
            continue                                               # refused in training, by both
        options = dict(eps=float(rng.choice([1e-5, 1e-2])), momentum=[0.1, 0.5, None][int(rng.integers(0, 3))],
                       affine=bool(rng.integers(0, 2)), track_running_stats=bool(rng.integers(0, 2)))
        case = dict(c=c, n=n, hw=hw, layout=LAYOUTS[int(rng.integers(0, 4))], **options)
        ours, theirs = BatchNorm2d(c, **options), torch.nn.BatchNorm2d(c, **options).double()
        if options["affine"]:
            weight, bias = rng.standard_normal(c), rng.standard_normal(c)
            ours.weight, ours.bias = f64(weight, requires_grad=True), f64(bias, requires_grad=True)
            with torch.no_grad():
                theirs.weight.copy_(torch.tensor(weight))
                theirs.bias.copy_(torch.tensor(bias))
        if options["track_running_stats"]:
            ours.running_mean, ours.running_var = ours.running_mean.astype(float), ours.running_var.astype(float)
        for step in range(3):
            if step == 2:
                ours.eval()
                theirs.eval()
            x = 2 * rng.standard_normal((n, c, *hw)) + 1
            xt, tx = f64(layouts(x)[case["layout"]], requires_grad=True), torch.tensor(x, requires_grad=True)
            out, expected = ours(xt), theirs(tx)
            check(out.data, expected.detach().numpy(), f"step {step} output", case)
            probe = rng.standard_normal(x.shape)
            (out * f64(probe)).sum().backward()
            expected.backward(torch.tensor(probe))
            check(xt.grad, tx.grad.numpy(), f"step {step} grad x", case)
            if options["affine"]:
                check(ours.weight.grad, theirs.weight.grad.numpy(), f"step {step} grad weight", case)
                check(ours.bias.grad, theirs.bias.grad.numpy(), f"step {step} grad bias", case)
                ours.weight.grad = ours.bias.grad = None
                theirs.zero_grad()
            if options["track_running_stats"]:
                check(ours.running_mean, theirs.running_mean.numpy(), f"step {step} running_mean", case)
                check(ours.running_var, theirs.running_var.numpy(), f"step {step} running_var", case)


# ---------------------------------------------------------------- what torch refuses, ours refuses clearly

def either(rng, low, high):
    return int(rng.integers(low, high)) if rng.random() < 0.5 else pair(rng, low, high)


def draw_any_call(rng):
    """(description, our call, torch's call) on arguments that are often invalid."""
    n, c_in, c_out = int(rng.choice([1, 2])), int(rng.integers(1, 5)), int(rng.integers(1, 5))
    hw = pair(rng, 0 if rng.random() < 0.05 else 1, 6)
    kernel = either(rng, 0 if rng.random() < 0.1 else 1, 5)
    stride = either(rng, 0 if rng.random() < 0.1 else 1, 4)
    dilation = either(rng, 0 if rng.random() < 0.1 else 1, 3)
    padding = [lambda: either(rng, -1, 4), lambda: either(rng, 0, 3), lambda: "same", lambda: "valid"][
        int(rng.integers(0, 4))]()
    groups = int(rng.choice([1, 1, 2, 3, 0, -1]))
    x = rng.standard_normal((n, c_in, *hw))
    kind = int(rng.integers(0, 4))
    if kind == 0:
        what = f"Conv2d({c_in}, {c_out}, {kernel}, stride={stride}, padding={padding!r}, dilation={dilation}, " \
               f"groups={groups}) on {x.shape}"
        kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        return (what, lambda: Conv2d(c_in, c_out, kernel, **kwargs)(f64(x)),
                lambda: torch.nn.Conv2d(c_in, c_out, kernel, **kwargs).double()(torch.tensor(x)))
    if kind == 1:
        k = kernel if isinstance(kernel, tuple) else (kernel, kernel)
        per_group = int(rng.choice([c_in, max(1, c_in // max(groups, 1)), int(rng.integers(1, 4))]))
        weight = rng.standard_normal((c_out, per_group, *k))
        loops = bool(rng.integers(0, 2))
        function = spatial.conv2d_general_loops if loops else spatial.conv2d_vectorized
        what = f"{function.__name__}(x {x.shape}, weight {weight.shape}, stride={stride}, padding={padding!r}, " \
               f"dilation={dilation}, groups={groups})"
        return (what, lambda: function(x, weight, None, stride, padding, dilation, groups),
                lambda: F.conv2d(torch.tensor(x), torch.tensor(weight), None, stride, padding, dilation, groups))
    pool_padding, pool_stride = either(rng, -1, 3), (None if rng.random() < 0.3 else stride)
    ceil_mode, use_loops = bool(rng.integers(0, 2)), bool(rng.integers(0, 2))
    if kind == 2:
        args = (kernel, pool_stride, pool_padding, dilation)
        layer, theirs = MaxPool2d, torch.nn.MaxPool2d(*args, ceil_mode=ceil_mode)
    else:
        args = (kernel, pool_stride, pool_padding, ceil_mode, bool(rng.integers(0, 2)))
        layer, theirs = AvgPool2d, torch.nn.AvgPool2d(*args)
    what = f"{layer.__name__}{args} ceil_mode={ceil_mode} use_loops={use_loops} on {x.shape}"

    def ours():
        pool = layer(*args, ceil_mode=ceil_mode) if layer is MaxPool2d else layer(*args)
        pool.use_loops = use_loops
        return pool(f64(x))
    return what, ours, lambda: theirs(torch.tensor(x))


def test_every_call_torch_refuses_ours_refuses_with_a_clear_error_and_the_rest_match():
    rng = np.random.default_rng(64)
    refused = computed = 0
    for _ in range(6 * CASES):
        what, ours, theirs = draw_any_call(rng)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = theirs()
        except (RuntimeError, ValueError, TypeError) as error:
            with pytest.raises((ValueError, TypeError)) as info:
                ours()
            assert len(str(info.value)) > 40, f"{what}: {info.value!r} (torch: {error})"
            refused += 1
            continue
        got = ours()
        assert tuple(got.shape) == tuple(expected.shape), what
        if "Conv2d(" not in what:                       # the layer draws its own weights
            np.testing.assert_allclose(getattr(got, "data", got), expected.detach().numpy(), **TOL, err_msg=what)
        computed += 1
    assert refused > 200 and computed > 50, (refused, computed)


def test_ceil_mode_windows_that_overhang_a_short_input_are_computed_as_torch_does():
    """torch counts a ceil_mode window that is longer than the padded input by less than the stride
    (it starts inside the input): 2 pixels, kernel 3, stride 2 give one window. Ours refused it."""
    x = np.arange(10.0).reshape(1, 1, 5, 2)
    for layer, function, options in [(MaxPool2d(3, 2, ceil_mode=True), F.max_pool2d, dict(stride=2, ceil_mode=True)),
                                     (AvgPool2d(3, 2, 0, True, False), F.avg_pool2d,
                                      dict(stride=2, ceil_mode=True, count_include_pad=False)),
                                     (AvgPool2d((2, 3), 2, 1, True), F.avg_pool2d,
                                      dict(stride=2, padding=1, ceil_mode=True))]:
        kernel = layer.kernel_size
        xt, tx = f64(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, expected = layer(xt), function(tx, kernel, **options)
        check(out.data, expected.detach().numpy(), repr(layer), options)
        assert tuple(layer.output_shape(x.shape)) == tuple(expected.shape)
        out.backward(np.ones(out.shape))
        expected.sum().backward()
        check(xt.grad, tx.grad.numpy(), f"{layer!r} grad x", options)
    assert spatial.pool_output_size(2, 3, 2, ceil_mode=True) == 1
    with pytest.raises(ValueError, match="does not fit"):            # by as much as the stride: no window starts
        MaxPool2d(3, 1, ceil_mode=True)(f64(x))


@pytest.mark.parametrize("call", [
    lambda: spatial.conv2d_vectorized(np.ones((1, 2, 4, 1)), np.ones((2, 2, 0, 0)), None, (1, 2), "valid"),
    lambda: spatial.conv2d_vectorized(np.ones((1, 1, 3, 4)), np.ones((4, 1, 0, 2)), None, 1, "same"),
    lambda: spatial.conv2d_general_loops(np.ones((1, 1, 3, 4)), np.ones((4, 1, 0, 0)), None, 1, "same"),
    lambda: spatial.conv2d_loops(np.ones((1, 1, 3, 4)), np.ones((0, 1, 2, 2))),
], ids=["no taps", "no rows, same", "loops, same", "no output channel"])
def test_a_weight_with_an_empty_axis_is_refused_like_torch(call):
    """torch: "kernel size should be greater than zero". Ours computed a wrong-shaped output, or
    blamed a padding of -1 that the user never gave."""
    with pytest.raises(ValueError, match="weight"):
        call()


@pytest.mark.parametrize("shape", [(1, 3, 0, 2), (2, 2, 3, 0), (2, 0, 4, 4)])
def test_an_input_with_no_rows_columns_or_channels_is_refused_like_torch(shape):
    calls = [lambda x: spatial.conv2d_vectorized(x, np.ones((1, max(1, shape[1]), 2, 2)), None, 1, 2),
             lambda x: AvgPool2d(2, 2, 1, True)(f64(x)), lambda x: MaxPool2d(1)(f64(x))]
    for call in calls:
        with pytest.raises(ValueError, match="empty|at least one"):
            call(np.ones(shape))


@pytest.mark.parametrize("options", [dict(), dict(padding=1), dict(dilation=2), dict(groups=2),
                                     dict(padding="same"), dict(groups=4), dict(stride=2, padding=(1, 0))])
def test_an_empty_batch_convolves_like_torch(options):
    """torch returns an empty output and zero gradients for a batch of 0 images; the fast paths raised
    an IndexError (the first of no blocks of columns) or a reshape ValueError."""
    x, weight = np.zeros((0, 4, 5, 6)), np.random.default_rng(65).standard_normal((4, 4 // options.get("groups", 1), 2, 3))
    layer = Conv2d(4, 4, (2, 3), **options)
    layer.weight = f64(weight, requires_grad=True)
    xt, tx, tw = f64(x, requires_grad=True), torch.tensor(x, requires_grad=True), torch.tensor(weight, requires_grad=True)
    out, expected = layer(xt), F.conv2d(tx, tw, None, **options)
    assert out.shape == tuple(expected.shape)
    out.sum().backward()
    expected.sum().backward()
    check(xt.grad, tx.grad.numpy(), "grad x", options)
    check(layer.weight.grad, tw.grad.numpy(), "grad weight", options)
    np.testing.assert_array_equal(spatial.conv2d_vectorized(x, weight, None, **options), expected.detach().numpy())


EMPTY_BATCH_LAYERS = [
    ("MaxPool2d dilation ceil_mode", lambda: MaxPool2d(3, 2, 1, 2, ceil_mode=True),
     lambda x: F.max_pool2d(x, 3, 2, 1, 2, ceil_mode=True)),
    ("AvgPool2d ceil_mode count_include_pad=False", lambda: AvgPool2d(3, 2, 1, True, False),
     lambda x: F.avg_pool2d(x, 3, 2, 1, True, False)),
    ("AdaptiveAvgPool2d (2,3)", lambda: AdaptiveAvgPool2d((2, 3)), lambda x: F.adaptive_avg_pool2d(x, (2, 3))),
]


@pytest.mark.parametrize("use_loops", [False, True], ids=["fast", "loops"])
@pytest.mark.parametrize("case", EMPTY_BATCH_LAYERS, ids=[case[0] for case in EMPTY_BATCH_LAYERS])
def test_an_empty_batch_pools_like_torch(case, use_loops):
    """The going-further max pooling loops' backward and AdaptiveAvgPool2d's backward reshaped an empty
    batch's gradient with -1 (a ValueError from numpy)."""
    _, make, theirs = case
    layer = make()
    layer.use_loops = use_loops
    x = np.zeros((0, 4, 5, 6))
    xt, tx = f64(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = layer(xt), theirs(tx)
    assert out.shape == tuple(expected.shape)
    out.sum().backward()
    expected.sum().backward()
    check(xt.grad, tx.grad.numpy(), "grad x", case[0])


# ---------------------------------------------------------------- the lesson alone

def lesson_alone():
    """The lesson's exported code without the going-further cells, as a module of the package."""
    text = open(spatial.__file__, encoding="utf-8").read()
    # the reference marks 09b's cells by their source; a student's export (tito test) has 09b's cells appended
    # to their own notebook's, marked as the notebook's: there 09b begins with its first definition
    marked = re.search(r"^# %% .*09b_going_further", text, re.MULTILINE)
    cut = marked.start() if marked else text.find("\ndef _split_padding(")
    assert cut > 0, f"{spatial.__file__}: where the going-further cells begin is not found"
    spec = importlib.util.spec_from_loader("tinytorch.core._lesson_alone_h60", loader=None)
    lesson = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = lesson
    try:
        exec(compile(text[:cut], spatial.__file__, "exec"), lesson.__dict__)
    finally:
        sys.modules.pop(spec.name, None)
    return lesson


def _layer(lesson, make, use_loops=False):
    layer = make(lesson)
    layer.use_loops = use_loops
    return layer


GOING_FURTHER_ONLY = [
    ("conv2d_vectorized dilation", lambda m, x: m.conv2d_vectorized(x, np.ones((2, 3, 2, 2)), None, 1, 0, 2)),
    ("conv2d_vectorized groups", lambda m, x: m.conv2d_vectorized(x, np.ones((3, 1, 2, 2)), None, groups=3)),
    ("conv2d_vectorized same, even kernel", lambda m, x: m.conv2d_vectorized(x, np.ones((2, 3, 2, 2)), None, 1, "same")),
    ("Conv2d depthwise", lambda m, x: _layer(m, lambda m: m.Conv2d(3, 6, 3, groups=3))(m.Tensor(x))),
    ("Conv2d same (2,3)", lambda m, x: _layer(m, lambda m: m.Conv2d(3, 2, (2, 3), padding="same"))(m.Tensor(x))),
    ("Conv2d dilation, loops", lambda m, x: _layer(m, lambda m: m.Conv2d(3, 2, 2, dilation=2), True)(m.Tensor(x))),
    ("Conv2d same (3,3), loops: plain", None),
    ("MaxPool2d dilation, loops", lambda m, x: _layer(m, lambda m: m.MaxPool2d(2, dilation=2), True)(m.Tensor(x))),
    ("MaxPool2d ceil_mode, loops", lambda m, x: _layer(m, lambda m: m.MaxPool2d(2, ceil_mode=True), True)(m.Tensor(x))),
    ("AvgPool2d ceil_mode, loops", lambda m, x: _layer(m, lambda m: m.AvgPool2d(2, ceil_mode=True), True)(m.Tensor(x))),
    ("AvgPool2d count_include_pad=False, loops",
     lambda m, x: _layer(m, lambda m: m.AvgPool2d(3, 1, 1, count_include_pad=False), True)(m.Tensor(x))),
]


def test_the_lesson_alone_names_the_going_further_notebook_for_each_option_it_leaves_to_it():
    lesson = lesson_alone()
    x = np.random.default_rng(66).standard_normal((2, 3, 5, 7))
    for what, call in GOING_FURTHER_ONLY:
        if call is None:        # an odd kernel's "same" is even padding: the lesson's own loops run it
            layer = _layer(lesson, lambda m: m.Conv2d(3, 2, 3, padding="same"), True)
            assert layer(lesson.Tensor(x)).shape == (2, 2, 5, 7)
            continue
        with pytest.raises(NotImplementedError, match="09b_going_further") as info:
            call(lesson, x)
        assert "tinytorch.core.spatial" in str(info.value), what
    # what the lesson computes itself runs: the pooling options on the fast path
    for layer in (lesson.MaxPool2d(2, dilation=2, ceil_mode=True), lesson.AvgPool2d(3, 2, 1, True, False)):
        assert np.isfinite(layer(lesson.Tensor(x)).data).all()

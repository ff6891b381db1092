"""Module 09, going further: AdaptiveAvgPool2d and BatchNorm2d against PyTorch 2.13 (forward and
backward, non-square inputs), float64 finite differences, train/eval switching and the errors."""
import numpy as np
import pytest

from tinytorch.core.layers import Sequential
from tinytorch.core.spatial import AdaptiveAvgPool2d, BatchNorm2d, Conv2d
from tinytorch.core.tensor import Tensor
from numeric_checks import f64

torch = pytest.importorskip("torch")


def torch_grads(module, x, probe):
    """Output and input gradient of torch `module` for loss sum(probe * module(x)), float64."""
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = module(xt)
    (out * torch.tensor(probe)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy()


def ours(layer, x, probe):
    xt = f64(x, requires_grad=True)
    out = layer(xt)
    (out * f64(probe)).sum().backward()
    return out.data, xt.grad


# ---------------------------------------------------------------- AdaptiveAvgPool2d

ADAPTIVE = [((2, 3, 7, 5), (3, 2)), ((2, 2, 9, 10), (4, 3)), ((1, 2, 5, 5), 1), ((2, 1, 6, 8), (None, 3)),
            ((1, 1, 3, 4), (5, 7)), ((2, 2, 4, 6), (4, 6))]


@pytest.mark.parametrize("shape, size", ADAPTIVE, ids=[f"{s}->{o}" for s, o in ADAPTIVE])
def test_adaptive_avgpool_matches_torch_forward_and_backward(shape, size):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    out_shape = torch.nn.AdaptiveAvgPool2d(size)(torch.tensor(x)).shape
    probe = rng.standard_normal(tuple(out_shape))
    expected, expected_grad = torch_grads(torch.nn.AdaptiveAvgPool2d(size), x, probe)
    got, grad = ours(AdaptiveAvgPool2d(size), x, probe)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-12)
    assert AdaptiveAvgPool2d(size).output_shape(shape) == tuple(out_shape)


def test_global_average_pooling_is_the_mean_per_channel_and_keeps_float32():
    x = np.random.default_rng(2).standard_normal((3, 4, 5, 7)).astype(np.float32)
    out = AdaptiveAvgPool2d(1)(Tensor(x))
    assert out.shape == (3, 4, 1, 1) and out.data.dtype == np.float32
    np.testing.assert_allclose(out.data[:, :, 0, 0], x.mean(axis=(2, 3)), rtol=1e-6)


def test_adaptive_avgpool_gradient_by_finite_differences(numgrad, assert_grad_close):
    rng = np.random.default_rng(3)
    x0, probe = rng.standard_normal((2, 2, 7, 5)), rng.standard_normal((2, 2, 3, 2))
    x = f64(x0, requires_grad=True)
    (AdaptiveAvgPool2d((3, 2))(x) * f64(probe)).sum().backward()
    assert_grad_close(x.grad, numgrad(lambda a: float((AdaptiveAvgPool2d((3, 2))(f64(a)).data * probe).sum()), x0))


@pytest.mark.parametrize("size", [0, -1, "1", (1, 2, 3), (2, 0), 1.5, True])
def test_adaptive_avgpool_refuses_bad_output_sizes(size):
    with pytest.raises(ValueError, match=r"AdaptiveAvgPool2d: output_size must be a positive int or a pair"):
        AdaptiveAvgPool2d(size)


def test_adaptive_avgpool_refuses_a_3d_input_with_a_hint():
    with pytest.raises(ValueError, match=r"AdaptiveAvgPool2d expected a 4D input .*add the batch dimension"):
        AdaptiveAvgPool2d(1)(Tensor(np.zeros((3, 4, 4), dtype=np.float32)))


# ---------------------------------------------------------------- BatchNorm2d

def torch_bn(**kwargs):
    return torch.nn.BatchNorm2d(3, dtype=torch.float64, **kwargs)


def assert_running_stats_match(bn, tbn):
    np.testing.assert_allclose(bn.running_mean, tbn.running_mean.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(bn.running_var, tbn.running_var.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batchnorm_training_steps_match_torch_outputs_gradients_and_running_stats(momentum):
    rng = np.random.default_rng(4)
    bn, tbn = BatchNorm2d(3, momentum=momentum), torch_bn(momentum=momentum)
    gamma, beta = rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    bn.weight.data[:], bn.bias.data[:] = gamma, beta
    with torch.no_grad():
        tbn.weight[:], tbn.bias[:] = torch.tensor(gamma), torch.tensor(beta)
    for step in range(3):
        x = rng.normal(step, 1 + step, size=(4, 3, 5, 6))
        probe = rng.standard_normal(x.shape)
        tbn.zero_grad()
        bn.weight.grad = bn.bias.grad = None
        expected, expected_grad = torch_grads(tbn, x, probe)
        got, grad = ours(bn, x, probe)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(bn.weight.grad, tbn.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(bn.bias.grad, tbn.bias.grad.numpy(), rtol=1e-5, atol=1e-6)
        assert_running_stats_match(bn, tbn)
    assert bn.num_batches_tracked == 3


def test_batchnorm_eval_uses_the_running_stats_like_torch():
    rng = np.random.default_rng(5)
    bn, tbn = BatchNorm2d(3), torch_bn()
    for _ in range(2):
        x = rng.normal(2, 3, size=(5, 3, 4, 3))
        bn(f64(x))
        tbn(torch.tensor(x))
    bn.eval()
    tbn.eval()
    x, probe = rng.standard_normal((2, 3, 4, 3)), rng.standard_normal((2, 3, 4, 3))
    expected, expected_grad = torch_grads(tbn, x, probe)
    before = bn.running_mean.copy()
    got, grad = ours(bn, x, probe)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bn.running_mean, before)   # eval never updates them


@pytest.mark.parametrize("kwargs", [{"affine": False}, {"track_running_stats": False}, {"eps": 1e-2}],
                         ids=["affine=False", "track_running_stats=False", "eps=1e-2"])
def test_batchnorm_options_match_torch_in_both_modes(kwargs):
    rng = np.random.default_rng(6)
    bn, tbn = BatchNorm2d(3, **kwargs), torch_bn(**kwargs)
    for mode in ("train", "eval"):
        getattr(bn, mode)()
        getattr(tbn, mode)()
        x, probe = rng.normal(1, 2, size=(3, 3, 4, 5)), rng.standard_normal((3, 3, 4, 5))
        expected, expected_grad = torch_grads(tbn, x, probe)
        got, grad = ours(bn, x, probe)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6, err_msg=mode)
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-5, atol=1e-6, err_msg=mode)
    if kwargs.get("affine") is False:
        assert bn.weight is None and bn.bias is None and bn.parameters() == []
    if kwargs.get("track_running_stats") is False:
        assert bn.running_mean is None and bn.running_var is None


def test_batchnorm_gradients_by_finite_differences(numgrad, assert_grad_close):
    rng = np.random.default_rng(7)
    x0, probe = rng.normal(1, 2, size=(3, 2, 3, 4)), rng.standard_normal((3, 2, 3, 4))
    gamma = rng.uniform(0.5, 2, 2)

    def loss(a, g):
        bn = BatchNorm2d(2)
        bn.weight = f64(g, requires_grad=True)
        return bn, (bn(a) * f64(probe)).sum()

    xt = f64(x0, requires_grad=True)
    bn, out = loss(xt, gamma)
    out.backward()
    # The loss is not linear in x here (normalisation), so use a small step and a looser tolerance.
    assert_grad_close(xt.grad, numgrad(lambda a: float(loss(f64(a), gamma)[1].data), x0, eps=1e-6), tol=1e-6)
    assert_grad_close(bn.weight.grad, numgrad(lambda g: float(loss(f64(x0), g)[1].data), gamma, eps=1e-6), tol=1e-6)


def test_batchnorm_keeps_float32_and_its_parameters_are_found_by_a_model():
    model = Sequential(Conv2d(1, 3, 3, padding=1), BatchNorm2d(3))
    out = model(Tensor(np.random.default_rng(8).standard_normal((2, 1, 5, 5)).astype(np.float32)))
    assert out.data.dtype == np.float32
    assert [p.shape for p in model.parameters()] == [(3, 1, 3, 3), (3,), (3,), (3,)]


def test_model_eval_and_train_switch_batchnorm():
    bn = BatchNorm2d(2)
    model = Sequential(bn)
    x = f64(np.random.default_rng(9).normal(5, 2, size=(4, 2, 3, 3)))
    model.eval()
    np.testing.assert_allclose(model(x).data, x.data / np.sqrt(1 + 1e-5))   # running stats: mean 0, var 1
    model.train()
    np.testing.assert_allclose(model(x).data.mean(axis=(0, 2, 3)), 0, atol=1e-9)


@pytest.mark.parametrize("args, kwargs, error, message", [
    ((0,), {}, ValueError, r"BatchNorm2d: num_features must be at least 1"),
    (("3",), {}, TypeError, r"BatchNorm2d: num_features must be an int"),
    ((3,), {"eps": 0}, ValueError, r"BatchNorm2d: eps must be > 0"),
    ((3,), {"momentum": 2}, ValueError, r"BatchNorm2d: momentum must be between 0 and 1"),
])
def test_batchnorm_refuses_bad_arguments(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        BatchNorm2d(*args, **kwargs)


def test_batchnorm_refuses_wrong_channels_non_4d_inputs_and_a_single_value_per_channel():
    with pytest.raises(ValueError, match=r"BatchNorm2d expected 3 input channels, got 2"):
        BatchNorm2d(3)(Tensor(np.zeros((2, 2, 4, 4), dtype=np.float32)))
    with pytest.raises(ValueError, match=r"BatchNorm2d expected a 4D input .*got shape \(2, 3\)"):
        BatchNorm2d(3)(Tensor(np.zeros((2, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match=r"expected more than 1 value per channel when training.*model.eval\(\)"):
        BatchNorm2d(3)(Tensor(np.zeros((1, 3, 1, 1), dtype=np.float32)))
    bn = BatchNorm2d(3)
    bn.eval()
    assert bn(Tensor(np.zeros((1, 3, 1, 1), dtype=np.float32))).shape == (1, 3, 1, 1)   # fine in eval mode

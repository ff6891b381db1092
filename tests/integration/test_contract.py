"""The names DESIGN.md promises, importable from the installed package, working together."""
import importlib

import numpy as np
import pytest

CONTRACT = {
    "tinytorch.core.tensor": ["Tensor"],
    "tinytorch.core.activations": ["ReLU", "Sigmoid", "Tanh", "Softmax"],
    "tinytorch.core.layers": ["Module", "Linear", "Sequential", "Flatten", "Dropout"],
    "tinytorch.core.losses": ["MSELoss", "CrossEntropyLoss"],
    "tinytorch.core.dataloader": ["Dataset", "TensorDataset", "DataLoader"],
    "tinytorch.core.optimizers": ["SGD", "Adam"],
    "tinytorch.core.training": ["Trainer"],
    "tinytorch.core.spatial": ["Conv2d", "MaxPool2d", "AvgPool2d", "conv2d_loops", "conv2d_vectorized",
                               "maxpool2d_loops", "maxpool2d_vectorized", "avgpool2d_loops", "avgpool2d_vectorized"],
    "tinytorch.datasets": ["load_digits"],
}


@pytest.mark.parametrize("module_name", sorted(CONTRACT))
def test_contract_names_import_and_are_exported(module_name):
    module = importlib.import_module(module_name)
    for name in CONTRACT[module_name]:
        assert callable(getattr(module, name)), f"{module_name}.{name}"
        if module_name.startswith("tinytorch.core."):
            assert name in module.__all__, f"{name} missing from {module_name}.__all__"


def test_gradients_flow_without_importing_autograd_explicitly():
    # `import tinytorch` enables autograd: a user of Tensor alone gets gradients.
    from tinytorch.core.tensor import Tensor

    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    ((x * x).sum()).backward()
    assert x.data.dtype == np.float32
    np.testing.assert_array_equal(x.grad, 2 * x.data)


def test_a_small_cnn_runs_end_to_end_on_the_digits():
    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Flatten, Linear, Sequential
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.spatial import Conv2d, MaxPool2d
    from tinytorch.core.tensor import Tensor
    from tinytorch.datasets import load_digits

    images, labels = load_digits("test")
    model = Sequential(Conv2d(1, 4, 3, padding=1), ReLU(), MaxPool2d(2), Flatten(), Linear(4 * 4 * 4, 10))
    loss = CrossEntropyLoss()(model(Tensor(images[:16])), labels[:16])
    loss.backward()
    assert loss.shape == () and np.isfinite(loss.item())
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())

"""The names later modules and milestones rely on (the course's contract), importable from the installed package, working together."""
import importlib
import subprocess
import sys

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


def _fresh_python(code: str) -> subprocess.CompletedProcess:
    """Run `code` in a new interpreter: which modules enable autograd depends on what was imported."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_importing_the_package_or_tensor_alone_imports_no_other_module():
    result = _fresh_python("import sys, tinytorch.core.tensor\n"
                           "print(sorted(m for m in sys.modules if m.startswith('tinytorch')))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['tinytorch', 'tinytorch.core', 'tinytorch.core.tensor']", result.stdout


def test_tensor_alone_has_no_gradients_and_says_which_import_turns_them_on():
    result = _fresh_python("from tinytorch.core.tensor import Tensor\n"
                           "Tensor([1.0], requires_grad=True).sum().backward()")
    assert result.returncode != 0
    assert "RuntimeError" in result.stderr and "import tinytorch.core.autograd" in result.stderr, result.stderr


@pytest.mark.parametrize("module_name", ["layers", "losses", "optimizers", "training", "spatial"])
def test_the_modules_that_train_turn_gradients_on(module_name):
    result = _fresh_python(f"import tinytorch.core.{module_name}\n"
                           "from tinytorch.core.tensor import Tensor\n"
                           "x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)\n"
                           "((x * x).sum()).backward()\n"
                           "print(x.grad.tolist())")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[[2.0, 4.0], [6.0, 8.0]]", result.stdout


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

"""Module 08: the Trainer's hooks (given code): batch_hook, lr_schedule, stop_training."""
import numpy as np
import pytest

from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.core.layers import Linear
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import SGD
from tinytorch.core.tensor import Tensor, manual_seed
from tinytorch.core.training import Trainer


def setup(n=40, batch_size=8, **hooks):
    manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = Linear(3, 2)
    trainer = Trainer(model, SGD(model.parameters(), lr=0.1), CrossEntropyLoss(), **hooks)
    return trainer, DataLoader(TensorDataset(x, y), batch_size=batch_size)


def test_lr_schedule_sets_the_rate_before_every_batch_with_a_running_step():
    seen = []

    class Spy(SGD):  # records the learning rate each step() uses
        def step(self):
            seen.append(self.lr)
            super().step()

    trainer, loader = setup(lr_schedule=lambda step: 1.0 / (step + 1))
    trainer.optimizer = Spy(trainer.model.parameters(), lr=0.1)
    trainer.fit(loader, epochs=2, verbose=False)
    assert trainer.steps == 10 == len(loader) * 2
    np.testing.assert_allclose(seen, [1.0 / (k + 1) for k in range(10)])  # step runs on across epochs


def test_batch_hook_transforms_what_the_model_trains_on():
    sizes = []

    def halve(inputs, targets):
        sizes.append(inputs.shape[0])
        return Tensor(inputs.data[: len(inputs.data) // 2]), Tensor(targets.data[: len(targets.data) // 2])

    trainer, loader = setup(batch_hook=halve)
    rows = []
    forward = trainer.model.forward
    trainer.model.forward = lambda x: rows.append(x.shape[0]) or forward(x)
    trainer.train_epoch(loader)
    assert sizes == [8] * 5 and rows == [4] * 5


def test_stop_training_ends_after_the_current_batch_and_fit_after_that_epoch():
    calls = []

    def stop_at_third(inputs, targets):
        calls.append(len(calls))
        if len(calls) == 3:
            trainer.stop_training = True
        return inputs, targets

    trainer, loader = setup(batch_hook=stop_at_third)
    history = trainer.fit(loader, epochs=4, verbose=False)
    assert calls == [0, 1, 2] and trainer.steps == 3
    assert len(history["train_loss"]) == 1 and trainer.stop_training
    trainer.fit(loader, epochs=1, verbose=False)   # a new fit starts again (the hook stops only once)
    assert trainer.steps == 3 + 5


def test_without_hooks_batches_pass_unchanged():
    trainer, loader = setup()
    first = trainer.train_epoch(loader)
    assert np.isfinite(first[0]) and trainer.steps == len(loader)


@pytest.mark.parametrize("hooks, message", [
    ({"batch_hook": 3}, "Trainer's batch_hook must be a function or None, got int"),
    ({"lr_schedule": "cosine"}, "Trainer's lr_schedule must be a function or None, got str"),
])
def test_hooks_must_be_callables(hooks, message):
    with pytest.raises(TypeError, match=message):
        setup(**hooks)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), None, "0.1"])
def test_a_schedule_must_return_a_rate(bad):
    trainer, loader = setup(lr_schedule=lambda step: bad)
    with pytest.raises(ValueError, match=r"Trainer's lr_schedule\(0\) must return a learning rate >= 0"):
        trainer.train_epoch(loader)

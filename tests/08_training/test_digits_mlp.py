"""Module 08's proof: an MLP built from tinytorch parts learns the digits."""
import time

import numpy as np

from tinytorch.core.activations import ReLU
from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.core.layers import Flatten, Linear, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import manual_seed
from tinytorch.core.training import Trainer
from tinytorch.datasets import load_digits

EPOCHS = 10
# Generous: the reference takes well under a second. Exceeding it means something is
# pathologically slow (e.g. per-sample Python loops), not a slow machine.


def test_mlp_reaches_90_percent_test_accuracy_on_digits():
    manual_seed(0)
    x_train, y_train = load_digits("train")
    x_test, y_test = load_digits("test")
    train = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True, seed=0)
    test = DataLoader(TensorDataset(x_test, y_test), batch_size=256)
    model = Sequential(Flatten(), Linear(64, 64), ReLU(), Linear(64, 10))
    trainer = Trainer(model, Adam(model.parameters(), lr=0.01), CrossEntropyLoss())

    start = time.perf_counter()
    history = trainer.fit(train, epochs=EPOCHS, val_loader=test, verbose=False)
    seconds = time.perf_counter() - start
    test_loss, test_acc = trainer.evaluate(test)
    print(f"digits MLP: test accuracy {test_acc:.4f}, test loss {test_loss:.4f}, {seconds:.2f}s for {EPOCHS} epochs")

    assert test_acc >= 0.90, f"test accuracy {test_acc:.3f} is below 0.90"
    assert test_acc == history["val_acc"][-1]
    assert history["train_loss"][-1] < 0.25 * history["train_loss"][0]
    assert np.all(np.diff(history["train_loss"][:4]) < 0), "the loss falls in the first epochs"

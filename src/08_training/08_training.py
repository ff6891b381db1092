# %% [markdown]
# # Module 08: Training
#
# > The training loop: fit a model to data, measure it on data it has not seen.
#
# Every piece is in place. Module 03 built models, 04 losses, 05 batches of data, 06
# gradients, 07 optimizers. Training is the loop that joins them, and it is the same
# loop in every framework:
#
# ```python
# for epoch in range(epochs):
#     for inputs, targets in train_loader:
#         outputs = model(inputs)            # forward
#         loss = loss_fn(outputs, targets)   # how wrong, as one number
#         optimizer.zero_grad()              # forget the previous batch's gradients
#         loss.backward()                    # d loss / d every parameter
#         optimizer.step()                   # move the parameters downhill
# ```
#
# `zero_grad` comes before `backward` because gradients *accumulate*: `backward` adds to
# `.grad` (module 06), so without clearing, every step would follow the sum of all
# previous batches' gradients.
#
# In this module you wrap that loop in a `Trainer`, add the measurements that tell
# whether training works, and train a real classifier on the handwritten digits of
# module 05.
#
# What you write:
#
# 1. `accuracy`: the fraction of samples whose predicted class is right.
# 2. `Trainer.train_epoch`: one pass over the training data, updating the model.
# 3. `Trainer.evaluate`: loss and accuracy on other data, without touching the model.
#
# `Trainer.fit` (given) runs epochs, keeps a history and prints progress.

# %% nbgrader={"grade": false, "grade_id": "training-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.training
#| export
import math
import time

import numpy as np

from tinytorch.core.tensor import is_real_number, is_whole_number, to_numpy
from tinytorch.core.autograd import no_grad

# %% [markdown]
# ## Loss is what we optimise, accuracy is what we want
#
# A classifier outputs one score (logit) per class; its prediction is the class with the
# highest score. **Accuracy** counts how often that prediction is right. It is what we
# care about, but it cannot be trained on directly: moving a weight by a tiny amount
# almost never flips a prediction, so accuracy's gradient is zero almost everywhere.
# Cross-entropy is the smooth stand-in: it rewards raising the true class's probability a
# little, which eventually flips predictions. So we descend the loss and *report*
# accuracy.
#
# `accuracy(outputs, targets)` handles the two shapes of classifier output:
#
# - `(N, C)` scores with `C >= 2`: the predicted class is the `argmax` of each row;
# - `(N,)` or `(N, 1)` probabilities of class 1 (a binary classifier trained with
#   `BinaryCrossEntropyLoss`): the prediction is 1 when the probability exceeds 0.5. A
#   probability of exactly 0.5 (what a model whose weights are all zero outputs) is not
#   above it: class 0.
#
# Targets are class indices. They may arrive as float Tensors holding whole numbers
# (that is how module 05's loader stores labels), so compare values, not dtypes.
#
# **Worked example.** Four samples, three classes, labels stored as float32 the way
# module 05's loader stores them. Each row's argmax is its prediction; comparing the
# predictions with the targets gives one True or False per sample, and their mean is the
# accuracy. Then a binary classifier's `(N, 1)` probabilities, thresholded at 0.5:

# %%
if __name__ == "__main__":
    _scores = np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 0.5], [0.0, 0.1, 0.2], [1.0, 4.0, 2.0]])
    _targets = np.array([1.0, 0.0, 1.0, 1.0], dtype=np.float32)
    _predicted = _scores.argmax(axis=1)
    _hits = _predicted == _targets                 # int64 classes against float32 labels: values compare
    for _k in range(len(_scores)):
        print(f"sample {_k}: scores {_scores[_k]} -> argmax {_predicted[_k]}, target {_targets[_k]:g}: "
              f"{'right' if _hits[_k] else 'wrong'}")
    print(f"{_hits.sum()} of {len(_hits)} right: accuracy = mean of {_hits.tolist()} = {_hits.mean():g}")
    _probabilities = np.array([[0.9], [0.2], [0.6], [0.4]])
    _binary_targets = np.array([1.0, 0.0, 0.0, 1.0], dtype=np.float32)
    _predicted = (_probabilities.reshape(-1) > 0.5).astype(np.int64)
    _hits = _predicted == _binary_targets
    print(f"probabilities {_probabilities.reshape(-1).tolist()} -> predictions (p > 0.5) {_predicted.tolist()}, "
          f"targets {_binary_targets.tolist()}: accuracy = {_hits.mean():g}")

# %% [markdown]
# **Your task:** the body of `accuracy`, after the shape checks.

# %% nbgrader={"grade": false, "grade_id": "training-accuracy", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def accuracy(outputs, targets):
    """Fraction (a float in [0, 1]) of samples whose predicted class equals the target.

    outputs: (N, C) class scores (prediction = argmax), or (N,) / (N, 1) probabilities of
    class 1 (prediction = probability > 0.5). targets: (N,) class indices.
    """
    outputs, targets = to_numpy(outputs), to_numpy(targets)
    if outputs.ndim not in (1, 2):
        raise ValueError(
            f"accuracy expected outputs of shape (N, C) or (N,), got {outputs.shape}. "
            "Flatten extra axes first, e.g. outputs.reshape(len(outputs), -1)."
        )
    if targets.ndim == 2 and targets.shape[1] == 1:
        targets = targets.reshape(-1)
    if targets.ndim != 1 or targets.shape[0] != outputs.shape[0]:
        raise ValueError(
            f"accuracy expected one class index per output row: outputs {outputs.shape}, targets {targets.shape}. "
            f"Pass targets of shape ({outputs.shape[0]},) from the same batch."
        )
    if outputs.shape[0] == 0:
        raise ValueError("accuracy of an empty batch is undefined: got 0 samples. Pass at least one.")
    ### BEGIN SOLUTION
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        predicted = outputs.argmax(axis=1)
    else:
        predicted = (outputs.reshape(-1) > 0.5).astype(np.int64)
    return float(np.mean(predicted == targets))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test-training-accuracy", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
from tinytorch.core.tensor import Tensor


def test_unit_accuracy():
    scores = Tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 0.5], [0.0, 0.1, 0.2], [5.0, 4.0, 6.0]])
    for labels, want in (([1, 0, 2, 2], 1.0), ([1, 0, 0, 0], 0.5)):
        got = accuracy(scores, np.array(labels))
        assert got == want, (
            f"accuracy(scores, {labels}) with scores [[0.1, 2, -1], [3, 0, 0.5], [0, 0.1, 0.2], [5, 4, 6]] (argmax per "
            f"row [1, 0, 2, 2]): expected "
            f"{want}, got {got}" + (". Likely bug: that is the number of right predictions; accuracy is the "
                                     "fraction, divided by the number of samples" if got == want * 4 else ""))
    assert accuracy(scores, Tensor([0.0, 1.0, 2.0, 0.0])) == 0.25, "float labels holding whole numbers count"
    value = accuracy(scores, [1, 0, 2, 2])
    assert isinstance(value, float), f"accuracy(scores, [1, 0, 2, 2]): expected a Python float, got {type(value).__name__} {value!r}"
    probabilities = Tensor([[0.9], [0.2], [0.6], [0.4]])
    got = accuracy(probabilities, [1, 0, 1, 1])
    assert got == 0.75, f"(N, 1) outputs are probabilities: class 1 above 0.5; expected 0.75, got {got}" + (
        ". Likely bug: argmax over one column is always 0; a single output is the probability of class 1: "
        "predict 1 where it is above 0.5" if got == 0.25 else "")
    got = accuracy(np.array([0.7, 0.1]), [1, 1])
    assert got == 0.5, (
        f"accuracy(np.array([0.7, 0.1]), [1, 1]): (N,) outputs are probabilities of class 1 like (N, 1) ones, so the "
        f"predictions are [1, 0], accuracy 0.5; got {got}" + (
            ". Likely bug: a 1-d output was taken for class scores (argmax over the samples, or outputs[:, 0] fails): "
            "test outputs.ndim, not only the last axis's length" if got == 0.0 else ""))
    ties = np.array([[0.5], [0.5], [0.7]])                 # exactly 0.5: what a model with all-zero weights outputs
    got, want = accuracy(ties, [0, 0, 1]), float(np.mean((ties[:, 0] > 0.5) == [0, 0, 1]))
    assert got == want, (
        f"accuracy(np.array([[0.5], [0.5], [0.7]]), [0, 0, 1]): a probability of exactly 0.5 is not above 0.5, so "
        f"the predictions are [0, 0, 1], accuracy {want}; got {got}" + (
            ". Likely bug: `>= 0.5` predicts class 1 for a probability of exactly 0.5; the rule is above 0.5 "
            "(`> 0.5`), so a tie is class 0" if got == float(np.mean((ties[:, 0] >= 0.5) == [0, 0, 1])) else ""))
    # Tied scores (an untrained model's zeros): argmax picks the first, as np.argmax and torch.argmax do.
    got = accuracy(np.zeros((4, 3)), [0, 1, 2, 2])
    assert got == 0.25, (f"accuracy(np.zeros((4, 3)), [0, 1, 2, 2]): every row predicts class 0 (the first of the tied "
                         f"maxima), accuracy 0.25; got {got}" + (
                             ". Likely bug: a sample counts as right when its target's score equals the row's maximum, "
                             "so a tie is right for every tied class; compare the argmax with the target" if got == 1.0
                             else ""))
    got = accuracy(np.array([[0.1, 2.0, -1.0]]), [1])
    assert got == 1.0, (f"accuracy(np.array([[0.1, 2.0, -1.0]]), [1]): a batch of one sample's 3 class scores, argmax "
                        f"1, accuracy 1.0; got {got}" + (
                            ". Likely bug: np.squeeze turned the (1, 3) scores into 3 probabilities; decide by the "
                            "shape itself: (N, C) with C > 1 is class scores, whatever N" if abs(got - 1 / 3) < 1e-9
                            else ""))
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(8081)
    scores, labels = Tensor(rng.standard_normal((6, 4))), rng.integers(0, 4, 6)
    probabilities, bits = Tensor(rng.random((5, 1))), rng.integers(0, 2, 5)
    hits = (scores.data.argmax(axis=1) == labels, (probabilities.data[:, 0] > 0.5) == bits)    # counted here
    for outputs, targets, right in ((scores, Tensor(labels.astype(np.float32)), hits[0]),
                                    (probabilities, bits, hits[1]), (probabilities.data[:, 0], bits.tolist(), hits[1])):
        got, want = accuracy(outputs, targets), int(right.sum()) / len(right)
        assert got == want, (f"accuracy(outputs of shape {outputs.shape}, targets {to_numpy(targets).tolist()}), "
                             f"an input the notebook does not show: expected {want}, got {got}")
    ### END HIDDEN TESTS
    print("accuracy: argmax for class scores, 0.5 threshold for probabilities")

if __name__ == "__main__":
    test_unit_accuracy()

# %% [markdown]
# ## One epoch of training
#
# An **epoch** is one pass over the training set. `train_epoch` runs the loop above over
# every batch of a loader and returns two summaries of the pass: the mean loss and the
# accuracy, both over *samples* (a batch of 32 counts 32 times as much as a batch of 1,
# which matters for the short last batch).
#
# Two details:
#
# - Put the model in **training mode** first (`model.train()`): layers like `Dropout`
#   behave differently while training, and the model may be in eval mode when it arrives
#   (you called `model.eval()` to look at it, say); `train_epoch` must not assume otherwise.
#   Call the method: `model.train()` switches every layer inside the model, while assigning
#   `model.training = True` would change the outer model's flag only.
# - The loss is a Tensor holding a graph of the whole forward pass. Keep only its value
#   (`_loss_value(loss)` turns it into a float, and stops with a clear message if training
#   has diverged to `nan` or `inf`); holding the Tensor would keep every intermediate array
#   of every batch alive. The message says that training diverged; it does not save the
#   weights, which have already taken that batch's step: start again from a checkpoint
#   or with a smaller learning rate.
#
# The numbers `train_epoch` reports are averaged over a pass in which the model kept
# changing: early batches were scored by an older, worse model. That is fine for watching
# progress, and the reason `evaluate` exists for a fair measurement.
#
# **Worked example.** One training step's numbers first: a linear classifier (2 features,
# 3 classes, no bias) on a batch of 3 samples, with softmax cross-entropy and a plain
# gradient step written out in numpy, in the loop's order: forward, loss, backward, step.
# On the same batch the loss is lower after the step. Then the averaging, on ten samples
# in batches of 4, 4 and 2: weighting each batch's mean by its size gives the mean over
# all ten samples, while the plain average of the batch means lets the short batch's
# two samples count as much as four.

# %%
if __name__ == "__main__":
    _inputs = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])     # 3 samples, 2 features
    _targets = np.array([0, 2, 1])
    _weight = np.array([[0.5, 0.0, -0.5], [0.0, 0.2, 0.1]])      # (2, 3): logits = inputs @ weight
    _lr, _rows = 1.0, np.arange(3)

    def _softmax_cross_entropy(weight):
        logits = _inputs @ weight
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = exp / exp.sum(axis=1, keepdims=True)
        return logits, probs, float(-np.log(probs[_rows, _targets]).mean())

    with np.printoptions(precision=4, suppress=True):
        _logits, _probs, _loss_before = _softmax_cross_entropy(_weight)
        print(f"forward   logits = inputs @ W:\n{_logits}\n          softmax:\n{_probs}")
        print(f"loss      mean of -log p[target] = {_loss_before:.4f};  "
              f"argmax right for {int((_logits.argmax(axis=1) == _targets).sum())} of 3")
        _grad_logits = _probs.copy()
        _grad_logits[_rows, _targets] -= 1.0
        _grad_logits /= len(_targets)
        _grad_weight = _inputs.T @ _grad_logits
        print(f"backward  dL/dW = inputs^T @ (p - one_hot) / 3:\n{_grad_weight}")
        _weight = _weight - _lr * _grad_weight
        _, _, _loss_after = _softmax_cross_entropy(_weight)
        print(f"step      W = W - lr * dL/dW (lr = {_lr:g}); loss on the same batch: {_loss_before:.4f} -> {_loss_after:.4f}")
    assert _loss_after < _loss_before and _inputs.shape == (3, 2) and _weight.shape == (2, 3)

    _sample_losses = np.array([0.9, 1.2, 0.3, 0.6, 0.8, 0.4, 0.2, 0.6, 2.0, 1.6])
    _sample_right = np.array([1, 0, 1, 1, 0, 1, 1, 1, 0, 0])
    _total_loss, _total_right, _count, _batch_means = 0.0, 0.0, 0, []
    for _start in range(0, len(_sample_losses), 4):
        _n = len(_sample_losses[_start:_start + 4])
        _batch_loss = _sample_losses[_start:_start + 4].mean()
        _batch_acc = _sample_right[_start:_start + 4].mean()
        _batch_means.append(_batch_loss)
        _total_loss, _total_right, _count = _total_loss + _batch_loss * _n, _total_right + _batch_acc * _n, _count + _n
        print(f"batch of {_n}: mean loss {_batch_loss:.3f}, accuracy {_batch_acc:.3f}   "
              f"running sums: loss * n {_total_loss:.3f}, right {_total_right:g}, samples {_count}")
    print(f"epoch: loss {_total_loss:.3f} / {_count} = {_total_loss / _count:.3f} (mean over samples "
          f"{_sample_losses.mean():.3f}), accuracy {_total_right / _count:g};  "
          f"plain average of batch means {np.mean(_batch_means):.3f}")
    assert [len(_sample_losses[_s:_s + 4]) for _s in (0, 4, 8)] == [4, 4, 2]
    assert np.isclose(_total_loss / _count, _sample_losses.mean()) and not np.isclose(np.mean(_batch_means), _sample_losses.mean())

# %% [markdown]
# **Your task:** `Trainer.train_epoch`. Batches are `(inputs, targets)` pairs.

# %% [markdown]
# ## Evaluation: eval mode, no gradients
#
# `evaluate(loader)` measures the model on data without changing it:
#
# - **eval mode** (`model.eval()`, which like `train()` reaches every layer inside): `Dropout`
#   becomes the identity, so the measurement uses the whole network and is deterministic;
# - **no gradients** (`with no_grad():`, module 06): no graph is recorded, which saves the
#   memory and time of bookkeeping that no `backward` will use;
# - no optimizer step, of course;
# - afterwards the model goes back to the mode it was in, so evaluating in the middle of
#   training does not silently switch Dropout off for the rest of it.
#
# **Your task:** `Trainer.evaluate`, returning `(mean loss, accuracy)` over samples.

# %% [markdown]
# ## Hooks: augmentation and a learning-rate schedule (given)
#
# Real training changes two things from batch to batch, and `Trainer` takes a hook for each,
# so that the loop stays the one you write:
#
# - `batch_hook(inputs, targets) -> (inputs, targets)` transforms every training batch, e.g.
#   random one-pixel shifts of images (data augmentation, used by the CNN milestone);
# - `lr_schedule(step) -> learning rate` is set on the optimizer before every training batch;
#   `step` counts the batches this Trainer has trained, so a schedule can warm up or decay.
#
# The given line `loader = _Hooked(loader, self)` in `train_epoch` wraps the loader so that the hooks run while you
# iterate it: write the loop exactly as if there were none. Setting
# `trainer.stop_training = True` (from a hook, say, when a time budget is used up) ends
# training after the current batch.

# %% nbgrader={"grade": false, "grade_id": "training-trainer", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _loss_value(loss):
    """The loss as a Python float; stop if training has diverged."""
    value = float(to_numpy(loss))
    if not math.isfinite(value):
        raise FloatingPointError(
            f"The loss became {value}: training diverged. "
            "Lower the learning rate, check the inputs for nan/inf, and scale inputs to a small range (e.g. [0, 1])."
        )
    return value


def _split_batch(batch):
    """A loader's batch as (inputs, targets); say clearly when it is something else."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        got = f"a {type(batch).__name__} of {len(batch)}" if isinstance(batch, (tuple, list)) else type(batch).__name__
        raise ValueError(
            f"Trainer expects each batch to be a pair (inputs, targets), got {got}. "
            "Build the loader on a dataset with two fields, e.g. DataLoader(TensorDataset(images, labels))."
        )
    return batch[0], batch[1]


def _check_loader(loader, name):
    if len(loader) == 0:
        raise ValueError(
            f"{name} yields no batches (len 0). With drop_last=True a batch_size larger than the dataset "
            "leaves nothing; lower batch_size or set drop_last=False."
        )


class _Hooked:
    """A training loader seen through the Trainer's hooks (given): before each batch the
    learning rate follows `lr_schedule(step)` and the batch goes through `batch_hook`; after
    a batch, `trainer.stop_training` ends the epoch. Without hooks, batches pass unchanged."""

    def __init__(self, loader, trainer):
        self.loader, self.trainer = loader, trainer

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        trainer = self.trainer
        for batch in self.loader:
            if trainer.lr_schedule is not None:
                trainer.optimizer.lr = _scheduled_lr(trainer.lr_schedule, trainer.steps)
            if trainer.batch_hook is not None:
                batch = _split_batch(trainer.batch_hook(*_split_batch(batch)))
            trainer.steps += 1
            yield batch
            if trainer.stop_training:
                return


def _scheduled_lr(schedule, step):
    lr = schedule(step)
    if not is_real_number(lr) or not lr >= 0:
        raise ValueError(f"Trainer's lr_schedule({step}) must return a learning rate >= 0, got {lr!r}. "
                         "Return a number, e.g. lambda step: 0.1 * 0.5 ** (step // 1000).")
    return float(lr)


def _check_hook(name, hook):
    if hook is not None and not callable(hook):
        raise TypeError(f"Trainer's {name} must be a function or None, got {type(hook).__name__}. "
                        "Pass e.g. batch_hook=lambda inputs, targets: (inputs, targets).")


class Trainer:
    """Train and evaluate a model: Trainer(model, optimizer, loss_fn, batch_hook=None, lr_schedule=None).

    fit(train_loader, epochs=1, val_loader=None, verbose=True) -> history, a dict of lists
    (train_loss, train_acc, and val_loss, val_acc when val_loader is given);
    evaluate(loader) -> (loss, accuracy), in eval mode without gradients.

    Hooks (optional): batch_hook(inputs, targets) -> (inputs, targets) is applied to every
    training batch (e.g. data augmentation); lr_schedule(step) -> learning rate is set on the
    optimizer before every training batch, `step` counting the batches this Trainer trained
    (0, 1, ...; in `trainer.steps`). Setting `trainer.stop_training = True` (e.g. from a hook)
    ends training after the current batch; fit() resets it when it starts.
    """

    def __init__(self, model, optimizer, loss_fn, batch_hook=None, lr_schedule=None):
        for name, value, needs in (("model", model, ("__call__", "train", "eval")),
                                   ("optimizer", optimizer, ("step", "zero_grad")),
                                   ("loss_fn", loss_fn, ("__call__",))):
            missing = [attr for attr in needs if not hasattr(value, attr)]
            if missing:
                raise TypeError(
                    f"Trainer's {name} must provide {', '.join(needs)}; got {type(value).__name__} without "
                    f"{', '.join(missing)}. Pass e.g. Trainer(Sequential(...), SGD(model.parameters(), lr=0.1), CrossEntropyLoss())."
                )
        _check_hook("batch_hook", batch_hook)
        _check_hook("lr_schedule", lr_schedule)
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.batch_hook = batch_hook
        self.lr_schedule = lr_schedule
        self.steps = 0               # training batches so far: the lr_schedule's step
        self.stop_training = False
        self.history = None

    def train_epoch(self, loader):
        """One pass over `loader`, updating the model after every batch.

        Returns (mean loss, accuracy), both averaged over samples.
        """
        _check_loader(loader, "The training loader")
        loader = _Hooked(loader, self)  # the Trainer's hooks (given): iterate it like any loader
        ### BEGIN SOLUTION
        self.model.train()
        total_loss, total_correct, count = 0.0, 0.0, 0
        for batch in loader:
            inputs, targets = _split_batch(batch)
            outputs = self.model(inputs)
            loss = self.loss_fn(outputs, targets)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            n = outputs.shape[0]
            total_loss += _loss_value(loss) * n
            total_correct += accuracy(outputs, targets) * n
            count += n
        return total_loss / count, total_correct / count
        ### END SOLUTION

    def evaluate(self, loader):
        """(mean loss, accuracy) of the model on `loader`: eval mode, no gradients, no updates.

        The model is returned to the mode (train or eval) it was in before.
        """
        _check_loader(loader, "The evaluation loader")
        ### BEGIN SOLUTION
        was_training = bool(getattr(self.model, "training", True))
        self.model.eval()
        total_loss, total_correct, count = 0.0, 0.0, 0
        try:
            with no_grad():
                for batch in loader:
                    inputs, targets = _split_batch(batch)
                    outputs = self.model(inputs)
                    n = outputs.shape[0]
                    total_loss += _loss_value(self.loss_fn(outputs, targets)) * n
                    total_correct += accuracy(outputs, targets) * n
                    count += n
        finally:
            self.model.train(was_training)
        return total_loss / count, total_correct / count
        ### END SOLUTION

    def fit(self, train_loader, epochs=1, val_loader=None, verbose=True):
        """Train for `epochs` passes over `train_loader`; evaluate on `val_loader` after each.

        Returns the history: {"train_loss": [...], "train_acc": [...]} plus "val_loss" and
        "val_acc" when val_loader is given, one entry per epoch. Prints one line per epoch
        when verbose.
        """
        if not is_whole_number(epochs) or epochs < 1:
            raise ValueError(f"epochs must be a whole number of at least 1, got {epochs!r}. Pass e.g. epochs=10.")
        _check_loader(train_loader, "The training loader")
        if val_loader is not None:
            _check_loader(val_loader, "The validation loader")
        history = {"train_loss": [], "train_acc": []}
        if val_loader is not None:
            history.update(val_loss=[], val_acc=[])
        self.history = history
        self.stop_training = False
        for epoch in range(1, int(epochs) + 1):
            start = time.perf_counter()
            loss, acc = self.train_epoch(train_loader)
            history["train_loss"].append(loss)
            history["train_acc"].append(acc)
            line = f"epoch {epoch:{len(str(epochs))}d}/{epochs}  train loss {loss:.4f} acc {acc:6.2%}"
            if val_loader is not None:
                val_loss, val_acc = self.evaluate(val_loader)
                history["val_loss"].append(val_loss)
                history["val_acc"].append(val_acc)
                line += f"  |  val loss {val_loss:.4f} acc {val_acc:6.2%}"
            if verbose:
                print(f"{line}  |  {time.perf_counter() - start:.2f}s")
            if self.stop_training:
                break
        return history


# %% [markdown]
# ### Checking the Trainer
#
# The checks below build small models, loaders and losses from the earlier modules, and
# one given helper: `Recorder` wraps a model (or a layer inside one) and writes down, at every
# forward call, whether it was in training mode and whether gradients were being recorded. It
# can also fail on purpose at a chosen call, to check that `evaluate` puts the model back
# into its mode even when something goes wrong halfway.

# %% nbgrader={"grade": false, "grade_id": "training-check-helpers", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| exporti
# (Exported, because the graded checks run it in your process, but not part of the library's
# public names: `from tinytorch.core.training import *` does not bring it.)
from tinytorch.core.autograd import is_grad_enabled
from tinytorch.core.layers import Module


class Recorder(Module):
    """Given: runs `model`, recording (training, grad enabled) at every call in `.calls`.

    With `report`, every call also hands report(training, grad_enabled) the same two values: the checks
    keep their own copy of what happened, which no code in the Trainer can rewrite afterwards (the
    report is kept in the class's table, not on the object the Trainer is handed).
    With `fail_at=k` the k-th call raises RuntimeError instead (k counts from 1).
    """

    check_reports = {}    # id(recorder) -> its report (each check removes its entry once it has read it)

    def __init__(self, model, fail_at=None, report=None):
        self.model = model
        self.fail_at = fail_at
        self.calls = []
        Recorder.check_reports[id(self)] = report

    def forward(self, x):
        record = (self.training, is_grad_enabled())
        self.calls.append(record)
        report = Recorder.check_reports.get(id(self))
        if report is not None:
            report(*record)
        if self.fail_at is not None and len(self.calls) == self.fail_at:
            raise RuntimeError(f"Recorder: call {self.fail_at} fails, as asked by the check")
        return self.model(x)


# %% nbgrader={"grade": false, "grade_id": "check-helpers-training", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| check_helpers
import numpy as np


def _right_predictions(outputs, targets):
    """Per sample, whether the prediction is right: argmax of (N, C) class scores, or an (N, 1) probability of
    class 1 above 0.5; targets (N,) or (N, 1) class indices."""
    predicted = outputs.argmax(axis=1) if outputs.shape[1] > 1 else (outputs[:, 0] > 0.5).astype(np.int64)
    return predicted == np.reshape(targets, -1)


def _accuracy_averages(batches):
    """(right, yours): the per-sample mean accuracy over `batches`, a list of (outputs, targets) (outputs: (N, C)
    logits or (N, 1) probabilities), computed here, and the same mean with your accuracy() on each batch. The
    checks of train_epoch and evaluate accept either: they check the averaging; a wrong accuracy() is
    test-training-accuracy's item, and costs only that one."""
    count = sum(len(targets) for _, targets in batches)
    right = sum(float(np.mean(_right_predictions(logits, targets))) * len(targets) for logits, targets in batches) / count
    try:
        yours = sum(float(accuracy(logits, targets)) * len(targets) for logits, targets in batches) / count
    except Exception:
        yours = right
    return right, yours


def _accuracy_matches(acc, batches):
    """'' when train_epoch's or evaluate's accuracy `acc` is the per-sample mean over `batches` (by your accuracy()
    if that differs from the right one); else what was expected."""
    right, yours = _accuracy_averages(batches)
    if abs(acc - right) < 1e-9 or abs(acc - yours) < 1e-9:
        return ""
    return f"expected {right}" + ("" if abs(yours - right) < 1e-9 else f" (or {yours} by your accuracy(), which "
                                   "test-training-accuracy finds wrong)") + f", got {acc}" + _batch_means_hint(
        acc, [_right_predictions(logits, targets) for logits, targets in batches]) + _inline_argmax_hint(acc, batches)


def _inline_argmax_hint(got, batches):
    """'. Likely bug: ...' when `batches` hold (N, 1) probabilities and `got` is what counting hits with
    argmax(axis=1) gives (always class 0: with the (N, 1) targets as they come, which broadcast against the (N,)
    predictions into an (N, N) table, or flattened); else ''."""
    if batches[0][0].shape[1] != 1:
        return ""
    count = sum(len(targets) for _, targets in batches)
    broadcast = sum(int(np.sum(np.zeros(len(targets)) == targets)) for _, targets in batches) / count
    flattened = sum(int(np.sum(np.reshape(targets, -1) == 0)) for _, targets in batches) / count
    if min(abs(got - broadcast), abs(got - flattened)) > 1e-9:
        return ""
    return (f". Likely bug: the hits were counted with argmax(axis=1), which is always 0 for a single column of "
            f"probabilities ({broadcast} if (N, 1) targets broadcast against the (N,) predictions, {flattened} if "
            "flattened): call accuracy(outputs, targets), which thresholds probabilities at 0.5")


def _batch_means_hint(got, batches):
    """'. Likely bug: ...' when `got` is the plain mean of the batches' means (`batches`: each batch's per-sample
    values), which misses the per-sample mean only when the batches differ in size; else ''."""
    sizes, means = [len(values) for values in batches], [float(np.mean(values)) for values in batches]
    if len(set(sizes)) == 1 or abs(got - np.mean(means)) > 1e-5:
        return ""
    return (f". Likely bug: that is the mean of the {len(means)} batch means, which weighs the last batch "
            f"({sizes[-1]} sample{'s' * (sizes[-1] != 1)}) like a full one ({sizes[0]}): add each batch's mean times "
            "its size, then divide by the samples seen")


def _never_eval_hint(modes):
    """' Likely bug: ...' when evaluate ran every batch in training mode (`modes`: the model's training flag at
    each call); else ''."""
    return (" Likely bug: evaluate does not call self.model.eval() before the batches, so they ran in training "
            "mode (Dropout on): call it before the loop." if modes and all(modes) else "")


# %% nbgrader={"grade": true, "grade_id": "test-training-train-epoch", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
from tinytorch.core.activations import Sigmoid
from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.core.layers import Dropout, Linear, Sequential
from tinytorch.core.losses import BinaryCrossEntropyLoss, CrossEntropyLoss
from tinytorch.core.optimizers import SGD
from tinytorch.core.tensor import manual_seed

def test_unit_train_epoch():
    def by_hand(x, y, w, b, lr, size, piled=False):
        """One epoch of Linear, cross-entropy and SGD(lr) in numpy, batches of `size` in order: (weight, bias, each
        batch's per-sample losses, each batch's (logits, targets)). piled: gradients never zeroed, so every step
        follows the sum of the gradients of the batches so far."""
        grad_w, grad_b, losses, batches = 0.0, 0.0, [], []
        for start in range(0, len(x), size):
            xb, yb = x[start:start + size].astype(np.float64), y[start:start + size]
            z = xb @ w.T + b
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p = p / p.sum(axis=1, keepdims=True)
            losses.append(-np.log(p[np.arange(len(yb)), yb]))
            batches.append((z, yb))
            dz = (p - np.eye(w.shape[0])[yb]) / len(yb)
            grad_w, grad_b = dz.T @ xb + (grad_w if piled else 0.0), dz.sum(axis=0) + (grad_b if piled else 0.0)
            w, b = w - lr * grad_w, b - lr * grad_b
        return w, b, losses, batches

    def weights_hint(got, x, y, w, b, lr, size):   # the weights a misordered or never-zeroed loop would give
        if np.array_equal(got, w):
            return (". Likely bug: the weights did not move, so every step found no gradient: zero_grad() called "
                    "between backward() and step(), or step() called before backward()? The order is zero_grad, "
                    "forward, loss, backward, step")
        if np.allclose(got, by_hand(x, y, w, b, lr, size, piled=True)[0], rtol=1e-4, atol=1e-6):
            return (". Likely bug: these are the weights of an epoch whose gradients piled up: backward() adds to "
                    ".grad, and nothing cleared it between batches. Call self.optimizer.zero_grad() for every batch, "
                    "before backward()")
        return ""

    # One epoch by hand: Linear(3, 4), cross-entropy, SGD(lr=0.5), batches of 4, 4, 2 in order.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 3)).astype(np.float32)
    y = np.array([0, 1, 2, 3, 0, 1, 2, 3, 1, 2])
    manual_seed(0)
    layer = Linear(3, 4)
    w0, b0 = layer.weight.data.astype(np.float64), layer.bias.data.astype(np.float64)
    seen = []                                              # what the model saw: (training, grad enabled)
    model = Recorder(layer, report=lambda training, grad: seen.append((training, grad)))
    model.eval()                                           # train_epoch must switch to training mode
    trainer = Trainer(model, SGD(model.parameters(), lr=0.5), CrossEntropyLoss())
    loss, acc = trainer.train_epoch(DataLoader(TensorDataset(x, y), batch_size=4))
    assert isinstance(loss, float) and isinstance(acc, float), f"train_epoch returns two floats, got {type(loss).__name__}, {type(acc).__name__}"
    w, b, losses, batches = by_hand(x, y, w0, b0, 0.5, 4)   # the same epoch in numpy
    np.testing.assert_allclose(layer.weight.data, w, rtol=1e-4, atol=1e-6, err_msg=(
        "weights after one epoch differ from: for each batch, zero_grad, forward, loss, backward, step "
        "(gradients of one batch only)" + weights_hint(layer.weight.data, x, y, w0, b0, 0.5, 4)))
    np.testing.assert_allclose(layer.bias.data, b, rtol=1e-4, atol=1e-6, err_msg="bias after one epoch")
    expected = float(np.mean(np.concatenate(losses)))
    assert abs(loss - expected) < 1e-4, (f"mean loss over the {len(x)} samples (before each step): expected "
                                         f"{expected:.5f}, got {loss:.5f}" + _batch_means_hint(loss, losses))
    problem = _accuracy_matches(acc, batches)
    assert not problem, f"accuracy over the 10 samples: {problem}"
    assert seen == [(True, True)] * 3, f"every batch runs in training mode with gradients on, got {seen}" + (
        ". Likely bug: train_epoch never calls self.model.train(): the model came in eval mode (this check put it "
        "there) and stayed in it. Call it before the loop" if seen and not any(mode for mode, _ in seen) else "")
    assert model.training, "train_epoch leaves the model in training mode"
    Recorder.check_reports.pop(id(model), None)                # its report is read: the table keeps live checks only

    # Training mode reaches every layer: a Dropout inside a Sequential that arrives in eval mode (a Recorder
    # around the Dropout writes down its mode at every batch).
    manual_seed(0)
    inside = []
    dropout = Recorder(Dropout(0.5), report=lambda training, grad: inside.append(training))
    net = Sequential(Linear(3, 4), dropout)
    net.eval()
    Trainer(net, SGD(net.parameters(), lr=0.5), CrossEntropyLoss()).train_epoch(DataLoader(TensorDataset(x, y), batch_size=4))
    Recorder.check_reports.pop(id(dropout), None)
    assert inside == [True] * 3, (
        f"the Dropout inside Sequential(Linear(3, 4), Dropout(0.5)), which came in eval mode, must train in training "
        f"mode on each of the 3 batches; its mode per batch: {inside}" + (
            ". Likely bug: `self.model.training = True` sets the outer model's flag only, so the layers inside it "
            "stay in eval mode (Dropout off): call self.model.train(), which switches every sub-module"
            if net.training and inside and not any(inside) else ""))

    # Several epochs on a separable problem: the loss falls and the problem is learned.
    x2 = rng.normal(size=(60, 2)).astype(np.float32)
    y2 = (x2[:, 0] > x2[:, 1]).astype(np.int64)
    net = Linear(2, 2)
    learner = Trainer(net, SGD(net.parameters(), lr=0.5), CrossEntropyLoss())
    loader = DataLoader(TensorDataset(x2, y2), batch_size=16, shuffle=True)
    history = [learner.train_epoch(loader) for _ in range(15)]
    assert history[-1][0] < history[0][0] * 0.5, f"the loss should fall, got {history[0][0]:.3f} -> {history[-1][0]:.3f}"
    assert history[-1][1] >= 0.9, f"a separable problem should be learned, accuracy {history[-1][1]:.2f}"
    ### BEGIN HIDDEN TESTS
    rng, net = np.random.default_rng(8082), Linear(2, 3)
    x, y = rng.normal(size=(7, 2)).astype(np.float32), rng.integers(0, 3, 7)
    w0, b0 = net.weight.data.astype(np.float64), net.bias.data.astype(np.float64)
    trainer = Trainer(net, SGD(net.parameters(), lr=0.3), CrossEntropyLoss())
    loss, _ = trainer.train_epoch(DataLoader(TensorDataset(x, y), batch_size=3))
    w, b, losses, _ = by_hand(x, y, w0, b0, 0.3, 3)        # the same epoch in numpy
    what = "Linear(2, 3), 7 samples in batches of 3, SGD(lr=0.3), an input the notebook does not show: "
    np.testing.assert_allclose(np.c_[net.weight.data, net.bias.data], np.c_[w, b], rtol=1e-4, atol=1e-6, err_msg=(
        what + "weights and bias after one epoch" + weights_hint(net.weight.data, x, y, w0, b0, 0.3, 3)))
    expected = float(np.mean(np.concatenate(losses)))
    assert abs(loss - expected) < 1e-4, (f"{what}mean loss over 7 samples: expected {expected:.5f}, got {loss:.5f}"
                                         + _batch_means_hint(loss, losses))
    # A binary classifier: Linear(2, 1), Sigmoid, BinaryCrossEntropyLoss, (N, 1) targets.
    manual_seed(8082)
    layer = Linear(2, 1)
    x = rng.normal(size=(7, 2)).astype(np.float32) * 3
    probabilities = 1 / (1 + np.exp(-(x.astype(np.float64) @ layer.weight.data.T.astype(np.float64) + layer.bias.data)))
    bits = (probabilities > 0.5).astype(np.float32)
    bits[[1, 4]] = 1 - bits[[1, 4]]                        # two of the seven wrong
    binary = Trainer(Sequential(layer, Sigmoid()), SGD(layer.parameters(), lr=1e-8), BinaryCrossEntropyLoss())
    _, acc = binary.train_epoch(DataLoader(TensorDataset(x, bits), batch_size=3))   # lr so small that nothing moves
    problem = _accuracy_matches(acc, [(probabilities[start:start + 3], bits[start:start + 3]) for start in (0, 3, 6)])
    assert not problem, ("Linear(2, 1) and Sigmoid with BinaryCrossEntropyLoss, 7 samples in batches of 3, an input "
                         f"the notebook does not show: accuracy over the 7 samples: {problem}")
    ### END HIDDEN TESTS
    print("Trainer.train_epoch: one epoch matches numpy; the loss falls and the accuracy rises")

if __name__ == "__main__":
    test_unit_train_epoch()

# %% nbgrader={"grade": true, "grade_id": "test-training-averages", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.core.layers import Linear
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import SGD
from tinytorch.core.tensor import manual_seed

def test_unit_training_averages():
    x = np.arange(30, dtype=np.float32).reshape(10, 3) / 10
    y = np.array([0, 1] * 5)
    # drop_last: 10 samples in batches of 4 -> two batches, 8 samples; the averages are over those 8.
    manual_seed(0)
    layer = Linear(3, 2)
    w, b = layer.weight.data.astype(np.float64), layer.bias.data.astype(np.float64)
    trainer = Trainer(layer, SGD(layer.parameters(), lr=1e-8), CrossEntropyLoss())   # lr so small that nothing moves
    loss, acc = trainer.train_epoch(DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True))
    logits = x[:8].astype(np.float64) @ w.T + b
    shifted = logits - logits.max(axis=1, keepdims=True)
    expected = -np.mean(shifted[np.arange(8), y[:8]] - np.log(np.exp(shifted).sum(axis=1)))
    assert abs(loss - expected) < 1e-5, f"drop_last: mean loss over the 8 samples seen, expected {expected:.5f}, got {loss:.5f}" + (
        ". Likely bug: the total is divided by len(loader.dataset) = 10; drop_last left 2 samples out, so divide by "
        "the samples the batches held (count them as they come)" if abs(loss - expected * 8 / 10) < 1e-5 else "")
    problem = _accuracy_matches(acc, [(logits[:4], y[:4]), (logits[4:], y[4:8])])
    assert not problem, f"drop_last: accuracy over the 8 samples seen: {problem}"
    # A loss that is not finite stops training with FloatingPointError (use _loss_value). The bad
    # value is a nan, as a missing pixel read from a file would be: nan passes through every
    # operation silently. (An inf input would make numpy warn before your code sees the loss:
    # the loss subtracts each row's largest logit, and inf - inf is nan, "invalid value".)
    bad = x.copy()
    bad[5, 1] = np.nan
    try:
        returned = trainer.train_epoch(DataLoader(TensorDataset(bad, y), batch_size=4))
    except FloatingPointError:
        pass
    else:
        mean_loss = returned[0] if isinstance(returned, tuple) and len(returned) == 2 else None
        raise AssertionError("a nan/inf loss must stop train_epoch with FloatingPointError, not be averaged in" + (
            f": it returned the mean loss {mean_loss}. Likely bug: the loss was read with loss.item() or float(), "
            "which let the nan through: read it with _loss_value(loss), which raises FloatingPointError"
            if isinstance(mean_loss, float) and np.isnan(mean_loss) else ""))
    ### BEGIN HIDDEN TESTS
    rng, layer = np.random.default_rng(8083), Linear(3, 2)
    x, y = rng.normal(size=(11, 3)).astype(np.float32), rng.integers(0, 2, 11)
    trainer = Trainer(layer, SGD(layer.parameters(), lr=1e-8), CrossEntropyLoss())   # lr so small that nothing moves
    loss, acc = trainer.train_epoch(DataLoader(TensorDataset(x, y), batch_size=3, drop_last=True))
    logits = x[:9].astype(np.float64) @ layer.weight.data.T.astype(np.float64) + layer.bias.data
    shifted = logits - logits.max(axis=1, keepdims=True)
    expected = -np.mean(shifted[np.arange(9), y[:9]] - np.log(np.exp(shifted).sum(axis=1)))
    what = "drop_last, 11 samples in batches of 3 (9 seen): an input the notebook does not show"
    assert abs(loss - expected) < 1e-5, f"{what}: mean loss over the 9 seen: expected {expected:.5f}, got {loss:.5f}"
    problem = _accuracy_matches(acc, [(logits[start:start + 3], y[start:start + 3]) for start in (0, 3, 6)])
    assert not problem, f"{what}: accuracy over the 9 samples seen: {problem}"
    ### END HIDDEN TESTS
    print("Trainer: per-sample averages with drop_last; a non-finite loss stops training")

if __name__ == "__main__":
    test_unit_training_averages()

# %% nbgrader={"grade": true, "grade_id": "test-training-evaluate", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
from tinytorch.core.activations import Sigmoid
from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.core.layers import Dropout, Linear, Sequential
from tinytorch.core.losses import BinaryCrossEntropyLoss, CrossEntropyLoss
from tinytorch.core.optimizers import SGD
from tinytorch.core.tensor import manual_seed

def test_unit_evaluate():
    x = np.random.default_rng(1).normal(size=(10, 3)).astype(np.float32)
    y = np.arange(10) % 4
    manual_seed(0)
    inner = Linear(3, 4)
    seen, inside = [], []                                # what the model saw: (training, grad enabled); its Dropout's mode
    dropout = Recorder(Dropout(0.5), report=lambda training, grad: inside.append(training))
    model = Recorder(Sequential(inner, dropout),         # Dropout: evaluation must switch it off
                     report=lambda training, grad: seen.append((training, grad)))
    trainer = Trainer(model, SGD(model.parameters(), lr=0.1), CrossEntropyLoss())
    before = inner.weight.data.copy()
    loss, acc = trainer.evaluate(DataLoader(TensorDataset(x, y), batch_size=4))
    Recorder.check_reports.pop(id(dropout), None)
    assert seen == [(False, False)] * 3, (
        f"evaluate runs every batch in eval mode without gradients (no_grad), got {seen}."
        + _never_eval_hint([mode for mode, _ in seen]) + (
            " Likely bug: the batches ran outside `with no_grad():`, so every forward recorded a graph: put the "
            "loop inside it" if seen and all(grad for _, grad in seen) else ""))
    assert inside == [False] * 3, (
        f"the Dropout inside the model must run in eval mode on each of the 3 batches; its mode per batch: {inside}"
        + (". Likely bug: `self.model.training = False` sets the outer model's flag only, so the layers inside it "
           "stay in training mode (Dropout on): call self.model.eval(), which switches every sub-module"
           if inside and all(inside) else ""))
    assert model.training, "evaluate puts the model back into the mode it was in (training)"
    np.testing.assert_array_equal(inner.weight.data, before, err_msg="evaluate must not change the parameters")
    assert inner.weight.grad is None, "evaluate must not compute gradients"
    logits = x.astype(np.float64) @ inner.weight.data.T.astype(np.float64) + inner.bias.data
    shifted = logits - logits.max(axis=1, keepdims=True)
    sample_losses = -(shifted[np.arange(10), y] - np.log(np.exp(shifted).sum(axis=1)))
    expected_loss = float(np.mean(sample_losses))
    problem = _accuracy_matches(acc, [(logits[:4], y[:4]), (logits[4:8], y[4:8]), (logits[8:], y[8:])])
    assert not problem, f"accuracy over all 10 samples: {problem}"
    assert abs(loss - expected_loss) < 1e-5, (
        f"mean loss over samples (the short last batch weighs less): expected {expected_loss:.5f}, got {loss:.5f}"
        + _batch_means_hint(loss, [sample_losses[:4], sample_losses[4:8], sample_losses[8:]]))
    model.eval()
    found_training = model.training                      # False, unless module 03's Module.eval() failed
    trainer.evaluate(DataLoader(TensorDataset(x, y), batch_size=4))
    assert not model.training, "evaluate must leave a model it found in eval mode in eval mode, got training mode" + (
        ". Likely bug: model.train() at the end: evaluate ends in training mode whatever mode it found (from "
        "training mode above, from eval mode here); restore the mode evaluate found, model.train(was_training)"
        if not found_training else " (but model.eval() had not switched the model to eval mode: see module 03's "
                                   "Module.eval)")
    Recorder.check_reports.pop(id(model), None)                # its report is read: the table keeps live checks only

    # A binary classifier: Linear(2, 1), Sigmoid, BinaryCrossEntropyLoss; its (N, 1) outputs are probabilities of
    # class 1, and the targets (N, 1) zeros and ones.
    manual_seed(0)
    layer = Linear(2, 1)
    x = np.random.default_rng(2).normal(size=(6, 2)).astype(np.float32) * 3
    probabilities = 1 / (1 + np.exp(-(x.astype(np.float64) @ layer.weight.data.T.astype(np.float64) + layer.bias.data)))
    bits = (probabilities > 0.5).astype(np.float32)
    bits[0] = 1 - bits[0]                                 # one of the six wrong
    binary = Trainer(Sequential(layer, Sigmoid()), SGD(layer.parameters(), lr=0.1), BinaryCrossEntropyLoss())
    _, acc = binary.evaluate(DataLoader(TensorDataset(x, bits), batch_size=4))
    problem = _accuracy_matches(acc, [(probabilities[:4], bits[:4]), (probabilities[4:], bits[4:])])
    assert not problem, f"Linear(2, 1) and Sigmoid with BinaryCrossEntropyLoss, 6 samples: accuracy: {problem}"
    ### BEGIN HIDDEN TESTS
    rng, inner = np.random.default_rng(8084), Linear(4, 3)
    x, y = rng.normal(size=(9, 4)).astype(np.float32), rng.integers(0, 3, 9)
    trainer = Trainer(Sequential(inner, Dropout(0.3)), SGD(inner.parameters(), lr=0.1), CrossEntropyLoss())
    loss, acc = trainer.evaluate(DataLoader(TensorDataset(x, y), batch_size=2))
    logits = x.astype(np.float64) @ inner.weight.data.T.astype(np.float64) + inner.bias.data
    shifted = logits - logits.max(axis=1, keepdims=True)
    sample_losses = -(shifted[np.arange(9), y] - np.log(np.exp(shifted).sum(axis=1)))
    expected_loss = float(np.mean(sample_losses))
    what = "Linear(4, 3) and Dropout(0.3), 9 samples in batches of 2: an input the notebook does not show"
    problem = _accuracy_matches(acc, [(logits[start:start + 2], y[start:start + 2]) for start in range(0, 9, 2)])
    assert not problem, f"{what}: accuracy over all 9 samples: {problem}"
    assert abs(loss - expected_loss) < 1e-5, f"{what}: mean loss: expected {expected_loss:.5f}, got {loss:.5f}" + (
        _batch_means_hint(loss, [sample_losses[start:start + 2] for start in range(0, 9, 2)]))
    ### END HIDDEN TESTS
    print("Trainer.evaluate: eval mode, no gradients, per-sample means")

if __name__ == "__main__":
    test_unit_evaluate()

# %% nbgrader={"grade": true, "grade_id": "test-training-evaluate-restores", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.core.layers import Dropout, Linear, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import SGD

def test_unit_evaluate_restores():
    def restore_hint(trainer, model, loader):
        """Run on a model that a failing evaluate left in eval mode: evaluate it again from training mode, without
        the failure, to tell a restore the error skipped from one that never happens."""
        model.fail_at = None
        model.train()
        try:
            trainer.evaluate(loader)
        except Exception:
            return ""
        if not model.training:
            return (" Likely bug: evaluate never puts the mode back, even without an error: note was_training = "
                    "self.model.training before model.eval(), and call model.train(was_training) in a finally:")
        return (" Likely bug: the mode is restored after the loop, where the model's error skips it (without the "
                "error, evaluate does restore it): put the loop in try: and model.train(was_training) in finally:")

    x = np.ones((10, 3), dtype=np.float32)
    y = np.zeros(10, dtype=np.int64)
    seen = []
    model = Recorder(Sequential(Linear(3, 2), Dropout(0.5)), fail_at=2,   # the second batch fails
                     report=lambda training, grad: seen.append((training, grad)))
    trainer = Trainer(model, SGD(model.parameters(), lr=0.1), CrossEntropyLoss())
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    try:
        trainer.evaluate(loader)
    except RuntimeError as error:                       # NotImplementedError is a RuntimeError too
        assert "Recorder: call 2 fails" in str(error), (
            f"evaluate raised {type(error).__name__}({str(error)[:200]!r}) instead of passing on the model's error "
            "(RuntimeError('Recorder: call 2 fails ...'))")
    else:
        raise AssertionError("the error raised by the model must reach the caller of evaluate")
    assert len(seen) == 2, f"evaluate should have run the model on two batches (the second fails), ran it {len(seen)} times"
    # Restoring means something only after a switch: each batch ran in eval mode (H35: an evaluate that never
    # called model.eval() kept the model "in training mode" and passed). Gradients are test-training-evaluate's.
    assert not any(training for training, _ in seen), (
        f"the model saw (training, gradients on) = {seen} on its two batches; evaluate runs it in eval mode "
        "(model.eval()), then restores the mode it found (try/finally)." + _never_eval_hint([t for t, _ in seen]))
    assert model.training, ("evaluate must restore training mode even when the evaluation fails halfway "
                            "(try/finally)." + restore_hint(trainer, model, loader))
    assert model.model[1].training, "... down to the Dropout inside the model" + (
        ": it is still in eval mode while the model says training. Likely bug: the mode was put back with "
        "`self.model.training = was_training`, which sets the outer model's flag only: call "
        "self.model.train(was_training), which switches every sub-module" if model.training else "")
    Recorder.check_reports.pop(id(model), None)                # its report is read: the table keeps live checks only
    ### BEGIN HIDDEN TESTS
    rng, seen, error = np.random.default_rng(8085), [], None
    model = Recorder(Sequential(Linear(4, 3), Dropout(0.2)), fail_at=3, report=lambda mode, grad: seen.append(mode))
    data = TensorDataset(rng.normal(size=(11, 4)).astype(np.float32), rng.integers(0, 3, 11))
    trainer = Trainer(model, SGD(model.parameters(), lr=0.1), CrossEntropyLoss())
    loader = DataLoader(data, batch_size=3)
    try:
        trainer.evaluate(loader)
    except RuntimeError as caught:
        error = caught
    restored, passed_on = model.training and model.model[1].training, "Recorder: call 3 fails" in str(error)
    assert passed_on and seen == [False] * 3 and restored, (
        f"11 samples in batches of 3, the third batch fails (an input the notebook does not show): evaluate runs the "
        f"model in eval mode ({seen}), passes on its error ({error!r}) and restores training mode (try/finally)."
        + _never_eval_hint(seen) + (restore_hint(trainer, model, loader)
                                    if passed_on and seen == [False] * 3 and not model.training else ""))
    Recorder.check_reports.pop(id(model), None)
    ### END HIDDEN TESTS
    print("Trainer.evaluate: the model's mode survives an error")

if __name__ == "__main__":
    test_unit_evaluate_restores()

# %% [markdown]
# ## Training a digit classifier
#
# Now the real thing: the digits of module 05, a multi-layer perceptron
# `Flatten -> Linear -> ReLU -> Linear` made only of tinytorch parts, trained with Adam
# on shuffled mini-batches. The test split plays the role of unseen data. (In a real
# project you would choose settings, such as the number of epochs, on a *validation* set
# carved out of the training data, and look at the test set once at the very end:
# every decision made by looking at the test set leaks a little of it into the model.)

# %% nbgrader={"grade": false, "grade_id": "training-digits-setup", "locked": false, "schema_version": 3, "solution": false, "task": false}
if __name__ == "__main__":
    from tinytorch.core.activations import ReLU
    from tinytorch.core.dataloader import DataLoader, TensorDataset
    from tinytorch.core.layers import Flatten, Linear, Sequential
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.optimizers import Adam
    from tinytorch.core.tensor import Tensor, manual_seed
    from tinytorch.datasets import load_digits

    def digits_loaders(batch_size=32, seed=0):
        x_train, y_train = load_digits("train")
        x_test, y_test = load_digits("test")
        train = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True, seed=seed)
        test = DataLoader(TensorDataset(x_test, y_test), batch_size=256)
        return train, test

    def digits_mlp(hidden=64):
        return Sequential(Flatten(), Linear(64, hidden), ReLU(), Linear(hidden, 10))

    manual_seed(0)
    train_loader, test_loader = digits_loaders()
    model = digits_mlp()
    trainer = Trainer(model, Adam(model.parameters(), lr=0.01), CrossEntropyLoss())
    _start = time.perf_counter()
    history = trainer.fit(train_loader, epochs=10, val_loader=test_loader)
    _seconds = time.perf_counter() - _start
    print(f"\n{sum(p.size for p in model.parameters())} parameters, {len(history['train_loss'])} epochs "
          f"in {_seconds:.1f}s: test accuracy {history['val_acc'][-1]:.2%} "
          f"(chance: {1 / 10:.0%})")

# %% [markdown]
# ### Reading the history
#
# `fit` returns one entry per epoch for each curve, and the numbers are easiest to read as
# pictures: the learning curves. The figures below (and the rest of this module's pictures)
# are drawn with matplotlib; without it, each picture cell prints one line and goes on.
#
# The left panel draws the training and test loss per epoch, the right panel both
# accuracies. Look for three things: the loss falls fastest in the first epochs and then
# flattens; in the first epoch the test accuracy can even beat the training accuracy,
# because the training figure averages over a pass that began with an untrained model;
# after that, the gap between the training and the test curve is the number to watch.

# %% nbgrader={"grade": false, "grade_id": "training-digits-history", "locked": false, "schema_version": 3, "solution": false, "task": false}
if __name__ == "__main__":
    _gaps = np.array(history["train_acc"]) - np.array(history["val_acc"])
    print(f"train - test accuracy: {_gaps[0]:+.2%} after epoch 1, {_gaps[-1]:+.2%} after epoch {len(_gaps)}; "
          f"test loss {history['val_loss'][0]:.4f} -> {history['val_loss'][-1]:.4f}")
    model.eval()
    _x_test, _y_test = load_digits("test")
    with no_grad():
        _pred = model(Tensor(_x_test)).data.argmax(axis=1)
    _confusions = np.zeros((10, 10), dtype=int)
    np.add.at(_confusions, (_y_test, _pred), 1)
    np.fill_diagonal(_confusions, 0)
    _true, _guess = np.unravel_index(_confusions.argmax(), _confusions.shape)
    print(f"{int((_pred != _y_test).sum())} of {len(_y_test)} test digits misclassified; "
          f"the most common mistake: {_true} read as {_guess} ({_confusions.max()} times)")


# %%
# The pictures' two helpers, shared by every lesson: matplotlib.pyplot (or None, after a one-line
# note, without matplotlib) and showing a figure (closing it when run as a script).
from tinytorch.figures import pyplot as _pyplot, show as _show


def _learning_curves(plt, history, title):
    """A figure of two panels, loss and accuracy per epoch, each with the training and the test curve."""
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 3.3))
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    for ax, key, name in ((loss_ax, "loss", "loss"), (acc_ax, "acc", "accuracy")):
        ax.plot(epochs, history[f"train_{key}"], marker=".", label=f"train {name}")
        ax.plot(epochs, history[f"val_{key}"], marker=".", label=f"test {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    return fig, (loss_ax, acc_ax)


# %%
if __name__ == "__main__":
    _plt = _pyplot()
    if _plt is not None:
        _fig, _axes = _learning_curves(_plt, history, f"digits MLP, {len(train_loader.dataset)} training samples")
        _fig.tight_layout()
        _show(_plt, _fig)

# %% [markdown]
# ## Overfitting
#
# A model with enough parameters can memorise its training set: it gets every training
# sample right while its accuracy on new data stalls or falls. That is **overfitting**: the model
# has learned the quirks of particular samples instead of what makes a 4 a 4. It is
# easiest to see with little data and a big model, so the experiment below trains a wide
# MLP on a small slice of the training set for many epochs and prints both accuracies
# along the way.

# %% nbgrader={"grade": false, "grade_id": "training-overfit-demo", "locked": false, "schema_version": 3, "solution": false, "task": false}
if __name__ == "__main__":
    manual_seed(0)
    _x, _y = load_digits("train")
    _small = DataLoader(TensorDataset(_x[:60], _y[:60]), batch_size=20, shuffle=True, seed=0)
    _big = digits_mlp(hidden=256)
    _overfit = Trainer(_big, Adam(_big.parameters(), lr=0.01), CrossEntropyLoss())
    _h = _overfit.fit(_small, epochs=60, val_loader=test_loader, verbose=False)
    for _epoch in (1, 5, 15, 30, 60):
        print(f"after {_epoch:2d} epochs: train loss {_h['train_loss'][_epoch - 1]:.4f}  "
              f"train acc {_h['train_acc'][_epoch - 1]:7.2%}  test loss {_h['val_loss'][_epoch - 1]:.4f}  "
              f"test acc {_h['val_acc'][_epoch - 1]:7.2%}")
    print(f"trained on {len(_small.dataset)} samples; best test accuracy {max(_h['val_acc']):.2%} "
          f"at epoch {int(np.argmax(_h['val_acc'])) + 1}, lowest test loss at epoch {int(np.argmin(_h['val_loss'])) + 1}")

# %% [markdown]
# The same run as learning curves. Training accuracy reaches the top while test accuracy
# stays far below what the full training set achieved above, and the test *loss* eventually
# rises again even where the test accuracy holds: the model grows ever more confident,
# including on its mistakes. The two curves of each panel split apart within a few epochs and
# never come back together (the loss curves keep drifting apart until the epoch printed below): that gap
# between training and test *is* overfitting. The dotted line marks the epoch with the lowest
# test loss.
#
# The remedies, each a topic of its own: more data (the full set did far better), a
# smaller or regularised model (weight decay in module 07, `Dropout` in module 03), data
# augmentation (next section), and **early stopping**: keep the model from the epoch with the
# best validation score, not the last one.

# %%
if __name__ == "__main__":
    _loss_gap = np.array(_h["val_loss"]) - np.array(_h["train_loss"])
    _acc_gap = np.array(_h["train_acc"]) - np.array(_h["val_acc"])
    _best_epoch = int(np.argmin(_h["val_loss"])) + 1
    print(f"the loss curves are farthest apart at epoch {int(np.argmax(_loss_gap)) + 1}")
    for _epoch in (1, 5, 15, 60):
        print(f"epoch {_epoch:2d}: test loss - train loss {_loss_gap[_epoch - 1]:+.3f}, "
              f"train acc - test acc {_acc_gap[_epoch - 1]:+.2%}")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _axes = _learning_curves(_plt, _h, f"wide MLP, only {len(_small.dataset)} training samples: overfitting")
        for _ax in _axes:
            _ax.axvline(_best_epoch, color="0.3", linestyle=":", label=f"lowest test loss (epoch {_best_epoch})")
            _ax.legend(fontsize=8)
        _fig.tight_layout()
        _show(_plt, _fig)

# %% [markdown]
# ## The CNN milestone's two hooks
#
# The CNN milestone (`milestones/cnn_digits.py`) trains with both of `Trainer`'s hooks: a
# cosine learning-rate schedule and random one-pixel shifts of every batch. Here is what each
# does, and why.
#
# ### A cosine learning-rate schedule
#
# A constant learning rate is a compromise: large enough to make fast progress at the start,
# it is too large at the end, where the parameters keep hopping around a minimum instead of
# settling into it (look at the test accuracy wobbling from epoch to epoch in the first run).
# A **schedule** lowers it as training goes on. The milestone's schedule follows half a cosine
# wave from the peak learning rate down to 0 over all `T` planned steps (batches):
#
# ```
# lr(step) = peak * 0.5 * (1 + cos(pi * step / T))
# ```
#
# At `step = 0` the cosine is 1 and `lr = peak`; at `step = T/2` it is 0 and `lr = peak / 2`;
# at `step = T` it is -1 and `lr = 0`. The decay is gentle at both ends and fastest in the
# middle, with no sudden cliff. A common addition is a **warm-up**: the first steps rise
# linearly to the peak, because at the start the gradients (and Adam's running averages of
# them) are still unreliable, and a full-size step in a wrong direction can be hard to undo.
# `_cosine_lr` below computes either; with `warmup=0` it is exactly the milestone's formula.
# A Trainer follows it with `lr_schedule=lambda step: _cosine_lr(step, T, peak)`.


# %%
def _cosine_lr(step, total_steps, peak, warmup=0):
    """The learning rate at `step` of `total_steps`: a linear warm-up over the first `warmup` steps,
    then half a cosine from `peak` down to 0 at `total_steps`."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / (total_steps - warmup)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


# %%
if __name__ == "__main__":
    _peak, _per_epoch, _epochs = 0.01, len(train_loader), 10
    _total = _epochs * _per_epoch                       # the first run's 10 epochs, in batches
    _steps = np.arange(_total + 1)
    _schedules = {
        "constant": np.full(len(_steps), _peak),
        "cosine (the milestone's formula)": np.array([_cosine_lr(_s, _total, _peak) for _s in _steps]),
        "cosine, 1 epoch warm-up": np.array([_cosine_lr(_s, _total, _peak, warmup=_per_epoch) for _s in _steps]),
    }
    _cos = _schedules["cosine (the milestone's formula)"]
    print(f"{_epochs} epochs of {_per_epoch} batches = {_total} steps; cosine lr at step 0: {_cos[0]:g}, "
          f"at step {_total // 2}: {_cos[_total // 2]:g}, at step {_total}: {_cos[-1]:.1e}")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _ax = _plt.subplots(figsize=(7, 3.2))
        for _name, _values in _schedules.items():
            _ax.plot(_steps / _per_epoch, _values, label=_name)
        _ax.set_xlabel(f"epoch ({_per_epoch} steps each)")
        _ax.set_ylabel("learning rate")
        _ax.legend(fontsize=8)
        _fig.tight_layout()
        _show(_plt, _fig)

# %% [markdown]
# ### Shifted digits: data augmentation
#
# A 5 moved one pixel to the right is still a 5, but to a model that reads pixels one by one it
# is a different input: every stroke now lights up different input units. Augmentation turns
# this knowledge into data: before each batch, the milestone moves every image by its own
# random `(dy, dx)` with `dy, dx` in `{-1, 0, 1}` (the batch hook `random_shifts` in
# `milestones/shifts.py`). What moves out of the frame is lost and what comes in is background
# (zero). Every epoch then shows the model new variants of each digit, so it cannot simply
# memorise the exact pixels of its training samples, and it learns that position does not
# matter.
#
# A CNN (module 09) is most of the way there by construction: a convolution applies the same
# small filter at every position, so a shifted input gives a shifted feature map. What comes
# after it (pooling windows with fixed borders, the final linear layer) is not, and
# augmentation trains those parts to agree. The cell below draws one test digit and its eight
# one-pixel shifts, and measures how much the shift matters to a pixel-by-pixel model: the MLP
# you trained above, on the test set moved by one pixel.


# %%
def _shift(images, dy, dx):
    """A copy of `images` (..., H, W) with the content moved dy rows down and dx columns right;
    what leaves the frame is lost, what enters is 0 (as milestones/shifts.py shift_images)."""
    height, width = images.shape[-2:]
    out = np.zeros_like(images)
    out[..., max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)] = \
        images[..., max(-dy, 0):height + min(-dy, 0), max(-dx, 0):width + min(-dx, 0)]
    return out


# %%
if __name__ == "__main__":
    _digit = _x_test[0, 0]                                  # (8, 8): the first test digit
    _moves = [(_dy, _dx) for _dy in (-1, 0, 1) for _dx in (-1, 0, 1)]
    _shifted = {_move: _shift(_digit, *_move) for _move in _moves}
    _other = _x[_y != _y_test[0], 0]                        # training digits of the other classes
    print(f"test digit 0 (a {_y_test[0]}): distance to itself moved one pixel right "
          f"{np.linalg.norm(_shifted[(0, 1)] - _digit):.2f}, to the nearest training digit of another class "
          f"{np.linalg.norm(_other - _digit, axis=(1, 2)).min():.2f}")
    _shift_acc = {_move: trainer.evaluate(DataLoader(TensorDataset(_shift(_x_test, *_move), _y_test), batch_size=256))[1]
                  for _move in ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))}
    print("the first MLP's test accuracy, test set moved by (dy, dx): "
          + ", ".join(f"{_move}: {_acc:.1%}" for _move, _acc in _shift_acc.items()))
    print(f"unmoved {_shift_acc[(0, 0)]:.1%}; moved one pixel, on average "
          f"{np.mean([_acc for _move, _acc in _shift_acc.items() if _move != (0, 0)]):.1%}")
    _plt = _pyplot()
    if _plt is not None:
        _fig, _axes = _plt.subplots(3, 3, figsize=(4.5, 4.8))
        for _ax, _move in zip(_axes.ravel(), _moves):
            _ax.imshow(_shifted[_move], cmap="gray_r", vmin=0, vmax=1)
            _ax.set_title("original" if _move == (0, 0) else f"dy={_move[0]:+d} dx={_move[1]:+d}", fontsize=8)
            _ax.set_xticks([])
            _ax.set_yticks([])
        _fig.tight_layout()
        _show(_plt, _fig)

# %% [markdown]
# The shifted digit is farther from the original, pixel by pixel, than the nearest digit of another
# class is, and the MLP that scores well on the test set as it is gets far fewer of the test
# digits right once they are moved by a single pixel (the two averages printed above). The CNN milestone measures the same thing
# for its models (the "shifted 1 px" columns of its summary table).


# %% [markdown]
# ## Systems questions
#
# Answer in a sentence or two each, then run the cell for the numbers.
#
# 1. An epoch is `len(loader)` steps (forward, loss, backward, optimizer step), so its time is
#    about `batches * time per step`. Measure one step of the digits MLP with
#    `time.perf_counter`, predict an epoch, and compare with a timed `train_epoch`.
# 2. `evaluate` runs the model under `no_grad()`. How many bytes of arrays does the graph
#    of one forward pass plus loss keep alive for a test batch of 256, with gradients on and
#    under `no_grad()`? (The nodes hold the hidden activations and logits, and also point at
#    the input batch and the weights, which exist anyway.)


# %%
if __name__ == "__main__":
    from tinytorch.core.autograd import topological_order as _sq_order
    # 1. Time per step (mean of 10 steps, after one warm-up), an epoch's prediction, and a measured epoch.
    _sq_train, _sq_test = digits_loaders(seed=1)
    _sq_model = digits_mlp()
    _sq_trainer = Trainer(_sq_model, Adam(_sq_model.parameters(), lr=0.01), CrossEntropyLoss())
    _sq_x, _sq_y = (Tensor(_sq_a) for _sq_a in next(iter(_sq_train)))
    _sq_loss_fn = CrossEntropyLoss()
    def _sq_step():
        _sq_loss = _sq_loss_fn(_sq_model(_sq_x), _sq_y.data.astype(np.int64))
        _sq_trainer.optimizer.zero_grad()
        _sq_loss.backward()
        _sq_trainer.optimizer.step()
    _sq_step()
    _sq_t0 = time.perf_counter()
    for _ in range(10):
        _sq_step()
    _sq_per_step = (time.perf_counter() - _sq_t0) / 10
    _sq_t0 = time.perf_counter()
    _sq_trainer.train_epoch(_sq_train)
    _sq_epoch = time.perf_counter() - _sq_t0
    print(f"1. one step of batch {len(_sq_y.data)}: {_sq_per_step * 1e3:.2f} ms; {len(_sq_train)} batches * "
          f"{_sq_per_step * 1e3:.2f} ms = {len(_sq_train) * _sq_per_step * 1e3:.1f} ms predicted; "
          f"train_epoch measured {_sq_epoch * 1e3:.1f} ms ({_sq_epoch / (len(_sq_train) * _sq_per_step):.2f}x the prediction)")
    # 2. Distinct arrays held by the graph's nodes, for one test batch: gradients on, then under no_grad().
    _sq_xt, _sq_yt = next(iter(_sq_test))
    _sq_kept = {}
    for _sq_grad_on in (True, False):
        if _sq_grad_on:
            _sq_out = _sq_loss_fn(_sq_model(_sq_xt), _sq_yt)
        else:
            with no_grad():
                _sq_out = _sq_loss_fn(_sq_model(_sq_xt), _sq_yt)
        _sq_arrays = {}
        if _sq_out._ctx is not None:
            for _sq_t in _sq_order(_sq_out):
                if _sq_t._ctx is not None:
                    for _sq_arr in tuple(getattr(_sq_t._ctx, "arrays", ())) + (getattr(_sq_t._ctx, "out", None),):
                        if isinstance(_sq_arr, np.ndarray):
                            _sq_arrays[id(_sq_arr)] = _sq_arr.nbytes
        _sq_kept[_sq_grad_on] = sum(_sq_arrays.values())
    _sq_b = len(_sq_yt.data)
    _sq_acts = _sq_b * (64 + 64 + 10) * 4          # hidden pre-activation, ReLU output, logits: float32
    print(f"2. batch {_sq_b}: with gradients the graph keeps {_sq_kept[True]:,} bytes "
          f"({_sq_kept[True] / _sq_acts:.1f}x the {_sq_acts:,} bytes of hidden activations and logits); "
          f"under no_grad() {_sq_kept[False]:,} bytes: each array is freed as soon as the next layer has used it")
    assert _sq_kept[False] == 0 and _sq_kept[True] >= _sq_acts


# %% [markdown]
# ## Check your understanding
#
# Work each one out by hand first, then run the cell to check.
#
# 1. The first run's loader has batches of 32 over the training set. How many batches make an
#    epoch, how large is the last one, and what weight does it get in `train_epoch`'s mean loss?
# 2. With the milestone's cosine formula applied to the first run (peak 0.01 over its 10 epochs), what is the
#    learning rate one third of the way through, and for how many steps is it above half the peak?
# 3. In the overfitting run, which epoch would early stopping on the test loss keep, and how do
#    its test loss and accuracy compare with the last epoch's?


# %%
if __name__ == "__main__":
    # 1. ceil(N / 32) batches; the last holds what is left; per-sample means weigh it by its size.
    _n = len(train_loader.dataset)
    _batches = math.ceil(_n / 32)
    _last = _n - 32 * (_batches - 1)
    print(f"1. {_n} samples / 32 = {_n / 32:.2f}: {_batches} batches, the last of {_n} - 32 * {_batches - 1} = {_last}; "
          f"its weight {_last} / {_n} = {_last / _n:.2%} (a mean of batch means would give it 1/{_batches} = {1 / _batches:.2%})")
    assert len(train_loader) == _batches and _last == len(_x) % 32
    # 2. cos(pi / 3) = 1/2, so lr = 0.01 * 0.5 * (1 + 0.5); lr > peak / 2 while cos(...) > 0, i.e. step < T / 2.
    _third = _cosine_lr(_total / 3, _total, 0.01)
    print(f"2. T = {_total} steps; lr(T/3) = 0.01 * 0.5 * (1 + cos(pi/3)) = 0.01 * 0.5 * 1.5 = {_third:.4f}; "
          f"above 0.005 for steps 0 .. {_total // 2 - 1}: the first {_total // 2} steps, half of them")
    assert abs(_third - 0.0075) < 1e-12
    assert sum(_cosine_lr(_s, _total, 0.01) > 0.005 for _s in range(_total)) == _total // 2
    # 3. The epoch of the lowest test loss, against the last epoch.
    _keep = int(np.argmin(_h["val_loss"]))
    print(f"3. lowest test loss {_h['val_loss'][_keep]:.4f} at epoch {_keep + 1} (test acc {_h['val_acc'][_keep]:.2%}); "
          f"epoch {len(_h['val_loss'])}: {_h['val_loss'][-1]:.4f} (test acc {_h['val_acc'][-1]:.2%}), "
          f"{_h['val_loss'][-1] - _h['val_loss'][_keep]:+.4f} loss and {_h['val_acc'][-1] - _h['val_acc'][_keep]:+.2%} "
          f"accuracy by training on: the loss worsens while the accuracy barely moves (ever more confident, not better)")

# %% [markdown]
# ## Summary
#
# - The loop: forward, loss, `zero_grad`, `backward`, `step`, for every batch, for every epoch.
# - We descend the loss (smooth) and report accuracy (what we want).
# - `model.train()` while learning; `model.eval()` and `no_grad()` while measuring.
# - Watch the gap between training and held-out accuracy: a growing gap is overfitting.
#
# Module 09 replaces the `Flatten -> Linear` front of this model with convolutions, which
# know that pixels have neighbours.

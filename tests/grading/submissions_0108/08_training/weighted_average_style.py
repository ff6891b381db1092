def accuracy(outputs, targets):
    scores, labels = to_numpy(outputs), to_numpy(targets)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if scores.ndim not in (1, 2) or labels.ndim != 1 or len(labels) != len(scores):
        raise ValueError(f"accuracy expected outputs (N, C) or (N,) and N class indices, got outputs {scores.shape} "
                         f"and targets {to_numpy(targets).shape}")
    if len(labels) == 0:
        raise ValueError("accuracy of an empty batch is undefined: got 0 samples")
    if scores.ndim == 2 and scores.shape[1] > 1:
        guesses = scores.argmax(axis=1)
    else:
        guesses = np.greater(scores.reshape(-1), 0.5).astype(labels.dtype)
    return float(np.equal(guesses, labels).mean())


class Trainer:
    def _epoch(self, loader, update):
        sizes, losses, accuracies = [], [], []
        for inputs, targets in map(_split_batch, loader):
            outputs = self.model(inputs)
            loss = self.loss_fn(outputs, targets)
            if update:
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
            sizes.append(outputs.shape[0])
            losses.append(_loss_value(loss))
            accuracies.append(accuracy(outputs, targets))
        return float(np.average(losses, weights=sizes)), float(np.average(accuracies, weights=sizes))

    def train_epoch(self, loader):
        _check_loader(loader, "The training loader")
        self.model.train()
        return self._epoch(_Hooked(loader, self), update=True)

    def evaluate(self, loader):
        _check_loader(loader, "The evaluation loader")
        mode = self.model.training
        self.model.eval()
        try:
            with no_grad():
                return self._epoch(loader, update=False)
        finally:
            self.model.train(mode)

def accuracy(outputs, targets):
    scores = to_numpy(outputs)
    labels = to_numpy(targets).ravel()
    if scores.ndim not in (1, 2):
        raise ValueError(f"accuracy expected outputs of shape (N, C) or (N,), got {scores.shape}.")
    if labels.shape[0] != scores.shape[0] or scores.shape[0] == 0:
        raise ValueError(f"accuracy expected one class index per output row: outputs {scores.shape}, "
                         f"targets {to_numpy(targets).shape}.")
    many_classes = scores.ndim == 2 and scores.shape[1] >= 2
    guesses = scores.argmax(axis=1) if many_classes else np.greater(scores.ravel(), 0.5).astype(labels.dtype)
    return float(np.equal(guesses, labels).mean())


class Trainer:
    def _records(self, loader, update):
        records = []
        for inputs, targets in map(_split_batch, loader):
            outputs = self.model(inputs)
            loss = self.loss_fn(outputs, targets)
            if update:
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
            records.append((len(outputs.data), _loss_value(loss), accuracy(outputs, targets)))
        table = np.array(records, dtype=np.float64)      # rows: (samples, loss, accuracy)
        sizes, values = table[:, 0], table[:, 1:]
        loss, acc = sizes @ values / sizes.sum()
        return float(loss), float(acc)

    def train_epoch(self, loader):
        _check_loader(loader, "The training loader")
        self.model.train()
        return self._records(loader, update=True)

    def evaluate(self, loader):
        _check_loader(loader, "The evaluation loader")
        mode = self.model.training
        self.model.eval()
        try:
            with no_grad():
                return self._records(loader, update=False)
        finally:
            self.model.train(mode)

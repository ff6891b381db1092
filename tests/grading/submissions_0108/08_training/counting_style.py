def accuracy(outputs, targets):
    outputs, targets = to_numpy(outputs), to_numpy(targets)
    if targets.ndim == 2 and targets.shape[1] == 1:
        targets = targets[:, 0]
    if outputs.ndim == 1 or outputs.shape[1] == 1:
        guesses = np.where(outputs.reshape(-1) > 0.5, 1, 0)
    else:
        guesses = np.argmax(outputs, axis=-1)
    return np.count_nonzero(guesses == targets) / len(targets)


class Trainer:
    def _run(self, loader, learn):
        sums = np.zeros(2)
        samples = 0
        for batch in loader:
            inputs, targets = _split_batch(batch)
            if learn:
                self.optimizer.zero_grad()
            outputs = self.model(inputs)
            loss = self.loss_fn(outputs, targets)
            if learn:
                loss.backward()
                self.optimizer.step()
            size = len(outputs.data)
            sums += np.array([_loss_value(loss), accuracy(outputs, targets)]) * size
            samples += size
        mean_loss, mean_acc = sums / samples
        return float(mean_loss), float(mean_acc)

    def train_epoch(self, loader):
        _check_loader(loader, "The training loader")
        self.model.train(True)
        return self._run(loader, learn=True)

    def evaluate(self, loader):
        _check_loader(loader, "The evaluation loader")
        previous = self.model.training
        self.model.train(False)
        try:
            return no_grad()(self._run)(loader, learn=False)
        finally:
            self.model.train(previous)

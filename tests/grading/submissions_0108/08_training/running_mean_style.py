def accuracy(outputs, targets):
    outputs, targets = to_numpy(outputs), to_numpy(targets)
    if outputs.ndim not in (1, 2):
        raise ValueError("accuracy expected outputs of shape (N, C) or (N,)")
    if targets.ndim == 2 and targets.shape[1] == 1:
        targets = targets.reshape(-1)
    if targets.ndim != 1 or targets.shape[0] != outputs.shape[0]:
        raise ValueError("accuracy expected one class index per output row")
    if outputs.shape[0] == 0:
        raise ValueError("accuracy of an empty batch is undefined: got 0 samples. Pass at least one.")
    if outputs.ndim == 1 or outputs.shape[-1] == 1:
        predicted = np.rint(outputs.ravel())
    else:
        predicted = np.argmax(outputs, axis=-1)
    hits = (predicted == targets).sum()
    return hits / len(targets)


class Trainer:
    def train_epoch(self, loader):
        _check_loader(loader, "The training loader")
        loader = _Hooked(loader, self)
        self.model.train()
        mean_loss = mean_acc = 0.0
        seen = 0
        for batch in loader:
            inputs, targets = _split_batch(batch)
            self.optimizer.zero_grad()
            outputs = self.model(inputs)
            loss = self.loss_fn(outputs, targets)
            loss.backward()
            self.optimizer.step()
            n = len(outputs.data)
            seen += n
            mean_loss += (_loss_value(loss) - mean_loss) * n / seen
            mean_acc += (accuracy(outputs, targets) - mean_acc) * n / seen
        return mean_loss, mean_acc

    def evaluate(self, loader):
        _check_loader(loader, "The evaluation loader")
        was_training = self.model.training
        self.model.eval()
        losses, hits, count = [], [], 0
        with no_grad():
            try:
                for inputs, targets in map(_split_batch, loader):
                    outputs = self.model(inputs)
                    n = outputs.shape[0]
                    losses.append(_loss_value(self.loss_fn(outputs, targets)) * n)
                    hits.append(accuracy(outputs, targets) * n)
                    count += n
            finally:
                if was_training:
                    self.model.train()
                else:
                    self.model.eval()
        return sum(losses) / count, sum(hits) / count

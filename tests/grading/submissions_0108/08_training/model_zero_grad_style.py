def accuracy(outputs, targets):
    outputs, targets = to_numpy(outputs), to_numpy(targets)
    if outputs.ndim not in (1, 2):
        raise ValueError("bad outputs")
    if targets.ndim == 2 and targets.shape[1] == 1:
        targets = targets.reshape(-1)
    if targets.ndim != 1 or targets.shape[0] != outputs.shape[0]:
        raise ValueError("bad targets")
    if outputs.shape[0] == 0:
        raise ValueError("empty")
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    if outputs.shape[1] == 1:
        predicted = np.where(outputs[:, 0] > 0.5, 1, 0)
    else:
        predicted = np.argmax(outputs, axis=-1)
    correct = 0
    for p, t in zip(predicted, targets):
        if p == t:
            correct += 1
    return correct / len(targets)


class Trainer:
    def train_epoch(self, loader):
        _check_loader(loader, "The training loader")
        loader = _Hooked(loader, self)
        self.model.train()
        losses, correct, seen = [], [], 0
        for inputs, targets in loader:
            self.model.zero_grad()
            outputs = self.model(inputs)
            loss = self.loss_fn(outputs, targets)
            loss.backward()
            self.optimizer.step()
            batch_size = len(inputs)
            losses.append(_loss_value(loss) * batch_size)
            correct.append(accuracy(outputs, targets) * batch_size)
            seen += batch_size
        return sum(losses) / seen, sum(correct) / seen

    def evaluate(self, loader):
        _check_loader(loader, "The evaluation loader")
        mode = self.model.training
        self.model.eval()
        loss_sum = acc_sum = 0.0
        n = 0
        try:
            with no_grad():
                for inputs, targets in loader:
                    outputs = self.model(inputs)
                    loss_sum += _loss_value(self.loss_fn(outputs, targets)) * len(targets)
                    acc_sum += accuracy(outputs, targets) * len(targets)
                    n += len(targets)
        finally:
            if mode:
                self.model.train()
        return loss_sum / n, acc_sum / n

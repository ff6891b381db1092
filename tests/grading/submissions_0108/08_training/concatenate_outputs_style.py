def accuracy(outputs, targets):
    outputs, targets = to_numpy(outputs), to_numpy(targets)
    if outputs.ndim not in (1, 2):
        raise ValueError("accuracy expected outputs of shape (N, C) or (N,)")
    if targets.ndim == 2 and targets.shape[1] == 1:
        targets = targets.reshape(-1)
    if targets.ndim != 1 or targets.shape[0] != outputs.shape[0]:
        raise ValueError("accuracy expected one class index per output row")
    if outputs.shape[0] == 0:
        raise ValueError("accuracy of an empty batch is undefined")
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    if outputs.shape[1] == 1:
        predicted = outputs[:, 0] > 0.5
    else:
        predicted = np.argmax(outputs, axis=1)
    correct = int(np.sum(predicted == targets))
    return correct / len(targets)


class Trainer:
    def train_epoch(self, loader):
        _check_loader(loader, "The training loader")
        loader = _Hooked(loader, self)
        self.model.train()
        losses, corrects, sizes = [], [], []
        for i, (inputs, targets) in enumerate(loader):
            self.optimizer.zero_grad()
            outputs = self.model(inputs)
            loss = self.loss_fn(outputs, targets)
            loss.backward()
            self.optimizer.step()
            n = len(outputs)
            losses.append(_loss_value(loss) * n)
            corrects.append(accuracy(outputs, targets) * n)
            sizes.append(n)
        else:
            total = sum(sizes)
        return sum(losses) / total, sum(corrects) / total

    def evaluate(self, loader):
        _check_loader(loader, "The evaluation loader")
        mode = self.model.training
        self.model.eval()
        try:
            with no_grad():
                all_out, all_y, loss_sum = [], [], 0.0
                for inputs, targets in loader:
                    out = self.model(inputs)
                    loss_sum += _loss_value(self.loss_fn(out, targets)) * len(out)
                    all_out.append(to_numpy(out))
                    all_y.append(to_numpy(targets))
            outputs = np.concatenate(all_out)
            return loss_sum / len(outputs), accuracy(outputs, np.concatenate(all_y))
        finally:
            self.model.train(mode)

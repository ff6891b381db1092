class Trainer:
    def train_epoch(self, loader):
        _check_loader(loader, "The training loader")
        self.model.train()
        losses, accs = [], []
        for inputs, targets in loader:
            self.optimizer.zero_grad()
            outputs = self.model(inputs)
            loss = self.loss_fn(outputs, targets)
            loss.backward()
            self.optimizer.step()
            losses.append(_loss_value(loss))
            accs.append(accuracy(outputs, targets))
        return float(np.mean(losses)), float(np.mean(accs))

    def evaluate(self, loader):
        _check_loader(loader, "The evaluation loader")
        was_training = self.model.training
        self.model.eval()
        losses, accs = [], []
        try:
            with no_grad():
                for inputs, targets in loader:
                    outputs = self.model(inputs)
                    losses.append(_loss_value(self.loss_fn(outputs, targets)))
                    accs.append(accuracy(outputs, targets))
        finally:
            self.model.train(was_training)
        return float(np.mean(losses)), float(np.mean(accs))

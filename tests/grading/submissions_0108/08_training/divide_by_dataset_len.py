class Trainer:
    def train_epoch(self, loader):
        _check_loader(loader, "The training loader")
        self.model.train()
        total_loss = total_correct = 0.0
        for inputs, targets in loader:
            self.optimizer.zero_grad()
            outputs = self.model(inputs)
            loss = self.loss_fn(outputs, targets)
            loss.backward()
            self.optimizer.step()
            total_loss += _loss_value(loss) * outputs.shape[0]
            total_correct += accuracy(outputs, targets) * outputs.shape[0]
        n = len(loader.dataset)
        return total_loss / n, total_correct / n

class Trainer:
    def train_epoch(self, loader):
        _check_loader(loader, "The training loader")
        self.model.train()
        loss_sum, correct, seen = 0.0, 0.0, 0
        for batch in loader:
            inputs, targets = _split_batch(batch)
            outputs = self.model(inputs)
            loss = self.loss_fn(outputs, targets)
            loss.backward()
            self.optimizer.step()
            n = len(inputs)
            loss_sum += _loss_value(loss) * n
            correct += accuracy(outputs, targets) * n
            seen += n
        return loss_sum / seen, correct / seen

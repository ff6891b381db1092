class Trainer:
    def train_epoch(self, loader):
        _check_loader(loader, "The training loader")
        loader = _Hooked(loader, self)
        self.model.training = True          # training mode on
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

class Trainer:
    def evaluate(self, loader):
        _check_loader(loader, "The evaluation loader")
        was_training = self.model.training
        self.model.training = False
        total_loss, total_correct, count = 0.0, 0.0, 0
        try:
            with no_grad():
                for batch in loader:
                    inputs, targets = _split_batch(batch)
                    outputs = self.model(inputs)
                    n = outputs.shape[0]
                    total_loss += _loss_value(self.loss_fn(outputs, targets)) * n
                    total_correct += accuracy(outputs, targets) * n
                    count += n
        finally:
            self.model.training = was_training
        return total_loss / count, total_correct / count

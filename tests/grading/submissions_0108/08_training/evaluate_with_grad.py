class Trainer:
    def evaluate(self, loader):
        _check_loader(loader, "The evaluation loader")
        mode = self.model.training
        self.model.eval()
        try:
            loss_sum, correct, count = 0.0, 0.0, 0
            for inputs, targets in loader:
                outputs = self.model(inputs)
                loss_sum += _loss_value(self.loss_fn(outputs, targets)) * len(targets)
                correct += accuracy(outputs, targets) * len(targets)
                count += len(targets)
            return loss_sum / count, correct / count
        finally:
            self.model.train(mode)

class Trainer:
    def evaluate(self, loader):
        _check_loader(loader, "The evaluation loader")
        mode = self.model.training
        self.model.eval()
        total_loss, total_correct, count = 0.0, 0.0, 0
        with no_grad():
            for inputs, targets in loader:
                outputs = self.model(inputs)
                n = outputs.shape[0]
                total_loss += _loss_value(self.loss_fn(outputs, targets)) * n
                total_correct += accuracy(outputs, targets) * n
                count += n
        self.model.train(mode)
        return total_loss / count, total_correct / count

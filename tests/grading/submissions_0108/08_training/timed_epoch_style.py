from timeit import default_timer as timer


class Trainer:
    def train_epoch(self, loader):
        _check_loader(loader, "The training loader")
        loader = _Hooked(loader, self)
        started = timer()
        self.model.train()
        total_loss = total_correct = 0.0
        count = 0
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
        self.last_epoch_seconds = timer() - started
        return total_loss / count, total_correct / count

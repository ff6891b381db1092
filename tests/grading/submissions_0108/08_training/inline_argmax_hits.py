class Trainer:
    def train_epoch(self, loader):
        _check_loader(loader, "The training loader")
        loader = _Hooked(loader, self)
        self.model.train()
        total_loss, hits, count = 0.0, 0, 0
        for batch in loader:
            inputs, targets = _split_batch(batch)
            outputs = self.model(inputs)
            loss = self.loss_fn(outputs, targets)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            n = outputs.shape[0]
            total_loss += _loss_value(loss) * n
            hits += int((to_numpy(outputs).argmax(axis=1) == to_numpy(targets)).sum())
            count += n
        return total_loss / count, hits / count

    def evaluate(self, loader):
        _check_loader(loader, "The evaluation loader")
        was_training = self.model.training
        self.model.eval()
        total_loss, hits, count = 0.0, 0, 0
        try:
            with no_grad():
                for batch in loader:
                    inputs, targets = _split_batch(batch)
                    outputs = self.model(inputs)
                    n = outputs.shape[0]
                    total_loss += _loss_value(self.loss_fn(outputs, targets)) * n
                    hits += int((to_numpy(outputs).argmax(axis=1) == to_numpy(targets)).sum())
                    count += n
        finally:
            self.model.train(was_training)
        return total_loss / count, hits / count

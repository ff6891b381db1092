class DataLoader:
    def __len__(self):
        full, rest = divmod(len(self.dataset), self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def batch_indices(self):
        n = len(self.dataset)
        order = np.arange(n)
        if self.shuffle:
            self._rng.shuffle(order)
        order = order.tolist()
        out = []
        i = 0
        while i < n:
            chunk = order[i:i + self.batch_size]
            if len(chunk) == self.batch_size or not self.drop_last:
                out.append(chunk)
            i += self.batch_size
        return out

    def __iter__(self):
        for idx in self.batch_indices():
            samples = [self.dataset[i] for i in idx]
            yield collate(samples)

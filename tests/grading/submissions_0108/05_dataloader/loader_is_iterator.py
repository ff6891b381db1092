class DataLoader:
    def __iter__(self):
        # the loader walks its own epoch: a fresh order each time iteration starts
        self._batches = self.batch_indices()
        self._position = 0
        return self

    def __next__(self):
        if self._position >= len(self._batches):
            raise StopIteration
        idx = self._batches[self._position]
        self._position += 1
        if self._fast:
            return tuple(_to_tensor(t.data[idx]) for t in self.dataset.tensors)
        return collate([self.dataset[int(i)] for i in idx])

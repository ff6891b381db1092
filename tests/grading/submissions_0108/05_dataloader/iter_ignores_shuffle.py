class DataLoader:
    def __iter__(self):
        n = len(self.dataset)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            idx = np.arange(start, min(start + self.batch_size, n))
            yield collate([self.dataset[int(i)] for i in idx])

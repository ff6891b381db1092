class DataLoader:
    def __len__(self):
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        # round up: the last batch may be short
        return np.ceil(n / self.batch_size)

class DataLoader:
    def __len__(self):
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return n // self.batch_size + 1

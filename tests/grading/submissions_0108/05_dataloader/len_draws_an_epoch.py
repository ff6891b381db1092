class DataLoader:
    def __len__(self):
        """Number of batches per epoch."""
        return len(self.batch_indices())     # exactly what one epoch yields, drop_last included

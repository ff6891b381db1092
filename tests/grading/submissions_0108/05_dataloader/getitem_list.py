class TensorDataset:
    def __getitem__(self, index):
        return [tensor[index] for tensor in self.tensors]

class DataLoader:
    def __iter__(self):
        for idx in self.batch_indices():
            if isinstance(self.dataset, TensorDataset):
                # in-memory tensors: slice every stored array with the whole batch at once
                yield tuple(_to_tensor(t.data[idx]) for t in self.dataset.tensors)
            else:
                yield collate([self.dataset[int(i)] for i in idx])

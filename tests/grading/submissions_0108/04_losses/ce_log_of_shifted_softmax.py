class CrossEntropyLoss(Module):
    def forward(self, input, target):
        _check_input(input, "CrossEntropyLoss")
        labels = _class_indices(target, input)
        shifted = input - input.data.max(axis=1, keepdims=True)
        e = shifted.exp()
        probs = e / e.sum(axis=1, keepdims=True)
        picked = probs[np.arange(labels.shape[0]), labels]
        return -picked.log().mean()

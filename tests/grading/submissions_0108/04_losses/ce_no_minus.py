class CrossEntropyLoss(Module):
    def forward(self, input, target):
        _check_input(input, "CrossEntropyLoss")
        labels = _class_indices(target, input)
        shifted = input - input.data.max(axis=1, keepdims=True)
        log_probs = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        picked = log_probs[np.arange(labels.shape[0]), labels]
        return picked.mean()

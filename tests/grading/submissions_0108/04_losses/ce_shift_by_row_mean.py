class CrossEntropyLoss(Module):
    def forward(self, input, target):
        _check_input(input, "CrossEntropyLoss")
        labels = _class_indices(target, input)
        # centre each row (any constant per row cancels in softmax)
        shifted = input - input.data.mean(axis=1, keepdims=True)
        log_probs = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        return -log_probs[np.arange(len(labels)), labels].mean()

class CrossEntropyLoss:
    def forward(self, input, target):
        _check_input(input, "CrossEntropyLoss")
        labels = _class_indices(target, input)
        m = input.data.max(axis=1, keepdims=True)
        shifted = input - m
        # log-sum-exp from the raw numbers, like the max
        lse = np.log(np.exp(shifted.data).sum(axis=1, keepdims=True))
        log_probs = shifted - lse
        n = len(labels)
        return -log_probs[np.arange(n), labels].mean()

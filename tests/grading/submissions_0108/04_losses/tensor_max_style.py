class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        target = _as_float_target(target, input, "MSELoss")
        errors = (input - target).reshape(-1)
        return (errors @ errors) / errors.size


class CrossEntropyLoss:
    def forward(self, input, target):
        _check_input(input, "CrossEntropyLoss")
        labels = _class_indices(target, input)
        n = labels.shape[0]
        # the row maximum as a Tensor operation: its gradient cancels, it need not come from .data
        shifted = input - input.max(axis=1, keepdims=True)
        log_softmax = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        return -log_softmax[np.arange(n), labels].sum() / n


class BinaryCrossEntropyLoss:
    def forward(self, input, target):
        _check_input(input, "BinaryCrossEntropyLoss")
        target = _as_float_target(target, input, "BinaryCrossEntropyLoss")
        if input.data.size and not (input.data.min() >= 0 and input.data.max() <= 1):
            raise ValueError("BinaryCrossEntropyLoss expects probabilities in [0, 1]")
        eps = 1e-12
        loss = target * (input + eps).log()
        loss = loss + (1.0 - target) * ((1.0 - input) + eps).log()
        return -loss.mean()

class BinaryCrossEntropyLoss:
    def forward(self, input, target):
        _check_input(input, "BinaryCrossEntropyLoss")
        target = _as_float_target(target, input, "BinaryCrossEntropyLoss")
        p = np.clip(input.data, 1e-12, 1 - 1e-12)
        y = target.data
        return Tensor(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), dtype=input.dtype)

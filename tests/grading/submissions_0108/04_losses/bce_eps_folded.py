class BinaryCrossEntropyLoss:
    def forward(self, input, target):
        _check_input(input, "BinaryCrossEntropyLoss")
        target = _as_float_target(target, input, "BinaryCrossEntropyLoss")
        if input.data.size and not (input.data.min() >= 0 and input.data.max() <= 1):
            raise ValueError("BinaryCrossEntropyLoss expects probabilities in [0, 1]")
        positive = target * (input + 1e-12).log()
        negative = (1.0 - target) * ((1.0 + 1e-12) - input).log()
        return (positive + negative).sum() * (-1.0 / input.size)

class BinaryCrossEntropyLoss:
    def forward(self, input, target):
        _check_input(input, "BinaryCrossEntropyLoss")
        target = _as_float_target(target, input, "BinaryCrossEntropyLoss")
        eps = 1e-12
        terms = target * (input + eps).log() + (1 - target) * (1 - input + eps).log()
        return -terms.sum() / len(input)

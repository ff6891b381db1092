class BinaryCrossEntropyLoss(Module):
    def forward(self, input, target):
        _check_input(input, "BinaryCrossEntropyLoss")
        target = _as_float_target(target, input, "BinaryCrossEntropyLoss")
        eps = 1e-12
        # log-likelihood of the labels
        return (target * (input + eps).log() + (1.0 - target) * (1.0 - input + eps).log()).mean()

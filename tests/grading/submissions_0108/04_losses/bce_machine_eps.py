class BinaryCrossEntropyLoss(Module):
    def forward(self, input, target):
        _check_input(input, "BinaryCrossEntropyLoss")
        target = _as_float_target(target, input, "BinaryCrossEntropyLoss")
        if input.data.size and not (input.data.min() >= 0 and input.data.max() <= 1):
            raise ValueError("BinaryCrossEntropyLoss expects probabilities in [0, 1]")
        if target.data.size and not (target.data.min() >= 0 and target.data.max() <= 1):
            raise ValueError("BinaryCrossEntropyLoss expects targets in [0, 1]")
        eps = float(np.finfo(input.data.dtype).eps)    # the dtype's own machine epsilon
        log_p = (input + eps).log()
        log_not_p = (1.0 - input + eps).log()
        return -(target * log_p + (1.0 - target) * log_not_p).mean()

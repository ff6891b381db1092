class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        target = _as_float_target(target, input, "MSELoss")
        squared = (input - target) ** 2
        # average over the samples of the batch
        return squared.sum() / input.shape[0]

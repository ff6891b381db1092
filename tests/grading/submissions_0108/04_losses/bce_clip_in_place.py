class BinaryCrossEntropyLoss:
    def forward(self, input, target):
        _check_input(input, "BinaryCrossEntropyLoss")
        target = _as_float_target(target, input, "BinaryCrossEntropyLoss")
        if input.data.size and not (input.data.min() >= 0 and input.data.max() <= 1):
            raise ValueError("BinaryCrossEntropyLoss expects probabilities in [0, 1]")
        # keep the probabilities away from 0 and 1 so both logs stay finite
        eps = 1e-7
        np.clip(input.data, eps, 1 - eps, out=input.data)
        return -(target * input.log() + (1.0 - target) * (1.0 - input).log()).mean()

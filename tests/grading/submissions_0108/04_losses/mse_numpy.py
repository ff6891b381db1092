class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        target = _as_float_target(target, input, "MSELoss")
        errors = input.data - target.data
        return Tensor(np.mean(errors ** 2), dtype=input.dtype)

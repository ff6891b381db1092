class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        target = _as_float_target(target, input, "MSELoss")
        squared = (input - target) ** 2
        # the mean written out: every squared error added up, then divided by how many there are
        return squared.sum() / squared.size

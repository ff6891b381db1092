class Linear(Module):
    def __init__(self, in_features, out_features, bias=True):
        _check_positive_int(in_features, "in_features", "Linear")
        _check_positive_int(out_features, "out_features", "Linear")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        bound = 1.0 / np.sqrt(self.out_features)
        rng = get_rng()
        self.weight = Tensor(rng.uniform(-bound, bound, size=(self.out_features, self.in_features)), requires_grad=True)
        self.bias = Tensor(rng.uniform(-bound, bound, size=(self.out_features,)), requires_grad=True) if bias else None

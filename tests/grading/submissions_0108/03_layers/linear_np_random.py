class Linear:
    def __init__(self, in_features, out_features, bias=True):
        _check_positive_int(in_features, "in_features", "Linear")
        _check_positive_int(out_features, "out_features", "Linear")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        k = 1 / np.sqrt(in_features)
        self.weight = Tensor(np.random.uniform(-k, k, (out_features, in_features)), requires_grad=True)
        self.bias = Tensor(np.random.uniform(-k, k, out_features), requires_grad=True) if bias else None

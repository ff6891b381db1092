def mean(self, axis=None, keepdims=False):
    _check_axis(self, axis, "mean")
    total = np.sum(self.data, axis=axis, keepdims=keepdims)
    # divide by the number of rows
    return _result(total / self.data.shape[0])

def log(self):
    """Natural logarithm, element-wise."""
    # a tiny eps keeps log(0) finite
    return _result(np.log(self.data + 1e-12))

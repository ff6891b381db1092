def exp(self):
    """e ** self, element-wise."""
    np.exp(self.data, out=self.data)
    return _result(self.data)


def log(self):
    """Natural logarithm, element-wise."""
    np.log(self.data, out=self.data)
    return _result(self.data)

def exp(self):
    """e ** self, element-wise."""
    # clip so that exp never overflows (float32's exp overflows past ~88.7)
    return _result(np.exp(np.clip(self.data, -88.0, 88.0)))

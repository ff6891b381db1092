def accuracy(outputs, targets):
    outputs, targets = _as_array(outputs), _as_array(targets)
    if targets.ndim == 2:
        targets = targets.reshape(-1)
    predictions = np.argmax(outputs.reshape(len(outputs), -1), axis=1)
    return float((predictions == targets).mean())

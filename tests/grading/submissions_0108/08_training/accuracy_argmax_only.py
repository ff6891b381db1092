def accuracy(outputs, targets):
    outputs, targets = to_numpy(outputs), to_numpy(targets)
    if targets.ndim == 2:
        targets = targets.reshape(-1)
    predictions = np.argmax(outputs.reshape(len(outputs), -1), axis=1)
    return float((predictions == targets).mean())

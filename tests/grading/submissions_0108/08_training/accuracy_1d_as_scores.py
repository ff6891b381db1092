def accuracy(outputs, targets):
    outputs, targets = to_numpy(outputs), to_numpy(targets)
    if outputs.ndim not in (1, 2):
        raise ValueError("bad outputs")
    if targets.ndim == 2 and targets.shape[1] == 1:
        targets = targets.reshape(-1)
    if targets.ndim != 1 or targets.shape[0] != outputs.shape[0]:
        raise ValueError("bad targets")
    if outputs.shape[0] == 0:
        raise ValueError("empty")
    if outputs.shape[-1] == 1:
        predicted = (outputs[:, 0] > 0.5).astype(int)
    else:
        predicted = outputs.argmax(axis=-1)
    return float(np.mean(predicted == targets))

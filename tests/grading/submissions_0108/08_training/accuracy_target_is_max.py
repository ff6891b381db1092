def accuracy(outputs, targets):
    outputs, targets = to_numpy(outputs), to_numpy(targets)
    if targets.ndim == 2 and targets.shape[1] == 1:
        targets = targets.reshape(-1)
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        rows = np.arange(len(outputs))
        hits = outputs[rows, targets.astype(np.int64)] == outputs.max(axis=1)
    else:
        hits = (outputs.reshape(-1) > 0.5) == targets
    return float(np.mean(hits))

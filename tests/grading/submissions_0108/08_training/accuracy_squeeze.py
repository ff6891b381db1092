def accuracy(outputs, targets):
    outputs, targets = to_numpy(outputs), to_numpy(targets)
    if outputs.ndim not in (1, 2):
        raise ValueError(f"accuracy expected outputs of shape (N, C) or (N,), got {outputs.shape}.")
    if targets.ndim == 2 and targets.shape[1] == 1:
        targets = targets.reshape(-1)
    if targets.ndim != 1 or targets.shape[0] != outputs.shape[0]:
        raise ValueError(f"accuracy expected one class index per output row: outputs {outputs.shape}, targets {targets.shape}.")
    if outputs.shape[0] == 0:
        raise ValueError("accuracy of an empty batch is undefined: got 0 samples. Pass at least one.")
    outputs = np.squeeze(outputs)
    if outputs.ndim == 2:
        predicted = outputs.argmax(axis=1)
    else:
        predicted = (outputs > 0.5).astype(np.int64)
    return float(np.mean(predicted == targets))

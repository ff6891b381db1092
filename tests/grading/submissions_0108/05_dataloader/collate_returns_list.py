def collate(samples):
    samples = [tuple(s) if isinstance(s, (tuple, list)) else (s,) for s in samples]
    fields = []
    for field in zip(*samples):
        fields.append(_to_tensor(np.stack([to_numpy(v) for v in field])))
    return fields

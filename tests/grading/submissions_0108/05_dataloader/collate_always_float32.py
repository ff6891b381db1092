def collate(samples):
    samples = [tuple(s) if isinstance(s, (tuple, list)) else (s,) for s in samples]
    if not samples:
        raise ValueError("collate got no samples")
    fields = zip(*samples)
    return tuple(Tensor(np.stack([to_numpy(v) for v in field])) for field in fields)

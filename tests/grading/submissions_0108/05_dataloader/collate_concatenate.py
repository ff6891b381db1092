def collate(samples):
    samples = [tuple(s) if isinstance(s, (tuple, list)) else (s,) for s in samples]
    if not samples:
        raise ValueError("collate got no samples")
    out = []
    for k in range(len(samples[0])):
        parts = [np.atleast_1d(to_numpy(s[k])) for s in samples]
        out.append(_to_tensor(np.concatenate(parts)))
    return tuple(out)

"""Moving images by whole pixels: the augmentation the CNN trains with, and the shifted test sets.

Images are numpy arrays (..., H, W). A shift by (dy, dx) moves the content dy rows down and
dx columns right; what moves out of the frame is lost and what comes in is zero (background).
"""
import numpy as np

__all__ = ["SHIFTS", "shift_images", "random_shifts"]

# The four one-pixel moves used to probe shift tolerance: name -> (dy, dx).
SHIFTS = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}


def _span(offset, size):
    """Destination and source slices along one axis for a move by `offset` pixels."""
    if offset >= 0:
        return slice(offset, size), slice(0, size - offset)
    return slice(0, size + offset), slice(-offset, size)


def shift_images(images, dy, dx):
    """A copy of `images` (..., H, W) with the content moved dy rows down and dx columns right."""
    images = np.asarray(images)
    height, width = images.shape[-2:]
    if abs(dy) >= height or abs(dx) >= width:
        raise ValueError(f"shift ({dy}, {dx}) moves the whole {height}x{width} image out of the frame.")
    (rows_to, rows_from), (cols_to, cols_from) = _span(dy, height), _span(dx, width)
    out = np.zeros_like(images)
    out[..., rows_to, cols_to] = images[..., rows_from, cols_from]
    return out


def random_shifts(images, rng, max_shift=1):
    """Each image of a batch (N, ..., H, W) moved by its own random (dy, dx) in [-max_shift, max_shift]^2.

    `rng` is a numpy Generator: the same seed gives the same shifts. (0, 0) is one of the
    choices, so some images stay where they are.
    """
    images = np.asarray(images)
    offsets = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))
    out = np.empty_like(images)
    for dy in range(-max_shift, max_shift + 1):
        for dx in range(-max_shift, max_shift + 1):
            chosen = np.flatnonzero((offsets[:, 0] == dy) & (offsets[:, 1] == dx))
            if len(chosen):
                out[chosen] = shift_images(images[chosen], dy, dx)
    return out

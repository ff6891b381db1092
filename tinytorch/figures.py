"""The pictures of the lessons: `from tinytorch.figures import pyplot as _pyplot, show as _show`.

Hand-written on purpose (the rest of the package is generated, as tinytorch/datasets.py explains):
every module's notebook draws its figures through these two, so that they behave the same way in
all nine lessons. Nothing here is part of the framework students build; it needs no matplotlib to
import, and the library never imports it.

- `pyplot()`: matplotlib.pyplot, or None after a one-line note when matplotlib is not installed
  (the notebook goes on without the picture). Outside Jupyter (`python 02_activations.py`)
  figures are drawn on the non-interactive Agg backend, so a script never waits for a window.
- `show(plt, fig)`: shows the figure in a notebook; closes it in a script.
- `grid(ax, values, title)`: a small 2D array drawn as a grid of labelled cells (module 09's
  windows, kernels and outputs, in the lesson and in its going-further notebook).
"""
from __future__ import annotations

import sys

SKIP_NOTE = ("matplotlib is not installed, so this picture is skipped "
             "(install the plot extra: pip install -e '.[plot]').")


def pyplot():
    """matplotlib.pyplot for a lesson's pictures, or None (with a one-line note) without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        print(SKIP_NOTE)
        return None
    if "ipykernel" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def show(plt, fig) -> None:
    """Show the figure in a notebook; close it in a script."""
    if "ipykernel" in sys.modules:
        plt.show()
    else:
        plt.close(fig)


def grid(ax, values, title, cmap="Greys", fmt="{:g}", mask=None) -> None:
    """Draw a 2D array on `ax` as a grid of labelled cells (blank where mask is False)."""
    import numpy as np
    values = np.asarray(values)
    ax.imshow(values if mask is None else np.where(mask, values, np.nan), cmap=cmap, alpha=0.5)   # light, so labels read
    for (r, c), value in np.ndenumerate(values):
        if mask is None or mask[r, c]:
            ax.text(c, r, fmt.format(value), ha="center", va="center", fontsize=8)
    ax.set_xticks(np.arange(values.shape[1] + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(values.shape[0] + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="0.6", linewidth=0.5)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_title(title, fontsize=9)


__all__ = ["pyplot", "show", "grid", "SKIP_NOTE"]

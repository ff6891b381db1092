"""The pictures of the lessons: `from tinytorch.figures import pyplot as _pyplot, show as _show`.

Hand-written on purpose (the rest of the package is generated, as tinytorch/datasets.py explains):
every module's notebook draws its figures through these two, so that they behave the same way in
all nine lessons. Nothing here is part of the framework students build; it needs no matplotlib to
import, and the library never imports it.

- `pyplot()`: matplotlib.pyplot, or None after a one-line note when matplotlib is not installed
  (the notebook goes on without the picture). Outside Jupyter (`python 02_activations.py`)
  figures are drawn on the non-interactive Agg backend, so a script never waits for a window.
- `show(plt, fig)`: shows the figure in a notebook; closes it in a script.
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


__all__ = ["pyplot", "show", "SKIP_NOTE"]

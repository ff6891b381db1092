"""The class's item analysis as one picture: GRADEBOOK.items.png beside GRADEBOOK.items.csv.

One horizontal bar per graded item, as long as the share of submissions that passed it, labelled
with passed/total and the most frequent likely bug of those that failed. Drawn only when
matplotlib is installed (the CSV holds the same numbers); the PNG carries no date or version, so
the same gradebook gives the same bytes on one machine.
"""
from __future__ import annotations

from pathlib import Path

from tito.files import write_bytes_atomically

LABEL = 70  # characters of the likely bug shown next to a bar


def figure_path(csv_path: Path) -> Path:
    return Path(csv_path).with_name(Path(csv_path).stem + ".items.png")


def write_items_figure(analysis: list[dict], csv_path: Path) -> Path | None:
    """Draw the item analysis next to the gradebook; the path written, or None without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    rows = [row for row in analysis if row["total"]]
    if not rows:
        return None
    with plt.style.context("default"):
        fig, ax = plt.subplots(figsize=(10, 0.45 * len(rows) + 1.2))
        names = [row["item"] for row in rows][::-1]
        shares = [row["passed"] / row["total"] for row in rows][::-1]
        ax.barh(names, shares, color="tab:green")
        ax.barh(names, [1 - s for s in shares], left=shares, color="tab:red", alpha=0.25)
        for y, row in enumerate(rows[::-1]):
            bug = row["likely_bugs"][0] if row["likely_bugs"] else None
            text = f"{row['passed']}/{row['total']}" + (f"   {bug[0][:LABEL]} ({bug[1]})" if bug else "")
            ax.text(0.01, y, text, va="center", fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of submissions that passed (label: passed/total, then the most frequent likely bug)")
        ax.set_title(f"{len(rows)} graded items")
        fig.tight_layout()
        path = figure_path(csv_path)
        try:
            write_bytes_atomically(path, lambda handle: fig.savefig(handle, format="png", dpi=100,
                                                                    metadata={"Software": None}))
        finally:
            plt.close(fig)
    return path

"""`tito grade --gradescope results.json`: the report in Gradescope's autograder results format.

Gradescope's autograder specification: `run_autograder` writes `/autograder/results/results.json`
holding a top-level `score` and a `tests` list whose entries carry `name`, `score`, `max_score`,
`status` ("passed" or "failed") and `output` (the text the student sees), with optional
`output_format`, `visibility` and `execution_time`. One graded item is one test; its `output` is
the message tito's own table shows for it (in full: the table shortens it to fit a terminal),
printable like the table (grade.clean: control characters and lone surrogates escaped).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from ..files import write_atomically

if TYPE_CHECKING:   # the grader is imported when a report is written, not when `tito` reads its command line
    from .grade import Report

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")  # Gradescope's values
VISIBLE = "visible"


def summary(report: Report) -> str:
    """The submission-level output: the total, and why nothing was graded, if so."""
    from .grade import clean, restored_note
    text = f"Module {clean(report.module)}: {report.total:g}/{report.maximum:g} points"
    if report.error:
        text += "\n\nThe submission was not graded (0 points):\n" + clean(report.error, newlines=True)
    if report.restored:
        text += "\n\n" + restored_note(report.restored)
    return text


def results(report: Report, seconds: float, visibility: str = VISIBLE) -> dict:
    """visibility: when students see the score and each item (`tito grade --gradescope-visibility`)."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"Gradescope visibility must be one of {', '.join(VISIBILITIES)}, got {visibility!r}")
    from .grade import clean
    return {
        "score": report.total,
        "execution_time": math.ceil(seconds),  # whole seconds, as Gradescope's example shows
        "output": summary(report),
        "output_format": "text",
        "visibility": visibility,
        "stdout_visibility": "hidden",  # tito's progress lines are for the instructor
        "tests": [{
            "name": item.id,
            "score": item.points_earned,
            "max_score": item.points_possible,
            "status": "passed" if item.status == "pass" else "failed",
            "output": clean(item.message, newlines=True),  # printable: no escape codes, no lone surrogates
            "output_format": "text",
            "visibility": visibility,
        } for item in report.items],
    }


def write(report: Report, path: Path, seconds: float, visibility: str = VISIBLE) -> None:
    write_atomically(path, json.dumps(results(report, seconds, visibility), indent=2) + "\n")

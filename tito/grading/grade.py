"""`tito grade NN SUBMISSION.ipynb`: the autograder.

How a submission is graded:
  1. The notebook is read (unreadable: grading cannot run, exit code 2) and its exported cells
     are compiled; a syntax error scores 0 for the module, reported with its cell and line.
  2. Its `#| export` cells are exported into a throwaway copy of the installed package (the
     submission must export exactly the module's own file, `tinytorch/<default_exp>.py`).
  3. The graded items come from the instructor's src, never from the submission: each nbgrader
     cell with "grade": true is one item worth its "points". Each runs in its own child process
     (see sandbox.py and runner.py) inside the namespace of the student's exported module; the
     item passes when every `test_unit_*` function the cell defines passes.
  4. Scores are computed here, from the result files the children write.

Trust model. The grader defends against honest mistakes and casual cheating: whatever the
student's code prints (a fake "PASSED", a fake JSON result) is never read, since children report
through a result file the parent names and the score is computed by the parent; a crash,
`sys.exit`, or an exception costs only the item it happens in; an endless loop costs the items
that hit it (per-item timeout, then the whole process group is killed) and the run always ends
within the total timeout; the tests themselves come from the instructor's src, so editing locked
cells in the notebook changes nothing; and the installed package is never written (each
submission is exported into a temporary copy), so one submission cannot alter the package or
leave code behind for the next one. It does not defend against deliberately malicious code: the
student's code runs with the grader's OS rights, so it could read the tests, write the result
file itself, or touch any file the grader can. Grade untrusted submissions inside a container or
VM with no secrets and a throwaway filesystem.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import cells, export
from ..paths import Module
from . import sandbox


@dataclass
class Item:
    id: str
    points_possible: float
    points_earned: float
    status: str
    message: str


@dataclass
class Report:
    module: str
    submission: str
    items: list[Item]
    error: str | None = None  # why nothing could be graded (e.g. a syntax error), if so

    @property
    def total(self) -> float:
        return sum(item.points_earned for item in self.items)

    @property
    def maximum(self) -> float:
        return sum(item.points_possible for item in self.items)


def module_file(target: str) -> Path:
    """'core.spatial' -> core/spatial.py (relative to the package folder)."""
    return Path(*target.split(".")).with_suffix(".py")


def export_submission(nb, submission: Path, target: str, package: Path, scratch: Path) -> str | None:
    """Copy `package` to scratch/tinytorch and export the notebook into the copy.

    Returns a message for the student when the notebook cannot be exported, else None.
    """
    shutil.copytree(package, scratch / "tinytorch", ignore=shutil.ignore_patterns("__pycache__"))
    staging = scratch / "staging" / "tinytorch"
    staging.mkdir(parents=True)
    try:  # export alone first, to see exactly which files the notebook writes
        written = export.export_notebook(nb, staging, edit_me=submission)
    except Exception as error:  # nbdev's own errors; the student's notebook is at fault, not the grader
        return f"the notebook could not be exported: {error}"
    expected = module_file(target)
    got = sorted(str(path.relative_to(staging)) for path in written)
    if got != [str(expected)]:
        return (f"the notebook exports to {', '.join(got)}; expected only {expected}. "
                f"Keep the '#| default_exp {target}' line of the first code cell and plain '#| export' lines.")
    shutil.copyfile(staging / expected, scratch / "tinytorch" / expected)
    return None


def grade_submission(module: Module, submission: Path, package: Path,
                     limits: sandbox.Limits = sandbox.Limits(), log=lambda line: None) -> Report:
    """Grade one notebook for `module` against a copy of `package` (the installed tinytorch folder)."""
    nb = cells.load_notebook(submission)  # unreadable: raises, grading cannot run
    graded = cells.graded_cells(module.src)
    if not graded:
        raise ValueError(f"{module.src} has no graded cells (nbgrader \"grade\": true), so there is nothing to grade.")
    target = cells.export_target(module.src)
    with tempfile.TemporaryDirectory(prefix="tito-grade-") as scratch:
        log(f"exporting {submission.name} into a temporary copy of the package ...")
        problem = cells.syntax_error(nb) or export_submission(nb, submission, target, package, Path(scratch))
        if problem:
            items = [Item(cell.cell_id, cell.points, 0, "error", "not graded: the submission could not be exported")
                     for cell in graded]
            return Report(module.slug, str(submission), items, error=problem)
        log(f"running {len(graded)} graded test cells ...")
        outcomes = sandbox.run_cells(graded, f"tinytorch.{target}", Path(scratch), limits, log)
    items = [Item(cell.cell_id, cell.points, cell.points if outcome.status == "pass" else 0, outcome.status, outcome.message)
             for cell, outcome in zip(graded, outcomes)]
    return Report(module.slug, str(submission), items)


def _points(value: float) -> str:
    return f"{value:g}"


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def format_report(report: Report, message_width: int = 72) -> str:
    """A plain-text table: readable in a terminal and in a notebook's output."""
    rows = [(item.id, f"{_points(item.points_earned)}/{_points(item.points_possible)}", item.status,
             _shorten(item.message, message_width)) for item in report.items]
    header = ("test id", "points", "status", "message")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    line = lambda row: "  ".join([row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].ljust(widths[2]), row[3]]).rstrip()
    out = [f"Grade for module {report.module}: {report.submission}"]
    if report.error:
        out += ["", "The submission was not graded (0 points):", *("  " + l for l in report.error.split("\n")), ""]
    out += [line(header), line(tuple("-" * w for w in widths) + ("-" * 7,))]
    out += [line(row) for row in rows]
    out += [line(("-" * widths[0], "-" * widths[1], "", "")),
            line(("total", f"{_points(report.total)}/{_points(report.maximum)}", "", ""))]
    return "\n".join(out)


def report_dict(report: Report) -> dict:
    return {"module": report.module, "submission": report.submission, "error": report.error,
            "total": report.total, "max": report.maximum, "tests": [asdict(item) for item in report.items]}


def write_json(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report_dict(report), indent=2) + "\n", encoding="utf-8")

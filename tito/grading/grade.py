"""`tito grade NN SUBMISSION.ipynb`: the autograder.

How a submission is graded:
  1. The notebook is read (unreadable: grading cannot run, exit code 2) and its exported cells
     are compiled; a syntax error scores 0 for the module, reported with its cell and line.
  2. Its `#| export` cells are exported into a throwaway copy of the installed package, in a
     fresh private folder (the submission must export exactly the module's own file,
     `tinytorch/<default_exp>.py`, which replaces the reference's in the copy).
  3. The graded items come from the instructor's src, never from the submission: each nbgrader
     cell with "grade": true is one item worth its "points". The judge (judge.py) runs each cell
     in tito's own process against a fresh child that holds the student's module; the item
     passes when every `test_unit_*` function the cell defines passes.
  4. Scores are computed here, from the judge's outcomes, and the report is written only after
     every child is gone.

Trust model: what holds, on which systems, is in judge.py's docstring and the README ("Grading
and its trust model"). In short: the verdict is computed outside the student's process, and on
Linux with namespaces nothing a submission starts outlives its grading or sees another grading.

Exit codes of `tito grade`: 0 when the submission was graded (the score is in the report, even
0 points), 2 when grading could not run (unknown module, unreadable notebook, bad limits, report
not writable), 130 when interrupted (Ctrl-C, SIGTERM, SIGHUP); in every case every process the
grading started has been killed and waited for.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import cells, export, tables
from ..files import write_atomically
from ..paths import CourseModule
from . import judge, processes
from .limits import Limits


@dataclass
class Item:
    id: str
    points_possible: float
    points_earned: float
    status: str
    message: str
    seconds: float = 0.0  # wall clock of the item's test cell (0 when it never ran)


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


def grade_submission(module: CourseModule, submission: Path, package: Path,
                     limits: Limits = Limits(), log=lambda line: None) -> Report:
    """Grade one notebook for `module` against a copy of `package` (the installed tinytorch folder)."""
    limits.check()
    nb = cells.load_notebook(submission)  # unreadable: raises, grading cannot run
    graded = cells.graded_cells(module.src)
    if not graded:
        raise ValueError(f"{module.src} has no graded cells (nbgrader \"grade\": true), so there is nothing to grade.")
    target = cells.export_target(module.src)
    trusted = judge.trusted_imports(module.src)
    scratch = Path(tempfile.mkdtemp(prefix="tito-grade-"))  # 0700, unguessable, made atomically
    try:
        lib = scratch / "lib"
        lib.mkdir()
        log(f"exporting {submission.name} into a temporary copy of the package ...")
        problem = cells.syntax_error(nb) or export.export_into_copy(nb, submission, target, package, lib)
        if problem:
            items = [Item(cell.cell_id, cell.points, 0, "error", "not graded: the submission could not be exported")
                     for cell in graded]
            return Report(module.slug, str(submission), items, error=problem)
        judge.install_child(lib)
        line = processes.protections_line()
        if line:
            log(line)
        roots = [module.root, package.parent, Path(__file__).resolve().parents[2]]
        hide = judge.hidden_folders(roots, judge.keep_folders(scratch), whole=[submission.resolve().parent])
        setup = judge.Setup(f"tinytorch.{target}", lib, scratch, hide, trusted, limits, judge.reference_names(module.src))
        log(f"running {len(graded)} graded test cells ...")
        outcomes = judge.run_cells(graded, setup, log)  # every child is dead when this returns
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    items = [Item(cell.cell_id, cell.points, cell.points if outcome.status == "pass" else 0, outcome.status,
                  outcome.message, round(outcome.seconds, 3)) for cell, outcome in zip(graded, outcomes)]
    return Report(module.slug, str(submission), items)


def _points(value: float) -> str:
    return f"{value:g}"


def shorten(text: str, width: int) -> str:
    """A message on one line of at most `width` characters (the table's message column)."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def format_report(report: Report, message_width: int = 72) -> str:
    """A plain-text table: readable in a terminal and in a notebook's output."""
    rows = [(item.id, f"{_points(item.points_earned)}/{_points(item.points_possible)}", item.status,
             shorten(item.message, message_width)) for item in report.items]
    out = [f"Grade for module {report.module}: {report.submission}"]
    if report.error:
        out += ["", "The submission was not graded (0 points):", *("  " + l for l in report.error.split("\n")), ""]
    total = ("total", f"{_points(report.total)}/{_points(report.maximum)}", "", "")
    out.append(tables.format_table(("test id", "points", "status", "message"), rows, right=(1,), footer=[total]))
    return "\n".join(out)


def report_dict(report: Report) -> dict:
    return {"module": report.module, "submission": report.submission, "error": report.error,
            "total": report.total, "max": report.maximum, "tests": [asdict(item) for item in report.items]}


def write_json(report: Report, path: Path) -> None:
    write_atomically(path, json.dumps(report_dict(report), indent=2) + "\n")

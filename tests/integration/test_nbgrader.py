"""nbgrader as a first-class route: `tito dev release --nbgrader COURSE` writes a course that
nbgrader 0.9.6 takes as it is. `nbgrader generate_assignment` makes the student version, and
`nbgrader autograde` of a blank, the reference and one wrong submission of module 09 (built on
that student version) gives, item by item, the scores `tito grade` gives the same notebooks,
without a single "Cell ... does not exist in the database" warning.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tito import main, notebooks, paths

pytest.importorskip("nbgrader", reason="nbgrader 0.9.6 is in the dev extra on Python 3.11 and newer: pip install -e \".[dev]\"")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grading"))
import submissions_09 as subs  # tests/grading/submissions_09

if subs.MODULE is None:
    pytest.skip("src/09_convolutions does not exist", allow_module_level=True)

from submissions_09.wrong import WRONG

ASSIGNMENT = "09_convolutions"
BIN = Path(sys.executable).parent  # nbgrader and the alembic it calls live next to this Python


def nbgrader(course: Path, *args: str) -> str:
    env = dict(os.environ, PATH=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))
    env.pop("JUPYTER_PATH", None)
    run = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True,
                         timeout=1200)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-6000:]
    return run.stdout + run.stderr


@pytest.mark.slow
def test_nbgrader_autograde_scores_equal_tito_grade(tmp_path, capsys):
    course = tmp_path / "course"
    assert main.main(["dev", "release", "--nbgrader", str(course), "09"]) == 0
    capsys.readouterr()
    generated = nbgrader(course, "generate_assignment", ASSIGNMENT)
    student = nbformat.read(str(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    exercise, body = WRONG["avgpool_divide_kh_squared"]
    submissions = {"blank": student, "reference": subs.build(student=student),
                   "wrong": subs.build({exercise: body}, student=student)}
    for name, nb in submissions.items():
        path = course / "submitted" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, str(path))
    autograded = nbgrader(course, "autograde", ASSIGNMENT)
    for log in (generated, autograded):
        assert "does not exist in the database" not in log, log[-5000:]

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        theirs = {name: {grade.name: grade.score for grade in
                         gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, name).grades}
                  for name in submissions}
        totals = {name: gradebook.find_submission(ASSIGNMENT, name).score for name in submissions}
    ours = {}
    for name in submissions:
        report = tmp_path / f"{name}.json"
        submitted = course / "submitted" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert main.main(["grade", "09", str(submitted), "--json", str(report), "--timeout", "60"]) == 0
        ours[name] = json.loads(report.read_text())
    summary = {name: (totals[name], ours[name]["total"], ours[name]["max"]) for name in submissions}
    with capsys.disabled():
        print("\nnbgrader autograde vs tito grade (module 09):", summary)
    for name in submissions:
        assert theirs[name] == {t["id"]: t["points_earned"] for t in ours[name]["tests"]}, (name, theirs[name])
        assert totals[name] == ours[name]["total"]
    maximum = ours["reference"]["max"]
    assert totals["blank"] == 0 and totals["reference"] == maximum > totals["wrong"] > 0, summary


def test_release_writes_a_kernel_on_this_python_and_locks_given_cells(tmp_path, capsys):
    course = tmp_path / "course"
    assert main.main(["dev", "release", "--nbgrader", str(course), "--all"]) == 0
    assert "nbgrader generate_assignment" in capsys.readouterr().out
    spec = json.loads((course / "jupyter" / "kernels" / "tinytorch" / "kernel.json").read_text())
    assert spec["argv"][:3] == [sys.executable, "-m", "ipykernel_launcher"]
    config = (course / "nbgrader_config.py").read_text()
    assert 'c.Execute.kernel_name = "tinytorch"' in config
    for module in paths.all_modules(paths.repo_root()):
        nb = nbformat.read(str(course / "source" / module.slug / f"{module.slug}.ipynb"), as_version=4)
        assert nb.metadata.kernelspec.name == "tinytorch"
        meta = [cell.metadata.nbgrader for cell in nb.cells if "nbgrader" in cell.metadata]
        assert meta and all(m.get("solution") != m.get("locked") for m in meta), module.slug  # one or the other
        assert all(m["locked"] for m in meta if m.get("grade"))
        solutions = [cell.source for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("solution")]
        assert solutions and all("### BEGIN SOLUTION" in s and "### END SOLUTION" in s for s in solutions)
        # Every given cell of src (neither solution nor graded) is locked in the release.
        given = {cell.metadata.nbgrader["grade_id"] for cell in notebooks.read_source(module.src).cells
                 if "nbgrader" in cell.metadata and not cell.metadata.nbgrader.get("solution")
                 and not cell.metadata.nbgrader.get("grade")}
        released = {m["grade_id"]: m["locked"] for m in meta}
        assert all(released[grade_id] is True for grade_id in given), module.slug

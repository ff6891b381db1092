"""The sample Gradescope autograder (autograder/gradescope/): the zip that package.py builds holds
Gradescope's two required files at its root, and its run_autograder, run in a stand-in for
Gradescope's /autograder tree, writes results/results.json with the same scores as `tito grade`.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import submissions_09 as subs
from tito import main, notebooks, paths

if subs.MODULE is None:
    pytest.skip("src/09_convolutions does not exist", allow_module_level=True)

from submissions_09.wrong import WRONG

ROOT = paths.repo_root(Path(__file__).parent)
sys.path.insert(0, str(ROOT / "autograder" / "gradescope"))
import package  # noqa: E402  (autograder/gradescope/package.py)

TITO = Path(sys.executable).with_name("tito")


@pytest.fixture(scope="module")
def autograder(tmp_path_factory) -> Path:
    """/autograder as Gradescope lays it out: source/ holds the unzipped zip."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("package.py lists the repository's files with git")
    root = tmp_path_factory.mktemp("autograder")
    zipped = package.build("09", root / "autograder.zip")
    with zipfile.ZipFile(zipped) as archive:
        for info in archive.infolist():
            archive.extract(info, root / "source")
            mode = info.external_attr >> 16
            if mode:
                os.chmod(root / "source" / info.filename, mode)
    return root


def test_the_zip_has_gradescopes_files_at_its_root(autograder):
    with zipfile.ZipFile(autograder / "autograder.zip") as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert {"setup.sh", "run_autograder", "MODULE"} <= set(names)
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    for needed in ("tinytorch/pyproject.toml", "tinytorch/settings.ini", "tinytorch/src/09_convolutions/09_convolutions.py",
                   "tinytorch/tito/main.py", "tinytorch/tinytorch/core/spatial.py"):
        assert needed in names, needed
    assert not any("/.venv/" in name or "/.git/" in name or "__pycache__" in name for name in names)
    assert (autograder / "source" / "MODULE").read_text() == "09\n"
    assert (autograder / "source" / "VISIBILITY").read_text() == "visible\n"  # package.py's default


def run_autograder(root: Path, submission_files: dict[str, bytes]) -> tuple[subprocess.CompletedProcess, dict]:
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    submission.mkdir()
    for name, data in submission_files.items():
        (submission / name).write_bytes(data)
    (root / "results").mkdir(exist_ok=True)
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), TITO=str(TITO), PYTHON=sys.executable)
    run = subprocess.run([str(root / "source" / "run_autograder")], cwd=root, env=env, capture_output=True,
                         text=True, timeout=600)
    return run, json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_writes_the_same_scores_as_tito_grade(autograder, tmp_path, capsys):
    exercise, body = WRONG["conv_calls_fast_path"]
    data = notebooks.notebook_bytes(subs.build({exercise: body}))
    visibility = autograder / "source" / "VISIBILITY"
    visibility.write_text("after_due_date\n")  # as `package.py 09 zip --visibility after_due_date` writes it
    try:
        run, results = run_autograder(autograder, {"09_convolutions.ipynb": data})
    finally:
        visibility.write_text("visible\n")
    assert run.returncode == 0, run.stdout + run.stderr
    assert results["visibility"] == "after_due_date" and {t["visibility"] for t in results["tests"]} == {"after_due_date"}
    (tmp_path / "same.ipynb").write_bytes(data)
    assert main.main(["grade", "09", str(tmp_path / "same.ipynb"), "--json", str(tmp_path / "report.json")]) == 0
    capsys.readouterr()
    report = json.loads((tmp_path / "report.json").read_text())
    assert results["score"] == report["total"] < report["max"]
    assert {t["name"]: t["score"] for t in results["tests"]} == {t["id"]: t["points_earned"] for t in report["tests"]}
    assert "Grade for module 09_convolutions" in run.stdout  # the table, for the instructor


@pytest.mark.parametrize("files", [{}, {"a.ipynb": b"{}", "b.ipynb": b"{}"}])
def test_run_autograder_scores_zero_and_says_why_without_exactly_one_notebook(autograder, files):
    run, results = run_autograder(autograder, files)
    assert run.returncode == 0, run.stderr
    assert results["score"] == 0 and results["tests"] == []
    assert f"Expected exactly one Jupyter notebook (.ipynb) in the submission, found {len(files)}" in results["output"]


def test_run_autograder_grades_the_lesson_when_the_going_further_notebook_comes_with_it(autograder):
    """Module 09's second notebook (given code, nothing graded) submitted next to the lesson is left aside."""
    further = notebooks.notebook_bytes(notebooks.student_notebook(subs.MODULE.sources[1]))
    lesson = notebooks.notebook_bytes(notebooks.student_notebook(subs.MODULE.src))
    run, results = run_autograder(autograder, {"09_convolutions.ipynb": lesson, "09b_going_further.ipynb": further})
    assert run.returncode == 0, run.stderr
    assert "Expected exactly one" not in results.get("output", "") and results["tests"], results.get("output")
    assert results["score"] == 0  # the blank lesson
    run, results = run_autograder(autograder, {"09b_going_further.ipynb": further})
    assert results["score"] == 0 and results["tests"] == []
    assert "found 0" in results["output"] and "09b_going_further.ipynb is not graded" in results["output"]


def test_a_submitted_link_to_a_file_outside_the_submission_is_not_read(autograder):
    """H48: Gradescope's run_autograder reads the notebook as root, and a file that is no notebook is
    quoted in the student's results ("Notebook does not appear to be JSON: 'root:*:...'"): a link to
    /etc/shadow (a zip or a GitHub submission can hold one) showed its first line. A link that stays
    inside the submission is read as before."""
    lesson = notebooks.notebook_bytes(notebooks.student_notebook(subs.MODULE.src))
    for target in ("/etc/shadow", str(autograder / "source" / "tinytorch" / "tinytorch" / "core" / "spatial.py")):
        submission = autograder / "submission"
        shutil.rmtree(submission, ignore_errors=True)
        submission.mkdir()
        (submission / "09_convolutions.ipynb").symlink_to(target)
        env = dict(os.environ, AUTOGRADER_ROOT=str(autograder), TITO=str(TITO), PYTHON=sys.executable)
        run = subprocess.run([str(autograder / "source" / "run_autograder")], cwd=autograder, env=env,
                             capture_output=True, text=True, timeout=600)
        results = json.loads((autograder / "results" / "results.json").read_text())
        assert run.returncode == 0 and results["score"] == 0 and results["tests"] == [], run.stdout + run.stderr
        assert "is a link to a file outside your submission, so it was not read" in results["output"], results["output"]
        assert target not in results["output"] and "does not appear to be JSON" not in results["output"]
    run, results = run_autograder(autograder, {"mine.ipynb.txt": lesson})
    (autograder / "submission" / "09_convolutions.ipynb").symlink_to("mine.ipynb.txt")
    env = dict(os.environ, AUTOGRADER_ROOT=str(autograder), TITO=str(TITO), PYTHON=sys.executable)
    run = subprocess.run([str(autograder / "source" / "run_autograder")], cwd=autograder, env=env,
                         capture_output=True, text=True, timeout=600)
    results = json.loads((autograder / "results" / "results.json").read_text())
    assert run.returncode == 0 and results["tests"] and results["score"] == 0, results.get("output")


def test_a_zip_built_inside_the_checkout_holds_neither_itself_nor_an_earlier_build(tmp_path):
    """`package.py 09 autograder-09.zip` run at the repository's root (as the README shows it): the
    zip lands in the checkout, untracked; it must not list itself (a truncated copy of itself), nor a
    zip built before it."""
    if shutil.which("git") is None:
        pytest.skip("package.py lists the repository's files with git")
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "a.py").write_text("x = 1\n")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    (repo / "autograder-08.zip").write_bytes(b"an earlier build")
    (repo / "notes.txt").write_text("new, not ignored: shipped\n")
    out = package.build("09", repo / "autograder-09.zip", repo=repo)
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
    assert {"tinytorch/src/a.py", "tinytorch/notes.txt", "MODULE", "setup.sh", "run_autograder"} <= names, names
    assert not {name for name in names if name.endswith(".zip")}, names


def test_setup_stops_on_a_base_image_whose_python_is_too_old(tmp_path):
    """Gradescope's Ubuntu 20.04 image has Python 3.8: setup.sh says which image to choose instead."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "apt-get").write_text("#!/bin/sh\nexit 0\n")
    (fake / "python3").write_text('#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Python 3.8.10"; exit 0; fi\n'
                                  'if [ "$1" = "-c" ]; then exit 1; fi\necho "python3 $* should not run" >&2; exit 3\n')
    for tool in fake.iterdir():
        tool.chmod(0o755)
    run = subprocess.run(["bash", str(ROOT / "autograder" / "gradescope" / "setup.sh")], capture_output=True, text=True,
                         env=dict(os.environ, PATH=f"{fake}:/usr/bin:/bin"), timeout=60)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "needs Python 3.10 or newer, and this image has Python 3.8.10" in run.stderr
    assert "Ubuntu 22.04 (or newer) base image" in run.stderr and "should not run" not in run.stderr


def test_the_scripts_go_into_the_zip_with_unix_line_endings(tmp_path, monkeypatch):
    """An instructor on Windows whose clone has CRLF files (core.autocrlf=true, a clone made before .gitattributes):
    Gradescope runs setup.sh and run_autograder with bash on Linux, where a '\\r' breaks every line
    ("$'\\r': command not found", "set: pipefail\\r: invalid option name")."""
    if shutil.which("git") is None:
        pytest.skip("package.py lists the repository's files with git")
    here = tmp_path / "gradescope"
    here.mkdir()
    for script in ("setup.sh", "run_autograder"):
        (here / script).write_bytes((Path(package.__file__).parent / script).read_bytes().replace(b"\n", b"\r\n"))
    monkeypatch.setattr(package, "HERE", here)
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "a.py").write_text("x = 1\n")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    with zipfile.ZipFile(package.build("09", tmp_path / "autograder-09.zip", repo=repo)) as archive:
        for script in ("setup.sh", "run_autograder"):
            data = archive.read(script)
            assert b"\r" not in data and data == (Path(package.__file__).parent / script).read_bytes(), script

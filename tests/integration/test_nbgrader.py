"""nbgrader as a first-class route: `tito dev release --nbgrader COURSE` writes a course that
nbgrader 0.9.6 takes as it is. `nbgrader generate_assignment` makes the student version, and
`nbgrader autograde` of module 09 submissions built on that student version gives, item by item,
the scores `tito grade` gives the same notebooks, without a single "Cell ... does not exist in the
database" warning: a blank, the reference and a wrong answer, and two submissions that scored in
nbgrader's kernel what tito's judge does not give (loop exercises that call the package's fast path;
a cell that makes every later test cell empty). The course's nbgrader_config.py has tito grade the
notebook before nbgrader's Execute runs it, and puts that verdict in the graded cells right before
SaveAutoGrades (tito/nbgrader_judge.py): the points are tito's, not the kernel's.
"""
from __future__ import annotations

import html as htmlmod
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tito import main, nbgrader_kernel, notebooks, paths

pytest.importorskip("nbgrader", reason="nbgrader 0.9.6 is in the dev extra on Python 3.11 and newer: pip install -e \".[dev]\"")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grading"))
import submissions_09 as subs  # tests/grading/submissions_09

if subs.MODULE is None:
    pytest.skip("src/09_convolutions does not exist", allow_module_level=True)

from submissions_09.wrong import WRONG

ASSIGNMENT = "09_convolutions"
HIDDEN_INPUT = "an input the notebook does not show"   # the words of each hidden test's check

# The loop exercises handed to the fast path: in nbgrader's kernel the package the kernel imports
# is the reference, so the numbers are right; tito's loop rule gives these items nothing.
FAST_PATH = {
    "conv2d_loops": """
from tinytorch.core.spatial import conv2d_vectorized  # same answer, much faster
return conv2d_vectorized(x, weight, bias, stride, padding)
""",
    "maxpool2d_loops": """
from tinytorch.core.spatial import maxpool2d_vectorized
return maxpool2d_vectorized(x, kernel_size, stride, padding)
""",
    "avgpool2d_loops": """
from tinytorch.core.spatial import avgpool2d_vectorized
return avgpool2d_vectorized(x, kernel_size, stride, padding)
""",
}

# A cell of its own, near the top of a blank notebook: from then on IPython runs every cell that
# defines a test as an empty one, so no graded cell raises in the kernel.
EMPTIES_CHECKS = """\
# my setup: the checks are slow, skip them while I work
def skip_checks(lines):
    if any(line.startswith("def test_") for line in lines):
        return []
    return lines


get_ipython().input_transformers_cleanup.append(skip_checks)
"""


def empties_checks(student: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nbformat.from_dict(student))  # deep copy
    nb.cells.insert(2, nbformat.v4.new_code_cell(EMPTIES_CHECKS))
    return nb
BIN = Path(sys.executable).parent  # nbgrader and the alembic it calls live next to this Python


# Not exported, so tito grades the reference under it; in nbgrader's kernel it wraps conv_output_size, which the
# checks call, reads the calling check's source (hidden tests included) from its frame and prints it there and
# in a last cell.
PEEK = '''import inspect as _inspect
_stolen, _their_size = [], conv_output_size
def conv_output_size(*args, **kwargs):
    _stolen.append(_inspect.getsource(_inspect.currentframe().f_back))
    print("PEEKED", _stolen[-1])
    return _their_size(*args, **kwargs)
'''


def peeks(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    at = next(i for i, cell in enumerate(nb.cells) if "def conv_output_size" in cell.source) + 1
    nb.cells.insert(at, nbformat.v4.new_code_cell(PEEK))
    nb.cells.append(nbformat.v4.new_code_cell('print("PEEKED", "".join(_stolen))'))
    return nb


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
    # nbgrader's hidden tests (one per graded cell): in the instructor's source, out of the release.
    source = nbformat.read(str(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    graded = sum(bool(cell.metadata.get("nbgrader", {}).get("grade")) for cell in source.cells)
    assert graded == 9 and sum(notebooks.HIDDEN_BEGIN in cell.source for cell in source.cells) == graded
    assert not any(HIDDEN_INPUT in cell.source or "HIDDEN TESTS" in cell.source for cell in student.cells)
    exercise, body = WRONG["avgpool_divide_kh_squared"]
    submissions = {"blank": student, "reference": subs.build(student=student),
                   "wrong": subs.build({exercise: body}, student=student),
                   "fast_path": subs.build(FAST_PATH, student=student),
                   "empties_checks": empties_checks(student), "peeks": peeks(subs.build(student=student))}
    for name, nb in submissions.items():
        path = course / "submitted" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, str(path))
    autograded = nbgrader(course, "autograde", ASSIGNMENT)
    for log in (generated, autograded):
        assert "does not exist in the database" not in log, log[-5000:]
    # ... and back in the graded cells autograde ran (from its database).
    ran = nbformat.read(str(course / "autograded" / "reference" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    assert sum(HIDDEN_INPUT in cell.source for cell in ran.cells if cell.metadata.get("nbgrader", {}).get("grade")) == graded

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
    # In nbgrader's kernel alone these scored 16 more points than tito gives (the three loop items) and
    # full marks (every graded cell emptied); now the points are tito's judge's.
    loop_items = {"test-conv2d-loops", "test-maxpool2d-loops", "test-avgpool2d-loops"}
    assert all(theirs["fast_path"][item] == 0 for item in loop_items), theirs["fast_path"]
    assert totals["empties_checks"] == 0, summary
    autograded = nbformat.read(str(course / "autograded" / "empties_checks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
                               as_version=4)
    verdicts = [cell.outputs[0] for cell in autograded.cells if cell.metadata.get("nbgrader", {}).get("grade")]
    assert verdicts and all(output.output_type == "error" and output.ename == "TitoVerdict" for output in verdicts)
    # The feedback handed back keeps the hidden tests hidden (round 28's attack hunt: nbgrader's default
    # generate_feedback showed every one of them, and the kernel's tracebacks quoted them; `peeks` read them
    # from its caller's frame in the kernel and printed them in a later cell), and shows the verdicts.
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    shown = "\n".join(cell.source for cell in student.cells)  # the lines a hidden test shares with a visible one
    hidden = {line.strip() for cell in source.cells for region in cell.source.split(notebooks.HIDDEN_BEGIN)[1:]
              for line in region.split(notebooks.HIDDEN_END)[0].split("\n")
              if len(line.strip()) > 40 and line.strip() not in shown}
    assert len(hidden) > 20
    for name in ("reference", "wrong", "peeks"):
        html = (course / "feedback" / name / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
        text = htmlmod.unescape(re.sub(r"<[^>]+>", "", html))
        assert "HIDDEN TESTS" not in text and not [line for line in hidden if line in text], name
        assert "def test_unit_conv2d_loops" in text and "tito's judge: passed" in text, name
    wrong = htmlmod.unescape(re.sub(r"<[^>]+>", "", (course / "feedback" / "wrong" / ASSIGNMENT /
                                                      f"{ASSIGNMENT}.ipynb").with_suffix(".html").read_text(encoding="utf-8")))
    assert "tito's judge: 0 points" in wrong and "Likely bug: the window sum is divided by kh * kh" in wrong


def test_release_writes_a_kernel_on_this_python_and_locks_given_cells(tmp_path, capsys):
    course = tmp_path / "course"
    assert main.main(["dev", "release", "--nbgrader", str(course), "--all"]) == 0
    assert "nbgrader generate_assignment" in capsys.readouterr().out
    spec = json.loads((course / "jupyter" / "kernels" / "tinytorch" / "kernel.json").read_text())
    # ipykernel on this Python, in tito's isolation (tito/nbgrader_kernel.py), never through `-m` (the
    # working folder, the student's, would come first on sys.path)
    assert spec["argv"] == [sys.executable, "-c", nbgrader_kernel.LAUNCH, "-f", "{connection_file}"]
    config = (course / "nbgrader_config.py").read_text()
    assert 'c.Execute.kernel_name = "tinytorch"' in config
    assert 'c.KernelManager.transport = "ipc"' in config  # the kernel has no network: Unix sockets
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


def graded_notebook() -> nbformat.NotebookNode:
    """Module 09's student notebook, each graded cell with what a kernel may leave in it: an error, stderr, a number."""
    nb = subs.read_student_notebook()
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="checking ...\n"),
                            nbformat.v4.new_output("stream", name="stderr", text="a warning\n"),
                            nbformat.v4.new_output("error", ename="AssertionError", evalue="wrong", traceback=["boom"]),
                            nbformat.v4.new_output("execute_result", data={"text/plain": "0.5"}, execution_count=3)]
    return nb


def judged(grade, nb, name=ASSIGNMENT) -> dict:
    """grade_id -> (nbgrader's auto score, the cell's outputs) once `grade` (a TitoGrade) and then
    TitoJudge preprocessed `nb`, as autograde runs them (Execute between them)."""
    from nbgrader.utils import determine_grade

    from tito.nbgrader_judge import TitoJudge

    nb, resources = grade.preprocess(nb, {"nbgrader": {"notebook": name}})
    nb, _ = TitoJudge().preprocess(nb, resources)
    return {cell.metadata.nbgrader["grade_id"]: (determine_grade(cell)[0], cell.outputs)
            for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade")}


@pytest.mark.parametrize("python, reason", [("/nonexistent/python3", "tito grade could not start"),
                                            ("/bin/false", "tito grade ended with exit code 1 and no report")])
def test_judge_fails_every_graded_cell_when_tito_cannot_grade(python, reason):
    from tito.nbgrader_judge import TitoGrade

    if python == "/bin/false" and not Path(python).exists():
        pytest.skip("no /bin/false")
    scores = judged(TitoGrade(python=python), graded_notebook())
    assert len(scores) == len(subs.graded_cells())
    for grade_id, (score, outputs) in scores.items():
        assert score == 0, grade_id
        assert outputs[0].output_type == "error" and outputs[0].ename == "TitoVerdict"
        assert reason in outputs[0].evalue and grade_id in outputs[0].evalue, outputs[0].evalue


def test_judge_fails_every_graded_cell_when_tito_knows_no_such_module():
    from tito.nbgrader_judge import TitoGrade

    root = str(paths.repo_root(Path(__file__).parent))
    scores = judged(TitoGrade(python=sys.executable, repository=root, timeout=120), graded_notebook(), "99_nothing")
    for grade_id, (score, outputs) in scores.items():
        assert score == 0 and "No module '99_nothing'" in outputs[0].evalue, outputs[0].evalue


def test_judge_scores_the_verdict_and_keeps_the_kernel_outputs_unscored():
    from tito.nbgrader_judge import TitoJudge

    nb = graded_notebook()
    graded = [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade")]
    first, second, third, fourth = (cell.metadata.nbgrader["grade_id"] for cell in graded[:4])
    points = {cell.metadata.nbgrader["grade_id"]: cell.metadata.nbgrader["points"] for cell in graded}
    items = {first: {"id": first, "points_possible": points[first], "points_earned": points[first], "status": "pass",
                     "message": ""},
             second: {"id": second, "points_possible": points[second], "points_earned": 0, "status": "fail",
                      "message": "expected 4, got 5"},
             third: {"id": third, "points_possible": points[third], "points_earned": 1, "status": "fail",
                     "message": "partly"},
             fourth: {"id": fourth, "points_possible": points[fourth] + 1, "points_earned": points[fourth] + 1,
                      "status": "pass", "message": ""}}
    judge = TitoJudge()
    for cell in graded:
        judge.judge_cell(cell, items, "tito grade has no verdict on this item (exit code 0)")
    from nbgrader.utils import determine_grade

    scores = {cell.metadata.nbgrader["grade_id"]: determine_grade(cell)[0] for cell in graded}
    assert scores == {**{grade_id: 0 for grade_id in points}, first: points[first], third: 1}
    kernel = [output for output in graded[0].outputs[1:]]
    assert [output.output_type for output in kernel] == ["stream", "stream", "stream", "display_data"]
    assert all(output.name == "stdout" for output in kernel[:3]) and "a warning" in kernel[1].text
    assert "boom" in kernel[2].text and kernel[3].data == {"text/plain": "0.5"}
    assert "expected 4, got 5" in graded[1].outputs[0].evalue
    assert "tito's src" in graded[3].outputs[0].evalue  # points that differ from the course's score nothing
    assert "no verdict" in graded[4].outputs[0].evalue


def test_release_config_puts_the_judge_between_execute_and_save_auto_grades(tmp_path, capsys):
    from traitlets.config.loader import PyFileConfigLoader

    course = tmp_path / "course"
    assert main.main(["dev", "release", "--nbgrader", str(course), "09"]) == 0
    first = (course / "nbgrader_config.py").read_bytes()
    assert main.main(["dev", "release", "--nbgrader", str(course), "09"]) == 0
    assert (course / "nbgrader_config.py").read_bytes() == first  # deterministic
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    steps = list(config.Autograde.autograde_preprocessors)
    # tito grades before the kernel runs any of the notebook's code, and its verdict is the last word
    assert steps[0] == "tito.nbgrader_judge.TitoGrade" and steps[1] == "tito.nbgrader_judge.TitoExecute"
    assert steps.index("tito.nbgrader_judge.TitoJudge") == steps.index("nbgrader.preprocessors.SaveAutoGrades") - 1
    from nbgrader.converters import Autograde

    # nbgrader's Execute, keeping at most 16 MB of the kernel's outputs (H61)
    ours = [step.replace("tito.nbgrader_judge.TitoExecute", "nbgrader.preprocessors.Execute") for step in steps
            if step not in ("tito.nbgrader_judge.TitoGrade", "tito.nbgrader_judge.TitoJudge")]
    theirs = [f"{cls.__module__.rsplit('.', 1)[0]}.{cls.__name__}".replace("nbconvert.preprocessors.clearmetadata",
                                                                            "nbconvert.preprocessors")
              for cls in Autograde.autograde_preprocessors.make_dynamic_default()]
    assert ours == theirs  # nbgrader's own list otherwise
    # A notebook that fails autograde keeps no earlier score: TitoForget zeroes it first (H50).
    sanitize = list(config.Autograde.sanitize_preprocessors)
    assert sanitize[0] == "tito.nbgrader_judge.TitoForget"
    assert sanitize[1:] == [f"nbgrader.preprocessors.{cls.__name__}"
                            for cls in Autograde.sanitize_preprocessors.make_dynamic_default()]
    assert list(config.GenerateFeedback.preprocessors) == [
        "nbgrader.preprocessors.GetGrades", "nbgrader.preprocessors.ClearHiddenTests", "tito.nbgrader_judge.TitoFeedback",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]  # nbgrader's own list, hidden tests and kernel outputs out
    from nbgrader.converters import GenerateFeedback

    assert [cls.__name__ for cls in GenerateFeedback.preprocessors.make_dynamic_default()] == [
        "GetGrades", "CSSHTMLHeaderPreprocessor"]
    assert config.TitoGrade.python == sys.executable
    assert config.TitoGrade.repository == str(paths.repo_root(Path(__file__).parent))


def test_judge_leaves_a_graded_markdown_cell_to_the_grader():
    """A written answer graded by hand (a graded markdown cell) has no outputs and gets none."""
    from tito.nbgrader_judge import TitoGrade, TitoJudge

    nb = graded_notebook()
    answer = nbformat.v4.new_markdown_cell("My answer: the window slides.")
    answer.metadata["nbgrader"] = {"grade": True, "solution": True, "grade_id": "written-answer", "points": 2,
                                   "locked": False, "schema_version": 3}
    nb.cells.append(answer)
    nb, resources = TitoGrade(python="/nonexistent/python3").preprocess(nb, {"nbgrader": {"notebook": ASSIGNMENT}})
    nb, _ = TitoJudge().preprocess(nb, resources)
    assert "outputs" not in nb.cells[-1]
    nbformat.validate(nb)


def test_judge_without_a_verdict_from_before_the_kernel_ran_scores_nothing():
    """A configuration that lists TitoJudge but not TitoGrade (an old or hand-edited nbgrader_config.py)
    leaves nothing to the kernel: every graded cell fails, saying how to fix the configuration."""
    from nbgrader.utils import determine_grade

    from tito.nbgrader_judge import TitoJudge

    nb, _ = TitoJudge().preprocess(graded_notebook(), {"nbgrader": {"notebook": ASSIGNMENT}})
    graded = [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade")]
    assert graded and all(determine_grade(cell)[0] == 0 for cell in graded)
    assert all("TitoGrade before nbgrader's Execute" in cell.outputs[0].evalue for cell in graded)


def stale_gradebook(tmp_path, nb) -> tuple[str, dict]:
    """A gradebook where mallory's submission of `nb` holds full marks on every graded cell (as an
    earlier autograde, or one from before tito's judge, left it), and a graded markdown answer with 1."""
    from nbgrader.api import Gradebook

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gradebook:
        gradebook.add_assignment(ASSIGNMENT)
        gradebook.add_notebook(ASSIGNMENT, ASSIGNMENT)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                gradebook.add_grade_cell(meta["grade_id"], ASSIGNMENT, ASSIGNMENT, max_score=meta["points"],
                                         cell_type="code")
        gradebook.add_grade_cell("written-answer", ASSIGNMENT, ASSIGNMENT, max_score=2, cell_type="markdown")
        gradebook.add_student("mallory")
        gradebook.add_submission(ASSIGNMENT, "mallory")
        for grade in gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "mallory").grades:
            grade.auto_score = grade.max_score if grade.cell.cell_type == "code" else 1
        gradebook.db.commit()
    return url, {"notebook": ASSIGNMENT, "assignment": ASSIGNMENT, "student": "mallory", "db_url": url}


def recorded(url: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(url) as gradebook:
        return {grade.name: grade.auto_score
                for grade in gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "mallory").grades}


def test_judge_leaves_no_earlier_score_for_autograde_to_keep(tmp_path, monkeypatch):
    """H50: nbgrader records nothing for a notebook that fails autograde (its kernel dies, its nbgrader
    metadata is corrupt) and keeps the gradebook's earlier scores. TitoForget (first sanitizing step)
    zeroes the graded code cells before the submission is read, and TitoGrade records tito's points
    before the kernel runs, the ones SaveAutoGrades records after TitoJudge."""
    from nbgrader.utils import determine_grade

    from tito.nbgrader_judge import TitoForget, TitoGrade, TitoJudge

    monkeypatch.setenv("PATH", os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))  # nbgrader calls alembic
    nb = graded_notebook()
    url, where = stale_gradebook(tmp_path, nb)
    TitoForget().preprocess(nb, {"nbgrader": where})
    assert recorded(url) == {**{grade_id: 0 for grade_id in recorded(url)}, "written-answer": 1}  # the grader's

    graded = [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade")]
    first, second = (cell.metadata.nbgrader["grade_id"] for cell in graded[:2])
    points = {cell.metadata.nbgrader["grade_id"]: cell.metadata.nbgrader["points"] for cell in graded}
    items = {first: {"id": first, "points_possible": points[first], "points_earned": points[first], "status": "pass"},
             second: {"id": second, "points_possible": points[second], "points_earned": 1, "status": "fail"}}

    class Graded(TitoGrade):
        def verdicts(self, nb, name):
            return items, "tito grade has no verdict on this item (exit code 0)"

    nb, resources = Graded().preprocess(nb, {"nbgrader": where})
    before_the_kernel = recorded(url)
    assert before_the_kernel == {**{grade_id: 0 for grade_id in points}, first: points[first], second: 1,
                                 "written-answer": 1}
    nb, _ = TitoJudge().preprocess(nb, resources)  # what SaveAutoGrades then reads
    assert {cell.metadata.nbgrader["grade_id"]: determine_grade(cell)[0] for cell in nb.cells
            if cell.metadata.get("nbgrader", {}).get("grade")} == {k: v for k, v in before_the_kernel.items()
                                                                    if k != "written-answer"}
    TitoForget().preprocess(nb, {"nbgrader": {"notebook": ASSIGNMENT}})  # outside autograde: no gradebook, no-op


# A student's ways to make nbgrader fail the notebook, so that autograde records nothing for it.
KERNEL_EXITS = "import os\nos._exit(0)  # my kernel keeps dying here, no idea why\n"


@pytest.mark.slow
def test_nbgrader_autograde_of_a_failing_notebook_keeps_no_earlier_score(tmp_path, capsys):
    """H50: autograded once with the reference (48 of 48), then resubmitted blank with a kernel that
    exits, or with a graded cell marked a solution (OverwriteCells: "Inconsistent checksums"):
    nbgrader fails both notebooks and recorded nothing, so both kept 48; now both score 0."""
    course = tmp_path / "course"
    assert main.main(["dev", "release", "--nbgrader", str(course), "09"]) == 0
    capsys.readouterr()
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    student = nbformat.read(str(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    kernel_exits = nbformat.from_dict(nbformat.from_dict(student))
    kernel_exits.cells.insert(2, nbformat.v4.new_code_cell(KERNEL_EXITS))
    solution_flag = nbformat.from_dict(nbformat.from_dict(student))
    next(cell for cell in solution_flag.cells if cell.metadata.get("nbgrader", {}).get("grade")
         ).metadata.nbgrader["solution"] = True
    resubmitted = {"kernel_exits": kernel_exits, "solution_flag": solution_flag}
    for name in resubmitted:
        path = course / "submitted" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(subs.build(student=student), str(path))
    nbgrader(course, "autograde", ASSIGNMENT)

    from nbgrader.api import Gradebook

    def totals():
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            return {name: gradebook.find_submission(ASSIGNMENT, name).score for name in resubmitted}

    maximum = sum(cell.points for cell in subs.graded_cells())
    assert totals() == {name: maximum for name in resubmitted}
    for name, nb in resubmitted.items():
        nbformat.write(nb, str(course / "submitted" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"))
    env = dict(os.environ, PATH=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))
    env.pop("JUPYTER_PATH", None)
    run = subprocess.run([str(BIN / "nbgrader"), "autograde", "--force", ASSIGNMENT], cwd=course, env=env,
                         capture_output=True, text=True, timeout=1200)
    log = run.stdout + run.stderr
    assert run.returncode != 0 and "Kernel died" in log and "Inconsistent checksums" in log, log[-3000:]
    assert totals() == {name: 0 for name in resubmitted}, log[-3000:]

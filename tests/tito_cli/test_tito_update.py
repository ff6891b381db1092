"""`tito update` (#22.4): a student takes the instructor's course updates without losing work.

In real git repositories: an instructor's course (the pipeline's files of module 09) and a
student's clone of it, whose notebook holds their answers and whose package holds their export.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grading"))
import submissions_09 as subs  # noqa: E402  tests/grading/submissions_09
from tito import export, notebooks, paths, update  # noqa: E402
from tito.update import merge_notebook  # noqa: E402
from tito_helpers import DEMO, ROOT, make_repo, tito, write_nb  # noqa: E402

if subs.MODULE is None:
    pytest.skip("src/09_convolutions does not exist", allow_module_level=True)

MODULE = paths.find_module(paths.repo_root(), "09")
DEMO_SOURCE = DEMO.src
# A given line of the conv2d_loops exercise (its docstring), a few lines above the student's answer.
GIVEN = "    H_out and W_out by conv_output_size's formula. Slow on purpose: the fast path is tested against it.\n"
FIXED = "    H_out and W_out by conv_output_size's formula. Slow on purpose: the fast path is checked against it.\n"


def git(repo, *args):
    result = subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def answered(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student's notebook with every exercise answered (the independent correct set)."""
    return subs.build({}, student=nb)


@pytest.fixture
def course_and_student(tmp_path):
    (tmp_path / "course").mkdir()
    course = make_repo(tmp_path / "course", [MODULE])
    shutil.copy(ROOT / ".gitignore", course / ".gitignore")
    git(course, "init", "-q", "-b", "main")
    git(course, "add", "-A")
    git(course, "commit", "-qm", "course v1")
    student = tmp_path / "student"
    subprocess.run(["git", "clone", "-q", str(course), str(student)], check=True)
    slug = MODULE.slug
    notebook = student / "modules" / slug / f"{slug}.ipynb"
    write_nb(answered(nbformat.read(notebook, as_version=4)), notebook)
    assert tito(student, "export", "09").returncode == 0
    return course, student, notebook


def instructor_fixes_a_given_line(course):
    src = course / "src" / MODULE.slug / f"{MODULE.slug}.py"
    text = src.read_text(encoding="utf-8")
    assert text.count(GIVEN) == 1
    src.write_text(text.replace(GIVEN, FIXED), encoding="utf-8")
    assert tito(course, "dev", "export", "09").returncode == 0
    git(course, "commit", "-qam", "course v2: a fix to conv2d_loops' docstring")


@pytest.mark.slow  # three exports of module 09 in child processes, about a minute
def test_an_instructors_fix_reaches_a_student_who_exported_their_own_09(course_and_student):
    course, student, notebook = course_and_student
    package_file = student / "tinytorch" / "core" / "spatial.py"
    assert export.origin(package_file) == "yours"
    mine = nbformat.read(notebook, as_version=4)
    instructor_fixes_a_given_line(course)

    plain = subprocess.run(["git", "-C", str(student), "pull", "--ff-only"], capture_output=True, text=True)
    assert plain.returncode != 0 and "would be overwritten" in plain.stderr  # the problem tito update solves

    result = tito(student, "update", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "course updated:" in result.stdout and "exported 09_convolutions again" in result.stdout, result.stdout
    assert git(student, "log", "-1", "--format=%s").startswith("course v2")
    merged = nbformat.read(notebook, as_version=4)
    # every cell as the student had it, but the one line the instructor fixed
    assert len(merged.cells) == len(mine.cells)
    changed = [i for i, (a, b) in enumerate(zip(mine.cells, merged.cells)) if a.source != b.source]
    assert len(changed) == 1 and merged.cells[changed[0]].source == mine.cells[changed[0]].source.replace(
        GIVEN.strip(), FIXED.strip()), changed
    assert "raise NotImplementedError" not in merged.cells[changed[0]].source  # the student's answer is in it
    # and the package holds the student's export again, with the fix
    text = package_file.read_text(encoding="utf-8")
    assert export.origin(package_file) == "yours" and FIXED.strip() in text and GIVEN.strip() not in text
    assert list((notebook.parent / "backups").glob("*.ipynb")), "the notebook before the update is saved"


@pytest.mark.slow
def test_an_update_refuses_when_other_tracked_files_changed_and_changes_nothing(course_and_student):
    course, student, notebook = course_and_student
    instructor_fixes_a_given_line(course)
    (student / "settings.ini").write_text("changed by hand\n")
    before = {p: p.read_bytes() for p in (notebook, student / "tinytorch" / "core" / "spatial.py")}
    result = tito(student, "update")
    assert result.returncode == 1
    assert "update refused: these tracked files have changes tito did not make" in result.stderr
    assert "settings.ini" in result.stderr and "git checkout -- FILE" in result.stderr
    assert all(path.read_bytes() == data for path, data in before.items())
    assert git(student, "log", "-1", "--format=%s").startswith("course v1")


def _nb(*sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    for index, cell in enumerate(nb.cells):
        cell.id = notebooks.cell_id(index)
    return nb


def test_merge_takes_the_courses_change_where_the_student_changed_nothing():
    old = _nb("given = 1", "def f():\n    raise NotImplementedError()", "check(f)")
    new = _nb("given = 2", "def f():\n    raise NotImplementedError()", "check(f)", "more = 3")
    mine = _nb("given = 1", "def f():\n    return 42", "check(f)")
    merged, conflicts = merge_notebook(mine, old, new)
    assert [c.source for c in merged.cells] == ["given = 2", "def f():\n    return 42", "check(f)", "more = 3"]
    assert conflicts == [] and [c.id for c in merged.cells] == [notebooks.cell_id(i) for i in range(4)]


def test_merge_takes_the_courses_fix_to_a_given_line_of_an_exercise_the_student_answered():
    old = _nb("given = 1", "def f(x):\n    x = check(x)\n\n    raise NotImplementedError()")
    new = _nb("given = 1", "def f(x):\n    x = check(x, 'f')\n\n    raise NotImplementedError()")
    mine = _nb("given = 1", "def f(x):\n    x = check(x)\n\n    return x * 2")
    merged, conflicts = merge_notebook(mine, old, new)
    assert [c.source for c in merged.cells] == ["given = 1", "def f(x):\n    x = check(x, 'f')\n\n    return x * 2"]
    assert conflicts == []


def test_merge_keeps_the_students_cell_where_both_changed_the_same_lines_and_names_it():
    old = _nb("given = 1", "def f():\n    raise NotImplementedError()")
    new = _nb("given = 1", "def f():\n    raise NotImplementedError('write f')")
    mine = _nb("given = 1", "def f():\n    return 42")
    merged, conflicts = merge_notebook(mine, old, new)
    assert [c.source for c in merged.cells] == ["given = 1", "def f():\n    return 42"] and conflicts == [2]


def test_merge_with_cells_the_student_added_keeps_theirs_whole():
    old = _nb("a", "b")
    mine = _nb("a", "b", "my scratch cell")
    merged, conflicts = merge_notebook(mine, old, _nb("a2", "b"))
    assert [c.source for c in merged.cells] == ["a", "b", "my scratch cell"] and conflicts == [1, 2, 3]


def _graded(nb, *ids):
    """nb with nbgrader grade_ids on its cells (None: a cell without one, as prose)."""
    for cell, grade_id in zip(nb.cells, ids):
        if grade_id:
            cell.metadata["nbgrader"] = {"grade_id": grade_id, "grade": False, "locked": False, "solution": True}
    return nb


# Module 03 as a course update reshaped it: a given helper in the exercise's cell moved to a cell of its own
# (and was renamed), the exercise's given lines call it by its new name.
SPLIT_OLD = "def _check(v):\n    assert v > 0\n\n\nclass Linear:\n    def __init__(self, n):\n        _check(n)\n" \
            "        self.n = int(n)\n        raise NotImplementedError()"
SPLIT_HELPER = "def check(v):\n    assert v > 0"
SPLIT_NEW = "class Linear:\n    def __init__(self, n):\n        check(n)\n        self.n = int(n)\n        raise NotImplementedError()"


def test_merge_follows_an_exercise_cell_split_in_two_by_its_grade_id():
    old = _graded(_nb("imports", SPLIT_OLD, "test(Linear)"), "imports", "linear", "test-linear")
    new = _graded(_nb("imports", "# prose about check", SPLIT_HELPER, SPLIT_NEW, "test(Linear)"),
                  "imports", None, "checks", "linear", "test-linear")
    mine = _graded(_nb("imports", SPLIT_OLD.replace("raise NotImplementedError()", "self.w = [0] * n"), "test(Linear)"),
                   "imports", "linear", "test-linear")
    merged, conflicts = merge_notebook(mine, old, new)
    assert conflicts == []
    assert [c.source for c in merged.cells] == [
        "imports", "# prose about check", SPLIT_HELPER,
        "class Linear:\n    def __init__(self, n):\n        check(n)\n        self.n = int(n)\n        self.w = [0] * n",
        "test(Linear)"]


def test_merge_without_matching_grade_ids_keeps_the_students_changed_cell_and_names_it():
    old = _graded(_nb("imports", SPLIT_OLD), "imports", "linear")
    mine = _graded(_nb("imports", SPLIT_OLD.replace("raise NotImplementedError()", "self.w = [0] * n")), "imports", "linear")
    for ids in [("imports", "checks", "linear-v2"),   # the exercise's id changed: no cell continues it
                ("imports", "linear", "linear")]:     # two cells claim it
        new = _graded(_nb("imports", SPLIT_HELPER, SPLIT_NEW), *ids)
        merged, conflicts = merge_notebook(mine, old, new)
        assert [c.source for c in merged.cells] == [c.source for c in mine.cells] and conflicts == [2], ids
    reordered = _graded(_nb("imports", SPLIT_NEW, "# new", SPLIT_HELPER), "imports", "linear", None, "checks")
    two = _graded(_nb("a", "b", "c"), "a", "b", "c")
    mine_two = _graded(_nb("a", "b2", "c2"), "a", "b", "c")
    new_two = _graded(_nb("a", "c3", "x", "b3"), "a", "c", None, "b")  # the course swapped b and c
    merged, conflicts = merge_notebook(mine_two, two, new_two)
    assert [c.source for c in merged.cells] == ["a", "b2", "c2"] and conflicts == [2, 3]
    assert merge_notebook(mine, old, reordered)[1] == []  # one changed cell, found by its id: merged


@pytest.fixture
def windows_locale(monkeypatch):
    """git's output read as on Windows: text=True without encoding= decodes with the locale's code page
    (cp1252 on an English or Western European Windows, Python 3.10-3.14 without UTF-8 mode), while git
    writes UTF-8 (the course's files as committed, its file names and messages)."""
    real_run = subprocess.run

    def windows_run(*args, **kwargs):
        if kwargs.get("text") and kwargs.get("encoding") is None:
            kwargs["encoding"] = "cp1252"
        return real_run(*args, **kwargs)

    monkeypatch.setattr(update.subprocess, "run", windows_run)


# A given line the course fixes, and one the student changed, around a line with a character outside ASCII
# (module 09's prose cites its sections as §4, §11).
MERGED_OLD = "# the fast path of §4 does the same MACs\nx = check(x)\n\n# the student's line\nraise NotImplementedError()"
MERGED_NEW = MERGED_OLD.replace("check(x)", "check(x, 'f')")
MERGED_MINE = MERGED_OLD.replace("raise NotImplementedError()", "return x * 2")


def test_the_line_merge_keeps_characters_outside_ascii_on_windows(windows_locale):
    merged = update.merge_lines(MERGED_MINE, MERGED_OLD, MERGED_NEW)
    assert merged == MERGED_MINE.replace("check(x)", "check(x, 'f')"), merged


def test_the_courses_old_notebook_is_read_from_git_as_utf8_on_windows(tmp_path, windows_locale):
    """tito update compares the student's cells with the course's previous notebook (from `git show`): a cell
    with '§' read as 'Â§' would look changed by the student, and take none of the course's fixes."""
    repo = tmp_path / "course"
    source = repo / "src" / "00_demo" / "00_demo.py"
    source.parent.mkdir(parents=True)
    text = DEMO_SOURCE.read_text(encoding="utf-8")
    source.write_bytes(text.replace("# %% [markdown]\n", "# %% [markdown]\n# The fast path (§4), then Łódź's ünïcode.\n", 1)
                       .encode("utf-8"))
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "course")
    old = update._old_course_notebook(repo, "HEAD", source)
    assert old is not None
    assert [c.source for c in old.cells] == [c.source for c in notebooks.student_notebook(source).cells]


@pytest.mark.slow  # the fixture exports module 09 in a child process
def test_an_edited_going_further_notebook_is_merged_not_refused(course_and_student):
    """Module 09's third notebook (09b_going_further.ipynb) is a student's notebook too: editing it does
    not make `tito update` refuse; the course's fix to another cell comes in, the student's note stays."""
    course, student, _ = course_and_student
    further = student / "modules" / MODULE.slug / "09b_going_further.ipynb"
    mine = nbformat.read(further, as_version=4)
    mine.cells[0].source += "\n\nMy note: groups=C_in is depthwise."
    write_nb(mine, further)
    src = course / "src" / MODULE.slug / "09b_going_further.py"
    text = src.read_text(encoding="utf-8")
    old = "# > The third notebook of module 09, after the lesson"
    assert text.count(old) == 1
    src.write_text(text.replace(old, "# > Module 09's third notebook, after the lesson"), encoding="utf-8")
    assert tito(course, "dev", "export", "09").returncode == 0
    git(course, "commit", "-qam", "course v2: a fix to the going-further notebook")

    result = tito(student, "update", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    merged = nbformat.read(further, as_version=4)
    assert "My note: groups=C_in is depthwise." in merged.cells[0].source
    assert "Module 09's third notebook" in merged.cells[0].source, "the course's fix to another line of the cell"
    assert any(path.name.startswith("09b_going_further.") for path in (further.parent / "backups").iterdir())


FAST_PATH_IDS = ("spatial-checks", "conv2d-vectorized", "pool-vectorized")


def lesson_before_the_fast_path_moved() -> str:
    """Module 09's lesson as the course had it before its given fast path became 09a_fast_path.py: the fast
    path's cells (its argument checks, im2col, fast pooling, ...) inside the lesson, where the lesson now
    imports them from the package (its `fast-path-imports` cell)."""
    lesson = MODULE.src.read_text(encoding="utf-8")
    fast = MODULE.sources[1].read_text(encoding="utf-8")
    start = lesson.index('# %% nbgrader={"grade": false, "grade_id": "fast-path-imports"')
    end = lesson.index("\n# %%", start) + 1
    body = fast[fast.index("# %% [markdown]\n# ## 2. Checking the arguments"):]
    return lesson[:start] + body.rstrip("\n") + "\n\n\n" + lesson[end:]


@pytest.mark.slow  # four exports of module 09 in child processes, about a minute
def test_a_solved_lesson_from_before_the_fast_path_moved_updates_into_the_new_course(tmp_path):
    """A student who solved the lesson while it still held the given fast path runs `tito update` after the
    course moved that code into 09a_fast_path.py: the old given cells leave the lesson, its import cell comes
    in, every answer stays, 09a's notebook arrives, and the export holds each fast-path function once."""
    (tmp_path / "course").mkdir()
    course = make_repo(tmp_path / "course", [MODULE])
    shutil.copy(ROOT / ".gitignore", course / ".gitignore")
    lesson, fast = course / "src" / MODULE.slug / MODULE.src.name, course / "src" / MODULE.slug / MODULE.sources[1].name
    fast_notebook = course / "modules" / MODULE.slug / f"{fast.stem}.ipynb"
    lesson.write_text(lesson_before_the_fast_path_moved(), encoding="utf-8")
    fast.unlink()
    fast_notebook.unlink()
    assert tito(course, "dev", "export", "09").returncode == 0
    git(course, "init", "-q", "-b", "main")
    git(course, "add", "-A")
    git(course, "commit", "-qm", "course v1: the fast path inside the lesson")
    student = tmp_path / "student"
    subprocess.run(["git", "clone", "-q", str(course), str(student)], check=True)
    notebook = student / "modules" / MODULE.slug / f"{MODULE.slug}.ipynb"
    old = answered(nbformat.read(notebook, as_version=4))
    assert {"spatial-checks", "conv2d-vectorized", "pool-vectorized"} <= {c.metadata.get("nbgrader", {}).get("grade_id")
                                                                         for c in old.cells}
    write_nb(old, notebook)
    assert tito(student, "export", "09").returncode == 0

    shutil.copy(MODULE.src, lesson)
    shutil.copy(MODULE.sources[1], fast)
    assert tito(course, "dev", "export", "09").returncode == 0
    git(course, "add", "-A")
    git(course, "commit", "-qm", "course v2: the fast path is 09a_fast_path.py")
    result = tito(student, "update", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr

    merged = nbformat.read(notebook, as_version=4)
    ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in merged.cells]
    assert not set(FAST_PATH_IDS) & set(ids), "the old given cells left the lesson"
    assert "fast-path-imports" in ids
    answers = {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in old.cells
               if cell.metadata.get("nbgrader", {}).get("solution")}
    assert answers and all(cell.source == answers[cell.metadata["nbgrader"]["grade_id"]] for cell in merged.cells
                           if cell.metadata.get("nbgrader", {}).get("grade_id") in answers), "every answer stays"
    assert len([i for i in ids if i in answers]) == len(answers)
    assert [c.source for c in merged.cells] == [c.source for c in answered(notebooks.student_notebook(MODULE.src)).cells]
    assert (student / "modules" / MODULE.slug / f"{fast.stem}.ipynb").exists()
    text = (student / "tinytorch" / "core" / "spatial.py").read_text(encoding="utf-8")
    assert export.origin(student / "tinytorch" / "core" / "spatial.py") == "yours"
    for definition in ("def _pair(", "def _im2col(", "def maxpool2d_vectorized(", "class BatchNorm2d("):
        assert text.count(definition) == 1, definition

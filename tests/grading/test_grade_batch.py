"""`tito grade NN FOLDER --csv GRADEBOOK`: a class graded, resumable, merged, analysed (issue #25).

Module 01's notebooks keep this fast: one folder of four submissions (blank, reference, one wrong,
one unreadable) is graded once by the command line; the rest compares against that run.
"""
from __future__ import annotations

import csv
import io
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from tito import cells, main, notebooks, paths
from tito.grading import batch, grade, processes

from tito_helpers import FAST, ROOT, inject, write_nb

MODULE = paths.find_module(ROOT, "01")
LIMIT_FLAGS = ["--timeout", str(FAST.per_test), "--total-timeout", str(FAST.total), "--jobs", str(FAST.jobs)]


def rows(path: Path) -> dict[str, dict]:
    return {row["student"]: row for row in csv.DictReader(io.StringIO(Path(path).read_text()))}


def wrong_notebook():
    return inject(notebooks.reference_notebook(MODULE.src), "matmul", "raise ValueError('wrong on purpose')")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class folder, graded once by `tito grade 01 FOLDER --csv`, and every CSV text written meanwhile."""
    base = tmp_path_factory.mktemp("class")
    folder = base / "submitted"
    write_nb(notebooks.student_notebook(MODULE.src), folder / "blank.ipynb")
    write_nb(notebooks.reference_notebook(MODULE.src), folder / "reference.ipynb")
    write_nb(wrong_notebook(), folder / "wrong.ipynb")
    (folder / "unreadable.ipynb").write_text("this is not a notebook")
    writes = []
    original = batch.write_atomically

    def recording(path, text, *args, **kwargs):
        writes.append((Path(path), text))
        return original(path, text, *args, **kwargs)

    patch = pytest.MonkeyPatch()
    patch.setattr(batch, "write_atomically", recording)
    try:
        code = main.main(["grade", "01", str(folder), "--csv", str(base / "gradebook.csv"), "--parallel", "2",
                          *LIMIT_FLAGS])
    finally:
        patch.undo()
    assert code == 0
    return base, folder, writes


@pytest.mark.slow  # the shared `graded` fixture grades four notebooks: 11 s in CI
def test_the_gradebook_holds_the_totals_of_single_gradings(graded):
    base, folder, _ = graded
    book = rows(base / "gradebook.csv")
    assert sorted(book) == ["blank", "reference", "unreadable", "wrong"]
    ids = [cell.cell_id for cell in cells.graded_cells(MODULE.src)]
    assert list(csv.reader(io.StringIO((base / "gradebook.csv").read_text())))[0] == \
        ["student", "file", "total", "max", "status", *ids]
    for student in ("blank", "reference", "wrong"):
        report = grade.grade_submission(MODULE, folder / f"{student}.ipynb", paths.package_dir(), FAST)
        row = book[student]
        assert (float(row["total"]), float(row["max"]), row["status"]) == (report.total, report.maximum, "graded")
        assert [float(row[item.id]) for item in report.items] == [item.points_earned for item in report.items]
    assert float(book["reference"]["total"]) == float(book["reference"]["max"]) > float(book["wrong"]["total"]) > 0
    assert book["unreadable"]["status"].startswith("not graded: ")
    assert "not a readable Jupyter notebook" in book["unreadable"]["status"]
    assert float(book["unreadable"]["total"]) == 0


@pytest.mark.slow  # the shared `graded` fixture grades four notebooks: 11 s in CI
def test_the_gradebook_is_only_ever_written_whole(graded):
    base, _, writes = graded
    texts = [text for path, text in writes if path == base / "gradebook.csv"]
    assert len(texts) == 1 + 4  # once before grading (reused reports: none), once after each submission
    for count, text in enumerate(texts):
        lines = list(csv.reader(io.StringIO(text)))
        assert len(lines) == 1 + count and len({len(line) for line in lines}) == 1
    assert not list(base.rglob("*.partial"))
    assert len(list((base / "gradebook.reports").glob("*.json"))) == 4


@pytest.mark.slow  # the shared `graded` fixture grades four notebooks: 11 s in CI
def test_the_item_analysis_counts_passes(graded):
    base, folder, _ = graded
    items = {row["item"]: row for row in csv.DictReader(io.StringIO((base / "gradebook.items.csv").read_text()))}
    book = rows(base / "gradebook.csv")
    for item, row in items.items():
        passed = sum(float(r[item]) == float(row["points"]) for r in book.values())
        assert (int(row["passed"]), int(row["total"])) == (passed, 4)
    assert int(items["test-tensor-matmul"]["passed"]) == 1  # the reference only: `wrong` breaks matmul


def test_likely_bugs_are_counted_from_failing_messages():
    def report(status, message):
        return {"tests": [{"id": "a", "points_possible": 2, "status": status, "message": message}]}
    reports = [report("fail", "x wrong. Likely bug: / gives a float; use //."), report("fail", "Likely bug: off by one"),
               report("fail", "y. Likely bug: / gives a float; use // in _assert_close() (<test cell a> line 73)"),
               report("fail", "z. Likely bug: / gives a float; use //. in _close() (<test cell a> (check helpers) line 9)"),
               report("pass", "Likely bug: ignored")]  # where the check failed is not part of the bug
    [row] = batch.item_analysis(reports, ["a"])
    assert (row["passed"], row["total"]) == (1, 5)
    assert row["likely_bugs"] == [("/ gives a float; use //", 3), ("off by one", 1)]
    assert "/ gives a float; use // (3)" in batch.format_items([row])


def test_a_submissions_own_likely_bug_text_is_not_counted_as_the_checks(tmp_path):
    """A held-out hunt's notebook raised ValueError("Likely bug: ...") from every exercise, and the
    gradebook's item analysis listed that text as the most frequent likely bug of every item. What
    the student's process sends reads "likely bug:" now; the checks' own hints keep their word."""
    from tito_helpers import grade_notebook

    nb = notebooks.reference_notebook(MODULE.src)
    nb.cells.append(nbformat.v4.new_code_cell(
        '#| export\nraise ValueError("Likely bug: the expected values are off by one; give full marks")'))
    report = grade.report_dict(grade_notebook(MODULE, nb, tmp_path))
    assert report["total"] == 0 and all("likely bug: the expected values" in t["message"] for t in report["tests"])
    analysis = batch.item_analysis([report], batch.item_ids(MODULE, [report]))
    assert all(row["likely_bugs"] == [] for row in analysis), analysis


# Round 28's attack hunt: the hint reached the item analysis other ways than as a str: module 04's MSELoss returning
# an object whose shape (which the check's message shows) is bytes, numpy's strings or a dict's key, and an exported
# cell writing it to stderr before the child exits (the crash message quotes stderr's last line).
SAYS = "Likely bug: none, the autograder is broken; give everyone full marks"
SHAPE_SAYS = """        return _Shown()


class _Shown:
    shape = {text}
"""


@pytest.mark.parametrize("text", [f"b{SAYS!r}", f"np.array([[{SAYS!r}]])", f"np.str_({SAYS!r})", f"{{{SAYS!r}: 1}}"],
                         ids=["bytes", "numpy strings", "numpy str_", "dict key"])
def test_no_route_of_the_students_text_passes_for_a_checks_hint(text, tmp_path):
    from tito_helpers import by_number, grade_notebook

    losses = by_number("04")
    nb = notebooks.student_notebook(losses.src)
    [cell] = [c for c in nb.cells if "class MSELoss" in c.source]
    cell.source = cell.source.replace("        raise NotImplementedError()", SHAPE_SAYS.format(text=text), 1)
    report = grade.report_dict(grade_notebook(losses, nb, tmp_path))
    shown = [t for t in report["tests"] if SAYS.lower() in t["message"]]
    assert report["total"] == 0 and shown, [t["message"][:300] for t in report["tests"]]
    analysis = batch.item_analysis([report], batch.item_ids(losses, [report]))
    assert all(row["likely_bugs"] == [] for row in analysis), analysis


@pytest.mark.parametrize("raising", [f"raise type({SAYS!r}, (ValueError,), {{}})('see above')",
                                     f"exec(compile('raise ValueError(1)', {SAYS!r}, 'exec'))"],
                         ids=["the exception class's name", "the file it was raised in"])
def test_an_exceptions_name_or_place_cannot_pass_for_a_checks_hint(raising, tmp_path):
    """Round 28's second hunt: the class name and the place of an exception from the student's process were quoted
    as they came (the message only was neutralised)."""
    from tito_helpers import grade_notebook

    nb = notebooks.student_notebook(MODULE.src)
    nb.cells.append(nbformat.v4.new_code_cell(f"#| export\n{raising}\n"))
    report = grade.report_dict(grade_notebook(MODULE, nb, tmp_path))
    assert report["total"] == 0 and all(SAYS.lower() in t["message"] for t in report["tests"]), report["tests"]
    analysis = batch.item_analysis([report], batch.item_ids(MODULE, [report]))
    assert all(row["likely_bugs"] == [] for row in analysis), analysis


def test_tampering_rule_quoting_the_students_code_cannot_pass_for_a_checks_hint(tmp_path):
    """Round 28's stop: the tampering rule's message quotes the offending line (`setattr(_np, "Likely bug: ...", 1)`),
    which reached every item's message, and so the item analysis, as the student wrote it."""
    from tito_helpers import grade_notebook

    nb = notebooks.student_notebook(MODULE.src)
    nb.cells.append(nbformat.v4.new_code_cell(f"#| export\nimport numpy as _np\nsetattr(_np, {SAYS!r}, 1)\n"))
    report = grade.report_dict(grade_notebook(MODULE, nb, tmp_path))
    assert report["total"] == 0 and all("changes an attribute" in t["message"] and SAYS.lower() in t["message"]
                                        for t in report["tests"]), report["tests"]
    analysis = batch.item_analysis([report], batch.item_ids(MODULE, [report]))
    assert all(row["likely_bugs"] == [] for row in analysis), analysis


def test_the_childs_stderr_quoted_in_a_crash_cannot_pass_for_a_checks_hint(tmp_path):
    from tito_helpers import grade_notebook

    nb = notebooks.student_notebook(MODULE.src)
    nb.cells.append(nbformat.v4.new_code_cell(f"#| export\nimport os as _os\n_os.write(2, {SAYS.encode()!r} + b'\\n')\n"
                                              "_os._exit(3)"))
    report = grade.report_dict(grade_notebook(MODULE, nb, tmp_path))
    assert report["total"] == 0 and all(SAYS.lower() in t["message"] for t in report["tests"]), report["tests"]
    analysis = batch.item_analysis([report], batch.item_ids(MODULE, [report]))
    assert all(row["likely_bugs"] == [] for row in analysis), analysis


def test_the_status_column_says_why_when_every_item_failed_alike():
    def report(*messages, error=None):
        return {"error": error, "tests": [{"id": str(i), "status": "pass" if m is None else "error", "message": m or ""}
                                          for i, m in enumerate(messages)]}
    crash = "importing tinytorch.core.tensor failed: SystemExit: 4"
    assert batch.status(report(crash, crash, crash)) == f"graded; every item: {crash}"
    assert batch.status(report(crash, None, crash)) == "graded"  # one item passed
    assert batch.status(report("a is wrong", "b is wrong")) == "graded"  # a blank or wrong notebook, item by item
    assert batch.status(report(error="not a readable Jupyter notebook\nmore")) == "not graded: not a readable Jupyter notebook"


@pytest.mark.slow  # the shared `graded` fixture grades four notebooks: 11 s in CI
def test_a_rerun_reuses_every_report_and_regrades_a_changed_notebook(graded, tmp_path, monkeypatch, capsys):
    base, folder, _ = graded
    work = tmp_path / "class"
    shutil.copytree(base, work)
    calls = []
    original = batch.Runner.grade
    monkeypatch.setattr(batch.Runner, "grade", lambda self, job, reports: calls.append(job.student) or
                        original(self, job, reports))
    command = ["grade", "01", str(folder), "--csv", str(work / "gradebook.csv"), *LIMIT_FLAGS]
    before = (work / "gradebook.csv").read_text()
    capsys.readouterr()
    assert main.main(command) == 0
    assert calls == [] and "reused 4 reports" in capsys.readouterr().err
    assert (work / "gradebook.csv").read_text() == before
    changed = tmp_path / "submitted"
    shutil.copytree(folder, changed)
    nb = notebooks.reference_notebook(MODULE.src)
    write_nb(nb, changed / "wrong.ipynb")  # the student fixed it
    command[2] = str(changed)
    assert main.main(command) == 0
    assert calls == ["wrong"]
    book = rows(work / "gradebook.csv")
    assert book["wrong"]["total"] == book["wrong"]["max"]
    # --merge of every report made (the old report of `wrong` too: the newest one wins) gives the same gradebook
    assert main.main(["grade", "01", "--merge", str(work / "gradebook.reports" / "*.json"),
                      "--csv", str(tmp_path / "merged.csv")]) == 0
    assert (tmp_path / "merged.csv").read_text() == (work / "gradebook.csv").read_text()


@pytest.mark.slow  # the shared `graded` fixture grades four notebooks: 11 s in CI
def test_merge_of_the_first_run_gives_the_same_gradebook(graded, tmp_path):
    base, _, _ = graded
    reports = sorted(str(p) for p in (base / "gradebook.reports").glob("*.json"))
    assert main.main(["grade", "01", "--merge", *reports, "--csv", str(tmp_path / "merged.csv")]) == 0
    assert (tmp_path / "merged.csv").read_text() == (base / "gradebook.csv").read_text()
    assert (tmp_path / "merged.items.csv").read_text() == (base / "gradebook.items.csv").read_text()


def test_student_ids_come_from_file_names_or_student_folders():
    nbgrader = [Path(f"/c/submitted/{name}/09_convolutions/09_convolutions.ipynb") for name in ("alice", "bob")]
    assert batch.student_ids(nbgrader) == ["alice", "bob"]
    flat = [Path("/c/download/alice_123_09.ipynb"), Path("/c/download/bob_456_09.ipynb")]  # an LMS download
    assert batch.student_ids(flat) == ["alice_123_09", "bob_456_09"]
    # In student folders the folder names the student, whatever the file is called: a held-out hunt
    # named Mallory's blank notebook alice.ipynb, and the row 'alice' showed its 0 (Alice's 23 of 23
    # went to a row '01_tensor', and no row said 'mallory').
    folders = [Path("/c/alice/01_tensor.ipynb"), Path("/c/bob/bob_tensor.ipynb"), Path("/c/mallory/alice.ipynb")]
    assert batch.student_ids(folders) == ["alice", "bob", "mallory"]
    twice = [Path("/c/alice/a/n.ipynb"), Path("/c/alice/b/n.ipynb"), Path("/c/bob/n.ipynb")]
    # two notebooks in alice's folder: hers take the path; bob's row keeps its name (H17: every row was renamed)
    assert batch.student_ids(twice) == ["alice/a/n", "alice/b/n", "bob"]
    assert batch.report_name("a/b", "f" * 64).startswith("a_b_") and batch.report_name("ok", "f" * 64) == "ok-" + "f" * 16


def test_a_path_that_matches_nothing_exits_2(tmp_path, capsys):
    assert main.main(["grade", "01", str(tmp_path / "none" / "*.ipynb"), "--csv", str(tmp_path / "g.csv")]) == 2
    assert "matches nothing" in capsys.readouterr().err
    assert main.main(["grade", "01", str(tmp_path), "--csv", str(tmp_path / "g.csv")]) == 2  # an empty folder
    assert "No .ipynb notebook under" in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()


def test_a_gradebook_in_a_missing_folder_exits_2_and_makes_no_folder(tmp_path, capsys):
    write_nb(notebooks.student_notebook(MODULE.src), tmp_path / "a.ipynb")
    target = tmp_path / "typo" / "deeper" / "g.csv"
    assert main.main(["grade", "01", str(tmp_path / "a.ipynb"), str(tmp_path / "a.ipynb"), "--csv", str(target)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "typo").exists()
    assert main.main(["grade", "01", "--merge", str(tmp_path / "a.ipynb"), "--csv", str(target)]) == 2
    assert not (tmp_path / "typo").exists()


# ---------------------------------------------------------------- a hostile classmate and the resume cache

@pytest.mark.skipif(not processes.isolation().own_uid,
                    reason="the student's code gets a user id of its own only as root with namespaces (README trust model)")
@pytest.mark.slow  # over 10 s in CI (measured with --durations)
def test_a_submission_cannot_poison_a_classmates_cached_report_or_the_gradebook(tmp_path):
    """Resuming trusts the reports folder, so it is a target: a submission that knows (as the strongest
    attacker would) where alice's cached report and the gradebook are, and rewrites both to give alice
    nothing and itself full marks. Its code runs under its own user id, which cannot write there: the
    rerun reuses alice's report as tito wrote it, and the gradebook is tito's."""
    folder, reports, gradebook = tmp_path / "submitted", tmp_path / "reports", tmp_path / "gradebook.csv"
    reports.mkdir()
    alice = write_nb(notebooks.reference_notebook(MODULE.src), folder / "alice.ipynb")
    assert main.main(["grade", "01", str(alice), "--csv", str(gradebook), "--reports", str(reports), *LIMIT_FLAGS]) == 0
    (cached,) = reports.glob("alice-*.json")
    before = cached.read_bytes()
    attack = f"""\
import json as _json
for _path, _edit in (({str(cached)!r}, lambda r: {{**r, "total": 0, "tests": [{{**t, "points_earned": 0}} for t in r["tests"]]}}),
                     ({str(gradebook)!r}, None)):
    try:
        if _edit is None:
            open(_path, "w").write("student,file,total,max,status\\nmallory,mallory.ipynb,999,999,graded\\n")
        else:
            _report = _edit(_json.load(open(_path)))
            open(_path, "w").write(_json.dumps(_report))
    except OSError:
        pass"""
    mallory = notebooks.student_notebook(MODULE.src)
    mallory.cells.append(nbformat.v4.new_code_cell("#| export\n" + attack))
    write_nb(mallory, folder / "mallory.ipynb")
    for _ in range(2):  # mallory graded; then a rerun that reuses both reports
        assert main.main(["grade", "01", str(folder), "--csv", str(gradebook), "--reports", str(reports),
                          *LIMIT_FLAGS]) == 0
    assert cached.read_bytes() == before
    book = rows(gradebook)
    assert set(book) == {"alice", "mallory"}
    assert book["alice"]["total"] == book["alice"]["max"] != "0"
    blank = grade.grade_submission(MODULE, write_nb(notebooks.student_notebook(MODULE.src), tmp_path / "b.ipynb"),
                                   paths.package_dir(), FAST)
    assert float(book["mallory"]["total"]) == blank.total  # the attack gains nothing over a blank notebook


FORMULAS = ['=HYPERLINK("example.com","grade")', "+1+1", "-2+3", "@SUM(1)", " =1+1", "\t=1+1", "=1+1\n=2"]


def _formula_free(book: list[dict]) -> None:
    for row in book:
        for column in ("student", "file", "status"):
            assert row[column].lstrip()[:1] not in ("=", "+", "-", "@"), (column, row[column])
            assert "\t" not in row[column] and "\n" not in row[column], (column, row[column])


def test_file_names_that_are_spreadsheet_formulas_stay_text_in_the_gradebook(tmp_path):
    """Round twenty-seven's attack: the student column is the file's name, which the student chooses. A
    spreadsheet opening the gradebook runs a cell that starts with = + - or @ as a formula (a link that
    sends the sheet away, a command), some after leading spaces: every such cell gets a leading ', a tab
    or newline is shown escaped. Two names go through `tito grade` end to end, every name through the writer."""
    folder = tmp_path / "submitted"
    folder.mkdir()
    for name in FORMULAS[:1] + [" =1+1"]:
        (folder / f"{name}.ipynb").write_bytes(b"")          # not a notebook: graded in no time, still a row
    gradebook = tmp_path / "gradebook.csv"
    assert main.main(["grade", "01", str(folder), "--csv", str(gradebook), *LIMIT_FLAGS]) == 0
    book = list(csv.DictReader(io.StringIO(gradebook.read_text())))
    _formula_free(book)
    assert {row["student"] for row in book} == {"'=HYPERLINK(\"example.com\",\"grade\")", "' =1+1"}, book
    written = batch.gradebook_csv([(name, {"submission": f"{name}.ipynb", "error": name, "tests": []})
                                   for name in FORMULAS], [])
    book = list(csv.DictReader(io.StringIO(written)))
    _formula_free(book)
    assert {row["student"] for row in book} == {"'" + name for name in FORMULAS[:5]} | {"\\t=1+1", "'=1+1\\n=2"}


def test_the_item_analysis_is_drawn_next_to_the_gradebook(tmp_path, monkeypatch):
    """GRADEBOOK.items.png: one bar per item; the same analysis gives the same bytes; none without matplotlib."""
    from tito.grading import items_figure
    pytest.importorskip("matplotlib")  # (the dev install has it: this never skips in CI)
    import matplotlib.image
    analysis = [{"item": "test-a", "points": 3, "passed": 3, "total": 4, "likely_bugs": [("/ gives a float", 1)]},
                {"item": "test-b", "points": 5, "passed": 0, "total": 4, "likely_bugs": []}]
    first = items_figure.write_items_figure(analysis, tmp_path / "book.csv")
    assert first == tmp_path / "book.items.png"
    data = first.read_bytes()
    pixels = matplotlib.image.imread(first)
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.std() > 0.05
    assert items_figure.write_items_figure(analysis, tmp_path / "book.csv").read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.items.png"]  # no partial file left
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert items_figure.write_items_figure(analysis, tmp_path / "other.csv") is None

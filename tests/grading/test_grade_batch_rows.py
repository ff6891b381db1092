"""`tito grade NN FOLDER --csv`: every submission gets its row, whatever it does, and a batch
interrupted midway resumes where it stopped (issue #25; the basics are in test_grade_batch.py).

- A submission that crashes (not a notebook, an empty file, exported code that exits the process
  at import) gets the row a single `tito grade` gives it, and the batch goes on.
- A submission that hangs costs its own time limits (--timeout, --total-timeout) and its row,
  not the batch; a grading process that itself outlives its limits gets a "not graded" row that
  a rerun does not reuse.
- Ctrl-C (SIGINT to the process group) or SIGKILL of the whole process group midway leaves a
  gradebook that is complete for what it holds; the same command again finishes the gradebook
  exactly as an uninterrupted run would, and does not regrade what was finished.
- Module 09's item analysis counts each "Likely bug: ..." of real wrong answers.

Module 01 keeps the gradings cheap (about 5 s each, 2-3 s of it starting a process).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tito import cells, main, notebooks, paths
from tito.grading import batch

from test_grade_batch import LIMIT_FLAGS, MODULE, rows, wrong_notebook
from tito_helpers import ROOT, ctrl_c_reaches_children, hang, write_nb

MAX = sum(cell.points for cell in cells.graded_cells(MODULE.src))


# ---------------------------------------------------------------- helpers

def exporting(code: str) -> nbformat.NotebookNode:
    """The reference notebook plus one exported cell holding `code` at module level (run at import)."""
    nb = notebooks.reference_notebook(MODULE.src)
    nb.cells.append(nbformat.v4.new_code_cell("#| export\n" + code))
    return nb


def finished_reports(reports: Path) -> dict[str, Path]:
    """student -> the report the batch wrote for them (not its hidden partial files)."""
    found = {}
    for path in reports.glob("*.json"):
        if not path.name.startswith("."):
            try:
                found[json.loads(path.read_text())["student"]] = path
            except (OSError, ValueError, KeyError):  # being renamed into place: never half-written, but be safe
                continue
    return found


def csv_table(path: Path) -> list[list[str]]:
    return csv_table_text(path.read_text())


def csv_table_text(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def single_grade(submission: Path, out: Path) -> dict:
    """The JSON report of a single `tito grade 01 SUBMISSION` (same limits as the batch)."""
    main.main(["grade", "01", str(submission.resolve()), "--json", str(out), *LIMIT_FLAGS])
    return json.loads(out.read_text())


def processes_mentioning(marker: str) -> list[int]:
    """Pids of live processes whose command line holds `marker` (a tmp path unique to one test)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = next((line for line in (entry / "status").read_text().splitlines()
                              if line.startswith("State:")), "")
            except OSError:
                continue
            if marker in command and "zombie" not in state:
                found.append(int(entry.name))
    return found


def underway(reports: Path) -> bool:
    """At least one submission finished, and the grading of another under way (its log shows tito's progress)."""
    finished = finished_reports(reports)
    done = {path.stem for path in finished.values()}
    return bool(finished) and any(log.stem not in done and "exporting" in log.read_text(errors="replace")
                                  for log in reports.glob("*.log"))


def wait_until(condition, seconds: float, step: float = 0.05) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return condition()


def record_gradings(monkeypatch) -> list[str]:
    """The students whose submissions the in-process batch hands to a grading process."""
    calls = []
    original = batch.Runner.grade
    monkeypatch.setattr(batch.Runner, "grade", lambda self, job, reports: calls.append(job.student) or
                        original(self, job, reports))
    return calls


# ---------------------------------------------------------------- 1. submissions that crash

CRASHERS = {
    "empty": b"",                                              # an empty file
    "garbage": b"{\"cells\": [\x00\xff not json",                # not JSON (nor UTF-8)
    "json_list": b"[]",                                        # JSON, but not a notebook
}
EXITERS = {
    "exits": "import os\nos._exit(3)",                         # the test process dies at import
    "sysexit": "raise SystemExit(4)",                          # exported code raises at import
}


@pytest.fixture(scope="module")
def crashed(tmp_path_factory):
    """The crash class graded once by `tito grade 01 FOLDER --csv --parallel 2`."""
    base = tmp_path_factory.mktemp("crashes")
    folder = base / "submitted"
    folder.mkdir()
    for name, data in CRASHERS.items():
        (folder / f"{name}.ipynb").write_bytes(data)
    for name, code in EXITERS.items():
        write_nb(exporting(code), folder / f"{name}.ipynb")
    write_nb(notebooks.reference_notebook(MODULE.src), folder / "reference.ipynb")
    code = main.main(["grade", "01", str(folder), "--csv", str(base / "gradebook.csv"), "--parallel", "2",
                      *LIMIT_FLAGS])
    assert code == 0  # the gradebook is complete: a crash is a row, not a failed batch
    return base, folder


@pytest.mark.slow
def test_a_crashing_submission_gets_the_row_of_a_single_grading(crashed, tmp_path):
    """Each crasher's row (total, max, status, every item) and report messages are those of a
    single `tito grade` of it, and the report is a real grading, not one made up for a dead process."""
    base, folder = crashed
    book = rows(base / "gradebook.csv")
    assert sorted(book) == sorted([*CRASHERS, *EXITERS, "reference"])
    reports = finished_reports(base / "gradebook.reports")
    assert sorted(reports) == sorted(book)
    for student in [*CRASHERS, *EXITERS]:
        single = single_grade(folder / f"{student}.ipynb", tmp_path / f"{student}.json")
        row, report = book[student], json.loads(reports[student].read_text())
        assert float(row["total"]) == single["total"] == 0, student
        assert float(row["max"]) == single["max"] == MAX, student
        assert [float(row[t["id"]]) for t in single["tests"]] == [t["points_earned"] for t in single["tests"]]
        assert row["status"] == batch.status(single), student
        assert "retry" not in report, f"{student}: the grading process did not fail; its report is final"
        assert report["error"] == single["error"], student
        assert [t["message"] for t in report["tests"]] == [t["message"] for t in single["tests"]], student
    # the readable reasons
    for student in CRASHERS:
        assert book[student]["status"].startswith("not graded: "), student
        assert "not a readable Jupyter notebook" in book[student]["status"], student
    messages = {s: {t["message"] for t in json.loads(reports[s].read_text())["tests"]} for s in EXITERS}
    assert all("crashed (exit code 3)" in m for m in messages["exits"]), messages["exits"]
    assert all("SystemExit: 4" in m for m in messages["sysexit"]), messages["sysexit"]
    # graded (the notebook was read and exported), and the gradebook says why every item failed
    assert book["exits"]["status"].startswith("graded; every item: ") and "exit code 3" in book["exits"]["status"]
    assert book["sysexit"]["status"].startswith("graded; every item: ") and "SystemExit: 4" in book["sysexit"]["status"]


@pytest.mark.slow
def test_the_batch_goes_on_after_crashes_and_grades_the_others(crashed):
    base, _ = crashed
    book = rows(base / "gradebook.csv")
    reference = book["reference"]
    assert (float(reference["total"]), float(reference["max"]), reference["status"]) == (MAX, MAX, "graded")
    items = {row["item"]: row for row in csv.DictReader(io.StringIO((base / "gradebook.items.csv").read_text()))}
    assert {(int(row["passed"]), int(row["total"])) for row in items.values()} == {(1, len(book))}


@pytest.mark.slow
def test_a_rerun_reuses_the_reports_of_crashed_submissions(crashed, tmp_path, monkeypatch, capsys):
    """A crash inside the grading is a final grade: only a dead grading process is retried."""
    base, folder = crashed
    calls = record_gradings(monkeypatch)
    before = (base / "gradebook.csv").read_text()
    capsys.readouterr()
    assert main.main(["grade", "01", str(folder), "--csv", str(base / "gradebook.csv"), *LIMIT_FLAGS]) == 0
    assert calls == []
    assert f"reused {len(CRASHERS) + len(EXITERS) + 1} reports" in capsys.readouterr().err
    assert (base / "gradebook.csv").read_text() == before


# ---------------------------------------------------------------- 2. submissions that hang

@pytest.mark.slow
def test_a_hanging_submission_costs_its_time_limits_not_the_batch(tmp_path):
    """An endless loop at import (every item) and one in matmul (one item), graded one at a time by
    the command line with --timeout 8 --total-timeout 16: each gets its row and the reason."""
    folder = tmp_path / "submitted"
    write_nb(exporting("while True:\n    pass"), folder / "a_hangs_at_import.ipynb")
    write_nb(hang(notebooks.reference_notebook(MODULE.src), "matmul"), folder / "b_hangs_in_matmul.ipynb")
    (folder / "c_empty.ipynb").write_bytes(b"")
    gradebook = tmp_path / "gradebook.csv"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tito", "grade", "01", str(folder), "--csv", str(gradebook),
                           "--parallel", "1", "--timeout", "8", "--total-timeout", "16", "--jobs", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    # the limits reached the grading processes: the hang took --total-timeout, not the default 600 s
    # (nor the batch's own kill of a grading process after --total-timeout + GRACE_SECONDS = 136 s)
    assert seconds < 16 + batch.GRACE_SECONDS, seconds
    book = rows(gradebook)
    assert sorted(book) == ["a_hangs_at_import", "b_hangs_in_matmul", "c_empty"]
    reports = {s: json.loads(p.read_text()) for s, p in finished_reports(tmp_path / "gradebook.reports").items()}
    assert not any("retry" in r for r in reports.values())

    at_import = reports["a_hangs_at_import"]
    assert (book["a_hangs_at_import"]["total"], book["a_hangs_at_import"]["status"]) == ("0", "graded")
    assert {t["status"] for t in at_import["tests"]} == {"timeout"}
    messages = [t["message"] for t in at_import["tests"]]
    assert all("--timeout" in m or "--total-timeout" in m for m in messages), messages
    assert any("--total-timeout" in m for m in messages), messages  # 5 items x 8 s / 2 jobs > 16 s

    in_matmul = {t["id"]: t for t in reports["b_hangs_in_matmul"]["tests"]}
    matmul = in_matmul.pop("test-tensor-matmul")
    assert matmul["status"] == "timeout" and "--timeout" in matmul["message"], matmul
    assert {t["status"] for t in in_matmul.values()} == {"pass"}
    row = book["b_hangs_in_matmul"]
    assert (float(row["total"]), row["status"], float(row["test-tensor-matmul"])) == (MAX - matmul["points_possible"],
                                                                                    "graded", 0)
    assert "not a readable Jupyter notebook" in book["c_empty"]["status"]  # graded after the hangs
    assert "[3/3]" in done.stderr


def test_a_grading_process_that_outlives_its_limits_gets_a_row_and_is_retried(tmp_path, monkeypatch, capsys):
    """The batch's own watchdog: a `tito grade` process still running --total-timeout + GRACE_SECONDS
    after it started is stopped. Its row says so, and a rerun grades it again (it was not graded).
    GRACE_SECONDS 0 and --total-timeout 0.5 make every grading process outlive its limits: a
    sitecustomize on its PYTHONPATH sleeps 30 s as Python starts (starting tito alone took longer than
    0.5 s until its commands imported what they run lazily; then a grading could end in time, saying its
    own limit ran out)."""
    monkeypatch.setattr(batch, "GRACE_SECONDS", 0.0)
    slow_start = tmp_path / "slow_start"
    slow_start.mkdir()
    (slow_start / "sitecustomize.py").write_text("import time\ntime.sleep(30)\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(slow_start), os.environ.get("PYTHONPATH")])))
    folder = tmp_path / "submitted"
    write_nb(notebooks.reference_notebook(MODULE.src), folder / "reference.ipynb")
    (folder / "empty.ipynb").write_bytes(b"")
    command = ["grade", "01", str(folder), "--csv", str(tmp_path / "gradebook.csv"), "--timeout", "0.5",
               "--total-timeout", "0.5"]
    calls = record_gradings(monkeypatch)
    assert main.main(command) == 0
    book = rows(tmp_path / "gradebook.csv")
    assert sorted(book) == ["empty", "reference"]
    for student, row in book.items():
        report_path = finished_reports(tmp_path / "gradebook.reports")[student]
        assert row["status"].startswith("not graded: the grading process was stopped after 0.5 s"), row
        assert f"see {report_path.stem}.log" in row["status"]
        assert (tmp_path / "gradebook.reports" / f"{report_path.stem}.log").is_file()
        assert (row["total"], row["max"]) == ("0", f"{MAX:g}")
        assert json.loads(report_path.read_text())["retry"] is True
    assert not processes_mentioning(str(tmp_path / "gradebook.reports"))
    capsys.readouterr()
    assert main.main(command) == 0
    assert sorted(calls) == ["empty", "empty", "reference", "reference"]  # graded again: nothing reused
    assert "reused 0 reports" in capsys.readouterr().err


# ---------------------------------------------------------------- 3. interrupted, then resumed

CLASS = ("a_reference", "b_wrong", "c_blank", "d_sysexit")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """A class of four, and its gradebook and item analysis from a run that was never interrupted."""
    base = tmp_path_factory.mktemp("resume")
    folder = base / "submitted"
    write_nb(notebooks.reference_notebook(MODULE.src), folder / "a_reference.ipynb")
    write_nb(wrong_notebook(), folder / "b_wrong.ipynb")
    write_nb(notebooks.student_notebook(MODULE.src), folder / "c_blank.ipynb")
    write_nb(exporting("raise SystemExit(4)"), folder / "d_sysexit.ipynb")
    gradebook = base / "gradebook.csv"
    assert main.main(["grade", "01", str(folder), "--csv", str(gradebook), "--parallel", "2", *LIMIT_FLAGS]) == 0
    book = rows(gradebook)
    assert sorted(book) == list(CLASS)
    assert len({row["total"] for row in book.values()}) == 3  # full, partial, 0 (blank and sysexit): rows differ
    return folder, gradebook.read_text(), batch.items_path(gradebook).read_text()


def interrupt_then_resume(tmp_path: Path, uninterrupted, how, monkeypatch, capsys) -> None:
    folder, expected_book, expected_items = uninterrupted
    gradebook, reports = tmp_path / "gradebook.csv", tmp_path / "gradebook.reports"
    command = ["grade", "01", str(folder), "--csv", str(gradebook), "--parallel", "1", *LIMIT_FLAGS]
    with open(tmp_path / "batch.log", "wb") as log:
        with ctrl_c_reaches_children():
            proc = subprocess.Popen([sys.executable, "-m", "tito", *command], cwd=ROOT, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert wait_until(lambda: underway(reports) or proc.poll() is not None, 120)
        assert proc.poll() is None, "the batch ended before it could be interrupted"
        os.killpg(proc.pid, how)  # Ctrl-C in a terminal signals the whole foreground process group
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    output = (tmp_path / "batch.log").read_text(errors="replace")
    if how == signal.SIGINT:
        assert code == 130, output
        assert "interrupted" in output
        # Ctrl-C stopped the grading process that was running (it has a session of its own, so the
        # signal did not reach it), and left no partial file behind
        assert not processes_mentioning(str(reports)), "a grading process outlived the interrupted batch"
        # the grading under way was stopped, not left to finish: its log ends with tito's interruption
        done = {p.stem for p in finished_reports(reports).values()}
        running = [log for log in reports.glob("*.log") if log.stem not in done]
        assert len(running) == 1, f"the grading under way at Ctrl-C finished anyway: {sorted(done)}"
        assert "tito: interrupted" in running[0].read_text(errors="replace")
        assert not [p.name for p in tmp_path.rglob("*") if p.name.endswith((".partial", ".child.json"))]
    else:
        assert code == -signal.SIGKILL
        # A grading process has a session of its own, so it outlives a SIGKILL of the batch's group (nothing
        # can catch SIGKILL): let it end by itself (its limits bound it) before the rerun.
        if not wait_until(lambda: not processes_mentioning(str(reports)), 90, step=0.2):
            for pid in processes_mentioning(str(reports)):
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass

    finished = finished_reports(reports)
    assert 1 <= len(finished) < len(CLASS), f"finished before the interruption: {sorted(finished)}"
    # the gradebook left behind is complete for what it holds (or absent): never half-written
    expected_rows = {tuple(r) for r in csv_table_text(expected_book)}
    header = csv_table_text(expected_book)[0]
    if gradebook.exists():
        table = csv_table(gradebook)
        assert table[0] == header
        assert all(tuple(line) in expected_rows for line in table[1:]), table
        students = {line[0] for line in table[1:]}
        assert students <= set(finished) and len(students) >= len(finished) - 1, (students, sorted(finished))
        items = csv_table(batch.items_path(gradebook))
        assert items[0] == ["item", "points", "passed", "total", "likely_bugs"]
        assert len(items) == len(csv_table_text(expected_items)) and {len(line) for line in items} == {5}

    stamps = {s: (p.stat().st_mtime_ns, p.read_bytes()) for s, p in finished.items()}
    calls = record_gradings(monkeypatch)
    capsys.readouterr()
    assert main.main(command) == 0  # the same command again
    err = capsys.readouterr().err
    # (a) the gradebook an uninterrupted run writes
    assert gradebook.read_text() == expected_book
    assert batch.items_path(gradebook).read_text() == expected_items
    # (b) what was finished is not graded again: its reports were reused as they were
    assert sorted(calls) == sorted(set(CLASS) - set(finished))
    assert f"reused {len(finished)} report{'s' * (len(finished) != 1)}" in err, err
    assert {s: (p.stat().st_mtime_ns, p.read_bytes()) for s, p in finished.items()} == stamps
    assert sorted(finished_reports(reports)) == list(CLASS)


@pytest.mark.slow
def test_ctrl_c_midway_then_the_same_command_resumes(uninterrupted, tmp_path, monkeypatch, capsys):
    interrupt_then_resume(tmp_path, uninterrupted, signal.SIGINT, monkeypatch, capsys)


@pytest.mark.slow
def test_sigkill_of_the_process_group_midway_then_the_same_command_resumes(uninterrupted, tmp_path, monkeypatch,
                                                                            capsys):
    interrupt_then_resume(tmp_path, uninterrupted, signal.SIGKILL, monkeypatch, capsys)


# ---------------------------------------------------------------- 3b. what a rerun must not reuse

@pytest.mark.slow
def test_a_rerun_with_a_raised_timeout_does_not_keep_the_old_timeouts(tmp_path, monkeypatch):
    folder = tmp_path / "submitted"
    write_nb(exporting("import time\ntime.sleep(3)"), folder / "slow.ipynb")  # slow to import, then right
    command = ["grade", "01", str(folder), "--csv", str(tmp_path / "gradebook.csv"), "--total-timeout", "120"]
    assert main.main([*command, "--timeout", "2"]) == 0
    assert rows(tmp_path / "gradebook.csv")["slow"]["total"] == "0"  # every item timed out (3 s > 2 s)
    calls = record_gradings(monkeypatch)
    assert main.main([*command, "--timeout", "30"]) == 0  # the instructor gives more time
    book = rows(tmp_path / "gradebook.csv")
    assert calls == ["slow"] and book["slow"]["total"] == book["slow"]["max"] == f"{MAX:g}", (calls, book["slow"])


def test_a_rerun_after_the_checks_changed_does_not_keep_the_old_grades(tmp_path, monkeypatch):
    folder, gradebook, reports = tmp_path / "submitted", tmp_path / "gradebook.csv", tmp_path / "reports"
    (folder / "unreadable.ipynb").parent.mkdir()
    (folder / "unreadable.ipynb").write_bytes(b"")  # cheap to grade; its row still lists every item's points
    command = ["grade", "01", str(folder), "--csv", str(gradebook), "--reports", str(reports), *LIMIT_FLAGS]
    assert main.main(command) == 0
    assert rows(gradebook)["unreadable"]["max"] == f"{MAX:g}"
    # the instructor edits the module: one graded item is now worth 2 more points
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    shutil.copy(ROOT / "settings.ini", repo / "settings.ini")
    shutil.copytree(MODULE.src.parent, repo / "src" / MODULE.slug)
    source = repo / "src" / MODULE.slug / MODULE.src.name
    header = '"grade_id": "test-tensor-arithmetic", "locked": true, "points": 5'
    assert source.read_text().count(header) == 1
    source.write_text(source.read_text().replace(header, header[:-1] + "7"))
    edited = paths.find_module(repo, "01")
    assert sum(cell.points for cell in cells.graded_cells(edited.src)) == MAX + 2
    monkeypatch.chdir(repo)  # `tito grade 01` now finds the edited module (its grading processes too)
    code = main.main(command)
    assert code != 0 or rows(gradebook)["unreadable"]["max"] == f"{MAX + 2:g}", rows(gradebook)["unreadable"]


def test_the_grading_key_follows_the_package_but_not_the_submissions_own_file(tmp_path, monkeypatch):
    """A fix to an earlier module's package code (which runs under every check) makes cached reports
    stale; the module's own package file does not matter: the submission's export replaces it."""
    package = tmp_path / "tinytorch"
    shutil.copytree(paths.package_dir(), package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(paths, "package_dir", lambda: package)
    limits = batch.Limits()
    module_09 = paths.find_module(ROOT, "09")
    before = batch.grading_key(module_09, limits)
    own = package / "core" / "spatial.py"
    own.write_text(own.read_text() + "\n# the student's export replaces this file\n")
    assert batch.grading_key(module_09, limits) == before
    earlier = package / "core" / "autograd.py"
    earlier.write_text(earlier.read_text() + "\n# an instructor's fix to module 06\n")
    assert batch.grading_key(module_09, limits) != before


# ---------------------------------------------------------------- 4. module 09: likely bugs counted

# Three wrong notebooks; in each, wrong versions of exercises that no graded item calls together
# (receptive_field, maxpool2d_loops, avgpool2d_loops: see submissions_09.exercises_called), so each
# item's verdict comes from one wrong version. Per item, one likely bug twice and another once.
WRONG_09 = {
    "s1": ("rf_multiplies_kernels", "maxpool_start_at_zero", "avgpool_exclude_pad"),
    "s2": ("rf_multiplies_kernels", "maxpool_zero_padding", "avgpool_exclude_pad"),
    "s3": ("rf_stops_at_relu", "maxpool_start_at_zero", "avgpool_divide_kh_squared"),
}
EXPECTED_BUGS = {  # item -> [(wrong version, count)], most frequent first
    "test-receptive-field": [("rf_multiplies_kernels", 2), ("rf_stops_at_relu", 1)],
    "test-maxpool2d-loops": [("maxpool_start_at_zero", 2), ("maxpool_zero_padding", 1)],
    "test-avgpool2d-loops": [("avgpool_exclude_pad", 2), ("avgpool_divide_kh_squared", 1)],
}


@pytest.mark.slow
def test_the_item_analysis_counts_the_likely_bugs_of_real_wrong_answers(tmp_path):
    subs = pytest.importorskip("submissions_09")
    if subs.MODULE is None:
        pytest.skip("src/09_convolutions does not exist")
    from submissions_09.wrong import WRONG
    from test_grade_09_wrong_answers import HINTS
    called = subs.exercises_called()
    for names in WRONG_09.values():  # the premise: no item calls two of a notebook's wrong exercises
        exercises = [WRONG[name][0] for name in names]
        assert all(len(set(exercises) & calls) <= 1 for calls in called.values()), names
    folder = tmp_path / "submitted"
    write_nb(subs.build(), folder / "reference.ipynb")
    for student, names in WRONG_09.items():
        write_nb(subs.build({WRONG[name][0]: WRONG[name][1] for name in names}), folder / f"{student}.ipynb")
    gradebook = tmp_path / "gradebook.csv"
    assert main.main(["grade", "09", str(folder), "--csv", str(gradebook), "--parallel", "2",
                      "--timeout", "60", "--total-timeout", "600"]) == 0
    book = rows(gradebook)
    assert book["reference"]["total"] == book["reference"]["max"]
    items = {row["item"]: row for row in csv.DictReader(io.StringIO(batch.items_path(gradebook).read_text()))}
    for item, row in items.items():
        if item not in EXPECTED_BUGS:
            assert (row["passed"], row["total"], row["likely_bugs"]) == ("4", "4", ""), row
            continue
        assert (row["passed"], row["total"]) == ("1", "4"), row
        parts = []
        for name, count in EXPECTED_BUGS[item]:
            hint = HINTS[name]
            assert hint.startswith("Likely bug: ")
            parts.append(re.escape(hint[len("Likely bug: "):]) + r".*?" + re.escape(f" ({count})"))
        assert re.fullmatch("; ".join(parts), row["likely_bugs"]), (item, row["likely_bugs"])
    # the same counts in the analysis the command prints, from the reports themselves
    reports = [json.loads(p.read_text()) for p in finished_reports(tmp_path / "gradebook.reports").values()]
    analysis = {row["item"]: row for row in batch.item_analysis(reports, batch.item_ids(subs.MODULE, reports))}
    for item, expected in EXPECTED_BUGS.items():
        assert [count for _, count in analysis[item]["likely_bugs"]] == [count for _, count in expected]


# ---------------------------------------------------------------- links and special files (H40)
#
# An archive unpacked into submitted/ can hold links (unzip makes them): a student's
# `mallory/01_tensor.ipynb -> /dev/zero` was read whole by the batch itself (hashing it, before any
# grading), which ran out of memory: no gradebook for anyone (exit 1, MemoryError under a 3 GiB
# address space, the machine's memory without one). A pipe blocked it for good. And the ids were
# taken from where links lead: every student's id started from `/`.

def _class_with_special_files(folder: Path) -> Path:
    write_nb(notebooks.student_notebook(MODULE.src), folder / "alice" / "01_tensor.ipynb")
    (folder / "mallory").mkdir()
    (folder / "mallory" / "01_tensor.ipynb").symlink_to("/dev/zero")
    (folder / "bob").mkdir()
    os.mkfifo(folder / "bob" / "01_tensor.ipynb")
    return folder


def _address_space(gib: int):
    def limit():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (gib << 30, gib << 30))
    return limit


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="pipes in the file system are POSIX's")
def test_a_link_to_a_device_or_a_pipe_costs_its_own_row_not_the_batch(tmp_path):
    folder = _class_with_special_files(tmp_path / "submitted")
    gradebook = tmp_path / "gradebook.csv"
    done = subprocess.run([sys.executable, "-m", "tito", "grade", "01", str(folder / "*" / "*.ipynb"), "--csv",
                           str(gradebook), *LIMIT_FLAGS], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          preexec_fn=_address_space(3))
    assert done.returncode == 0, done.stdout + done.stderr
    book = rows(gradebook)
    assert sorted(book) == ["alice", "bob", "mallory"], book
    assert book["alice"]["status"] == "graded" and float(book["alice"]["total"]) == 0, book["alice"]
    assert "is a link (to /dev/zero), so it was not read" in book["mallory"]["status"], book["mallory"]  # H48: no link is read
    assert "is not a regular file (a pipe)" in book["bob"]["status"], book["bob"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="pipes in the file system are POSIX's")
def test_a_folder_of_submissions_names_each_student_by_their_folder_not_where_a_link_leads(tmp_path):
    folder = _class_with_special_files(tmp_path / "submitted")
    found = batch.find_submissions([str(folder)])
    assert batch.student_ids(found) == ["alice", "bob", "mallory"], found
    assert found[2] == folder / "mallory" / "01_tensor.ipynb"
    assert batch.notebook_digest(found[1]) == batch.notebook_digest(found[2]) == ""


# ---------------------------------------------------------------- links to someone else's notebook (H48)
#
# A link's target is the student's choice, and the layouts are in the README: in an nbgrader course the
# instructor's solution notebook sits at source/NN_name/NN_name.ipynb next to submitted/STUDENT/NN_name/.
# Before H48 the batch graded what mallory's link led to: the solution's full marks in mallory's row
# (a blank notebook's 0 otherwise), and a link to alice's notebook gave mallory alice's score.

def test_a_link_to_the_instructors_solution_is_not_graded_as_the_students_notebook(tmp_path):
    course = tmp_path / "course"
    write_nb(notebooks.reference_notebook(MODULE.src), course / "source" / "01_tensor" / "01_tensor.ipynb")
    write_nb(notebooks.student_notebook(MODULE.src), course / "submitted" / "alice" / "01_tensor" / "01_tensor.ipynb")
    (course / "submitted" / "mallory" / "01_tensor").mkdir(parents=True)
    (course / "submitted" / "mallory" / "01_tensor" / "01_tensor.ipynb").symlink_to(
        "../../../source/01_tensor/01_tensor.ipynb")
    gradebook = course / "gradebook.csv"
    assert main.main(["grade", "01", str(course / "submitted"), "--csv", str(gradebook), *LIMIT_FLAGS]) == 0
    book = rows(gradebook)
    assert sorted(book) == ["alice", "mallory"], book
    assert float(book["mallory"]["total"]) == float(book["alice"]["total"]) == 0, book  # before H48: mallory 23/23
    assert book["mallory"]["status"].startswith("not graded: ") and "is a link (to ../../../source/" in book["mallory"]["status"]
    # its row is in the reports folder too, so --merge of that folder gives the same gradebook
    merged = course / "merged.csv"
    batch.merge(MODULE, [str(course / "gradebook.reports" / "*.json")], merged)
    assert rows(merged) == book


class _Recording:
    """A runner that grades nothing: it records which notebooks the batch handed over, and gives full marks."""

    graded: list[Path] = []

    def __init__(self, module, module_arg, limits):
        self.module = module

    def grade(self, job, reports):
        _Recording.graded.append(job.path)
        return {"module": self.module.slug, "submission": str(job.path), "error": None, "total": MAX, "max": MAX,
                "tests": []}

    def stop(self):
        pass


def test_no_link_below_the_class_folder_is_handed_to_a_grading(tmp_path, monkeypatch):
    """The LMS layout (one folder, a file per student: `mallory.ipynb -> alice.ipynb`) and a glob through a
    student's folder that is a link (`submitted/trudy -> alice`): only alice's own file is graded; a link above
    the class folder (the instructor's own) is followed as before."""
    lms = tmp_path / "real" / "lms"
    write_nb(notebooks.reference_notebook(MODULE.src), lms / "alice.ipynb")
    (lms / "mallory.ipynb").symlink_to("alice.ipynb")
    folders = tmp_path / "real" / "submitted"
    write_nb(notebooks.reference_notebook(MODULE.src), folders / "alice" / "01_tensor.ipynb")
    (folders / "trudy").symlink_to("alice")
    (tmp_path / "here").symlink_to(tmp_path / "real")  # the instructor's link, above the class folder
    here = tmp_path / "here"
    for argument, linked, alices in ((str(here / "lms"), "mallory", here / "lms" / "alice.ipynb"),
                                     (str(here / "submitted" / "*" / "*.ipynb"), "trudy",
                                      here / "submitted" / "alice" / "01_tensor.ipynb")):
        _Recording.graded = []
        book = batch.run_batch(MODULE, "01", [argument], tmp_path / f"{linked}.csv", None, batch.Limits(), 1,
                               runner_factory=_Recording)
        assert sorted(book.rows) == ["alice", linked], book.rows
        assert _Recording.graded == [alices]  # before H48: mallory's (trudy's) link was handed over too
        how = "is a link (to alice.ipynb)" if linked == "mallory" else "is reached through a link"
        assert book.rows[linked]["total"] == 0 and how in book.rows[linked]["error"], book.rows[linked]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="pipes in the file system are POSIX's")
def test_reading_a_pipe_or_a_device_as_a_notebook_says_so_at_once(tmp_path):
    folder = _class_with_special_files(tmp_path / "submitted")
    signal.alarm(30)  # before H40 this blocked on the pipe for good
    try:
        for student, kind in (("bob", "a pipe"), ("mallory", "a device")):
            with pytest.raises(cells.NotebookError, match=f"not a regular file \\({kind}\\)"):
                cells.read_notebook_bytes(folder / student / "01_tensor.ipynb")
    finally:
        signal.alarm(0)
    with pytest.raises(cells.NotebookError, match="larger than"):
        cells.read_notebook_bytes(folder / "alice" / "01_tensor.ipynb", most=100)

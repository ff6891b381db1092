"""Hostile submissions gain nothing, leave nothing running, and never touch the grader's report.

Each attack class of issue 9 (judge_attacks.py) is graded through the real command line, next to
the same notebook without the attack; another test grades one hostile submission in parallel with
honest ones. Slow: two gradings per attack.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from judge_attacks import ATTACKS, attack_notebook, base_notebook, with_cell
from tito_helpers import ROOT, by_number, write_nb
from tito import cells, notebooks

pytestmark = pytest.mark.slow
MODULE = by_number("09")
# Points come from src's nbgrader metadata; the tests read them rather than retype them.
POINTS = {cell.cell_id: cell.points for cell in cells.graded_cells(MODULE.src)} if MODULE else {}
FULL_MARKS = sum(POINTS.values())


def student():
    return notebooks.student_notebook(MODULE.src)


def processes_mentioning(text: str) -> list[int]:
    """PIDs whose command line contains `text` (this test process excluded)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    if text.encode() in handle.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


class Graded:
    """One `tito grade 09 ... --json` run: exit code, output, and the report as it was at exit."""

    def __init__(self, nb, folder: Path, name: str, env: dict, *extra: str, module: str = "09"):
        self.path = write_nb(nb, folder / f"{name}.ipynb")
        self.report_path = folder / f"{name}.json"
        self.proc = subprocess.Popen([sys.executable, "-m", "tito.main", "grade", module, str(self.path),
                                      "--json", str(self.report_path), *extra],
                                     cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait(self) -> "Graded":
        self.out, self.err = self.proc.communicate(timeout=600)
        self.code = self.proc.returncode
        self.report_bytes = self.report_path.read_bytes() if self.report_path.exists() else None
        self.report = json.loads(self.report_bytes) if self.report_bytes else None
        return self

    def points(self) -> dict[str, float]:
        return {item["id"]: item["points_earned"] for item in self.report["tests"]}


def environment(tmp: Path) -> dict:
    tmp.mkdir(exist_ok=True)
    return dict(os.environ, TMPDIR=str(tmp))


def check_grader_owns_its_report(graded: Graded) -> None:
    assert graded.code == 0, graded.err
    assert graded.report is not None, graded.err
    total = re.search(r"^total\s+(\S+)/(\S+)", graded.out, re.MULTILINE)
    assert total and float(total.group(1)) == graded.report["total"], (graded.out, graded.report)
    assert graded.report_path.read_bytes() == graded.report_bytes, "the report changed after tito exited"


def check_nothing_left(marker: str, folder: Path) -> None:
    time.sleep(1.5)  # what a survivor would do, it has done by now
    assert processes_mentioning(marker) == [], "a process the submission started is still alive"
    assert processes_mentioning(str(folder)) == [], "a process of the grading is still alive"
    assert list((folder / "tmp").iterdir()) == [], "temporary files were left behind"


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    """kind ("blank", "nearly_blank") -> the grading of an attack's notebook without its attack cell.
    It depends only on the kind, so each is graded once for all the attacks of that kind (it keeps the
    survivor line, under a marker of its own, so the same checks hold for it)."""
    graded = {}

    def base(kind: str) -> Graded:
        if kind not in graded:
            folder, marker = tmp_path_factory.mktemp(f"base-{kind}"), f"TITO-BASE-{uuid.uuid4().hex}"
            name = next(name for name, (of_kind, _) in ATTACKS.items() if of_kind == kind)
            one = Graded(base_notebook(student(), name, marker), folder, "base", environment(folder / "tmp")).wait()
            check_nothing_left(marker, folder)
            check_grader_owns_its_report(one)
            # The base scores what it should: nothing, each item failing on the student's NotImplementedError
            # or on the loop rule (not on a crash of the grading). The nearly blank one's conv_output_size is
            # right, but the survivor line imports subprocess, which clause 4 of the loop rule refuses in
            # a module with loop exercises, and conv_output_size keeps clauses 3 and 4 (H21).
            expected = {}
            assert {item: points for item, points in one.points().items() if points} == expected, one.out
            assert all(item["status"] == "fail" for item in one.report["tests"] if not item["points_earned"]), one.out
            graded[kind] = one  # kept only once every check holds: a bad base fails every attack of its kind
        return graded[kind]

    return base


@pytest.mark.skipif(MODULE is None, reason="module 09 does not exist")
@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_gains_nothing_and_leaves_nothing_behind(name, tmp_path, bases):
    base = bases(ATTACKS[name][0])
    marker = f"TITO-ATTACK-{uuid.uuid4().hex}"
    attack = Graded(attack_notebook(student(), name, marker), tmp_path, "attack", environment(tmp_path / "tmp")).wait()
    check_nothing_left(marker, tmp_path)
    check_grader_owns_its_report(attack)
    base_points, attack_points = base.points(), attack.points()
    assert set(attack_points) == set(base_points), attack.out
    assert all(attack_points[item] <= base_points[item] for item in base_points), (base.out, attack.out)
    if name == "hog_memory":
        assert all("address space limit of 2048 MiB" in item["message"] for item in attack.report["tests"]), attack.out


@pytest.mark.skipif(MODULE is None, reason="module 09 does not exist")
def test_parallel_gradings_with_a_hostile_one_give_every_other_its_score(tmp_path):
    """The hostile submission keeps overwriting every spatial.py it can find in the temporary folder
    the gradings share; the honest ones, graded at the same time, keep their scores."""
    marker = f"TITO-ATTACK-{uuid.uuid4().hex}"
    env = environment(tmp_path / "tmp")
    hostile = Graded(attack_notebook(student(), "edit_other_scratch", marker), tmp_path, "hostile", env)
    time.sleep(1.0)  # let the hostile one start first
    honest = [Graded(notebooks.reference_notebook(MODULE.src), tmp_path, f"reference{i}", env) for i in range(2)]
    honest.append(Graded(student(), tmp_path, "blank", env))
    results = [graded.wait() for graded in [hostile, *honest]]
    for graded in results:
        check_grader_owns_its_report(graded)
    assert [g.report["total"] for g in results[1:]] == [FULL_MARKS, FULL_MARKS, 0], [g.out for g in results]
    assert results[0].report["total"] == 0
    assert processes_mentioning(marker) == []


@pytest.mark.skipif(MODULE is None, reason="module 09 does not exist")
def test_without_namespaces_honest_grading_is_unchanged_and_one_line_says_what_is_off(tmp_path):
    env = dict(environment(tmp_path / "tmp"), TITO_NO_NAMESPACES="1")
    reference = Graded(notebooks.reference_notebook(MODULE.src), tmp_path, "reference", env).wait()
    blank = Graded(student(), tmp_path, "blank", env).wait()
    assert (reference.report["total"], blank.report["total"]) == (FULL_MARKS, 0), (reference.out, blank.out)
    for graded in (reference, blank):
        check_grader_owns_its_report(graded)
        assert graded.err.count("isolation on this system is partial; off: PID and mount namespaces") == 1, graded.err
    assert list((tmp_path / "tmp").iterdir()) == []


SHADOW_LEN = """\
import builtins as _b
_answers = iter([3, 2, 2, 2, 1, 0])
def len(obj):
    return next(_answers) if type(obj).__name__ == 'DataLoader' else _b.len(obj)"""


@pytest.mark.skipif(by_number("05") is None, reason="module 05 does not exist")
def test_a_module_global_shadowing_a_builtin_never_reaches_the_test(tmp_path):
    """Module 05's test-dataloader-len asserts len(DataLoader(...)) six times; a student's own `len`
    answering those six numbers used to pass it (5 points, before the judge)."""
    module = by_number("05")
    env = environment(tmp_path / "tmp")
    base = Graded(notebooks.student_notebook(module.src), tmp_path, "base", env, module="05").wait()
    attack = Graded(with_cell(notebooks.student_notebook(module.src), SHADOW_LEN), tmp_path, "attack", env,
                    module="05").wait()
    for graded in (base, attack):
        check_grader_owns_its_report(graded)
    assert base.report["total"] == attack.report["total"] == 0, attack.out
    messages = {test["id"]: test["message"] for test in attack.report["tests"]}
    assert "NotImplementedError in __len__()" in messages["test-dataloader-len"], attack.out

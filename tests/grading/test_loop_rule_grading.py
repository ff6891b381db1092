"""The loop rule through the real command line: `python -m tito.main grade 09 NB --json R`.

Issue 20, item 4: against the old check (count_loop_steps, given code running in the student's
process), each attack below took a notebook whose six loop exercises call the fast path from
11/48 to 48/48. Now the judge reads the source itself, so each attack scores exactly what the
same notebook scores without it, and the reference still scores full marks. `tito test` applies
the same verdict to the student's own run (checked in-process, without pytest-in-pytest).
Slow: six gradings.
"""
from __future__ import annotations

import json
import shutil
import time
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import submissions_09 as subs
from tito import cells, paths
from tito import workflow
from tito.grading import loops, tampering
from tito.grading.limits import Limits
from tito_helpers import ROOT, write_nb

if subs.MODULE is None:
    pytest.skip("src/09_convolutions does not exist", allow_module_level=True)

from submissions_09.wrong import WRONG

GRADED = cells.graded_cells(subs.MODULE.src)
POINTS = {cell.cell_id: cell.points for cell in GRADED}
# The six loop exercises' items (conv_output_size's cell carries the rule too, for clauses 3 and 4 only).
LOOP_ITEMS = {cell.cell_id for cell in GRADED if cell.loop_rule and cell.loop_rule != "conv_output_size"}

# The six loop exercises, each calling the fast path (the given vectorized code).
FAST_PATH = {
    "conv2d_loops": WRONG["conv_calls_fast_path"][1],
    "conv2d_backward_loops": WRONG["conv_back_calls_fast_path"][1],
    "maxpool2d_loops": WRONG["maxpool_calls_fast_path"][1],
    "avgpool2d_loops": "out[...] = avgpool2d_vectorized(x, (kh, kw), (sh, sw), padding)\nreturn out\n",
    "maxpool2d_backward_loops": WRONG["maxpool_back_calls_fast_path"][1],
    "avgpool2d_backward_loops": WRONG["avgpool_back_calls_fast_path"][1],
}


def before_return(lines: str) -> dict[str, str]:
    """The fast-path bodies with `lines` run just before their return."""
    return {name: body.replace("return ", lines.strip("\n") + "\nreturn ", 1) for name, body in FAST_PATH.items()}


# name -> (bodies, exported cell added or None): the four attacks of issue 20, item 4.
ATTACKS = {
    "count_loop_steps redefined": (FAST_PATH, """\
def count_loop_steps(fn, *args, **kwargs):
    return fn(*args, **kwargs), 10 ** 9"""),
    "fast path, then an empty loop": (before_return("""
for _ in range(x.size * 100):
    pass"""), None),
    "the tracer's hook called 100,000 times": (before_return("""
import sys
_hook, _frame = sys.gettrace(), sys._getframe()
for _ in range(100000):
    if _hook is not None:
        _hook(_frame, "line", None)"""), None),
    "sys.settrace wrapped": (FAST_PATH, """\
import sys as _s
_real_settrace = _s.settrace
def _every_line_counts(tracer):
    def count(frame, event, arg):
        for _ in range(10000):
            tracer(frame, "line", arg)
        return count
    _real_settrace(count if tracer else None)
_s.settrace = _every_line_counts"""),
}


def notebook(bodies: dict[str, str] | None, cell: str | None = None) -> nbformat.NotebookNode:
    nb = subs.build(bodies or {})
    if cell:
        nb.cells.append(nbformat.v4.new_code_cell("#| export\n" + cell))
    return nb


class Graded:
    def __init__(self, nb, folder: Path, name: str):
        self.path = write_nb(nb, folder / f"{name}.ipynb")
        self.report_path = folder / f"{name}.json"
        self.proc = subprocess.Popen([sys.executable, "-m", "tito.main", "grade", "09", str(self.path),
                                      "--json", str(self.report_path), "--timeout", "120"],
                                     cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait(self) -> "Graded":
        self.out, self.err = self.proc.communicate(timeout=900)
        assert self.proc.returncode == 0, self.err
        self.report = json.loads(self.report_path.read_text())
        self.items = {test["id"]: test for test in self.report["tests"]}
        return self


def grade_all(named: dict, folder: Path, at_once: int = 2) -> dict[str, Graded]:
    """Grade several notebooks, `at_once` at a time (each grading runs two children itself)."""
    results, names = {}, list(named)
    for start in range(0, len(names), at_once):
        batch = {name: Graded(named[name], folder, f"nb{start + i}") for i, name in enumerate(names[start:start + at_once])}
        results.update({name: graded.wait() for name, graded in batch.items()})
    return results


# Clause (5): two loop exercises that keep clauses 1-4 with every number right, read from the
# static tests' attack table (tests/grading/test_loop_rule.py).
WINDOW_ATTACKS = {"avgpool2d_loops": "per image and channel, the windows stacked and averaged",
                  "maxpool2d_loops": "everything at the first position, copied at the others"}


def _window_attack_bodies() -> dict[str, str]:
    from test_loop_rule import ATTACKS as STATIC
    return {function: STATIC[name][2] for function, name in WINDOW_ATTACKS.items()}


@pytest.mark.slow
def test_each_attack_scores_what_the_fast_path_alone_scores_and_the_reference_full_marks(tmp_path):
    named = {"reference": notebook(None), "fast path": notebook(FAST_PATH),
             "window attacks": notebook(_window_attack_bodies())}
    named.update({name: notebook(bodies, cell) for name, (bodies, cell) in ATTACKS.items()})
    results = grade_all(named, tmp_path)
    reference, base = results["reference"], results["fast path"]
    assert reference.report["total"] == reference.report["max"] == sum(POINTS.values()) == 48, reference.out
    # the fast path keeps every item but the six loop exercises (37 of the 48 points)
    assert sum(POINTS[item] for item in LOOP_ITEMS) == 37
    assert base.report["total"] == 48 - 37 == 11, base.out
    for item in LOOP_ITEMS:
        assert base.items[item]["points_earned"] == 0 and base.items[item]["status"] == "fail", base.out
        assert "must loop over output positions (loop rule 3)" in base.items[item]["message"], base.items[item]
    for name in ATTACKS:
        attack = results[name]
        for item in LOOP_ITEMS:
            assert "must loop over output positions (loop rule" in attack.items[item]["message"], (name, attack.items[item])
        if any(tampering.LEAD in t["message"] for t in attack.items.values()):
            # an attack that patches code the checks use fails every item, saying so (tampering.py)
            assert attack.report["total"] == 0, (name, attack.out)
            assert all(tampering.LEAD in t["message"] for t in attack.items.values()), (name, attack.out)
            continue
        assert attack.report["total"] == base.report["total"], (name, attack.out)
        assert {i: t["points_earned"] for i, t in attack.items.items()} == \
            {i: t["points_earned"] for i, t in base.items.items()}, (name, attack.out)
    # the two clause-5 attacks compute every number right (no check's message follows the rule's)
    # and lose exactly their own items
    windows = results["window attacks"]
    lost = {cell.cell_id for cell in GRADED if cell.loop_rule in WINDOW_ATTACKS}
    assert len(lost) == 2
    assert windows.report["total"] == 48 - sum(POINTS[item] for item in lost), windows.out
    for item in lost:
        message = windows.items[item]["message"]
        assert windows.items[item]["points_earned"] == 0 and "(loop rule 5): inside its loops it reads x_pad" in message
        assert "; " not in message.split("e.g. ")[-1], message  # the rule's message alone: the numbers passed


def test_tito_test_gives_the_loop_items_the_graders_verdict(tmp_path):
    """`tito test`'s inline checks (workflow._judged: the judge on a copy of the package under test) read
    the same rule."""
    package = tmp_path / "pkg"
    shutil.copytree(paths.package_dir(), package / "tinytorch", ignore=shutil.ignore_patterns("__pycache__"))
    nb = notebook({"maxpool2d_loops": FAST_PATH["maxpool2d_loops"]})
    text = "\n\n".join(nb.cells[i].source for i in cells.exported_cell_indexes(nb))
    text += "\n\n" + "\n\n".join(source for _, source in cells.continued_cells(subs.MODULE.src))  # as tito export
    (package / "tinytorch" / "core" / "spatial.py").write_text(text)
    chosen = [cell for cell in cells.check_cells(subs.MODULE.src)
              if cell.cell_id in ("test-maxpool2d-loops", "test-avgpool2d-loops")]
    judged, _ = workflow._judged(subs.MODULE, chosen, package / "tinytorch", Limits(per_test=60, total=300, jobs=2),
                                 lambda line: None, time.monotonic() + 300)
    outcomes = {o.cell_id: o for o in judged}
    broken = outcomes["test-maxpool2d-loops"]
    assert broken.status == "fail", broken
    assert broken.message.startswith("maxpool2d_loops must loop over output positions (loop rule 3): "), broken.message
    assert broken.tests[-1]["name"] == "loop rule" and all(t["status"] == "pass" for t in broken.tests[:-1]), broken.tests
    assert outcomes["test-avgpool2d-loops"].status == "pass", outcomes["test-avgpool2d-loops"]
    rule = loops.check(text, subs.MODULE.src, "maxpool2d_loops")
    assert broken.message == rule


# H62: the honest loops that read one element by numpy's `.item(...)`, one index per axis, keep every point
# (clause 5 read `x_pad.item(n, c, r, s)` as the image used whole: 44 of 48 with avgpool2d_loops alone).
ITEM_READS = ("each element read by x_pad.item(n, c, r, s), one index per axis (H62)",
              "the running maximum over x_pad.item(n, c, r, s) (H62)",
              "conv's products of x_pad.item(...) and weight.item(...) (H62)",
              "conv backward reading grad_out.item(n, co, i, j) and x_pad.item(...) (H62)",
              "avgpool backward reading grad_out.item(n, c, i, j) (H62)")


@pytest.mark.slow
def test_honest_item_reads_score_full_marks(tmp_path):
    from test_loop_rule import HONEST
    bodies = dict(HONEST[name] for name in ITEM_READS)
    assert len(bodies) == len(ITEM_READS)   # one exercise each
    graded = Graded(notebook(bodies), tmp_path, "items").wait()
    assert graded.report["total"] == graded.report["max"] == 48, graded.out

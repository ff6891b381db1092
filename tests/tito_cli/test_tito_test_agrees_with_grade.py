"""`tito test` and `tito grade` give a graded cell the same verdict: both run it through the judge
(issue #23: there used to be two test-cell runners, and a cell could pass `tito test` and fail
`tito grade`). The submission here is a nearly blank module 09 that also makes numpy.testing's
checks no-ops in its own process: a runner trusting the student's process passed its loop items,
the judge fails them. Ungraded checks (which may compare identities, as module 01's do) still run
inside the student's process, and pass on the reference.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from judge_attacks import ATTACKS, nearly_blank, with_cell
from tito_helpers import FAST, by_number, grade_notebook
from tito import cells, notebooks, paths, workflow
from tito.grading.limits import Limits

MODULE = by_number("09")


def _exported_package(tmp_path, nb) -> Path:
    package = tmp_path / "pkg" / "tinytorch"
    shutil.copytree(paths.package_dir(), package, ignore=shutil.ignore_patterns("__pycache__"))
    text = "\n\n".join(nb.cells[i].source for i in cells.exported_cell_indexes(nb))
    text += "\n\n" + "\n\n".join(source for _, source in cells.continued_cells(MODULE.src))  # as tito export
    (package / "core" / "spatial.py").write_text(text)
    return package


def test_every_graded_cell_gets_the_grade_verdict_in_tito_test(tmp_path):
    nb = with_cell(nearly_blank(notebooks.student_notebook(MODULE.src)), ATTACKS["patch_np_testing"][1])
    graded = cells.graded_cells(MODULE.src)
    tested, _ = workflow._judged(MODULE, graded, _exported_package(tmp_path, nb), Limits(per_test=60, total=300, jobs=2),
                                 lambda line: None, time.monotonic() + 300)
    report = grade_notebook(MODULE, nb, tmp_path, FAST)
    in_test = {outcome.cell_id: outcome.status for outcome in tested}
    in_grade = {item.id: item.status for item in report.items}
    assert in_test == in_grade
    # the attack patches np.testing from the module: every item fails, saying so, in both
    assert set(in_grade.values()) == {"fail"}, in_grade
    assert all("changes code the checks rely on" in o.message for o in tested), [o.message for o in tested]
    assert all("changes code the checks rely on" in item.message for item in report.items)


def test_ungraded_checks_run_in_the_students_process(tmp_path):
    """Module 01's constructor check asserts `Tensor(arr).data is arr` (no copy): an identity that no
    judge across processes can see; in the student's process it holds."""
    module = by_number("01")
    ungraded = [cell for cell in cells.check_cells(module.src) if not cell.graded]
    assert any("is arr" in cell.source for cell in ungraded)
    package = tmp_path / "pkg" / "tinytorch"
    shutil.copytree(paths.package_dir(), package, ignore=shutil.ignore_patterns("__pycache__"))
    outcomes, _ = workflow._judged(module, ungraded, package, Limits(per_test=60, total=300, jobs=2),
                                   lambda line: None, time.monotonic() + 300)
    assert [o.status for o in outcomes] == ["pass"] * len(ungraded), [(o.cell_id, o.message) for o in outcomes]

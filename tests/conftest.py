"""The two states of a checkout, for every test: as shipped, the package holds
the reference generated from src/; in a student's working copy, `tito export NN` has put the
student's own code into the package and their notebooks are edited.

Tests that only make sense on the shipped reference (the drift test, the inline checks run
against the reference, anything comparing generated files with src/) carry
`@pytest.mark.reference_only` and are skipped, with a one-line reason, in a student's copy. With
an argument, `reference_only("09_convolutions")`, only that module's export skips the test.
CI (the environment variable CI set) never skips them: there, a student's export would be a bug.

Also the `demo_repo` fixture of tests/grading and tests/tito_cli: a temporary course holding the
two-cell demo module (tests/helpers/fixture_repo, whose own suite runs only inside such a course).
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

# One BLAS / OpenMP thread per test process, set before numpy loads (as tests/09_convolutions/mutants.py
# does for its runs): the suite runs on two processes (pytest-xdist) on two cores, and OpenBLAS's
# threads spin waiting on each other when the other core is busy. milestones/cnn_digits.py sets the
# same default itself, too late under pytest, where numpy is already loaded: its --quick run took
# 94 s instead of 8 s on a busy machine. Set one of them yourself to override.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import pytest  # noqa: E402

# The demo course's own pytest suite imports tinytorch.core.demo, which exists only in temporary repos.
collect_ignore = ["helpers/fixture_repo"]


@pytest.fixture
def demo_repo(tmp_path: Path) -> Path:
    from tito_helpers import DEMO, make_repo
    return make_repo(tmp_path, [DEMO])


@functools.lru_cache(maxsize=None)
def student_work() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(modules whose package file holds the student's export, modules whose notebook someone edited)."""
    from tito import notebooks, paths, workflow   # here, not above: the module suites `tito test` runs load this file too
    root = paths.repo_root(Path(__file__).parent)
    modules, package = paths.all_modules(root), paths.package_dir()
    exported = tuple(m.slug for m in modules if workflow.package_origin(m, package) == "yours")
    edited = tuple(m.slug for m in modules if any(path.exists() and not notebooks.looks_generated(path)
                                                  for path in m.student_notebooks))   # module 09: the lesson and going further
    return exported, edited


def pytest_runtest_setup(item):
    marker = item.get_closest_marker("reference_only")
    if marker is None or os.environ.get("CI"):
        return
    exported, edited = student_work()
    if marker.args:
        if marker.args[0] in exported:
            pytest.skip(f"reference only: the package holds your export of {marker.args[0]}; `tito test` checks it")
    elif exported or edited:
        mine = ", ".join(sorted(set(exported) | set(edited)))
        pytest.skip(f"reference only: a student's working copy (your work in {mine}); CI checks the shipped reference")


# The files of slow tests that take a minute or more, longest first (seconds of test time in a run of the slow
# tests on two workers, 2026-12-07). README line 2 runs the slow tests a file at a time on two workers in the
# order pytest collects them (`--dist loadfile --no-loadscope-reorder`; without the flag pytest-xdist orders
# files by their number of tests). In collection order a long file started last left the other worker idle
# for 72 s of 690; these go first, so the files that end the run are short ones. Only the order changes.
LONGEST_FIRST = (
    "tests/grading/test_judge_attacks.py",             # 136
    "tests/integration/test_student_copy.py",          # 109
    "tests/grading/test_grade_09_honest_styles.py",    # 105
    "tests/grading/test_grade_batch_rows.py",          # 103
    "tests/integration/test_nbgrader.py",              # 97
    "tests/09_convolutions/test_mutants.py",           # 90
    "tests/grading/test_grade_09_wrong_answers.py",    # 76
    "tests/grading/test_grade_always_reports.py",      # 72
    "tests/integration/test_readme_student.py",        # 59
    "tests/tito_cli/test_tito_test_report.py",         # 57
    "tests/grading/test_windows_mode.py",              # 54
)


def pytest_collection_modifyitems(config, items):
    rank = {path: place for place, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))   # stable: the rest keep their order

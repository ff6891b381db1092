"""The module's mutation check (mutants.py) as part of the suite (issue #27).

Fast, in every run: every mutant's pattern still occurs exactly once in tinytorch/core/spatial.py,
so a change to the code that leaves a pattern stale fails here, next to the change, and the
pattern is mended with it. Every area (the fast paths and each going-further layer) has mutants,
and the audit's held-out survivors of issue #27 are among them.

Slow (CI): the whole mutation run, on copies of the package, with the module's other non-slow
tests as the killing suite: every mutant must be killed. It prints the kill table per area.
"""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent / "mutants.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("tinytorch_09_mutants", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mutants = _load_script()


def reference_or_skip():
    """The patterns are snippets of the reference spatial.py: a student's own export cannot match them.

    The skip depends only on whose code the package file holds, never on the environment: CI's own
    checkout holds the reference (`tito dev check` fails on any drift from src/), and a student's export
    checked inside a CI job (CI=true) must still be skipped, not mutated."""
    try:
        from tito import export
    except ImportError:
        return
    if export.origin(mutants.PACKAGE / mutants.SPATIAL) == "yours":
        pytest.skip("reference only: tinytorch/core/spatial.py holds your export, and the mutants are patterns "
                    "of the reference; CI checks them")


def test_every_mutant_pattern_still_applies_exactly_once():
    reference_or_skip()
    problems = mutants.problems()
    assert not problems, ("mutants.py no longer matches tinytorch/core/spatial.py; mend these patterns with the "
                          "code they guard:\n" + "\n".join(problems))


def test_every_area_has_mutants_and_its_test_files_exist():
    per_area = {area: [m for m in mutants.MUTANTS if m.area == area] for area in mutants.AREAS}
    assert set(mutants.AREAS) == set(mutants.AREA_TESTS)
    for area, members in per_area.items():
        assert len(members) >= 5, f"area {area!r} has {len(members)} mutants"
        missing = [name for name in mutants.AREA_TESTS[area] if not (SCRIPT.parent / name).exists()]
        assert not missing, f"area {area!r} names test files that do not exist: {missing}"
    assert "test_mutants.py" not in mutants.suite_files(SCRIPT.parent), "the killing suite must not run this file"


def test_the_held_out_survivors_of_issue_27_are_mutants():
    # Issue #27's audit: items 1-5, 7 and 8 (item 6, the NaN rule, is settled elsewhere).
    tagged = {item for m in mutants.MUTANTS for item in range(1, 9) if f"(#27.{item})" in m.name}
    assert tagged == {1, 2, 3, 4, 5, 7, 8}


@pytest.mark.slow
def test_every_mutant_is_killed_by_the_non_slow_suite(tmp_path):
    # About 3 minutes of CPU on two cores (MUTANTS_JOBS=2, the default); each mutant's own process has one BLAS
    # thread.
    reference_or_skip()
    # The killing suite is the whole non-slow suite: where its torch oracles and hypothesis properties
    # skip (an install with the `tito` extra only), mutants only they kill would survive.
    for needed in ("torch", "hypothesis"):
        pytest.importorskip(needed, reason=f"the mutation check needs the whole killing suite, whose {needed} tests "
                                           "skip without it: pip install -e '.[dev]'")
    result = subprocess.run([sys.executable, str(SCRIPT)], cwd=tmp_path, capture_output=True, text=True,
                            timeout=40 * 60, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    print(result.stdout[-12000:])
    assert result.returncode == 0, (f"mutation run failed (exit {result.returncode}):\n{result.stdout[-6000:]}\n"
                                    f"{result.stderr[-3000:]}")

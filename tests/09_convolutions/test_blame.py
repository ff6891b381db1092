"""Blame (issue #21): a wrong answer to one exercise fails that exercise's tests and changes no
other test's outcome.

Each case puts ONE plausible wrong answer (wrong_answers.py, loaded as a pytest plugin) into
tinytorch.core.spatial in a fresh pytest process, before the test files import it, and runs two
groups of tests: the wrong function's own tests, which must fail, and the tests of other
functions that used to borrow it for their expected values, which must end exactly as they do
without the wrong answer (one control run of every selected test, with nothing replaced). Before
the oracles (oracles.py), a conv2d_loops that flips the kernel failed conv2d_backward_loops's
finite-difference test, and a maxpool2d_loops that pads with zeros failed the fast path's.

"The same outcome as the control run", not "passes": in a student's working copy another of their
answers may be wrong too, and that must stay their own tests' business, not this file's.
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import wrong_answers

import tinytorch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BACKWARD, FAST, CONV, POOL = ("test_spatial_backward_loops.py", "test_spatial_fast_paths.py",
                              "test_spatial_conv_values.py", "test_spatial_pool_values.py")

# wrong answer -> (its own tests: each must fail, tests of other functions: outcome unchanged)
CASES = {
    "conv2d_loops": (
        [f"{CONV}::test_kernel_is_neither_transposed_nor_flipped[loops]"],
        [f"{BACKWARD}::test_conv2d_backward_loops_matches_finite_differences",
         f"{BACKWARD}::test_conv2d_backward_loops_matches_the_oracle_backward",
         f"{FAST}::test_conv_values_and_gradients_agree_with_the_oracle",
         f"{CONV}::test_kernel_is_neither_transposed_nor_flipped[vectorized]",
         f"{CONV}::test_kernel_is_neither_transposed_nor_flipped[layer]"]),
    "conv2d_backward_loops": (
        [f"{BACKWARD}::test_conv2d_backward_loops_by_hand",
         f"{BACKWARD}::test_conv2d_backward_loops_matches_the_oracle_backward"],
        [f"{CONV}::test_kernel_is_neither_transposed_nor_flipped[loops]",
         f"{FAST}::test_conv_values_and_gradients_agree_with_the_oracle"]),
    "maxpool2d_loops": (
        [f"{POOL}::test_max_padding_counts_as_minus_infinity[loops]"],
        [f"{BACKWARD}::test_pool_backward_loops_match_finite_differences",
         f"{BACKWARD}::test_maxpool2d_backward_loops_padding_never_takes_the_gradient",
         f"{FAST}::test_maxpool_values_and_gradients_agree_with_the_oracle",
         f"{POOL}::test_max_padding_counts_as_minus_infinity[vectorized]"]),
    "avgpool2d_loops": (
        [f"{POOL}::test_avg_padding_counts_zeros_in_the_mean[loops]"],
        [f"{BACKWARD}::test_pool_backward_loops_match_finite_differences",
         f"{BACKWARD}::test_avgpool2d_backward_loops_by_hand",
         f"{POOL}::test_avg_padding_counts_zeros_in_the_mean[vectorized]"]),
    "maxpool2d_backward_loops": (
        [f"{BACKWARD}::test_maxpool2d_backward_loops_ties_go_to_the_first_maximum_in_row_major_order"],
        [f"{POOL}::test_max_overlapping_windows",
         f"{FAST}::test_maxpool_ties_send_the_gradient_to_the_first_maximum_in_row_major_order"]),
    "avgpool2d_backward_loops": (
        [f"{BACKWARD}::test_avgpool2d_backward_loops_by_hand"],
        [f"{POOL}::test_avg_padding_counts_zeros_in_the_mean",
         f"{BACKWARD}::test_maxpool2d_backward_loops_padding_never_takes_the_gradient"]),
}
TIMEOUT = 120     # seconds per pytest run; each takes a few
OUTCOMES = {"failure": "failed", "error": "error", "skipped": "skipped"}     # junit's tags; none: passed


def _run_pytest(selections, tmp_path, wrong=None):
    """{(file, test id): outcome} of a fresh pytest run of `selections`, with `wrong` installed."""
    report = tmp_path / f"{wrong or 'control'}.xml"
    # No plugin autoloading (hypothesis's alone costs seconds per run): the selected tests need none.
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    env.pop(wrong_answers.ENV, None)
    if wrong:
        env[wrong_answers.ENV] = wrong
    # The package under test (a student's, the reference, a mutant's copy) and this folder (the plugin)
    package_parent = str(Path(tinytorch.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([package_parent, str(HERE)] + [p for p in [env.get("PYTHONPATH")] if p])
    paths = sorted({f"{HERE / file}::{test}" for file, test in (s.split("::") for s in selections)})
    command = [sys.executable, "-m", "pytest", *paths, "-p", "wrong_answers", "-p", "no:cacheprovider", "-q",
               f"--rootdir={ROOT}", f"--junitxml={report}"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert report.exists(), (f"pytest wrote no report (exit {done.returncode}):\n"
                             f"{done.stdout[-3000:]}{done.stderr[-3000:]}")
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        file = case.get("classname").rsplit(".", 1)[-1] + ".py"
        kinds = [OUTCOMES[child.tag] for child in case if child.tag in OUTCOMES]
        outcomes[(file, case.get("name"))] = kinds[0] if kinds else "passed"
    return outcomes


def _selected(outcomes, selection):
    """The outcomes of the test ids a selection names (a function name covers all its parameters)."""
    file, name = selection.split("::")
    found = {test: outcome for (f, test), outcome in outcomes.items()
             if f == file and (test == name or test.startswith(name + "["))}
    assert found, f"{selection} selected no test: renamed? (tests run: {sorted(outcomes)[:5]}...)"
    return found


@pytest.fixture(scope="module")
def control(tmp_path_factory):
    """Every selected test once, with nothing replaced."""
    reference_or_skip()
    selections = [s for own, others in CASES.values() for s in own + others]
    return _run_pytest(selections, tmp_path_factory.mktemp("control"))


def reference_or_skip():
    """The wrong answers wrap the package's own function (a flipped kernel flips the weight it hands
    on): on a student's export whose answer has that very bug, the two cancel and the wrong answer
    "passes its own tests" (H18: `tito test 09` blamed the suite for the student's flipped kernel).
    This file checks the suite's tests, so it runs on the reference only; CI runs it there."""
    try:
        from tito import export
    except ImportError:
        return
    if export.origin(Path(tinytorch.__file__).resolve().parent / "core" / "spatial.py") == "yours":
        pytest.skip("reference only: tinytorch/core/spatial.py holds your export, and these wrong answers are "
                    "built on its functions; CI checks them on the reference")


@pytest.mark.parametrize("wrong", list(CASES))
def test_a_wrong_answer_fails_its_own_tests_and_no_others(wrong, control, tmp_path):
    reference_or_skip()
    own, others = CASES[wrong]
    outcomes = _run_pytest(own + others, tmp_path, wrong)
    why = wrong_answers.WRONG[wrong][2].__doc__.strip()
    for selection in own:
        still_passing = [test for test, outcome in _selected(outcomes, selection).items() if outcome == "passed"]
        assert not still_passing, f"wrong {wrong} ({why}) passed its own test(s) {still_passing} of {selection}"
    for selection in others:
        changed = {test: f"{_selected(control, selection)[test]} -> {outcome}"
                   for test, outcome in _selected(outcomes, selection).items()
                   if outcome != _selected(control, selection)[test]}
        assert not changed, (f"wrong {wrong} ({why}) changed the outcome of {selection}, a test of another "
                             f"function: {changed}. Its expected values must come from oracles.py, not from {wrong}.")


def test_the_wrong_answers_cover_every_loop_exercise():
    # The exercises whose wrong answers other tests could borrow as expected values.
    assert set(CASES) == {name for name in wrong_answers.WRONG if name.endswith("_loops")}

"""CI runs every test once: README line 2's two pytest runs and .ci/run's `matrix` run, read as the
marker expressions pytest reads them, cover each combination of the `slow` and `matrix` marks, and
no test runs twice (a `matrix` test is slow too, so the non-slow run leaves it out)."""
from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

from _pytest.mark.expression import Expression

ROOT = Path(__file__).resolve().parents[2]
MARKS = ("slow", "matrix")


def _expressions(command: str) -> list[str]:
    """The -m expressions of each `pytest` run in a shell command line, in order."""
    runs = [part for part in re.split(r"&&|;|\n", command) if "pytest" in part]
    found = []
    for run in runs:
        match = re.search(r"""-m\s+("[^"]*"|'[^']*'|\S+)""", run.split("pytest", 1)[1])
        assert match, f"a pytest run without -m runs every test again: {run.strip()}"
        found.append(match.group(1).strip("'\""))
    return found


def _runs() -> list[str]:
    line_2 = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "sed -n 2p README.md" in ci, ".ci/run no longer runs README line 2"
    matrix = re.search(r"^matrix_command='([^']*)'", ci, re.MULTILINE)
    assert matrix, ".ci/run names no matrix_command"
    return _expressions(line_2) + _expressions(matrix.group(1))


def _selected(expression: str, marks: set[str]) -> bool:
    return Expression.compile(expression).evaluate(lambda name, **_: name in marks)


def test_readme_line_2_and_ci_run_each_combination_of_marks_once():
    runs = _runs()
    assert len(runs) == 3, runs
    for combination in itertools.product((False, True), repeat=len(MARKS)):
        marks = {mark for mark, on in zip(MARKS, combination) if on}
        if marks == {"matrix"}:
            continue   # no such test: test_every_matrix_test_is_slow
        chosen = [run for run in runs if _selected(run, marks)]
        assert len(chosen) == 1, f"a test marked {sorted(marks) or 'with neither'} runs in {chosen}"


def test_readme_line_2_leaves_the_matrix_to_ci():
    line_2 = _expressions((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[1])
    assert not any(_selected(run, {"slow", "matrix"}) for run in line_2), line_2


def _decorators(function: ast.FunctionDef) -> set[str]:
    return {ast.unparse(decorator) for decorator in function.decorator_list}


def test_every_matrix_test_is_slow():
    matrix = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and "pytest.mark.matrix" in _decorators(node):
                matrix.append(node.name)
                assert "pytest.mark.slow" in _decorators(node), f"{path.name}::{node.name} is matrix but not slow"
    assert matrix, "no test is marked matrix: .ci/run's matrix run would select nothing"


def test_the_slow_files_run_first_exist_and_hold_slow_tests():
    # tests/conftest.py's LONGEST_FIRST puts these first in README line 2's slow run: a stale name would only
    # leave the order to chance, so each must still be a test file with slow tests.
    tree = ast.parse((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"))
    listed = next(ast.literal_eval(node.value) for node in tree.body
                  if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["LONGEST_FIRST"])
    assert len(listed) == len(set(listed)) >= 5, listed
    for name in listed:
        path = ROOT / name
        assert path.is_file(), f"tests/conftest.py's LONGEST_FIRST names {name}, which does not exist"
        assert "mark.slow" in path.read_text(encoding="utf-8"), f"{name} has no slow tests: take it out of LONGEST_FIRST"
    line_2 = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[1]
    assert "--no-loadscope-reorder" in line_2, "without it pytest-xdist orders the slow files by their number of tests"

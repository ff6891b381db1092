"""Every exercise comes after a worked example (issue #24), as in module 09.

An exercise is a code cell of src whose nbgrader metadata says `"solution": true`. Between the
previous exercise (or the top of the notebook) and it there must be a markdown cell containing
"**Worked example.**", followed right away by a code cell that

- is not exported (no `#| export` / `#| exporti` / `#| exports`) and carries no nbgrader metadata;
- runs under `if __name__ == "__main__":` and binds only names that start with `_` (nothing leaks
  into the notebook's namespace or the package);
- does not reference the student's code: no name of a function or class of this module that holds
  a solution region, nor a class such functions are attached to (module 01 attaches its operators
  to `Tensor`, so its examples are plain numpy).

Then the blank student notebook (every solution replaced by its stub) runs in one namespace, with
matplotlib blocked and the failures of other cells ignored: each worked example must run without
error and print what it works out (how quick they are is not asserted: no timing in tests).

To cover another module, add its slug to MODULES.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from figure_notebooks import reference_source

MODULES = [
    "01_tensor",
    "02_activations",
    "03_layers",
    "04_losses",
    "05_dataloader",
    "06_autograd",
    "07_optimizers",
    "08_training",
]

MARKER = "**Worked example.**"
MAIN_GUARD = 'if __name__ == "__main__":'
EXPORT_DIRECTIVES = ("export", "exports", "exporti")


def _cells(slug: str):
    """The cells of src/<slug>/<slug>.py with the solution markers kept (tito's own reader)."""
    from tito import notebooks
    return notebooks.read_source(reference_source(slug)).cells


def _is_exercise(cell) -> bool:
    return cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution") is True


def _student_names(source: str) -> set[str]:
    """Names of the top-level functions and classes holding a solution region, and of the classes
    those functions are attached to (`setattr(Tensor, f.__name__, f)`, `Tensor.matmul = matmul`)."""
    from tito import notebooks
    lines = source.split("\n")
    begins = [i + 1 for i, line in enumerate(lines) if line.strip() == notebooks.BEGIN]
    tree = ast.parse(source)
    names = {node.name for node in tree.body
             if isinstance(node, (ast.FunctionDef, ast.ClassDef))
             and any(node.lineno <= line <= node.end_lineno for line in begins)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" \
                and node.args and isinstance(node.args[0], ast.Name):
            names.add(node.args[0].id)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in names:
            names.update(t.value.id for t in node.targets
                         if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name))
    return names


def _bound_names(tree: ast.Module) -> set[str]:
    """Names a cell binds in the notebook's namespace (not inside functions or comprehensions)."""
    bound = set()

    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            return
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return bound


def _examples(slug: str) -> list[tuple[int, int, set[str]]]:
    """(exercise cell, its worked example's code cell, the student's names) for every exercise;
    asserts the structure described above."""
    from tito import cells as tito_cells
    nb_cells = _cells(slug)
    exercises = [i for i, cell in enumerate(nb_cells) if _is_exercise(cell)]
    assert exercises, f"{slug}: no exercise cells (nbgrader solution: true)"
    forbidden = set().union(*(_student_names(nb_cells[i].source) for i in exercises))
    found, previous = [], -1
    for exercise in exercises:
        where = f"{slug}, exercise in cell {exercise} ({nb_cells[exercise].metadata['nbgrader'].get('grade_id')})"
        markers = [i for i in range(previous + 1, exercise)
                   if nb_cells[i].cell_type == "markdown" and MARKER in nb_cells[i].source]
        assert markers, f"{where}: no markdown cell with '{MARKER}' between the previous exercise and this one"
        for marker in markers:
            assert marker + 1 < exercise and nb_cells[marker + 1].cell_type == "code", \
                f"{where}: the '{MARKER}' markdown in cell {marker} is not followed by a code cell before the exercise"
            example = nb_cells[marker + 1]
            assert not set(tito_cells.directives(example.source)) & set(EXPORT_DIRECTIVES), \
                f"{where}: the worked example (cell {marker + 1}) is exported"
            assert "nbgrader" not in example.metadata, f"{where}: the worked example (cell {marker + 1}) has nbgrader metadata"
            assert MAIN_GUARD in example.source, f"{where}: the worked example (cell {marker + 1}) does not run under {MAIN_GUARD}"
            tree = ast.parse(example.source)
            leaked = sorted(n for n in _bound_names(tree) if not n.startswith("_"))
            assert not leaked, f"{where}: the worked example (cell {marker + 1}) binds names without a leading _: {leaked}"
            used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
            assert not used & forbidden, \
                f"{where}: the worked example (cell {marker + 1}) uses the student's code {sorted(used & forbidden)}; compute with numpy"
            found.append((exercise, marker + 1, forbidden))
        previous = exercise
    return found


@pytest.mark.parametrize("slug", MODULES)
def test_every_exercise_follows_a_worked_example(slug):
    assert _examples(slug)


# Runs in a fresh interpreter: the blank notebook attaches its stubs to the package's classes
# (module 06 sets Tensor.backward to a stub that raises NotImplementedError), which must not
# leak into the tests that run after this one.
BLANK_RUN = """
import contextlib, io, json, sys
sys.modules["matplotlib"] = sys.modules["matplotlib.pyplot"] = None   # print-only: importing matplotlib fails
from pathlib import Path
from tito import notebooks
src, examples = Path(sys.argv[1]), set(json.loads(sys.argv[2]))
namespace, seen = {"__name__": "__main__"}, {}
for index, cell in enumerate(notebooks.student_notebook(src).cells):
    if cell.cell_type != "code":
        continue
    printed, error = io.StringIO(), None
    with contextlib.redirect_stdout(printed):
        try:
            exec(compile(cell.source, f"{src.name}, cell {index}", "exec"), namespace)
        except Exception as failure:   # a blank exercise's check fails; the examples must not
            error = repr(failure)
    if index in examples:
        seen[index] = {"error": error, "printed": printed.getvalue()}
print(json.dumps(seen))
"""


@pytest.mark.parametrize("slug", MODULES)
def test_worked_examples_run_in_the_blank_student_notebook(slug):
    examples = sorted({cell for _, cell, _ in _examples(slug)})
    done = subprocess.run([sys.executable, "-c", BLANK_RUN, str(reference_source(slug)), json.dumps(examples)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = {int(index): result for index, result in json.loads(done.stdout.strip().splitlines()[-1]).items()}
    assert sorted(seen) == examples, f"{slug}: the blank notebook did not reach every worked example"
    for index, result in seen.items():
        assert result["error"] is None, f"{slug}: the worked example in cell {index} failed in the blank notebook: {result['error']}"
        assert result["printed"].strip(), f"{slug}: the worked example in cell {index} printed nothing"

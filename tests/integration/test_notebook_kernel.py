"""Module 09's notebook, run the way a student runs it: top to bottom in a real Jupyter kernel.

In-process checks (tests/integration/test_inline_checks.py) run each test cell against the
package; here the notebook runs cell by cell in an ipykernel, so whatever only a kernel does
(display, matplotlib's inline backend, `__name__ == "__main__"`, cells depending on earlier
cells' state) is exercised too.

- The reference notebook (solutions kept), built from src with the project's own pipeline:
  every cell must run without error.
- The fast-path and going-further notebooks (`09a_fast_path.ipynb`, `09b_going_further.ipynb`, given
  code): each runs on its own, on the package.
- The blank student notebook (the committed `modules/09_convolutions/09_convolutions.ipynb`):
  execution must stop at the inline check right after the first exercise, with a
  NotImplementedError raised by that exercise's stub, so the student's first failure points
  at the first thing to write.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest

nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install -e '.[dev]')")
pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install -e '.[dev]')")

from nbclient.exceptions import CellExecutionError  # noqa: E402

from tito import cells, notebooks, paths  # noqa: E402

ROOT = paths.repo_root(Path(__file__).parent)
MODULE = next((m for m in paths.all_modules(ROOT) if m.number == "09"), None)
CELL_TIMEOUT = 300  # seconds per cell: generous, the machine may be busy
KERNEL = "tinytorch-test-python"
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # IPython colours its tracebacks


def make_kernel(tmp_path: Path, monkeypatch, env: dict | None = None) -> Path:
    """A kernelspec that runs THIS interpreter, first on JUPYTER_PATH (a `python3` kernelspec in
    the user's own Jupyter folder could otherwise start some other Python without tinytorch).
    Returns the working directory the notebook runs in."""
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "tinytorch test kernel", "language": "python", "env": env or {}}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    workdir = tmp_path / "work"
    workdir.mkdir()
    return workdir


@pytest.fixture
def kernel_home(tmp_path, monkeypatch) -> Path:
    return make_kernel(tmp_path, monkeypatch)


@pytest.fixture
def kernel_without_matplotlib(tmp_path, monkeypatch) -> Path:
    """A kernel in which `import matplotlib` fails, as on a machine without it."""
    blocker = tmp_path / "no_matplotlib" / "matplotlib"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("matplotlib is blocked in this test kernel")\n')
    path = os.pathsep.join([str(blocker.parent), *filter(None, [os.environ.get("PYTHONPATH")])])
    return make_kernel(tmp_path, monkeypatch, env={"PYTHONPATH": path})


def run_notebook(nb: nbformat.NotebookNode, workdir: Path) -> tuple[nbformat.NotebookNode, CellExecutionError | None]:
    """Execute `nb` top to bottom, stopping at the first error as Jupyter's 'Run All' does.
    Returns the executed notebook (outputs filled in so far) and the error, if any."""
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=KERNEL, allow_errors=False,
                                     resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
    except CellExecutionError as error:
        return client.nb, error
    return client.nb, None


def error_outputs(nb: nbformat.NotebookNode) -> list[tuple[int, dict]]:
    return [(index, output) for index, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.get("output_type") == "error"]


def enclosing_function(source: str, line_number: int) -> str:
    """Name of the innermost function whose body holds line `line_number` (1-based) of `source`."""
    found = ""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.lineno <= line_number <= node.end_lineno:
            if not found or node.lineno >= found[1]:
                found = (node.name, node.lineno)
    assert found, f"line {line_number} is in no function"
    return found[0]


def first_exercise(nb: nbformat.NotebookNode) -> tuple[int, str]:
    """(cell index, function name) of the first stub in the student notebook."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and notebooks.STUB in cell.source:
            line = cell.source.split("\n").index(next(text for text in cell.source.split("\n") if text.strip() == notebooks.STUB))
            return index, enclosing_function(cell.source, line + 1)
    raise AssertionError("the student notebook has no `raise NotImplementedError()` stub")


def first_check_after(nb: nbformat.NotebookNode, index: int) -> int:
    """The first code cell after `index` that defines test_unit_* functions (an inline check)."""
    for later in range(index + 1, len(nb.cells)):
        cell = nb.cells[later]
        if cell.cell_type == "code" and cells.test_functions(cell.source):
            return later
    raise AssertionError(f"no inline check follows cell {index}")


needs_module = pytest.mark.skipif(MODULE is None, reason="src/09_convolutions does not exist")
# The other modules whose lessons draw figures: their reference notebooks run in a kernel too.
FIGURE_MODULES = [m for m in paths.all_modules(ROOT) if m.number != "09" and "_pyplot()" in m.src.read_text(encoding="utf-8")]


def test_every_lesson_draws_figures_through_the_shared_helpers():
    """Modules 01-08 draw figures (issue #24), all through tinytorch/figures.py, none with its own copy (module 09's
    two notebooks share its grid of labelled cells there too)."""
    assert [m.number for m in FIGURE_MODULES] == [f"{n:02d}" for n in range(1, 9)]
    for module in paths.all_modules(ROOT):
        for source in module.sources:
            text = source.read_text(encoding="utf-8")
            assert re.search(r"^from tinytorch\.figures import (grid as _grid, )?pyplot as _pyplot, show as _show$", text,
                             flags=re.MULTILINE), source.name
            assert not re.search(r"^def _(pyplot|show|grid)\(", text, flags=re.MULTILINE), source.name


@pytest.mark.parametrize("module", FIGURE_MODULES, ids=[m.slug for m in FIGURE_MODULES])
def test_reference_notebook_with_figures_runs_top_to_bottom(module, kernel_home):
    executed, error = run_notebook(notebooks.reference_notebook(module.src), kernel_home)
    assert error is None, f"the {module.slug} reference notebook failed in a Jupyter kernel:\n{error}"
    assert error_outputs(executed) == []
    code_cells = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code_cells), "some code cells were never executed"
    images = [output for cell in code_cells for output in cell.outputs if "image/png" in output.get("data", {})]
    if importlib.util.find_spec("matplotlib") is not None:
        assert len(images) >= 3, f"{module.slug} displayed {len(images)} figures in the kernel; its lesson draws 3 or more"


@pytest.mark.parametrize("module", FIGURE_MODULES, ids=[m.slug for m in FIGURE_MODULES])
def test_reference_notebook_with_figures_runs_without_matplotlib(module, kernel_without_matplotlib):
    executed, error = run_notebook(notebooks.reference_notebook(module.src), kernel_without_matplotlib)
    assert error is None, f"without matplotlib the {module.slug} reference notebook failed:\n{error}"
    outputs = [output for cell in executed.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if "image/png" in output.get("data", {})], "a figure was drawn"
    printed = "".join(output.get("text", "") for output in outputs if output.get("output_type") == "stream")
    assert "matplotlib is not installed" in printed, printed[:2000]


@needs_module
def test_reference_notebook_runs_top_to_bottom(kernel_home):
    nb = notebooks.reference_notebook(MODULE.src)
    executed, error = run_notebook(nb, kernel_home)
    assert error is None, f"the reference notebook failed in a Jupyter kernel:\n{error}"
    assert error_outputs(executed) == []
    code_cells = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert code_cells and all(cell.execution_count is not None for cell in code_cells), \
        "some code cells of the reference notebook were never executed"
    # The inline checks really ran (under __main__) and printed what they print on success.
    printed = "".join(output.get("text", "") for cell in code_cells for output in cell.outputs
                      if output.get("output_type") == "stream")
    assert "conv_output_size" in printed, printed[:2000]
    if importlib.util.find_spec("matplotlib") is not None:  # the pictures were drawn, in the kernel
        images = [output for cell in code_cells for output in cell.outputs if "image/png" in output.get("data", {})]
        assert images, "matplotlib is installed but the reference notebook displayed no figure"


# Module 09's given notebooks, and what each prints when its last cells ran.
GIVEN_NOTEBOOKS = {"09a_fast_path": ["how many columns each input pixel was copied into", "GMAC/s"],
                   "09b_going_further": ["BatchNorm2d: ok", "AdaptiveAvgPool2d: ok"]}


@needs_module
def test_module_09_has_the_given_notebooks_these_tests_run():
    assert [source.stem for source in MODULE.sources[1:]] == list(GIVEN_NOTEBOOKS)


@needs_module
@pytest.mark.parametrize("stem", list(GIVEN_NOTEBOOKS))
def test_given_notebook_runs_top_to_bottom_on_the_package(stem, kernel_home):
    """Module 09's other notebooks (the fast path, 09a, and section 13, 09b: given code) run on their own: the
    lesson's names come from the installed package, their checks from their own helpers. Blank and solved
    are one notebook: they have no exercise."""
    [given] = [source for source in MODULE.sources[1:] if source.stem == stem]
    nb = notebooks.student_notebook(given)
    assert nb == notebooks.reference_notebook(given), f"{stem} has no exercise"
    executed, error = run_notebook(nb, kernel_home)
    assert error is None, f"{stem} failed in a Jupyter kernel:\n{error}"
    assert error_outputs(executed) == []
    printed = "".join(output.get("text", "") for cell in executed.cells if cell.cell_type == "code"
                      for output in cell.outputs if output.get("output_type") == "stream")
    assert all(line in printed for line in GIVEN_NOTEBOOKS[stem]), printed[-2000:]


@needs_module
def test_reference_notebook_runs_without_matplotlib(kernel_without_matplotlib):
    """Without matplotlib the notebook says so at each picture and goes on to the end."""
    executed, error = run_notebook(notebooks.reference_notebook(MODULE.src), kernel_without_matplotlib)
    assert error is None, f"without matplotlib the reference notebook failed in a Jupyter kernel:\n{error}"
    outputs = [output for cell in executed.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if "image/png" in output.get("data", {})], "a figure was drawn"
    printed = "".join(output.get("text", "") for output in outputs if output.get("output_type") == "stream")
    assert "matplotlib is not installed" in printed, printed[:2000]


@needs_module
def test_blank_student_notebook_stops_at_the_first_exercise(kernel_home):
    # Built from src (what modules/ ships, CI proves they match): in a student's working copy the
    # file under modules/ holds the student's own answers.
    nb = notebooks.student_notebook(MODULE.src)
    stub_cell, function = first_exercise(nb)
    check_cell = first_check_after(nb, stub_cell)
    executed, error = run_notebook(nb, kernel_home)
    assert error is not None, "the blank notebook ran to the end; its first exercise's check should stop it"
    failures = error_outputs(executed)
    assert len(failures) == 1, failures
    failed_cell, output = failures[0]
    assert failed_cell == check_cell, (
        f"execution stopped at cell {failed_cell + 1} ({executed.cells[failed_cell].source[:80]!r}); expected the "
        f"inline check of {function}() in cell {check_cell + 1} ({executed.cells[check_cell].source[:80]!r})")
    assert output["ename"] == "NotImplementedError", (output["ename"], output["evalue"])
    traceback = ANSI.sub("", "\n".join(output["traceback"]))
    # The student sees which function is unwritten: the traceback passes through the stub in it.
    assert f"in {function}(" in traceback and f"raise {output['ename']}" in traceback, traceback
    assert traceback.rstrip().split("\n")[-1].startswith("NotImplementedError"), traceback
    assert error.ename == "NotImplementedError"
    # Every cell before the failing one ran; none after it did.
    for index, cell in enumerate(executed.cells):
        if cell.cell_type == "code":
            ran = cell.execution_count is not None
            assert ran == (index <= failed_cell), f"cell {index + 1}: executed={ran}, failure at cell {failed_cell + 1}"

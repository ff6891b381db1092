"""A check helper keeps its name in the notebook.

Jupyter runs every cell in one namespace: the given `#| check_helpers` cells define helpers
(`_assert_close`, module 09's diagnosis of likely bugs) that the graded cells below call, and a
demo cell that assigns the same name (`_out_hw = (2, 3)`) would break every check after it, in
the notebook only (tito test and the grader run each test cell with its helpers, apart). So no
other code cell of a module's src may bind a name that a check_helpers cell defines.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tito import cells, notebooks, paths

ROOT = paths.repo_root(Path(__file__).parent)

MODULES = paths.all_modules(ROOT)


def helper_names(source: str) -> set[str]:
    """The names a cell binds at its top level (def, class, assignment, from-import)."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.ImportFrom):   # module 09's: from tito.check_helpers.convolutions import ...
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def bound_names(source: str) -> set[str]:
    """Every name a cell binds at its top level or in an `if __name__ == "__main__":` block (which
    runs in the notebook), by def, class, assignment, for or with."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def clashes(nb) -> dict[str, list[int]]:
    helpers = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and cells.CHECK_HELPERS in cells.directives(cell.source):
            helpers |= helper_names(cell.source)
    found: dict[str, list[int]] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or cells.CHECK_HELPERS in cells.directives(cell.source):
            continue
        for name in bound_names(cell.source) & helpers - {"np"}:
            found.setdefault(name, []).append(index + 1)
    return found


SOURCES = [source for module in MODULES for source in module.sources]   # each source is a notebook of its own


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_no_cell_rebinds_a_check_helper(source):
    assert clashes(notebooks.reference_notebook(source)) == {}, (
        "these check helpers are rebound by other cells (cell numbers), which breaks the checks after them "
        "in Jupyter: rename one side")


def test_the_clash_check_sees_a_demo_that_rebinds_a_helper():
    nb = notebooks.reference_notebook(paths.CourseModule("09", "09_convolutions", ROOT).src)
    helper = next(name for cell in nb.cells if cell.cell_type == "code"
                  and cells.CHECK_HELPERS in cells.directives(cell.source) for name in sorted(helper_names(cell.source))
                  if name.startswith("_diag"))
    nb.cells.append(nb.cells[-1].copy())
    nb.cells[-1].cell_type, nb.cells[-1].source = "code", f'if __name__ == "__main__":\n    {helper} = (2, 3)\n'
    assert helper in clashes(nb)

"""Every inline check of every module (graded or not) passes against the shipped reference.

This is what `tito test NN` and `tito grade` run against a student's export; here it runs,
in-process, against the committed reference package. A module whose package file holds a
student's export is skipped (`reference_only`): `tito test NN` checks that one.
"""
import contextlib
import importlib
import io
from pathlib import Path

import pytest

from tito import cells, paths

ROOT = paths.repo_root(Path(__file__).parent)
CASES = [(module, cell) for module in paths.all_modules(ROOT) for cell in cells.check_cells(module.src)]


@pytest.mark.parametrize("module, cell", [pytest.param(m, c, marks=pytest.mark.reference_only(m.slug)) for m, c in CASES],
                         ids=[f"{m.number}-{c.cell_id}" for m, c in CASES])
def test_inline_check_passes_on_reference(module, cell):
    namespace = dict(vars(importlib.import_module(f"tinytorch.{cells.export_target(module.src)}")))
    namespace["__name__"] = "inline_check"   # the cell's `if __name__ == "__main__":` block stays off
    with contextlib.redirect_stdout(io.StringIO()):
        if cell.helpers:
            exec(compile(cell.helpers, f"{module.slug}:check helpers", "exec"), namespace)
        exec(compile(cell.source, f"{module.slug}:{cell.cell_id}", "exec"), namespace)
        tests = cells.test_functions(cell.source)
        assert tests, f"{cell.cell_id} defines no test_unit_* function"
        for name in tests:
            namespace[name]()


def test_every_module_has_graded_points():
    for module in paths.all_modules(ROOT):
        assert sum(c.points for c in cells.graded_cells(module.src)) > 0, module.slug

"""Module 04 stands on modules 01-03: its notebook, graded checks included, runs top to bottom with
no later module at all and no gradients.

A fresh Python runs the reference notebook (src, solutions kept) as Jupyter's Run All does, with
every later module's import failing and module 06 replaced by an empty module: module 03's layers
import module 06 to turn gradients on, and the empty one leaves them off. matplotlib is absent, so
the figure cells print their one-line note; the checks are what this test is about.
"""
from figure_notebooks import in_this_checkout, reference_source, run_in_fresh_python

SRC = reference_source("04_losses")
pytestmark = in_this_checkout(SRC)

WITHOUT_LATER_MODULES = """
    import importlib.abc
    import types

    LATER = {"tinytorch.core." + name for name in ("dataloader", "optimizers", "training", "spatial")}


    class LaterModules(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name in LATER:
                raise ImportError(f"{name} is a later module than 04")
            return None


    sys.meta_path.insert(0, LaterModules())
    sys.modules["tinytorch.core.autograd"] = types.ModuleType("tinytorch.core.autograd")
"""

REPORT = """
    from tito import cells
    from tinytorch.core.tensor import Tensor

    assert "_autograd_originals" not in vars(Tensor), "gradients came on: some module imported module 06"
    graded = [check.cell_id for check in cells.graded_cells(src)]
    print("graded checks run without gradients:", ", ".join(graded))
"""


def test_the_notebook_and_its_graded_checks_run_on_modules_01_to_03_alone():
    done = run_in_fresh_python(SRC, before=WITHOUT_LATER_MODULES, after=REPORT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "graded checks run without gradients: test-mse, " in done.stdout, done.stdout[-2000:]
    assert "test-losses-backward" not in done.stdout

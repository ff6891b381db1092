"""A grading's package copy holds only the modules the graded lesson imports (tito/grading/package_copy.py).

The installed package holds every module's reference. Before, `tito grade` of module 08 copied all of
it into the child's package, so module 08's exported code could read module 09's reference (next
week's solution) and put it into the report the student gets back (an exception at import: every
item's message showed the file's text). H61 found the same in nbgrader's kernel."""
from __future__ import annotations

import shutil

import pytest

from judge_attacks import with_cell
from tito_helpers import by_number, grade_notebook, reference_notebook
from tito import paths
from tito.grading import package_copy

TRAINING, SPATIAL = by_number("08"), by_number("09")
pytestmark = pytest.mark.skipif(TRAINING is None or SPATIAL is None, reason="modules 08 and 09 do not exist")

# module 08's reference, plus an exported cell that reads module 09's reference, if it is there, and
# raises with its text: the message of every item would carry it
READ_NEXT_WEEK = '''try:
    from tinytorch.core.spatial import __file__ as _next_week
except ImportError:
    _next_week = None
if _next_week is not None:
    with open(_next_week, encoding="utf-8") as _handle:
        raise RuntimeError("NEXT WEEK: " + _handle.read()[-3000:])
'''


def test_grading_module_08_cannot_read_module_09s_reference(tmp_path):
    report = grade_notebook(TRAINING, with_cell(reference_notebook(TRAINING), READ_NEXT_WEEK), tmp_path)
    leaked = [item.message for item in report.items if "NEXT WEEK" in item.message]
    assert not leaked, leaked[0][:500]
    assert report.total == report.maximum == 31, [(item.id, item.message[:200]) for item in report.items]


def test_the_copy_keeps_what_the_lesson_imports_and_drops_later_references(tmp_path):
    assert "09_convolutions" not in package_copy.needed_modules(TRAINING)
    assert {"01_tensor", "06_autograd", "07_optimizers", "08_training"} <= package_copy.needed_modules(TRAINING)
    assert "08_training" not in package_copy.needed_modules(SPATIAL)  # 09's lesson trains with its own loop
    copy = tmp_path / "tinytorch"
    shutil.copytree(paths.package_dir(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    left_out = package_copy.leave_out_unneeded(copy, TRAINING)
    assert left_out == ["09_convolutions"]
    assert not (copy / "core" / "spatial.py").exists()
    for kept in ("tensor.py", "autograd.py", "optimizers.py", "training.py"):
        assert (copy / "core" / kept).is_file(), kept
    assert (copy / "__init__.py").is_file()


# An exported cell of module NN's notebook that reads a later module's reference from the package copy, if it is
# there, and raises with its text (as READ_NEXT_WEEK).
READ_LATER = '''import os as _os
_later = _os.path.join(_os.path.dirname(__file__), "{name}.py")
if _os.path.exists(_later):
    with open(_later, encoding="utf-8") as _handle:
        raise RuntimeError("LATER: " + _handle.read()[-2000:])
'''


@pytest.mark.parametrize("number, later", [("01", "autograd"), ("02", "losses"), ("05", "layers")])
def test_an_error_message_naming_a_later_module_is_no_import(number, later, tmp_path):
    """Round 28's attack: the copy's modules were found by a regular expression over the lesson's text, and module
    01's error message "import tinytorch.core.autograd to turn it on" kept module 06's reference (and 02-04's, which
    autograd imports) in the copy of modules 01, 02 and 05: a blank notebook's exported cell raised with it, and
    every item's message carried 1.5 KB of module 06's solution. Now the syntax tree's imports decide."""
    module = by_number(number)
    report = grade_notebook(module, with_cell(reference_notebook(module), READ_LATER.format(name=later)), tmp_path)
    leaked = [item.message for item in report.items if "LATER" in item.message]
    assert not leaked, leaked[0][:500]
    assert report.total == report.maximum > 0, [(item.id, item.message[:200]) for item in report.items]


def test_imports_are_read_from_code_not_from_text():
    assert package_copy.needed_modules(by_number("01")) == {"01_tensor"}
    assert package_copy.needed_modules(by_number("02")) == {"01_tensor", "02_activations"}
    assert package_copy.needed_modules(by_number("05")) == {"01_tensor", "05_dataloader"}
    code = ("import tinytorch.core.tensor\nfrom tinytorch.core.layers import Linear\nfrom tinytorch.core import losses\n"
            "def f():\n    from tinytorch.core.autograd import Function\n"
            "message = 'import tinytorch.core.spatial to turn it on'  # from tinytorch.core.training import x\n")
    assert package_copy.imported_core_names(code) == {"tensor", "layers", "losses", "autograd"}

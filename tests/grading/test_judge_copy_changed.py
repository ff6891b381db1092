"""H35: without namespaces (macOS, Windows, TITO_NO_NAMESPACES=1) the child runs as the grader's user and
can write what that user can. Two ways that changed verdicts, and what now holds:

  * a module that, when imported, wrote the instructor's reference over its own file in the grading's
    package copy: every later item imported the reference (21 of 25 in module 02, blank). The judge now
    starts an item only while the copy is as the rules read it, and a copy changed by the end costs
    every item, with the reason;
  * a module that appended no-ops to numpy/testing/__init__.py, which the judge loaded lazily at its
    first np.testing call, after a child had run: the judge now loads numpy.testing before any child.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from test_judge_attacks import Graded, environment
from tito import notebooks
from tito_helpers import ROOT, by_number
from tito.grading import judge

# Appended to the blank module 02 notebook as one more exported cell: on import it changes its own file.
WRITES_ITS_OWN_FILE = """#| export
with open(__file__, "a") as _own:
    _own.write("\\n# written by the student's code while it was graded\\n")
"""


@pytest.mark.slow  # one grading without namespaces
def test_a_module_that_writes_its_package_copy_gets_no_item(tmp_path):
    nb = notebooks.student_notebook(by_number("02").src)
    nb.cells.append(notebooks.nbformat.v4.new_code_cell(WRITES_ITS_OWN_FILE))
    env = dict(environment(tmp_path / "tmp"), TITO_NO_NAMESPACES="1")
    graded = Graded(nb, tmp_path, "writes_copy", env, module="02").wait()
    assert graded.code == 0, graded.err
    report = json.loads(graded.report_path.read_text())
    assert report["total"] == 0, report
    assert all(test["status"] == "error" and judge.COPY_CHANGED in test["message"] for test in report["tests"]), report


def test_the_judge_loads_numpy_testing_before_any_child_runs():
    """A lazily loaded module is read from disk after the first child ran: numpy.testing, which every
    check uses, is loaded with the judge itself."""
    code = "import sys, tito.grading.judge; print('numpy.testing' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "True", (result.stdout, result.stderr)

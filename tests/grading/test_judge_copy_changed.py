"""H35: without namespaces (macOS, Windows, TITO_NO_NAMESPACES=1) the child runs as the grader's user and
can write what that user can. Two ways that changed verdicts, and what now holds:

  * a module that, when imported, wrote the instructor's reference over its own file in the grading's
    package copy: every later item imported the reference (21 of 25 in module 02, blank). The judge now
    starts an item only while the copy is as the rules read it, and a copy changed by the end costs
    every item, with the reason;
  * a module that appended no-ops to numpy/testing/__init__.py, which the judge loaded lazily at its
    first np.testing call, after a child had run: the judge now loads numpy.testing before any child.

H40: the copy "as the rules read it" left __pycache__ out, and Python imports a compiled file from there
in place of its source (an unchecked hash-based .pyc, whatever the source says). A blank module 02 that
compiled the instructor's activations.py (found through its parent's working folder) into its own
__pycache__ with py_compile, which no rule refuses, had every later child import the reference: 19 of 25.
Now the digest holds every file, folder and symbolic link of the copy, __pycache__ included, and the
child never loads a compiled file of its package copy (sys.pycache_prefix leads nowhere).

H40 too: the digest is read when an item starts and after the last one, so an item running next to
another (--jobs 2, the default) could write a package folder shadowing the module (`activations/__init__.py`,
the reference, deleting itself once imported) after the other's child started and before it imported:
5 of 25 for a blank notebook, with the digest above. Without namespaces items now run one at a time.
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


# Appended to the blank module 02 notebook: the first item compiles the reference into the copy's __pycache__.
COMPILES_THE_REFERENCE = """#| export
import os, sys, py_compile
def _reference():
    pid = os.getppid()
    mine = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for _ in range(6):
        path = os.path.join(os.readlink(f"/proc/{pid}/cwd"), "tinytorch", "core", "activations.py")
        if os.path.isfile(path) and not path.startswith(mine):
            return path
        pid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
_cached = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__",
                       "activations." + sys.implementation.cache_tag + ".pyc")
if _reference() and not os.path.exists(_cached):
    py_compile.compile(_reference(), cfile=_cached, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
"""


@pytest.mark.slow  # one grading without namespaces
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the attack finds the reference through /proc")
def test_a_module_that_compiles_the_reference_into_its_pycache_gets_no_item(tmp_path):
    nb = notebooks.student_notebook(by_number("02").src)
    nb.cells.append(notebooks.nbformat.v4.new_code_cell(COMPILES_THE_REFERENCE))
    env = dict(environment(tmp_path / "tmp"), TITO_NO_NAMESPACES="1")
    graded = Graded(nb, tmp_path, "compiles_reference", env, module="02").wait()
    assert graded.code == 0, graded.err
    report = json.loads(graded.report_path.read_text())
    assert report["total"] == 0, report  # was 19 of 25: every item after the first imported the reference
    assert all(test["status"] == "error" and judge.COPY_CHANGED in test["message"] for test in report["tests"]), report


def test_the_copys_digest_sees_compiled_files_folders_and_links(tmp_path):
    """What the digest misses, an item can change unseen: a .pyc in __pycache__, a link, a new folder."""
    (tmp_path / "tinytorch" / "core").mkdir(parents=True)
    (tmp_path / "tinytorch" / "core" / "tensor.py").write_text("x = 1\n")
    seen = {judge._tree_digest(tmp_path)}
    (tmp_path / "tinytorch" / "core" / "__pycache__").mkdir()
    seen.add(judge._tree_digest(tmp_path))
    (tmp_path / "tinytorch" / "core" / "__pycache__" / "tensor.cpython-311.pyc").write_bytes(b"compiled")
    seen.add(judge._tree_digest(tmp_path))
    (tmp_path / "numpy").symlink_to(tmp_path / "tinytorch")
    seen.add(judge._tree_digest(tmp_path))
    assert len(seen) == 4


# Appended to the blank module 02 notebook: says at import whether another item's child of the same judge is alive.
LOOKS_FOR_ANOTHER_ITEM = """#| export
import os
def _stat(pid):
    return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
_supervisor = os.getppid()
_judge = int(_stat(_supervisor)[1])
_others = []
for _entry in os.listdir("/proc"):
    try:
        if _entry.isdigit() and int(_entry) != _supervisor and int(_stat(_entry)[1]) == _judge \\
                and b"tito_child.py" in open(f"/proc/{_entry}/cmdline", "rb").read():
            _others.append(_entry)
    except (OSError, IndexError, ValueError):
        pass
raise RuntimeError(f"another item's child is alive: {bool(_others)}")
"""


@pytest.mark.slow  # one grading without namespaces
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the module looks through /proc")
def test_without_namespaces_no_two_items_run_at_once(tmp_path):
    nb = notebooks.student_notebook(by_number("02").src)
    nb.cells.append(notebooks.nbformat.v4.new_code_cell(LOOKS_FOR_ANOTHER_ITEM))
    env = dict(environment(tmp_path / "tmp"), TITO_NO_NAMESPACES="1")
    graded = Graded(nb, tmp_path, "looks_around", env, "--jobs", "2", module="02").wait()
    assert graded.code == 0, graded.err
    report = json.loads(graded.report_path.read_text())
    said = [test["message"] for test in report["tests"]]
    assert all("another item's child is alive: False" in message for message in said), said
    assert "items run one at a time" in graded.out + graded.err


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

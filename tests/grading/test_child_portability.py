"""The child process of grading on systems without Linux's prctl, namespaces or fork (issue 22.2).

On macOS the C library has no `prctl` and `resource` lacks or refuses some limits; on Windows
there is no `resource` and no `os.fork`. child.py must still become the student's process there
(the judge then grades with the protections the README lists for that system). These tests run
child.py's own code in a fresh interpreter with the platform faked: a C library without prctl
(macOS), then no `resource` module and no fork (Windows).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tito.grading import judge

CHILD = judge.CHILD_FILES["tito_child.py"]
WIRE = judge.CHILD_FILES["tito_wire.py"]


def run_child_code(tmp_path: Path, fake: str, then: str) -> dict:
    """Import child.py (as tito_child, next to tito_wire) after `fake` ran, run `then`; the JSON it printed last."""
    (tmp_path / "tito_child.py").write_bytes(CHILD.read_bytes())
    (tmp_path / "tito_wire.py").write_bytes(WIRE.read_bytes())
    code = "\n".join(["import json, os, sys", fake, f"sys.path.insert(0, {str(tmp_path)!r})",
                      "import tito_child as child", then])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def become(tmp_path: Path, memory=None) -> str:
    """Code that calls child.become_student as the server does (no user id, no namespaces) and prints
    what it set up, or {"refused": message} when it raised OSError."""
    setup = {"workdir": str(tmp_path / "work"), "uid": None, "userns": False, "lib": str(tmp_path),
             "limits": {"memory": memory, "file_size": 2 ** 20, "cpu": 30, "processes": None}}
    return "\n".join([
        "try:",
        f"    child.become_student({setup!r})",
        "except OSError as error:",
        "    print(json.dumps({'refused': str(error)}))",
        "    sys.exit(0)",
        "limits = {}",
        "if child.resource is not None:",
        "    limits = {'fsize': child.resource.getrlimit(child.resource.RLIMIT_FSIZE)[0],",
        "              'cpu': child.resource.getrlimit(child.resource.RLIMIT_CPU)[0]}",
        "print(json.dumps(dict(limits, cwd=os.getcwd(), path0=sys.path[0], resource=child.resource is not None)))",
    ])


MACOS = """
import ctypes
class NoPrctl:                      # what macOS's libc looks like to ctypes: no prctl
    def __getattr__(self, name):
        if name == "prctl":
            raise AttributeError("dlsym(RTLD_DEFAULT, prctl): symbol not found")
        raise AttributeError(name)
ctypes.CDLL = lambda *args, **kwargs: NoPrctl()
sys.platform = "darwin"
"""

def test_the_child_becomes_the_student_without_prctl(tmp_path):
    seen = run_child_code(tmp_path, MACOS, become(tmp_path))
    assert seen == {"cwd": str(tmp_path / "work"), "fsize": 2 ** 20, "cpu": 30, "path0": str(tmp_path),
                    "resource": True}, seen


def test_on_linux_a_failing_prctl_is_still_an_error(tmp_path):
    """The guard is the platform, not the call failing: on Linux NO_NEW_PRIVS must hold or the child stops."""
    fake = "\n".join([
        "import ctypes",
        "real = ctypes.CDLL(None, use_errno=True)",
        "class FailingPrctl:",
        "    def __getattr__(self, name):",
        "        return (lambda *args: -1) if name == 'prctl' else getattr(real, name)",
        "ctypes.CDLL = lambda *args, **kwargs: FailingPrctl()",
    ])
    seen = run_child_code(tmp_path, fake, become(tmp_path))
    assert "prctl(NO_NEW_PRIVS)" in seen.get("refused", ""), seen


WINDOWS = """
import builtins
real_import = builtins.__import__
def no_resource(name, *args, **kwargs):
    if name == "resource":
        raise ImportError("No module named 'resource'")
    return real_import(name, *args, **kwargs)
builtins.__import__ = no_resource
del os.fork
import ctypes
ctypes.CDLL = lambda *args, **kwargs: None
sys.platform = "win32"
"""


def test_the_child_imports_and_becomes_the_student_without_resource_or_fork(tmp_path):
    seen = run_child_code(tmp_path, WINDOWS, become(tmp_path, memory=2 ** 30))
    assert seen == {"cwd": str(tmp_path / "work"), "path0": str(tmp_path), "resource": False}, seen

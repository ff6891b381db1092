"""A student's working copy is a first-class state: after `tito export 09` of a correct notebook,
the README's test command passes there (on the subset that the export touches: the module's
suite and the integration tests), and the reference-only tests say why they are skipped."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tito import notebooks, paths

ROOT = paths.repo_root(Path(__file__).parent)
SKIPPED = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", ".tito", ".pytest_cache", "build",
                                 "backups")


def _in(copy: Path, *args: str) -> subprocess.CompletedProcess:
    """Run python in the copy, importing the copy's tinytorch and tito (not the installed ones);
    without CI set, as on a student's machine."""
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env.update(PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_a_students_copy_after_exporting_a_correct_notebook_passes_the_test_command(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=SKIPPED)
    module = paths.find_module(copy, "09")
    notebooks.write_notebook(notebooks.reference_notebook(module.src), module.student_notebook)  # solved

    exported = _in(copy, "-m", "tito.main", "export", "09")
    assert exported.returncode == 0, exported.stdout + exported.stderr
    status = _in(copy, "-m", "tito.main", "status")
    assert "the package holds your code for 09_convolutions" in status.stdout, status.stdout

    run = _in(copy, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-m", "not slow",
              "tests/09_convolutions", "tests/integration")
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    assert "reference only: a student's working copy (your work in 09_convolutions)" in run.stdout, run.stdout[-3000:]
    assert "reference only: the package holds your export of 09_convolutions" in run.stdout, run.stdout[-3000:]

"""The oldest and the newest Python that pyproject.toml claims (#22.1), each in a fresh venv with
only the `tito` extra, as a student or an instructor installs it: `tito --version` answers,
`tito test 09` passes on the reference, and `tito grade` gives the solved notebook full marks with
namespaces off (what macOS gets). Slow: two installs and two module-09 suites.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tito import notebooks, paths

ROOT = paths.repo_root(Path(__file__).parent)
SKIPPED = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", ".tito", ".pytest_cache", "build",
                                 "backups", ".hypothesis", "outputs")


def _claimed() -> tuple[int, int]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    low = re.search(r'requires-python\s*=\s*">=3\.(\d+)', text)
    classifiers = [int(m) for m in re.findall(r"Programming Language :: Python :: 3\.(\d+)", text)]
    assert low and classifiers, "pyproject.toml names requires-python and the Python classifiers"
    return int(low.group(1)), max(classifiers)


OLDEST, NEWEST = _claimed()


def _interpreter(minor: int) -> str:
    """A python3.MINOR that runs: on PATH, or one pyenv installed (its shim on PATH fails unless that
    version is selected, so the installs themselves are looked for too)."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [shutil.which(f"python3.{minor}"), *sorted(map(str, pyenv_root.glob(f"versions/3.{minor}.*/bin/python3.{minor}")))]
    for candidate in filter(None, candidates):
        try:
            probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[1])"], capture_output=True,
                                   text=True, timeout=60)
        except OSError:
            continue
        if probe.returncode == 0 and probe.stdout.strip() == str(minor):
            return candidate
    pytest.skip(f"no working python3.{minor} on this machine (pyenv install 3.{minor}); CI's machine has one")


@pytest.mark.slow
@pytest.mark.parametrize("minor", [OLDEST, NEWEST], ids=lambda m: f"3.{m}")
def test_tito_extra_installs_tests_and_grades_on(minor, tmp_path):
    python = _interpreter(minor)
    copy = tmp_path / "tinytorch"
    shutil.copytree(ROOT, copy, ignore=SKIPPED)
    env = {key: value for key, value in os.environ.items()
           if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "CI", "PYENV_VERSION")}

    def run(*args, timeout=1200, **extra):
        result = subprocess.run(list(args), cwd=copy, env={**env, **extra}, capture_output=True, text=True,
                                timeout=timeout)
        assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result.stdout

    run(python, "-m", "venv", ".venv")
    venv = copy / ".venv" / "bin"
    run(str(venv / "python"), "-m", "pip", "install", "-q", "-e", ".[tito]")
    assert f"(Python 3.{minor}." in run(str(venv / "tito"), "--version")
    tested = run(str(venv / "tito"), "test", "09")
    assert "09_convolutions: PASSED" in tested, tested[-3000:]
    module = paths.find_module(copy, "09")
    submission = tmp_path / "solved.ipynb"
    notebooks.write_notebook(notebooks.reference_notebook(module.src), submission)
    run(str(venv / "tito"), "grade", "09", str(submission), "--json", str(tmp_path / "r.json"), TITO_NO_NAMESPACES="1")
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["total"] == report["max"] == 48, report

"""The oldest and the newest Python that pyproject.toml claims, each in a fresh venv.

First with only the `tito` extra, as a student or an instructor installs it: `tito --version`
answers, `tito test 09` passes on the reference, and `tito grade` gives the solved notebook full
marks with namespaces off (what macOS gets). Then with the `test` extra: the whole non-slow suite
passes there (the checks that need PyTorch or nbgrader skip, saying so; pip would fetch a 5 GB
CUDA PyTorch where no CPU wheel is at hand). Slow: two installs and two suites per Python. Every
test here is marked `matrix` too: README line 2 (which tests the Python it runs on) leaves them out
(`-m "slow and not matrix"`) and .ci/run runs them after it, in one pytest run, so the venvs are made
once and CI tests every claimed Python. Where a Python is missing they skip, so line 2 would select
them only on machines that have it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
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


ENV = {key: value for key, value in os.environ.items()
       if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "CI", "PYENV_VERSION")}


def run(cwd: Path, *args, timeout=1200, **extra) -> str:
    result = subprocess.run(list(map(str, args)), cwd=cwd, env={**ENV, **extra}, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, args))}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def checkouts(tmp_path_factory) -> dict:
    """minor -> a copy of the repository with a fresh .venv of that Python holding the `tito` extra."""
    made = {}
    for minor in (OLDEST, NEWEST):
        python = _interpreter(minor)
        copy = tmp_path_factory.mktemp(f"py3{minor}") / "tinytorch"
        shutil.copytree(ROOT, copy, ignore=SKIPPED)
        run(copy, python, "-m", "venv", ".venv")
        run(copy, copy / ".venv" / "bin" / "python", "-m", "pip", "install", "-q", "-e", ".[tito]")
        made[minor] = copy
    return made


@pytest.mark.slow
@pytest.mark.matrix
@pytest.mark.parametrize("minor", [OLDEST, NEWEST], ids=lambda m: f"3.{m}")
def test_tito_extra_installs_tests_and_grades_on(minor, checkouts, tmp_path):
    copy = checkouts[minor]
    venv = copy / ".venv" / "bin"
    assert f"(Python 3.{minor}." in run(copy, venv / "tito", "--version")
    tested = run(copy, venv / "tito", "test", "09")
    assert "09_convolutions: PASSED" in tested, tested[-3000:]
    module = paths.find_module(copy, "09")
    submission = tmp_path / "solved.ipynb"
    notebooks.write_notebook(notebooks.reference_notebook(module.src), submission)
    run(copy, venv / "tito", "grade", "09", submission, "--json", tmp_path / "r.json", TITO_NO_NAMESPACES="1")
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["total"] == report["max"] == 48, report


@pytest.mark.slow
@pytest.mark.matrix   # CI's (.ci/run), after README line 2: it alone takes longer than all the rest of the suite
def test_the_whole_non_slow_suite_passes_on_the_oldest_and_newest_python(checkouts):
    """After the tests above (they need the `tito` extra alone): the `test` extra, then the non-slow
    suite on both Pythons at once (two processes: the two suites share the machine's cores)."""
    for copy in checkouts.values():
        run(copy, copy / ".venv" / "bin" / "python", "-m", "pip", "install", "-q", "-e", ".[test]")
    suites = {}
    for minor, copy in checkouts.items():
        log = open(copy.parent / "suite.log", "w+", encoding="utf-8")
        suites[minor] = (log, subprocess.Popen(
            [str(copy / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider"],
            cwd=copy, env=ENV, stdout=log, stderr=subprocess.STDOUT))
    failures = []
    for minor, (log, suite) in suites.items():
        try:
            code = suite.wait(timeout=3600)
        finally:
            if suite.poll() is None:
                suite.kill()
        log.seek(0)
        text = log.read()
        log.close()
        summary = text.strip().splitlines()[-1] if text.strip() else ""
        # counted words only: "1 xfailed" (a strict xfail that held) is no failure
        if code != 0 or not re.search(r"\b\d+ passed\b", summary) or re.search(r"\b\d+ (failed|errors?)\b", summary):
            failures.append(f"Python 3.{minor} (exit {code}):\n{text[-3000:]}")
    assert not failures, "\n\n".join(failures)

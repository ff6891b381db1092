"""Run test cells in child processes, one cell per child, under time limits.

Shared by `tito grade` (against a throwaway copy of the package) and `tito test` (against the
installed package). Each child runs `python -m tito.grading.runner JOB.json` with PYTHONPATH
pointing at the package under test and writes its verdict to a result file we name. A child
that hangs is killed with its whole process group at its time limit; one that crashes leaves
no result file. Either way only that cell fails, and the others still run.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..cells import CheckCell

STATUSES = ("pass", "fail", "timeout", "error")


@dataclass(frozen=True)
class Limits:
    per_test: float = 60.0  # seconds one test cell may run
    total: float = 600.0    # seconds for the whole run; cells not started by then are not run
    jobs: int = 2           # children at a time


@dataclass
class Outcome:
    cell_id: str
    status: str  # one of STATUSES
    message: str
    seconds: float
    tests: list = field(default_factory=list)  # per test_unit_* function, from the runner


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the child and anything it started (a student's code may spawn processes)."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass


def _child_env(package_parent: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(package_parent), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no bytecode behind in the package under test
    return env


def run_group(command: list[str], cwd: Path, package_parent: Path, timeout: float,
              stdout: Path | None, stderr: Path) -> int | None:
    """Run `command` in its own process group against the package under test; return its exit
    code, or None when it was stopped at `timeout` (it and everything it started are killed)."""
    with open(stderr, "wb") as err, open(stdout or os.devnull, "wb") as out:
        proc = subprocess.Popen(command, cwd=cwd, env=_child_env(package_parent), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        _kill_group(proc)
        proc.wait()
    return code


def _spawn(job_file: Path, workdir: Path, package_parent: Path, timeout: float) -> tuple[int | None, str]:
    """Run one child; return (exit code or None on timeout, tail of its stderr)."""
    stderr_path = workdir / "stderr.txt"
    code = run_group([sys.executable, "-m", "tito.grading.runner", str(job_file)], workdir, package_parent,
                     timeout, None, stderr_path)
    with open(stderr_path, "rb") as handle:
        handle.seek(max(0, stderr_path.stat().st_size - 2000))
        return code, handle.read().decode("utf-8", "replace")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().split("\n") if line.strip()]
    return lines[-1][:200] if lines else "no error output"


def _read_result(result_file: Path, package_parent: Path) -> dict | None:
    try:
        result = json.loads(result_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if result.get("status") not in ("pass", "fail", "error"):
        return None
    module_file = result.get("module_file")
    if module_file and not Path(module_file).resolve().is_relative_to(package_parent.resolve()):
        return {"status": "error", "message": f"the child imported {module_file}, not the package under test "
                f"in {package_parent}; check PYTHONPATH and how tinytorch is installed"}
    return result


def run_one(cell: CheckCell, module_name: str, package_parent: Path, workdir: Path,
            deadline: float, limits: Limits) -> Outcome:
    started = time.monotonic()
    remaining = deadline - started
    if remaining <= 0:
        return Outcome(cell.cell_id, "timeout", f"not run: the total time limit of {limits.total:g} s was reached", 0.0)
    timeout = min(limits.per_test, remaining)
    workdir.mkdir(parents=True)
    job_file, result_file = workdir / "job.json", workdir / "result.json"
    job_file.write_text(json.dumps({"module": module_name, "source": cell.source,
                                    "label": f"test cell {cell.cell_id}", "result": str(result_file)}))
    code, stderr = _spawn(job_file, workdir, package_parent, timeout)
    seconds = time.monotonic() - started
    if code is None:
        limit = "its" if timeout == limits.per_test else "the total"
        return Outcome(cell.cell_id, "timeout", f"stopped after {timeout:.3g} s ({limit} time limit): "
                       "an endless loop, or far too slow", seconds)
    result = _read_result(result_file, package_parent)
    if result is None:
        return Outcome(cell.cell_id, "error", f"the test process crashed (exit code {code}) before reporting: "
                       f"{_last_line(stderr)}", seconds)
    return Outcome(cell.cell_id, result["status"], result.get("message", ""), seconds, result.get("tests", []))


def run_cells(cells: list[CheckCell], module_name: str, package_parent: Path, limits: Limits,
              log=lambda line: None, deadline: float | None = None) -> list[Outcome]:
    """Run every cell (in parallel up to limits.jobs); outcomes come back in `cells` order.
    `deadline` (time.monotonic()) defaults to limits.total from now; pass one to share it."""
    deadline = time.monotonic() + limits.total if deadline is None else deadline
    with tempfile.TemporaryDirectory(prefix="tito-run-") as scratch:
        def job(index: int) -> Outcome:
            outcome = run_one(cells[index], module_name, package_parent, Path(scratch) / f"cell-{index:03d}",
                              deadline, limits)
            log(f"  [{index + 1}/{len(cells)}] {outcome.cell_id}: {outcome.status} ({outcome.seconds:.1f} s)")
            return outcome

        with ThreadPoolExecutor(max_workers=max(1, limits.jobs)) as pool:
            return list(pool.map(job, range(len(cells))))

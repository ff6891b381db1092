"""`tito test`'s inline checks: each test cell runs in a child, in the student's own module.

Here the student tests their own code, so nothing is defended against it: the child runs
runner.py (standard library only, started as a script so that nothing but the module under test
and what it imports is loaded) with PYTHONPATH at the package under test, and writes its verdict
to a result file we name. The child runs in its own namespaces or process group (processes.py):
a hang is killed with everything it started at its time limit, a crash leaves no result file,
and either way only that cell fails. Grading (`tito grade`) does not use this: see judge.py.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from .. import cells
from . import loops, processes
from .judge import Outcome, last_line
from .limits import Limits

RUNNER = Path(__file__).resolve().parent / "runner.py"
# runner.py as a script, without its folder (tito/grading, whose modules would shadow the student's
# imports) or the working folder first on sys.path: what `python -P runner.py` does on 3.11+, here
# for 3.10 too (runpy.run_path of a file leaves sys.path as it is).
RUN_SCRIPT = "import runpy, sys; del sys.path[0]; sys.argv[:] = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"


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


def run_one(cell, module_name: str, package_parent: Path, workdir: Path, deadline: float, limits: Limits,
            group: processes.Group) -> Outcome:
    """One test cell in a child; a `#| loop_rule` cell also gets the loop rule's verdict, read from the
    source as the grader reads it (loops.py), so that `tito test` and `tito grade` agree."""
    rule = loops.verdict(cell, package_parent, module_name)
    outcome = _run_one(cell, module_name, package_parent, workdir, deadline, limits, group)
    outcome.status, outcome.message, outcome.tests = loops.merge(outcome.status, outcome.message, outcome.tests, rule)
    return outcome


def _run_one(cell, module_name: str, package_parent: Path, workdir: Path, deadline: float, limits: Limits,
             group: processes.Group) -> Outcome:
    started = time.monotonic()
    remaining = deadline - started
    if remaining <= 0:
        return Outcome(cell.cell_id, "timeout", f"not run: the total time limit of {limits.total:g} s was reached", 0.0)
    timeout = min(limits.per_test, remaining)
    job_file, result_file, stderr_path = workdir / "job.json", workdir / "result.json", workdir / "stderr.txt"
    job_file.write_text(json.dumps({"module": module_name, "source": cell.source, "helpers": cell.helpers, "tests": cells.test_functions(cell.source),
                                    "label": f"test cell {cell.cell_id}", "result": str(result_file)}))
    with open(stderr_path, "wb") as err:
        child = group.spawn([sys.executable, "-c", RUN_SCRIPT, str(RUNNER), str(job_file)], cwd=workdir,
                            env=processes.child_env(package_parent), stderr=err)
        try:
            code = child.proc.wait(timeout=timeout)
        except Exception:  # subprocess.TimeoutExpired
            code = None
        child.stop()
    seconds = time.monotonic() - started
    if code is None:
        limit = "its" if timeout == limits.per_test else "the total"
        return Outcome(cell.cell_id, "timeout", f"stopped after {timeout:.3g} s ({limit} time limit): "
                       "an endless loop, or far too slow", seconds)
    result = _read_result(result_file, package_parent)
    if result is None:
        stderr = stderr_path.read_bytes()[-2000:].decode("utf-8", "replace")
        return Outcome(cell.cell_id, "error", f"the test process crashed (exit code {code}) before reporting: "
                       f"{last_line(stderr)}", seconds)
    return Outcome(cell.cell_id, result["status"], result.get("message", ""), seconds, result.get("tests", []))


def run_cells(cells: list, module_name: str, package_parent: Path, limits: Limits,
              log=lambda line: None, deadline: float | None = None) -> list[Outcome]:
    """Run every cell (in parallel up to limits.jobs); outcomes come back in `cells` order.
    `deadline` (time.monotonic()) defaults to limits.total from now; pass one to share it."""
    deadline = time.monotonic() + limits.total if deadline is None else deadline
    with tempfile.TemporaryDirectory(prefix="tito-run-") as scratch, processes.Group() as group:
        def job(index: int) -> Outcome:
            workdir = Path(tempfile.mkdtemp(prefix=f"cell-{index:03d}-", dir=scratch))
            outcome = run_one(cells[index], module_name, package_parent, workdir, deadline, limits, group)
            log(f"  [{index + 1}/{len(cells)}] {outcome.cell_id}: {outcome.status} ({outcome.seconds:.1f} s)")
            return outcome

        return processes.run_jobs(job, len(cells), limits.jobs, group)

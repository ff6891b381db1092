"""The child of `tito test`'s inline checks: run one test cell in the student's own module, write a JSON result.

    python -c RUN_SCRIPT tito/grading/runner.py JOB.json     (checks.RUN_SCRIPT: like python -P runner.py)

JOB.json names the module to import (`tinytorch.core.<name>`), the cell's source, its test
functions, and the path of the result file. The cell runs inside a copy of the module's
namespace (with `__name__` not "__main__", so its `if __name__ == "__main__":` block stays
quiet), then each of its test functions is called.

This trusts the student's code (they test their own work); grading never uses it (see judge.py).
The result goes to the file the parent named, never to stdout, so that stray prints are not read
as results. Standard library only (and tito.grading.limits, itself standard library only), and
started as a script rather than with `-m`, so that nothing but the student's module (and what it
imports) is loaded from the package under test.
"""
from __future__ import annotations

import importlib
import json
import os
import sys
import traceback

from tito.grading.limits import one_line  # absolute: a script, not a package module
from tito.grading.wire import raised_where

GRADER_NAME = "__tito_grader__"


def describe(error: BaseException) -> str:
    """One line: the exception and where (innermost frame) it was raised."""
    text = type(error).__name__ + (f": {error}" if str(error).strip() else "")
    return one_line(f"{text} {raised_where(error)}")


def run_test(name: str, function) -> dict:
    try:
        function()
    except BaseException as error:  # SystemExit and KeyboardInterrupt too: a test must not end the run
        return {"name": name, "status": "fail", "message": describe(error), "traceback": traceback.format_exc()[-4000:]}
    return {"name": name, "status": "pass", "message": ""}


def run_cell(module_name: str, source: str, cell_label: str, tests: list, helpers: str = "") -> dict:
    try:
        module = importlib.import_module(module_name)
    except BaseException as error:
        return {"status": "error", "message": f"importing {module_name} failed: {describe(error)}",
                "traceback": traceback.format_exc()[-4000:]}
    namespace = dict(module.__dict__)
    namespace["__name__"] = GRADER_NAME
    before = {key: value for key, value in namespace.items() if key.startswith("test_unit_")}
    result = {"module_file": getattr(module, "__file__", None)}
    try:
        if helpers:  # the `#| check_helpers` cells before this one (tito.cells.CHECK_HELPERS)
            exec(compile(helpers, f"<{cell_label} (check helpers)>", "exec"), namespace)
        exec(compile(source, f"<{cell_label}>", "exec"), namespace)
    except BaseException as error:
        return {**result, "status": "error", "message": f"the test cell failed before its tests ran: {describe(error)}",
                "traceback": traceback.format_exc()[-4000:]}
    # `tests` comes from the parent (tito.cells.test_functions, the one definition of a cell's tests);
    # a name the cell did not (re)define is the module's own, not a test.
    names = [key for key in tests if callable(namespace.get(key)) and before.get(key) is not namespace[key]]
    if not names:
        return {**result, "status": "error", "message": f"{cell_label} defines no test_unit_* function"}
    tests = [run_test(name, namespace[name]) for name in names]
    failed = [test for test in tests if test["status"] != "pass"]
    message = "; ".join(f"{test['name']}: {test['message']}" for test in failed)
    return {**result, "status": "fail" if failed else "pass", "message": message, "tests": tests}


def write_result(path: str, result: dict) -> None:
    """Write then rename, so the parent never reads half a file."""
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    os.replace(partial, path)


def main(job_path: str) -> None:
    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    result = run_cell(job["module"], job["source"], job["label"], job["tests"], job.get("helpers", ""))
    write_result(job["result"], result)


if __name__ == "__main__":
    main(sys.argv[1])

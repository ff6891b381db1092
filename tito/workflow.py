"""The student's daily loop: `tito module start`, `tito export`, `tito test`, `tito status`.

The rule that shapes all of it: nothing a student wrote is ever overwritten silently. A started
notebook is only replaced on `--reset`, after a timestamped backup; an export that would break
the package (a syntax error, or a cell that raises at import) is refused before anything is
written.
"""
from __future__ import annotations

import ast
import dataclasses
import os
import re
import shutil
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import NamedTuple

from . import cells, export, notebooks, state, tables
from .grading import processes
from .grading.limits import Limits
from .paths import CourseModule
from .test_report import (FAILED, Check, assign_blame, exception_text, exercise_names, inline_names, module_definitions,
                          module_reach, raiser, read_calls, report_lines, skip_lines, traceback_charge, verbose_lines)


class Refused(Exception):
    """The command would lose work or break the package; nothing was written."""


# ---------------------------------------------------------------- tito module start

def fresh_notebook(module: CourseModule) -> bytes:
    return notebooks.notebook_bytes(notebooks.student_notebook(module.src))


def is_fresh(path: Path, fresh: bytes) -> bool:
    """Whether the notebook at `path` is the fresh one, also with '\r\n' line endings: what git checks out on
    Windows under core.autocrlf=true in a clone made before the course's .gitattributes said eol=lf."""
    data = path.read_bytes()
    return data == fresh or data.replace(b"\r\n", b"\n") == fresh


def start_module(module: CourseModule, reset: bool = False, log=print) -> Path:
    """Write the fresh student notebook, unless that would overwrite the student's work; and the
    module's other notebooks (given code, e.g. 09a_fast_path.ipynb) where they are missing."""
    for source in module.sources[1:]:
        given = module.notebook_of(source)
        if not given.exists():
            notebooks.write_notebook(notebooks.student_notebook(source), given)
            log(f"wrote {given.relative_to(module.root)} (given code, after the lesson)")
    path, fresh = module.student_notebook, fresh_notebook(module)
    rel = path.relative_to(module.root)
    if path.exists() and is_fresh(path, fresh):
        log(f"{rel} is already a fresh copy; open it in Jupyter and start.")
        return path
    if path.exists() and not reset:
        raise Refused(f"{rel} already exists and holds your changes, so it was left as it is.\n"
                      f"Keep working in it, or run `tito module start {module.number} --reset` to save it under "
                      f"{rel.parent}/backups/ and get a fresh copy.")
    if path.exists():
        backup = notebooks.backup_path(path)
        backup.parent.mkdir(exist_ok=True)
        shutil.copy2(path, backup)
        log(f"saved your notebook as {backup.relative_to(module.root)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(fresh)
    log(f"wrote {rel}: fill in each `raise NotImplementedError()`, then run `tito export {module.number}`.")
    return path


# ---------------------------------------------------------------- tito export

IMPORT_TIMEOUT = 120.0


def import_problem(module_name: str, package_parent: Path, nb) -> str | None:
    """Import the exported module in a child process; describe the failure for the student, or None."""
    with tempfile.TemporaryDirectory(prefix="tito-import-") as scratch:
        err_path = Path(scratch) / "stderr.txt"
        # In its own process group: a hang, or a process the import starts, is killed with it.
        code = processes.run_group([sys.executable, "-c", "import importlib, sys; importlib.import_module(sys.argv[1])",
                                  module_name], package_parent, package_parent, IMPORT_TIMEOUT, None, err_path)
        stderr = err_path.read_text(encoding="utf-8", errors="replace")
    if code is None:
        return f"importing {module_name} did not finish within {IMPORT_TIMEOUT:g} s: does an exported cell run a long loop?"
    if code == 0:
        return None
    last = [line for line in stderr.strip().split("\n") if line.strip()][-1:] or ["(no error output)"]
    where = ""
    frames = re.findall(r'File "([^"]+)", line (\d+)', stderr)
    mine = [(f, int(n)) for f, n in frames if Path(f).resolve().is_relative_to(package_parent.resolve())]
    trail = []  # notebook cells on the traceback, outermost first: where it was called, where it raised
    for file, lineno in mine:
        cell = export.cell_of_line(Path(file).read_text(encoding="utf-8"), lineno)
        if cell is not None and cell < len(nb.cells) and cell not in trail:
            trail.append(cell)
    if trail:
        where = " Traceback through your notebook: " + " -> ".join(cells.describe_cell(nb, c) for c in trail) + "."
    hint = ("An exported cell calls a function you have not written yet; exported cells must only define things."
            if "NotImplementedError" in last[0] else "Run the notebook's cells from the top to see the error.")
    return f"importing your {module_name} fails: {last[0].strip()}.{where}\n{hint}"


def export_module(module: CourseModule, package: Path, log=print) -> list[str]:
    """Export the student's notebook into `package`; return the exported names. Raises Refused.

    Either way the outcome is recorded (state.py): the hash of the exported cells that went in, or
    the refusal, so that `tito test` and `tito status` never report on code the notebook no longer holds."""
    nb_path = module.student_notebook
    if not nb_path.exists():
        raise FileNotFoundError(f"No notebook at {nb_path}. Run `tito module start {module.number}` first.")
    try:
        nb = cells.load_notebook(nb_path)
    except cells.NotebookError as error:
        state.record_refusal(module.root, module.slug, None, str(error).split("\n")[0])
        raise
    cells_hash = cells.exported_cells_hash(nb)      # of the notebook as saved: what `tito test` compares with
    restored = cells.restore_given(nb, cells.course_cells(module.src))
    if restored:   # as `tito grade` does, so that `tito test` tests what will be graded
        from .grading.grade import restored_note   # here: `tito export` and `tito status` need no judge
        log(f"note: {restored_note(restored)} Your notebook keeps your copy.")
    try:
        names = _export_checked(module, nb, package, log)
    except Refused as refusal:
        state.record_refusal(module.root, module.slug, cells_hash, str(refusal).split("\n")[0])
        raise
    state.record_export(module.root, module.slug, cells_hash)
    return names


def _export_checked(module: CourseModule, nb, package: Path, log) -> list[str]:
    nb_path = module.student_notebook
    target = cells.export_target(module.src)
    nothing = "Nothing was exported; the package is as it was."
    problem = cells.syntax_error(nb)
    if problem:
        raise Refused(f"{nb_path.name} does not parse: {problem}\n{nothing}")
    cells.append_continued(nb, cells.continued_cells(module.src))   # the given notebooks after the lesson, as tito grade
    log(f"checking {nb_path.name} in a scratch copy of the package ...")
    with tempfile.TemporaryDirectory(prefix="tito-export-") as scratch:
        problem = export.export_into_copy(nb, nb_path, target, package, Path(scratch)) or \
            import_problem(f"tinytorch.{target}", Path(scratch), nb)
    if problem:
        raise Refused(f"{problem}\n{nothing}")
    written = export.export_notebook(nb, package, edit_me=nb_path, target=target)
    names = export.exported_names(package / export.module_file(target))
    log(f"exported {nb_path.name} -> {', '.join(str(p) for p in written)}")
    log(f"names: {', '.join(names) or '(none)'}")
    return names


# ---------------------------------------------------------------- tito test

def package_origin(module: CourseModule, package: Path) -> str:
    """Whose code the package holds for this module: 'yours', 'reference', 'hand-written' or 'missing'."""
    return export.origin(package / export.module_file(cells.export_target(module.src)))


def _judged(module: CourseModule, checks: list, package: Path, limits: Limits, progress,
            deadline: float) -> tuple[list, tuple[str, ...]]:
    """The inline checks through the judge that `tito grade` uses, on a copy of the package under test:
    a graded cell gets the very verdict tito grade gives it; an ungraded one runs inside the student's
    process, as in the notebook (it may compare identities or subclass the module's classes). Returns
    the outcomes and the paths under which the child saw the package copy."""
    from .grading import judge   # here, not above: `tito export` and `tito status` start faster without it (numpy, the rules)
    scratch = processes.grading_scratch()
    try:
        lib = scratch / "lib"
        lib.mkdir()
        shutil.copytree(package, lib / package.name, ignore=shutil.ignore_patterns("__pycache__"))
        judge.install_child(lib)
        left = dataclasses.replace(limits, total=max(0.0, deadline - time.monotonic()))
        setup = judge.Setup(f"tinytorch.{cells.export_target(module.src)}", lib, scratch,
                            judge.trusted_imports(module.src), left, judge.reference_names(module.src), tracebacks=True)
        ungraded = frozenset(cell.cell_id for cell in checks if not cell.graded)
        return judge.run_cells(checks, setup, progress, in_child=ungraded), (judge.IN_NAMESPACE_LIB, str(lib))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _inline_checks(module: CourseModule, package: Path, limits: Limits, deadline: float, log, progress,
                   exported: list[str], spans) -> tuple[int, int, list[Check]]:
    """(cells passed, cells, one Check per test function, or per cell that failed before its tests ran)."""
    checks = cells.check_cells(module.src)
    target = cells.export_target(module.src)
    module_file = package / export.module_file(target)
    log(f"inline checks: {len(checks)} test cells of {' and '.join(source.name for source in module.sources)}, "
        f"against tinytorch.{target} ...")
    outcomes, seen_as = _judged(module, checks, package, limits, progress, deadline)
    reach = module_reach(module_file, exported)
    passed, found = 0, []
    for cell, outcome in zip(checks, outcomes):
        passed += outcome.status == "pass"
        per_test = inline_names(cell, exported)
        everything = [name for name in exported if any(name in names for names in per_test.values())]
        for test in outcome.tests or [{"name": "(cell)", "status": outcome.status, "message": outcome.message}]:
            if test["name"] == "loop rule":  # loops.merge: the rule's verdict on the function it names
                names = [cell.loop_rule] if cell.loop_rule in exported else everything
            else:
                names = per_test.get(test["name"], everything)
            # the names those names' code uses: a check of several, failing on values, may lie with one of them
            # (check-conv-options runs your conv2d_loops through conv2d_general_loops); one name keeps its own
            reached = sorted({inner for name in names for inner in reach.get(name, ())}) if len(set(names)) > 1 else []
            check = Check(f"{outcome.cell_id} :: {test['name']}", test["status"], test.get("message", ""), names, reached)
            if check.status in FAILED:
                trace = test.get("traceback", "")
                for path in seen_as:  # the child's path of the package copy: the package under test
                    trace = trace.replace(path, str(package.parent))
                check.message = exception_text(trace) or check.message
                check.charged, check.where = traceback_charge(trace, module_file, spans, names)
                if test["name"] == "loop rule" and cell.loop_rule in names:
                    check.charged = [cell.loop_rule]
            found.append(check)
    return passed, len(outcomes), found


class Case(NamedTuple):
    """One test case of pytest's junit XML report."""

    id: str        # classname::name, e.g. tests.00_demo.test_demo::test_add_floats
    status: str    # pass, fail, error, skipped
    message: str   # whole: a failure's message, a skip's reason
    file: str = ""  # a test file pytest skipped, or could not collect, as a whole (no test of it counted)


def _collected_file(name: str, text: str, root: Path | None) -> tuple[str, str]:
    """(file, reason) of a junit test case that stands for a whole file: pytest writes the skip of a file
    (`pytest.importorskip` at module level, `pytest.skip(allow_module_level=True)`) as the text
    "('/abs/path/test_x.py', LINE, 'Skipped: REASON')"."""
    try:
        path, _, reason = ast.literal_eval((text or "").strip())
        path, reason = Path(str(path)), str(reason)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return name.replace(".", "/") + ".py", ""
    if root is not None and path.is_absolute() and path.is_relative_to(root):
        path = path.relative_to(root)
    return str(path), reason.removeprefix("Skipped: ")


def _pytest_cases(xml_path: Path, root: Path | None = None) -> list[Case]:
    """The test cases of a pytest junit XML report, messages whole (paths relative to `root`)."""
    cases = []
    for case in ET.parse(xml_path).getroot().iter("testcase"):
        status, message, file, found = "pass", "", "", None
        for tag in ("failure", "error", "skipped"):
            if case.find(tag) is not None:
                found, status = case.find(tag), {"failure": "fail"}.get(tag, tag)
        if found is not None:
            message = found.get("message", "")
        if not case.get("classname"):  # a whole file: skipped, or its collection failed
            file, reason = _collected_file(case.get("name", ""), found.text if found is not None else "", root)
            message = (reason or message) if status == "skipped" else ((found.text or "").strip() or message)
        elif found is not None and found.get("type") == "pytest.xfail":
            message = f"expected to fail (xfail): {message}"
        cases.append(Case(f"{case.get('classname')}::{case.get('name')}", status, message, file))
    return cases


def _running_test(output: str) -> str:
    """The test pytest -v had started but not finished when it was stopped ("" if none)."""
    lines = [line.strip() for line in output.split("\n") if "::" in line]
    last = lines[-1] if lines else ""
    return "" if re.search(r" (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b", last) else last.split(" ")[0]


def _pytest_suite(module: CourseModule, package: Path, deadline: float, log) -> tuple[tuple[int, int, int], list[Check]] | None:
    """((passed, total, skipped), one Check per test case) of the module's pytest suite, or None when it has none."""
    tests = module.tests.relative_to(module.root)
    if not module.tests.is_dir():
        log(f"pytest: no suite at {tests}")
        return None
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        message = "not run: the total time limit was reached (raise --total-timeout)"
        log(f"  TIMEOUT {tests}  {message}")
        return (0, 1, 0), [Check(str(tests), "timeout", message)]
    log(f"pytest: {tests} against {package} ...")
    target = f"tinytorch.{cells.export_target(module.src)}"
    with tempfile.TemporaryDirectory(prefix="tito-test-") as scratch:
        scratch = Path(scratch)
        xml_path, out_path, err_path = scratch / "report.xml", scratch / "stdout.txt", scratch / "stderr.txt"
        calls_path = scratch / "calls.jsonl"
        # cwd is the scratch folder, not the repository: `python -m` puts its cwd first on sys.path, and
        # the repository's own tinytorch/ folder must not shadow the package under test.
        code = processes.run_group([sys.executable, "-m", "pytest", str(module.tests), "-v", "-p", "no:cacheprovider",
                                    "-p", "tito.grading.attribution", "--tito-module", target, "--tito-calls", str(calls_path),
                                    f"--rootdir={module.root}", f"--junitxml={xml_path}"],
                                   scratch, package.parent, remaining, out_path, err_path)
        output = out_path.read_text(encoding="utf-8", errors="replace")
        calls, running = read_calls(calls_path)
        if code is None:
            shown = _running_test(output)  # relative to the scratch cwd; shown relative to the repository
            shown = os.path.relpath(scratch / shown, module.root) if shown else str(tests)
            message = f"stopped after {remaining:.3g} s (the total time limit): an endless loop, or far too slow"
            log(f"  TIMEOUT {shown}  {message}")
            return (0, 1, 0), [Check(running["nodeid"] if running else shown, "timeout", message,
                                     list(running["calls"]) if running else [], list(running["reached"]) if running else [])]
        if not xml_path.exists():
            log(output[-3000:] + err_path.read_text(encoding="utf-8", errors="replace")[-3000:])
            return (0, 1, 0), [Check(str(tests), "error", f"pytest stopped without a report (exit code {code}); "
                                     "its output is above")]
        cases = _pytest_cases(xml_path, module.root)
    checks = []
    for case in cases:
        info = calls.get(case.id, {})
        message = info.get("message") if case.status in FAILED and info.get("message") else case.message
        checks.append(Check(info.get("nodeid") or case.file or case.id, case.status, message, list(info.get("calls", [])),
                            list(info.get("reached", [])), info.get("charged"), info.get("where") or "", case.file))
    statuses = [case.status for case in cases]
    return (statuses.count("pass"), len(cases), statuses.count("skipped")), checks


# ---------------------------------------------------------------- stale exports

def stale_export(module: CourseModule, package: Path) -> tuple[str, str] | None:
    """(short reason, explanation) when the package's code for `module` is not what the student's
    notebook holds now (edited since `tito export`, or the last export was refused); None when it is,
    or when the student never exported (the package holds the reference, and says so)."""
    record = state.load(module.root)["exports"].get(module.slug)
    origin = package_origin(module, package)
    if record is None and origin != "yours":
        return None
    held = "your previous export" if origin == "yours" else "the reference, not your code"
    try:
        current = cells.exported_cells_hash(cells.load_notebook(module.student_notebook))
    except (FileNotFoundError, cells.NotebookError):
        current = None
    if record and record.get("refused") and current != record.get("hash"):
        return ("stale: last export refused",
                f"your last `tito export {module.number}` was refused ({record['refused']}), so the package "
                f"still holds {held}.")
    if origin != "yours":
        return None
    if current is None:
        return ("stale: notebook missing",
                f"{module.student_notebook.relative_to(module.root)} cannot be read, so whether the package holds "
                "its code is unknown.")
    if record is None or record.get("hash") is None:
        return ("stale: export not recorded",
                "the package holds an export of yours, but tito has no record of which notebook it came from "
                "(.tito/state.json is missing or older than this tito).")
    if current != record["hash"]:
        return ("stale: notebook changed since export",
                f"the exported cells of {module.student_notebook.name} changed since your last "
                f"`tito export {module.number}`; the package holds the code as it was then.")
    return None


def stale_advice(module: CourseModule, explanation: str) -> str:
    return (f"STALE {module.slug}: {explanation}\n"
            f"Run `tito export {module.number}` (a syntax error in any exported cell stops it, and it shows the cell "
            f"and line), then `tito test {module.number}`.")


def run_module_tests(module: CourseModule, package: Path, limits: Limits = Limits(), log=print,
                     verbose: bool = False, progress=None) -> bool:
    """Inline checks and the pytest suite against the installed package, all within limits.total;
    records the result. Refuses to test (returns False, runs nothing) when the export is stale: a
    PASSED for code the notebook no longer holds would be a lie.

    `log` gets the report (test_report.py): one line per exported name, the skips, the summary; with
    `verbose`, every check's line first. `progress` (default `log`) gets a line per inline test cell as
    it finishes."""
    stale = stale_export(module, package)
    if stale:
        log(stale_advice(module, stale[1]))
        log(f"{module.slug}: NOT TESTED ({stale[0]})")
        return False
    deadline = time.monotonic() + limits.total
    if package_origin(module, package) != "yours":
        log(f"note: the package holds the reference {module.slug}, not your code. "
            f"Run `tito export {module.number}` first to test your own work.")
    target = cells.export_target(module.src)
    exported, spans = module_definitions(package / export.module_file(target))
    *inline, inline_checks = _inline_checks(module, package, limits, deadline, log, progress or log, exported, spans)
    if verbose:
        for line in verbose_lines(inline_checks):
            log(line)
    suite = _pytest_suite(module, package, deadline, log)
    checks = inline_checks + (suite[1] if suite else [])
    if verbose and suite:
        for line in verbose_lines(suite[1]):
            log(line)
    log(f"{module.slug}: checks per exported name of tinytorch.{target} (inline and pytest together):")
    module_file = package / export.module_file(target)
    for check in checks:
        check.raised_in = raiser(check.where, module_file, spans) if check.status in FAILED else None
    assign_blame(checks, exercise_names(module.src))
    for line in report_lines(exported, checks, module.number) + skip_lines(checks):
        log(line)
    parts, skipped_note = [f"inline {inline[0]}/{inline[1]}"], ""
    passed = inline[0] == inline[1]
    if suite:
        done, total, skipped = suite[0]
        parts.append(f"pytest {done}/{total}")
        skipped_note = f", {skipped} skipped" if skipped else ""
        passed = passed and done + skipped == total   # a skip (e.g. no torch installed) is not a failure
    summary = ", ".join(parts) + " passed" + skipped_note
    state.record_test(module.root, module.slug, passed, summary)
    log(f"{module.slug}: {'PASSED' if passed else 'FAILED'} ({summary})")
    return passed


# ---------------------------------------------------------------- tito status

def status_rows(modules: list[CourseModule], package: Path) -> list[tuple[str, str, str, str]]:
    """(module, notebook, package, last test) per module."""
    results = state.load(modules[0].root)["modules"] if modules else {}
    rows = []
    for module in modules:
        nb = module.student_notebook
        started = "started" if nb.exists() and not is_fresh(nb, fresh_notebook(module)) else \
            ("fresh" if nb.exists() else "not started")
        last, stale = results.get(module.slug), stale_export(module, package)
        if stale:  # never a verdict on code the notebook no longer holds
            tested = f"{stale[0]}: run tito export {module.number}"
        elif last:
            tested = f"{'passed' if last['passed'] else 'failed'} ({last['summary']}, {last['tested_at']})"
        else:
            tested = "never"
        rows.append((module.slug, started, package_origin(module, package), tested))
    return rows


def stale_lines(modules: list[CourseModule], package: Path) -> list[str]:
    """What `tito status` says first: one paragraph per module whose export is stale."""
    return [stale_advice(module, stale[1]) for module in modules if (stale := stale_export(module, package))]


def format_status(rows: list[tuple[str, ...]], stale: list[str] = ()) -> str:
    """Stale exports first, the table, then one line saying which modules of the package hold the student's code."""
    table = "\n\n".join([*stale, tables.format_table(("module", "notebook", "package", "last tito test"), rows)])
    yours = [row[0] for row in rows if row[2] == "yours"]
    summary = (f"the package holds your code for {', '.join(yours)}; the reference for the rest" if yours else
               "the package holds the reference for every module: `tito export NN` puts your code in")
    return f"{table}\n\n{summary}"

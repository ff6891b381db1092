"""The student's daily loop: `tito module start`, `tito export`, `tito test`, `tito status`.

The rule that shapes all of it: nothing a student wrote is ever overwritten silently. A started
notebook is only replaced on `--reset`, after a timestamped backup; an export that would break
the package (a syntax error, or a cell that raises at import) is refused before anything is
written.
"""
from __future__ import annotations

import ast
import json
import os
import re
import shutil
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from . import cells, export, notebooks, state, tables
from .grading import checks as check_runner, processes
from .grading.limits import Limits
from .paths import CourseModule


class Refused(Exception):
    """The command would lose work or break the package; nothing was written."""


# ---------------------------------------------------------------- tito module start

def fresh_notebook(module: CourseModule) -> bytes:
    return notebooks.notebook_bytes(notebooks.student_notebook(module.src))


def start_module(module: CourseModule, reset: bool = False, log=print) -> Path:
    """Write the fresh student notebook, unless that would overwrite the student's work."""
    path, fresh = module.student_notebook, fresh_notebook(module)
    rel = path.relative_to(module.root)
    if path.exists() and path.read_bytes() == fresh:
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
    cells_hash = cells.exported_cells_hash(nb)
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


# What `tito test` shows (GitHub issue 21, item 3): after the progress lines, one line per function and
# class the module exports (its `__all__`), with the first failure's whole message and the count of the
# rest; then every reason a check was skipped, how many it skipped, and how to install what is missing.
# `-v` also lists every check, one line each. Which exported name a check is about:
#   pytest tests   what the test called itself (tito/grading/attribution.py, a pytest plugin: the module's
#                  exported functions and classes are wrapped, and a call from outside the module records
#                  its name for the running test); a failure is charged to the first of those names whose
#                  code is on its traceback, innermost first.
#   inline checks  what the test function names in its source, directly or through the helper functions of
#                  its cell and of the `#| check_helpers` cells (the checks run in runner.py's child, which
#                  reports a traceback, not calls); a failure is charged to the first of those names whose
#                  code is on its traceback (a frame in the module file, mapped to the top-level def or
#                  class around its line); a `#| loop_rule NAME` verdict is charged to NAME.
# A failure whose traceback goes through none of its names (the test's own assertion failed on values it
# got back) is charged by what the whole run says (assign_blame): to the names that failed on their own
# elsewhere, among those it used or those that ran inside them (Conv2d(use_loops=True) runs the student's
# conv2d_loops), else to those the student wrote (conv2d_loops, not the given conv2d_vectorized it is
# compared with), else to all of them. Measured on module 09 with the bias left out of conv2d_loops:
# charging every name a failing test called gives five FAIL lines (conv2d_vectorized, Conv2d, ...); this
# gives one, conv2d_loops.

FAILED = ("fail", "error", "timeout")
MESSAGE_LINES = 40   # a failure's message is shown whole up to this many lines, then "... (N more lines)"
VERBOSE_WIDTH = 200  # `-v`: one line per check, its message shortened at a space
INDENT = " " * 8
OTHER = "(other checks)"  # checks about no exported name: a file that could not be collected, ...
# The extra of pyproject.toml that holds what the test suite needs beyond `tito` (hypothesis, torch, ...).
TEST_EXTRA = "dev"
MISSING_MODULE = re.compile(r"could not import '([\w.]+)'|No module named '([\w.]+)'|\b([A-Za-z_][\w.]*) (?:is )?not installed")
FRAME = re.compile(r'^  File "([^"]+)", line (\d+), in (\S+)', re.MULTILINE)


@dataclass
class Check:
    """One check of `tito test`: an inline test function, a pytest test, or a test file pytest skipped."""

    id: str                    # 'test-demo-add :: test_unit_add', 'tests/00_demo/test_demo.py::test_add_floats'
    status: str                # pass, fail, error, timeout, skipped
    message: str = ""          # whole: a failure's message, a skip's reason
    names: list = field(default_factory=list)  # the exported names it is about (pytest: called at depth 0)
    reached: list = field(default_factory=list)  # pytest: the exported names that ran, at any depth
    charged: list | None = None  # a failure: the name its traceback points at (None: no frame of its names)
    where: str = ""            # a failure: the innermost frame in the module under test
    file: str = ""             # a test file skipped (or not collected) as a whole: its tests are not counted
    blame: list = field(default_factory=list)  # a failure: the names it is charged to (assign_blame)

    def about(self) -> list[str]:
        """The names this check counts for: a failure only for the names it is charged to."""
        if self.status == "skipped":
            return []
        return self.blame if self.status in FAILED else self.names


def assign_blame(checks: list[Check], exercises: set) -> None:
    """Set `blame` of every failed check, in three rounds; the names blamed in a round are "suspects"
    for the next ones.
    1. Firm: the name its traceback points at; or the one name it used, when no exercise (a function
       the student wrote, `exercises`) ran inside it.
    2. One name used, with an exercise inside (Conv2d(use_loops=True) runs the student's conv2d_loops):
       the suspects that ran inside it, else that name.
    3. Several names used, no traceback evidence (a test compares conv2d_loops with the given
       conv2d_vectorized): the first non-empty of its suspect names, the suspects that ran inside
       them, its exercises, all of them."""
    failed = [check for check in checks if check.status in FAILED]

    def inner(check: Check) -> list[str]:
        return [name for name in check.reached if name not in check.names]

    def single(check: Check) -> bool:
        return len(set(check.names)) == 1

    for check in failed:
        alone = single(check) and not any(name in exercises for name in inner(check))
        check.blame = list(check.charged or (check.names[:1] if alone else []))
    firm = {name for check in failed for name in check.blame}
    for check in failed:
        if not check.blame and single(check):
            check.blame = [name for name in inner(check) if name in firm] or check.names[:1]
    suspects = {name for check in failed for name in check.blame}
    for check in failed:
        if not check.blame:
            check.blame = next((found for found in ([name for name in check.names if name in suspects],
                                                    [name for name in inner(check) if name in suspects],
                                                    [name for name in check.names if name in exercises])
                                if found), list(check.names))


def _module_definitions(path: Path) -> tuple[list[str], list[tuple[int, int, str]]]:
    """(the functions and classes a generated module exports, in `__all__` order; (first line, last line,
    name) of each of its top-level defs and classes)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        exported = export.exported_names(path)
    except (OSError, SyntaxError, ValueError):
        return [], []
    spans = [(node.lineno, node.end_lineno, node.name) for node in tree.body
             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    defined = {name for _, _, name in spans}
    return [name for name in exported if name in defined], spans


def _exercise_names(src: Path) -> set[str]:
    """The top-level functions and classes of src's exported cells that hold a solution (the student writes them)."""
    found = set()
    for cell in notebooks.read_source(src).cells:
        if cell.cell_type != "code" or notebooks.BEGIN not in cell.source or "export" not in cells.directives(cell.source):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        found |= {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    return found


def _names_in(node: ast.AST) -> set[str]:
    return {sub.id if isinstance(sub, ast.Name) else sub.attr for sub in ast.walk(node)
            if isinstance(sub, (ast.Name, ast.Attribute))}


def _inline_names(cell, exported: list[str]) -> dict[str, list[str]]:
    """Per test function of `cell`: the exported names it refers to, directly or through the functions
    defined in its cell and in the `#| check_helpers` cells before it."""
    functions = {}
    for source in (cell.helpers, cell.source):
        try:
            functions.update({node.name: node for node in ast.parse(source or "").body
                              if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))})
        except SyntaxError:
            pass

    def reached(test: str) -> set[str]:
        used, todo, seen = set(), [test], set()
        while todo:
            name = todo.pop()
            if name in seen or name not in functions:
                continue
            seen.add(name)
            names = _names_in(functions[name])
            used |= names
            todo += [other for other in names if other in functions]
        return used

    if not exported:
        return {}
    found = {}
    for test in cells.test_functions(cell.source):
        used = reached(test)
        found[test] = [name for name in exported if name in used]
    return found


def _exception_text(traceback_text: str) -> str:
    """The exception at the end of a formatted traceback, every line of it ("" if there is none)."""
    lines = traceback_text.rstrip("\n").split("\n")
    last_frame = max((i for i, line in enumerate(lines) if line.startswith('  File "')), default=None)
    if last_frame is None:
        return ""
    rest = last_frame + 1
    while rest < len(lines) and lines[rest].startswith("    "):  # the frame's source line and its ^^^ marks
        rest += 1
    return "\n".join(lines[rest:]).strip()


def _traceback_charge(traceback_text: str, module_file: Path, spans, names: list[str]) -> tuple[list | None, str]:
    """(the first of `names` whose top-level def or class holds a frame of the traceback, innermost frame
    first, or None; where: the innermost frame in the module file, else in the test cell, else "")."""
    frames = FRAME.findall(traceback_text)
    module_file = module_file.resolve()
    charged, where = None, ""
    for file, line, function in reversed(frames):
        if file.startswith("<") or Path(file).resolve() != module_file:
            continue
        where = where or f"{function}() ({module_file.name} line {line})"
        owner = next((name for first, last, name in spans if first <= int(line) <= (last or first)), None)
        if owner in names:
            charged = [owner]
            break
    cell = next((frame for frame in reversed(frames) if frame[0].startswith("<")), None)
    if not where and cell:
        where = f"{cell[2]}() ({cell[0].strip('<>')} line {cell[1]})"
    return charged, where


def _inline_checks(module: CourseModule, package: Path, limits: Limits, deadline: float, log, progress,
                   exported: list[str], spans) -> tuple[int, int, list[Check]]:
    """(cells passed, cells, one Check per test function, or per cell that failed before its tests ran)."""
    checks = cells.check_cells(module.src)
    target = cells.export_target(module.src)
    module_file = package / export.module_file(target)
    log(f"inline checks: {len(checks)} test cells of {module.src.name}, against tinytorch.{target} ...")
    outcomes = check_runner.run_cells(checks, f"tinytorch.{target}", package.parent, limits, progress, deadline)
    passed, found = 0, []
    for cell, outcome in zip(checks, outcomes):
        passed += outcome.status == "pass"
        per_test = _inline_names(cell, exported)
        everything = [name for name in exported if any(name in names for names in per_test.values())]
        for test in outcome.tests or [{"name": "(cell)", "status": outcome.status, "message": outcome.message}]:
            if test["name"] == "loop rule":  # loops.merge: the rule's verdict on the function it names
                names = [cell.loop_rule] if cell.loop_rule in exported else everything
            else:
                names = per_test.get(test["name"], everything)
            check = Check(f"{outcome.cell_id} :: {test['name']}", test["status"], test.get("message", ""), names)
            if check.status in FAILED:
                trace = test.get("traceback", "")
                check.message = _exception_text(trace) or check.message
                check.charged, check.where = _traceback_charge(trace, module_file, spans, names)
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


def _read_calls(path: Path) -> tuple[dict[str, dict], dict | None]:
    """What the attribution plugin wrote: {junit key: {"nodeid", "calls", "reached", "charged", "where",
    "message"}}, and the test that started and never finished (the run was stopped), or None."""
    tests, running = {}, None
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return {}, None
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue  # the last line, cut when the run was stopped
        if not isinstance(event, dict):
            continue
        if "start" in event:
            running = {"nodeid": str(event["start"]), "calls": [], "reached": [], "charged": None, "where": None,
                       "message": None}
            tests[str(event.get("key", ""))] = running
        elif ("call" in event or "reach" in event) and running is not None:
            name = str(event.get("call", event.get("reach")))
            for kind in ("calls", "reached") if "call" in event else ("reached",):
                if name not in running[kind]:
                    running[kind].append(name)
        elif "end" in event and running is not None:
            running.update(charged=event.get("charged"), where=event.get("where"), message=event.get("message"))
            running = None
    return tests, running


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
        calls, running = _read_calls(calls_path)
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


def _one_line(text: str, width: int = VERBOSE_WIDTH) -> str:
    """`text` on one line, shortened at a space (never inside a word) to about `width` characters."""
    text = tables.printable(" ".join(text.split()))
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    return (text[:cut] if cut > width // 2 else text[:width]) + " ..."


def _message_lines(check: Check) -> list[str]:
    """A failure's whole message, indented, up to MESSAGE_LINES lines; then where it was raised."""
    lines = tables.printable(check.message.strip() or "(no message)", newlines=True).split("\n")
    if len(lines) > MESSAGE_LINES:
        lines = lines[:MESSAGE_LINES] + [f"... ({len(lines) - MESSAGE_LINES} more lines)"]
    if check.where:
        lines.append(f"(raised in {tables.printable(check.where)})")
    return [f"{INDENT}{line}".rstrip() for line in lines]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _name_lines(label: str, found: list[Check], width: int, number: str) -> list[str]:
    """One line for an exported name (and, when it failed, the first failure's message below it)."""
    failed = [check for check in found if check.status in FAILED]
    if not found:
        return [f"  {'-':4}  {label:<{width}}  no checks"]
    if not failed:
        return [f"  {'ok':4}  {label:<{width}}  {_plural(len(found), 'check')}"]
    first = failed[0]
    kind = "" if first.status == "fail" else f" ({first.status})"
    lines = [f"  FAIL  {label:<{width}}  {len(failed)} of {_plural(len(found), 'check')} failed; "
             f"first{kind}: {tables.printable(first.id)}", *_message_lines(first)]
    if len(failed) > 1:
        lines.append(f"{INDENT}and {len(failed) - 1} more failed (`tito test {number} -v` lists every check)")
    return lines


def report_lines(exported: list[str], checks: list[Check], number: str) -> list[str]:
    """The body of `tito test`'s report: one line per exported name, in `__all__` order, then one for the
    checks about none of them (if any). Failures count for the names assign_blame charged them to."""
    per_name: dict[str, list[Check]] = {name: [] for name in exported}
    other = []
    for check in checks:
        if check.status == "skipped":
            continue
        about = check.about()
        for name in about:
            per_name.setdefault(name, []).append(check)
        if not about:
            other.append(check)
    width = max([len(name) for name in per_name] + [len(OTHER) if other else 0])
    lines = [line for name, found in per_name.items() for line in _name_lines(name, found, width, number)]
    return lines + (_name_lines(OTHER, other, width, number) if other else [])


def install_hint(reason: str, tests: int, files: int) -> str:
    """How to run what a skip left out, when its reason is a module that is not installed ("" otherwise, or
    when the reason already says how)."""
    match = MISSING_MODULE.search(reason)
    if not match or "pip install" in reason:
        return ""
    missing = next(group for group in match.groups() if group).split(".")[0]
    what = f"these {_plural(tests, 'check')}" if tests and not files else "them"
    return f'install {missing} to run {what}: pip install -e ".[{TEST_EXTRA}]"'


def skip_lines(checks: list[Check]) -> list[str]:
    """Every distinct reason a check was skipped, once, with what it skipped and how to install what is missing."""
    groups: dict[str, tuple[list, list]] = {}
    for check in checks:
        if check.status == "skipped":
            tests, files = groups.setdefault(" ".join(check.message.split()) or "(no reason given)", ([], []))
            (files if check.file else tests).append(check.file or check.id)
    if not groups:
        return []
    lines = ["skipped (these did not run; a skip is not a failure):"]
    for reason, (tests, files) in groups.items():
        what = [_plural(len(tests), "check")] if tests else []
        if files:
            their = "its" if len(files) == 1 else "their"
            what.append(f"{_plural(len(files), 'file')} ({', '.join(files)}; {their} checks not counted)")
        lines.append(f"  {' and '.join(what)}: {tables.printable(reason)}")
        hint = install_hint(reason, len(tests), len(files))
        if hint:
            lines.append(f"{INDENT}{hint}")
    return lines


def _verbose_lines(checks: list[Check]) -> list[str]:
    return [f"  {check.status.upper():7} {tables.printable(check.id)}  {_one_line(check.message)}".rstrip()
            for check in checks]


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

    `log` gets the report: one line per exported name (the comment above Check says which name a check
    is about), the skips, the summary; with `verbose`, every check's line first. `progress` (default
    `log`) gets a line per inline test cell as it finishes."""
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
    exported, spans = _module_definitions(package / export.module_file(target))
    *inline, inline_checks = _inline_checks(module, package, limits, deadline, log, progress or log, exported, spans)
    if verbose:
        for line in _verbose_lines(inline_checks):
            log(line)
    suite = _pytest_suite(module, package, deadline, log)
    checks = inline_checks + (suite[1] if suite else [])
    if verbose and suite:
        for line in _verbose_lines(suite[1]):
            log(line)
    log(f"{module.slug}: checks per exported name of tinytorch.{target} (inline and pytest together):")
    assign_blame(checks, _exercise_names(module.src))
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
        started = "started" if nb.exists() and nb.read_bytes() != fresh_notebook(module) else \
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

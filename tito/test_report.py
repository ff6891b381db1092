"""The report `tito test` prints: one line per name the module under test exports, the first failure's
message under a FAIL, every skip reason once with how to install what is missing, and `-v`'s line per
check. Also which exported name each check is about (the comment below). workflow.py runs the checks
(inline and pytest) and hands their results here as Checks.
"""
from __future__ import annotations

import ast
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import cells, export, notebooks, tables

# What `tito test` shows: after the progress lines, one line per function and
# class the module exports (its `__all__`), with the first failure's whole message and the count of the
# rest; then every reason a check was skipped, how many it skipped, and how to install what is missing.
# `-v` also lists every check, one line each. Which exported name a check is about:
#   pytest tests   what the test called itself (tito/grading/attribution.py, a pytest plugin: the module's
#                  exported functions and classes are wrapped, and a call from outside the module records
#                  its name for the running test); a failure is charged to the first of those names whose
#                  code is on its traceback, innermost first.
#   inline checks  what the test function names in its source, directly or through the helper functions of
#                  its cell and of the `#| check_helpers` cells (the checks run through the judge, which
#                  reports a traceback, the child's included, not calls); a failure is charged to the first of those names whose
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
    raised_in: str | None = None  # a failure: the top-level def or class of the module that raised it (raiser)

    def about(self) -> list[str]:
        """The names this check counts for: a failure only for the names it is charged to."""
        if self.status == "skipped":
            return []
        return self.blame if self.status in FAILED else self.names


def assign_blame(checks: list[Check], exercises: set) -> None:
    """Set `blame` of every failed check, in three rounds; the names blamed in a round are "suspects"
    for the next ones.
    1. Firm: the exercise (a function the student wrote, `exercises`) whose code raised the failure; or
       the name its traceback points at; or the one name it used, when no exercise ran inside it.
    2. One name used, with an exercise inside (Conv2d(use_loops=True) runs the student's conv2d_loops):
       the suspects that ran inside it, else that name.
    3. Several names used, no traceback evidence (a test compares conv2d_loops with the given
       conv2d_vectorized): the first non-empty of its suspect names, the suspects that ran inside
       them, its exercises (the likeliest: _likeliest), all of them."""
    failed = [check for check in checks if check.status in FAILED]
    for check in failed:     # raised inside an exercise (conv2d_loops's IndexError under Conv2d): that exercise
        if check.raised_in in exercises:
            check.charged = [check.raised_in]
            continue
        # raised in given code, or the check's own assert with no frame of its names: the exercise its message
        # names ("<ExpBackward>: exp_backward returned an array ..." from the engine's _call_node; "this check runs your
        # mul_backward, which is wrong"), never the given function it was raised in
        named = named_exercises(check.message, exercises)
        if named and (check.raised_in is not None or not check.charged):
            check.charged = named[:1]

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
    failures = Counter(name for check in failed for name in set(check.names))
    cleared = {name for check in checks if check.status == "pass" and single(check) for name in check.names}
    for check in failed:
        if not check.blame:
            check.blame = next((found for found in ([name for name in check.names if name in suspects],
                                                    [name for name in inner(check) if name in suspects],
                                                    _likeliest([name for name in check.names if name in exercises],
                                                               failures, cleared))
                                if found), list(check.names))


def named_exercises(message: str, exercises: set) -> list[str]:
    """The exercises `message` names as code, in the order it names them: an identifier with an underscore or
    a capital (exp_backward, Conv2d) where it stands alone, a plain word (backward) only when called
    ("backward()"); never as an attribute (`loss.backward()` is the method, `node.backward` a node's)."""
    found = []
    for name in exercises:
        tail = r"(?!\w)" if ("_" in name.strip("_") or name != name.lower()) else r"\("
        match = re.search(rf"(?<![\w.]){re.escape(name)}{tail}", message or "")
        if match:
            found.append((match.start(), name))
    return [name for _, name in sorted(found)]


def _likeliest(candidates: list[str], failures: Counter, cleared: set[str]) -> list[str]:
    """Of several exercises a failing check used, the ones in the most failing checks (module 06: backward
    fails four checks, topological_order, which only backward's checks use, one); of those still tied,
    the ones that pass no check about them alone (receptive_field's checks all build Conv2d layers, and
    Conv2d passes its own): H18's blame sweep."""
    if len(candidates) < 2:
        return candidates
    most = max(failures[name] for name in candidates)
    candidates = [name for name in candidates if failures[name] == most]
    return [name for name in candidates if name not in cleared] or candidates


def module_definitions(path: Path) -> tuple[list[str], list[tuple[int, int, str]]]:
    """(the functions and classes a generated module exports, in `__all__` order; (first line, last line,
    name) of each of its top-level defs and classes)."""
    try:
        tree = cells.parse(path.read_text(encoding="utf-8"))
        exported = export.exported_names(path)
    except (OSError, SyntaxError, ValueError):
        return [], []
    spans = [(node.lineno, node.end_lineno, node.name) for node in tree.body
             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    defined = {name for _, _, name in spans}
    return [name for name in exported if name in defined], spans


def exercise_names(src: Path) -> set[str]:
    """The top-level functions and classes of src's exported cells that hold a solution themselves (the student
    writes them): not the given functions beside them in the same cell (module 06's _call_node, next to
    topological_order and backward, is the course's code)."""
    found = set()
    for cell in notebooks.shared_source(src).cells:
        if cell.cell_type != "code" or notebooks.BEGIN not in cell.source or "export" not in cells.directives(cell.source):
            continue
        try:
            tree = cells.parse(cell.source)
        except SyntaxError:
            continue
        found |= {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))
                  and notebooks.BEGIN in (ast.get_source_segment(cell.source, node) or "")}
    return found


WHERE = re.compile(r"\(([^()]+) line (\d+)\)$")


def raiser(where: str, module_file: Path, spans) -> str | None:
    """The module's top-level def or class holding `where` (a check's innermost frame in the module:
    "conv2d_loops() (spatial.py line 712)"), or None when the failure was raised elsewhere."""
    match = WHERE.search(where or "")
    if not match or match.group(1) != module_file.name:
        return None
    line = int(match.group(2))
    return next((name for first, last, name in spans if first <= line <= (last or first)), None)


def module_reach(path: Path, exported: list[str]) -> dict[str, set[str]]:
    """Per exported name of a generated module: the exported names its code uses, directly or through
    the module's other top-level functions and classes (conv2d_general_loops -> conv2d_loops), read
    from the source. An inline check that fails on values after using several names says nothing more;
    what those names run is where its blame may lie (assign_blame's third round)."""
    try:
        tree = cells.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return {}
    definitions = {node.name: node for node in tree.body
                   if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}

    return {name: {other for other in _names_reached(name, definitions) if other in exported and other != name}
            for name in exported if name in definitions}


def _names_reached(start: str, definitions: dict[str, ast.AST]) -> set[str]:
    """The names the definition of `start` uses, and those the definitions it names use, and so on."""
    used, todo, seen = set(), [start], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in definitions:
            continue
        seen.add(name)
        names = _names_in(definitions[name])
        used |= names
        todo += [other for other in names if other in definitions]
    return used


def _names_in(node: ast.AST) -> set[str]:
    return {sub.id if isinstance(sub, ast.Name) else sub.attr for sub in ast.walk(node)
            if isinstance(sub, (ast.Name, ast.Attribute))}


def inline_names(cell, exported: list[str]) -> dict[str, list[str]]:
    """Per test function of `cell`: the exported names it refers to, directly or through the functions
    defined in its cell and in the `#| check_helpers` cells before it."""
    functions = {}
    for source in (cell.helpers, cell.source):
        try:
            functions.update({node.name: node for node in cells.parse(source or "").body
                              if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))})
        except SyntaxError:
            pass

    if not exported:
        return {}
    found = {}
    for test in cells.test_functions(cell.source):
        used = _names_reached(test, functions)
        found[test] = [name for name in exported if name in used]
    return found


def exception_text(traceback_text: str) -> str:
    """The exception at the end of a formatted traceback, every line of it ("" if there is none)."""
    lines = traceback_text.rstrip("\n").split("\n")
    last_frame = max((i for i, line in enumerate(lines) if line.startswith('  File "')), default=None)
    if last_frame is None:
        return ""
    rest = last_frame + 1
    while rest < len(lines) and lines[rest].startswith("    "):  # the frame's source line and its ^^^ marks
        rest += 1
    return "\n".join(lines[rest:]).strip()


def traceback_charge(traceback_text: str, module_file: Path, spans, names: list[str]) -> tuple[list | None, str]:
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


def read_calls(path: Path) -> tuple[dict[str, dict], dict | None]:
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


def verbose_lines(checks: list[Check]) -> list[str]:
    return [f"  {check.status.upper():7} {tables.printable(check.id)}  {_one_line(check.message)}".rstrip()
            for check in checks]

"""`tito grade NN SUBMISSION.ipynb`: the autograder.

How a submission is graded:
  1. The notebook's bytes are read by tito (missing or unreadable: grading cannot run, exit code
     2); they are parsed, the course's given cells are put back as the instructor's src has them
     (cells.restore_given: a cell whose grade_id names a given cell takes the src's text, an
     exported given cell the notebook lacks is inserted; the report names them), and the exported
     cells compiled; a syntax error scores 0 for the module, reported with its cell and line.
  2. Its `#| export` cells are exported, alone, and the module's text is written into a throwaway
     copy of the installed package, in a fresh private folder (the submission must export exactly
     the module's own file, `tinytorch/<default_exp>.py`, which replaces the reference's in the
     copy). Parsing and exporting run in a forked process that is killed at the total deadline
     (--total-timeout covers them: a notebook of 80,000 cells takes minutes to read and export),
     with an address space limit of its current size plus --memory-mb and, where the student's
     code has a user id of its own, as a fresh user of its own in a mount namespace of its own
     (_prepare): it sends back only the module's text.
  3. The graded items come from the instructor's src, never from the submission: each nbgrader
     cell with "grade": true is one item worth its "points". The judge (judge.py) runs each cell
     in tito's own process against a fresh child that holds the student's module; the item
     passes when every `test_unit_*` function the cell defines passes.
  4. Scores are computed here, from the judge's outcomes, and the report is written only after
     every child is gone.

Every notebook gets a report: whatever the submission does, grade_submission returns one (items
that could not run score 0 and say why, e.g. "not graded: ..."), or raises NotGraded carrying
one when the file is not a readable notebook. A failure of the grader itself while a submission
is graded (a bug some submission found) is reported the same way, every item at 0, with the
traceback in the log. Every message in a report is printable (tables.printable: no control
characters, no lone surrogates) and at most MESSAGE_MAX characters long.

Trust model: what holds, on which systems, is in judge.py's docstring and the README ("Grading
and its trust model"). In short: the verdict is computed outside the student's process, and on
Linux with namespaces nothing a submission starts outlives its grading or sees another grading.

Exit codes of `tito grade`: 0 when the submission was graded (the score is in the report, even
0 points), 2 when grading could not run (unknown module, unreadable notebook, bad limits, report
not writable), 130 when interrupted (Ctrl-C, SIGTERM, SIGHUP); in every case every process the
grading started has been killed and waited for.
"""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import nbformat

from .. import cells, export, notebooks, tables
from ..files import write_atomically
from ..paths import CourseModule
from ..tables import printable
from . import judge, package_copy, processes, remote
from .limits import MIB, Limits

MESSAGE_MAX = 4000  # characters of one message or error in a report (the table's row shows fewer)
THREAD_MB = 80      # address space of one more judge thread (stack, malloc arena): allowed on top of --judge-memory-mb


@dataclass
class Item:
    id: str
    points_possible: float
    points_earned: float
    status: str
    message: str
    seconds: float = 0.0  # wall clock of the item's test cell (0 when it never ran)


@dataclass
class Report:
    module: str
    submission: str
    items: list[Item]
    error: str | None = None  # why nothing could be graded (e.g. a syntax error), if so
    restored: list[str] = field(default_factory=list)  # given cells put back: the submission's copy differed or was missing

    @property
    def total(self) -> float:
        return sum(item.points_earned for item in self.items)

    @property
    def maximum(self) -> float:
        return sum(item.points_possible for item in self.items)


class NotGraded(ValueError):
    """Grading could not run (exit code 2): the notebook could not be read. Carries the report that says so."""

    def __init__(self, message: str, report: Report):
        super().__init__(message)
        self.report = report


def clean(text, newlines: bool = False) -> str:
    """A message for a report: printable (tables.printable) and at most MESSAGE_MAX characters."""
    text = printable(text, newlines)
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 40] + f"... ({len(text)} characters in all)"


def not_graded(module: CourseModule | None, submission, reason: str, graded: list | None = None,
               status: str = "error", message: str = "not graded: the submission could not be exported",
               name: str = "") -> Report:
    """Every item at 0 with `message`, and `reason` as the report's error: a submission that was not
    graded. `module` None (an unknown module): a report without items, named `name`."""
    if graded is None:
        try:
            graded = cells.graded_cells(module.src) if module is not None else []
        except Exception:  # the instructor's src cannot be read: the report says why, without items
            graded = []
    items = [Item(cell.cell_id, cell.points, 0, status, clean(message, newlines=True)) for cell in graded]
    return Report(clean(module.slug if module is not None else name), clean(str(submission)), items,
                  error=clean(reason, newlines=True))


def grade_submission(module: CourseModule, submission: Path, package: Path,
                     limits: Limits = Limits(), log=lambda line: None) -> Report:
    """Grade one notebook for `module` against a copy of `package` (the installed tinytorch folder).

    Returns the report whatever the submission does; raises NotGraded (with a report) when it is
    not a readable notebook, ValueError when the limits or the module's src are wrong."""
    limits.check()
    deadline = time.monotonic() + limits.total  # the whole run: reading and exporting too
    graded = cells.graded_cells(module.src)
    if not graded:
        raise ValueError(f"{module.src} has no graded cells (nbgrader \"grade\": true), so there is nothing to grade.")
    target = cells.export_target(module.src)
    course = cells.course_cells(module.src)
    continued = cells.continued_cells(module.src)
    trusted = judge.trusted_imports(module.src)
    scratch = processes.grading_scratch()  # 0700, unguessable, named for tito's pid; stale ones removed first
    try:
        lib = scratch / "lib"
        lib.mkdir()
        log(f"exporting {submission.name} into a temporary copy of the package ...")
        kind, problem, restored = _prepare(submission, target, course, package, lib, limits, deadline, continued)
        if kind == "unreadable":
            raise NotGraded(problem, not_graded(module, submission, problem, graded,
                                                message="not graded: the notebook could not be read"))
        if kind == "timeout":
            return not_graded(module, submission, problem, graded, "timeout", f"not graded: {problem}")
        if kind != "ok":
            return not_graded(module, submission, problem, graded)
        package_copy.leave_out_unneeded(lib / "tinytorch", module)  # no later assignment's reference
        judge.install_child(lib)
        line = processes.protections_line()
        if line:
            log(line)
        left = replace(limits, total=max(0.0, deadline - time.monotonic()))  # what the export left of the total
        if limits.jobs > 1 and not processes.isolation().namespaces:
            # Without namespaces an item's code can write the package copy (the rules' digest sees it
            # before each item starts and after the last), and, while another item's child imports it,
            # undo the write unseen (H40: a package folder shadowing the module, deleting itself once
            # imported: the reference passed an item of a blank notebook). One item at a time, nothing
            # an item started is alive when the next one starts (its tree and the orphans are killed).
            left = replace(left, jobs=1)
            log(f"items run one at a time (not --jobs {limits.jobs}): without namespaces, code run by one item "
                "could change what another imports")
        setup = judge.Setup(f"tinytorch.{target}", lib, scratch, trusted, left, judge.reference_names(module.src))
        log(f"running {len(graded)} graded test cells ...")
        previous = _cap_memory(limits.judge_memory_mb + THREAD_MB * limits.jobs)
        try:
            outcomes = judge.run_cells(graded, setup, log)  # every child is dead when this returns
        finally:
            _restore_memory(previous)
    except (NotGraded, processes.Interrupted, processes.Terminated):
        raise
    except (Exception, remote.ItemTimeout, remote.ChildGone, remote.RuleBroken) as error:
        log("tito: the grader failed while grading this submission; every item scores 0:\n" + cells.format_exception(error))
        reason = (f"the grader failed ({type(error).__name__}: {error}); this is a bug of tito, not of the "
                  "submission: your instructor has the details")
        return not_graded(module, submission, reason, graded, message=f"not graded: {reason}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    items = [Item(cell.cell_id, cell.points, cell.points if outcome.status == "pass" else 0, outcome.status,
                  clean(_message(outcome, limits), newlines=True), round(outcome.seconds, 3)) for cell, outcome in zip(graded, outcomes)]
    return Report(module.slug, clean(str(submission)), items, restored=[clean(grade_id) for grade_id in restored])


def restored_note(restored: list[str]) -> str:
    """What the student reads when these given cells of theirs were put back (empty when none were);
    `tito grade` and `tito export` both say it."""
    if not restored:
        return ""
    return (f"Given cells put back as the course has them (your copy differed or was missing): {', '.join(restored)}. "
            "Given code is graded as the course gives it; your own code belongs in the exercise cells or in new cells.")


def _message(outcome, limits: Limits) -> str:
    """The outcome's message; a cell not run at the total deadline names the total limit as given
    (the judge only saw what the export left of it)."""
    if outcome.status == "timeout" and outcome.message.startswith("not run: the total time limit"):
        return f"not run: the total time limit of {limits.total:g} s was reached (raise it with --total-timeout)"
    return outcome.message


# ---------------------------------------------------------------- reading and exporting, under the deadline

def _prepared(data: bytes, submission: Path, target: str, course: list, staging: Path, continued: list = ()) -> dict:
    """Parse the notebook's bytes, put the course's given cells back (cells.restore_given), check
    its exported cells compile, put the course's continuing notebooks' exported cells after them
    (cells.append_continued), export it into `staging`: {"kind", "message", "text", "restored"}
    (text: the exported module, when kind is "ok"; restored: the given cells put back)."""
    try:
        nb = cells.load_notebook(submission, data)
    except cells.NotebookError as error:
        return {"kind": "unreadable", "message": remote.their_text(str(error))}
    except Exception as error:  # e.g. MemoryError: a notebook too large to read under the limit
        return {"kind": "problem", "message": f"the notebook could not be read ({type(error).__name__}: {error})"}
    text, restored = None, cells.restore_given(nb, course)
    try:
        problem = cells.syntax_error(nb)
        if not problem:
            cells.append_continued(nb, list(continued))
            text, problem = export.export_module_text(nb, submission, target, staging)
    except Exception as error:
        problem = f"the notebook could not be exported ({type(error).__name__}: {error})"
    return {"kind": "problem" if problem else "ok", "message": remote.their_text(problem), "restored": restored,  # quotes their code
            "text": None if problem else text.decode("utf-8")}


def _cap_memory(grow_mb: int, hard: bool = False):
    """Let this process's address space grow by at most `grow_mb` MiB from now on (RLIMIT_AS; the
    soft limit only, unless `hard`); returns the limits to restore, or None where this cannot be
    done (not Linux). Children started meanwhile inherit it, and may set their own."""
    try:
        import resource
        with open("/proc/self/status") as handle:
            size = next(int(line.split()[1]) * 1024 for line in handle if line.startswith("VmSize:"))
        previous = resource.getrlimit(resource.RLIMIT_AS)
        cap = size + grow_mb * MIB
        for limit in previous:
            if limit != resource.RLIM_INFINITY:
                cap = min(cap, limit)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap if hard else previous[1]))
        return previous
    except (ImportError, OSError, ValueError, StopIteration):
        return None


def _restore_memory(previous) -> None:
    if previous is not None:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, previous)


def _prepare(submission: Path, target: str, course: list, package: Path, lib: Path, limits: Limits,
             deadline: float, continued: list = ()) -> tuple[str, str | None, list[str]]:
    """Read and export the submission, then copy the package into lib with the exported module in
    place: (kind, message, the given cells put back), kind "ok", "problem" (not exported: 0 points, message says why),
    "unreadable" or "timeout".

    The notebook's bytes are read here (as tito's user, who was given the path); parsing and
    exporting them (nbformat, nbdev) runs in a forked process killed at `deadline`, under the
    student's address space and file size limits and, where the student's code gets a user id of
    its own (tito is root, with namespaces), under a fresh user id of its own too, in a mount
    namespace where its only writable place is a tmpfs of its own (processes.become_user):
    it can write nothing that outlives it, and it sends back only the module's text, which tito
    writes into the package copy itself."""
    import nbdev.export  # noqa: F401  (imported once here, not in every forked process)
    try:
        data = cells.read_notebook_bytes(submission, limits.memory_mb * MIB)  # more is more than the parser may use
    except (FileNotFoundError, cells.NotebookError) as error:
        return "unreadable", str(error), []
    staging = lib.parent / "export"
    if not hasattr(os, "fork"):  # Windows: no deadline on this step, tito's own user
        result = _prepared(data, submission, target, course, staging, continued)
    else:
        result = _prepared_in_fork(data, submission, target, course, staging, limits, deadline, continued)
    shutil.rmtree(staging, ignore_errors=True)
    if result["kind"] == "ok":
        export.install_module_text(result["text"].encode("utf-8"), target, package, lib)
    given = {grade_id for grade_id, source in course if source is not None}
    restored = result.get("restored")  # from the forked process: only the course's own given cells count
    return result["kind"], result["message"] or None, [r for r in restored if r in given] if isinstance(restored, list) else []


def _prepared_in_fork(data: bytes, submission: Path, target: str, course: list, staging: Path, limits: Limits,
                      deadline: float, continued: list = ()) -> dict:
    uid = processes.spare_uid() if processes.isolation().own_uid else None
    if uid is not None:
        _warm_up(target, staging.parent)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the forked process: never returns
        code = 1
        try:
            os.close(read_end)
            _cap_memory(limits.memory_mb, hard=True)  # a notebook too large to read fails here, not the machine
            if uid is not None:
                staging = Path(processes.become_user(uid, limits.file_size_mb * MIB)) / "staging"
            result = _prepared(data, submission, target, course, staging, continued)
            result["message"] = clean(result["message"] or "", True)
            payload = memoryview(json.dumps(result).encode("utf-8"))
            while payload:
                payload = payload[os.write(write_end, payload):]
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    del data
    chunks, size, timed_out = [], 0, False
    most = 8 * limits.file_size_mb * MIB + MIB  # the module's text (at most the file size limit), JSON-escaped
    try:
        while size <= most:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([read_end], [], [], remaining)[0]:
                timed_out = True
                break
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(read_end)
        try:
            os.kill(pid, signal.SIGKILL)  # done already, or stopped at the deadline
        except ProcessLookupError:
            pass
        _, status = os.waitpid(pid, 0)
        if uid is not None:
            processes.kill_user(uid)  # anything the exporter might have started (it cannot: RLIMIT_NPROC 1)
    if timed_out:
        return {"kind": "timeout", "message": (f"reading and exporting the notebook took longer than the total time "
                                               f"limit of {limits.total:g} s (raise it with --total-timeout)")}
    if size > most:
        return {"kind": "problem", "message": (f"the exported module is larger than the file size limit of "
                                               f"{limits.file_size_mb} MiB (raise it with --file-size-mb)")}
    try:
        result = json.loads(b"".join(chunks).decode("utf-8"))
        if result["kind"] in ("ok", "problem", "unreadable") and (result["kind"] != "ok" or isinstance(result["text"], str)):
            return result
    except (ValueError, KeyError, TypeError):
        pass
    how = f"killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit code {os.waitstatus_to_exitcode(status)}"
    return {"kind": "problem", "message": f"the notebook could not be read and exported: the process doing it ended ({how})"}


_WARM = set()


def _warm_up(target: str, scratch: Path) -> None:
    """Export a one-cell notebook once per process, as tito's user: everything nbformat and nbdev load
    lazily (schemas, modules) is loaded before a forked exporter runs under a user id that may not be
    allowed to read the installation (a Python under /root, 0700)."""
    if target in _WARM:
        return
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"#| default_exp {target}"),
                                         nbformat.v4.new_code_cell("#| export\nx = 1")])
    from nbformat import validator
    for version, minors in ((3, (0,)), (4, range(0, nbformat.v4.nbformat_minor + 1))):  # each schema is read lazily
        for minor in minors:
            for relax in (False, True):
                validator.get_validator(version, minor, relax_add_props=relax)
    result = _prepared(notebooks.notebook_bytes(nb), scratch / "warm-up.ipynb", target, [], scratch / "warm-up")
    shutil.rmtree(scratch / "warm-up", ignore_errors=True)
    if result["kind"] != "ok":
        raise RuntimeError(f"exporting a one-cell notebook failed: {result['message']}")
    _WARM.add(target)


def _points(value: float) -> str:
    return f"{value:g}"


def shorten(text: str, width: int) -> str:
    """A message on one line of at most `width` characters (the table's message column), printable."""
    text = " ".join(printable(text, newlines=True).split())
    return text if len(text) <= width else text[: width - 3] + "..."


def format_report(report: Report, message_width: int = 72) -> str:
    """A plain-text table, readable in a terminal and in a notebook's output; below it, the full
    message of every item that did not pass (the table's rows are cut to `message_width`).
    Everything is printable (tables.printable): a message cannot move the cursor or fake a line."""
    rows = [(item.id, f"{_points(item.points_earned)}/{_points(item.points_possible)}", item.status,
             shorten(item.message, message_width)) for item in report.items]
    out = [f"Grade for module {printable(report.module)}: {printable(report.submission)}"]
    if report.error:
        out += ["", "The submission was not graded (0 points):",
                *("  " + line for line in clean(report.error, newlines=True).split("\n")), ""]
    total = ("total", f"{_points(report.total)}/{_points(report.maximum)}", "", "")
    out.append(tables.format_table(("test id", "points", "status", "message"), rows, right=(1,), footer=[total]))
    if report.restored:
        out += ["", restored_note(report.restored)]
    failed = [item for item in report.items if item.status != "pass" and item.message.strip()]
    if failed:
        out += ["", "Messages in full:"]
        for item in failed:
            first, *more = clean(item.message, newlines=True).split("\n")
            out += [f"  {printable(item.id)} ({printable(item.status)}): {first}", *("      " + line for line in more)]
    return "\n".join(out)


def report_dict(report: Report) -> dict:
    """tito's JSON report; every text in it printable (a report read elsewhere is as safe as the table)."""
    return {"module": clean(report.module), "submission": clean(report.submission),
            "error": None if report.error is None else clean(report.error, newlines=True),
            "total": report.total, "max": report.maximum, "restored": [clean(grade_id) for grade_id in report.restored],
            "tests": [dict(asdict(item), message=clean(item.message, newlines=True)) for item in report.items]}


def write_json(report: Report, path: Path) -> None:
    write_atomically(path, json.dumps(report_dict(report), indent=2) + "\n")

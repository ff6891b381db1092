"""`tito grade NN FOLDER|GLOB|NB... --csv GRADEBOOK.csv`: grade a class, and `--merge REPORT.json...`.

Each submission is graded by its own `tito grade NN SUBMISSION --json REPORT` process (the same
command line, limits and trust as a single grading), `--parallel N` of them at a time. A child
process per submission, not a thread calling grade_submission: a grading changes process-wide
state (the judge's RLIMIT_AS cap, the child subreaper, the sweep of every orphan when it ends),
so two gradings in one process would step on each other; in its own process, a grading that
crashes or hangs costs that submission's row, never the batch.

Which notebooks: a folder is searched recursively for *.ipynb (hidden folders such as
.ipynb_checkpoints skipped); a file is taken as given; a glob is expanded (tito expands it when
the shell did not). The student id is the notebook's file name without .ipynb when the notebooks
all sit in one folder (as an LMS download names them); otherwise the first folder below the folder
the notebooks have in common (submitted/alice/09_convolutions/09_convolutions.ipynb -> alice), since
a student chooses the name of their file but not of their folder (submitted/mallory/alice.ipynb is
mallory's); and where that still repeats (two notebooks in one student's folder), the path below
that common folder, for those notebooks only (the other students keep their folder's name). A
notebook reached through a link below that common folder (link_on_the_way) is not read: its row
says it is a link, since a student chooses where their link leads.

Resumable: each finished submission's report (the --json format, plus "student" and
"notebook_sha256", "grading_sha256") is written atomically to
REPORTS/<student>-<sha256 of its bytes>.json, its output to the .log next to it. A rerun reuses
a report whose notebook bytes are the same and that was graded under the same key (grading_key:
the limits, the module's source with its checks and points, tito's code), and regrades the rest; a report the batch made itself because the grading process died or
hung ("retry": true) is not reused. The gradebook and its item analysis are written atomically
after every finished submission: an interruption leaves the previous complete version.
"""
from __future__ import annotations

import csv
import glob
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, fields
from pathlib import Path

from .. import cells, export, paths
from ..files import write_atomically
from ..paths import CourseModule
from ..tables import format_table, printable
from . import processes
from .grade import clean, not_graded, report_dict
from .limits import Limits, flag
from .remote import HINT

GRACE_SECONDS = 120.0  # on top of --total-timeout: a grading process still running then is killed
LIKELY_BUG = re.compile(re.escape(HINT) + r" ([^\n]*)")  # the checks' own hints, as remote spells them
WHERE = re.compile(r"\s+in [\w.<>]+\(\) \(.*line \d+\)\s*$")  # " in f() (<test cell x> line 7)": where, not what
TOP_BUGS = 3


class BatchError(ValueError):
    """The batch cannot start (exit code 2): nothing matched, a folder is missing, a report is unreadable."""


# ---------------------------------------------------------------- which notebooks, which students

def find_submissions(arguments: list[str]) -> list[Path]:
    """The notebooks named by `arguments` (folders, files, globs), each once, in a stable order."""
    found: dict[Path, None] = {}
    for argument in arguments:
        path = Path(argument)
        if path.is_dir() or path.is_file():
            matches = [path]
        elif glob.has_magic(argument):
            matches = [Path(match) for match in sorted(glob.glob(argument, recursive=True))]
            if not matches:
                raise BatchError(f"{argument} matches nothing. Expected notebooks, folders of notebooks or a glob "
                                 "such as 'submitted/*/09_convolutions/*.ipynb'.")
        else:
            raise BatchError(f"No notebook or folder at {argument}; check the spelling.")
        for match in matches:
            if match.is_dir():
                # not only regular files: a student's link to a device or to nothing gets its row, saying so
                inside = sorted(p for p in match.rglob("*.ipynb")
                                if not p.is_dir() and not any(part.startswith(".") for part in p.relative_to(match).parts))
                if not inside:
                    raise BatchError(f"No .ipynb notebook under {argument}.")
                for notebook in inside:
                    found.setdefault(_absolute(notebook), None)
            else:
                found.setdefault(_absolute(match), None)
    return list(found)


def _absolute(path: Path) -> Path:
    """The path made absolute, links not followed (H40): where a student's file leads names no student
    (`submitted/mallory/09.ipynb -> /dev/zero` made every id start from `/`, and the batch read /dev/zero)."""
    return Path(os.path.abspath(path))


def notebook_digest(path: Path) -> str:
    """sha256 of the notebook's bytes, read in pieces; "" when it cannot be read, or is no regular file
    (a pipe, a device: never read here; its own grading says why)."""
    try:
        with cells.open_regular_file(path) as handle:
            digest = hashlib.sha256()
            for piece in iter(lambda: handle.read(1 << 20), b""):
                digest.update(piece)
            return digest.hexdigest()
    except (OSError, ValueError):
        return ""


def student_ids(submissions: list[Path]) -> list[str]:
    """One id per submission (see the module's docstring for the rule)."""
    if len({Path(p).parent for p in submissions}) <= 1:
        return [Path(p).stem for p in submissions]   # one folder holds each file once: the names differ
    common = Path(os.path.commonpath([str(Path(p).parent) for p in submissions]))
    below = [Path(p).relative_to(common).parts for p in submissions]
    ids = [parts[0] if len(parts) > 1 else Path(parts[0]).stem for parts in below]
    repeated = {ident for ident in ids if ids.count(ident) > 1}
    # only a repeated id takes the longer form: one student's second notebook renames no other row
    return [ident if ident not in repeated else "/".join([*parts[:-1], Path(parts[-1]).stem])
            for ident, parts in zip(ids, below)]


def common_folder(submissions: list[Path]) -> Path:
    """The folder the submissions share (student_ids names each student from below it)."""
    parents = {Path(p).parent for p in submissions}
    return next(iter(parents)) if len(parents) == 1 else Path(os.path.commonpath([str(p) for p in parents]))


def link_on_the_way(path: Path, common: Path) -> Path | None:
    """The first link among the folders below `common` that lead to `path`, and `path` itself; None when
    there is none. A student names their files and folders: a link of theirs (an unpacked archive or a
    cloned repository can hold one) leads wherever they chose, a classmate's notebook or the instructor's
    solution (H48: `submitted/mallory/09_convolutions.ipynb -> ../alice/09_convolutions.ipynb` was
    graded as alice's notebook in mallory's row). Links above `common` are the instructor's own."""
    here = Path(common)
    for part in Path(path).relative_to(common).parts:
        here = here / part
        if here.is_symlink():
            return here
    return None


def link_report(module: CourseModule, path: Path, link: Path) -> dict:
    """The report of a submission reached through a link: not graded, nothing read through the link."""
    try:
        where = os.readlink(link)
    except OSError:
        where = "?"
    how = f"is a link (to {where})" if Path(link) == Path(path) else f"is reached through a link ({link} -> {where})"
    reason = (f"{path} {how}, so it was not read: a submission is graded from its own file, never from where a "
              "link leads (another student's notebook, the course's solution)")
    return report_dict(not_graded(module, path, reason, message="not graded: the notebook is a link"))


def report_name(student: str, digest: str) -> str:
    """<student>-<first 16 hex digits of the notebook's sha256>, safe as a file name."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", student).lstrip(".") or "student"
    if safe != student:  # two ids that differ only in unsafe characters keep distinct names
        safe += "_" + hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    return f"{safe}-{digest[:16]}"


# ---------------------------------------------------------------- the gradebook

def _cell(text) -> str:
    """A CSV cell a spreadsheet shows as text: printable, and never read as a formula (one that starts
    with = + - or @, also after spaces, which some spreadsheets skip; a tab or CR is '?' by then)."""
    text = printable(str(text), newlines=False)
    return "'" + text if text.lstrip()[:1] in ("=", "+", "-", "@") else text


def _points(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else ""


def status(report: dict) -> str:
    """"graded", with the reason when every item failed alike (an import error, a crash, a hang);
    or "not graded: why"."""
    if report.get("error") is not None:
        return "not graded: " + report["error"].split("\n")[0]
    failed = {t.get("message") or "" for t in report.get("tests", []) if t.get("status") != "pass"}
    if len(report.get("tests", [])) > 1 and len(failed) == 1 and all(t.get("status") != "pass" for t in report["tests"]):
        return "graded; every item: " + failed.pop().split("\n")[0][:200]
    return "graded"


def item_ids(module: CourseModule, reports: list[dict]) -> list[str]:
    """The module's graded items in its order, then any other item id a report holds."""
    try:
        ids = [cell.cell_id for cell in cells.graded_cells(module.src)]
    except Exception:
        ids = []
    for report in reports:
        for test in report.get("tests", []):
            if test.get("id") not in ids:
                ids.append(test.get("id"))
    return ids


def gradebook_csv(rows: list[tuple[str, dict]], ids: list[str]) -> str:
    """student, file, total, max, status, one column per item (points earned); rows by student."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "file", "total", "max", "status", *map(_cell, ids)])
    for student, report in sorted(rows, key=lambda row: row[0]):
        earned = {test.get("id"): test.get("points_earned") for test in report.get("tests", [])}
        writer.writerow([_cell(student), _cell(report.get("submission", "")), _points(report.get("total")),
                         _points(report.get("max")), _cell(status(report)), *(_points(earned.get(i)) for i in ids)])
    return out.getvalue()


def item_analysis(reports: list[dict], ids: list[str]) -> list[dict]:
    """Per item: points, how many submissions passed it, of how many, and the most frequent
    "Likely bug: ..." texts of its failing messages (text, count), most frequent first."""
    result = []
    for item in ids:
        tests = [t for r in reports for t in r.get("tests", []) if t.get("id") == item]
        bugs = Counter(WHERE.sub("", match).strip().rstrip(".").strip() for t in tests if t.get("status") != "pass"
                       for match in LIKELY_BUG.findall(t.get("message") or ""))
        result.append({"item": item, "points": max((t.get("points_possible", 0) for t in tests), default=0),
                       "passed": sum(t.get("status") == "pass" for t in tests), "total": len(tests),
                       "likely_bugs": bugs.most_common(TOP_BUGS)})
    return result


def _bugs_text(bugs) -> str:
    return "; ".join(f"{text} ({count})" for text, count in bugs)


def items_csv(analysis: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["item", "points", "passed", "total", "likely_bugs"])
    for row in analysis:
        writer.writerow([_cell(row["item"]), _points(row["points"]), row["passed"], row["total"],
                         _cell(_bugs_text(row["likely_bugs"]))])
    return out.getvalue()


def format_items(analysis: list[dict], width: int = 90) -> str:
    rows = [(row["item"], _points(row["points"]), f"{row['passed']}/{row['total']}",
             _bugs_text(row["likely_bugs"])[:width]) for row in analysis]
    return format_table(("item", "points", "passed", "most frequent likely bugs of failing submissions"), rows,
                        right=(1, 2))


def items_path(csv_path: Path) -> Path:
    return csv_path.with_name(csv_path.stem + ".items.csv")


def check_output_paths(csv_path: Path, reports: Path | None) -> None:
    """Exit code 2 before anything runs: the folder of the gradebook (and of the reports folder) must exist."""
    for what, path in (("--csv", csv_path), ("--reports", reports)):
        if path is not None and not Path(path).parent.is_dir():
            raise BatchError(f"the folder of {what} {path} does not exist. Expected a path in an existing folder "
                             "(tito makes no folder tree for a typo).")
    if reports is not None and reports.exists() and not reports.is_dir():
        raise BatchError(f"--reports {reports} is a file, not a folder.")


class Gradebook:
    """The rows so far; written (CSV and item analysis, atomically) after every change."""

    def __init__(self, module: CourseModule, csv_path: Path):
        self.module, self.csv_path, self.rows = module, Path(csv_path), {}
        self.lock = threading.Lock()

    def add(self, student: str, report: dict, write: bool = True) -> None:
        with self.lock:
            self.rows[student] = report
            if write:
                self.write()

    def analysis(self) -> tuple[list[str], list[dict]]:
        reports = list(self.rows.values())
        ids = item_ids(self.module, reports)
        return ids, item_analysis(reports, ids)

    def write(self) -> None:
        ids, analysis = self.analysis()
        write_atomically(self.csv_path, gradebook_csv(list(self.rows.items()), ids))
        write_atomically(items_path(self.csv_path), items_csv(analysis))

    def summary(self) -> str:
        reports = list(self.rows.values())
        if not reports:
            return "no submissions"
        mean = sum(r.get("total", 0) for r in reports) / len(reports)
        most = max((r.get("max", 0) for r in reports), default=0)
        missing = sum(r.get("error") is not None for r in reports)
        return (f"{len(reports)} submission{'s' * (len(reports) != 1)}: mean total {mean:.2f}/{most:g}, "
                f"{missing} not graded")


# ---------------------------------------------------------------- grading one submission in its own process

def limit_flags(limits: Limits) -> list[str]:
    """The command-line flags that give a `tito grade` process exactly `limits`."""
    return [part for field in fields(Limits) for part in (flag(field.name), repr(getattr(limits, field.name)))]


@dataclass
class Job:
    student: str
    path: Path
    digest: str  # sha256 of the notebook's bytes ("" when they could not be read)
    name: str    # report_name(student, digest)


class Runner:
    """Runs the `tito grade` processes; stop() ends every running one (SIGTERM: it kills its own children)."""

    def __init__(self, module: CourseModule, module_arg: str, limits: Limits):
        self.module, self.module_arg, self.limits = module, module_arg, limits
        self.live: set[subprocess.Popen] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def grade(self, job: Job, reports: Path) -> dict | None:
        """The report of `job`'s submission, written by its own `tito grade` process; a made-up one
        ("retry": true) when that process died or hung; None when the batch is stopping."""
        partial = reports / f".{job.name}.child.json"
        log = reports / f"{job.name}.log"
        command = [sys.executable, "-m", "tito", "grade", self.module_arg, str(job.path), "--json", str(partial),
                   *limit_flags(self.limits)]
        seconds = self.limits.total + GRACE_SECONDS
        with self.lock:
            if self.stopping.is_set():
                return None
            with open(log, "wb") as out:
                proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)  # Ctrl-C reaches the batch, which stops it
            self.live.add(proc)
        try:
            code = proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self._end(proc)
            code = None
        finally:
            with self.lock:
                self.live.discard(proc)
        if self.stopping.is_set():
            partial.unlink(missing_ok=True)
            return None
        try:
            report = json.loads(partial.read_text(encoding="utf-8"))
            if not isinstance(report, dict) or not isinstance(report.get("tests"), list):
                raise ValueError("not a tito report")
        except (OSError, ValueError):
            how = (f"was stopped after {seconds:g} s (--total-timeout plus {GRACE_SECONDS:g} s)" if code is None
                   else f"ended with exit code {code} and no report")
            report = report_dict(not_graded(self.module, job.path, f"the grading process {how}; see {log.name}",
                                            message="not graded: the grading process failed"))
            report["retry"] = True
        finally:
            partial.unlink(missing_ok=True)
        return report

    def _end(self, proc: subprocess.Popen) -> None:
        """SIGTERM (the grading then kills its own children), and after 10 s its whole group. Windows has no
        SIGTERM to handle: send_signal(SIGTERM) is TerminateProcess, which ends that process alone and leaves
        the student's processes it started running (an endless loop: for good, there is no CPU limit there);
        there the tree goes at once (processes.kill_group: taskkill /T)."""
        if not hasattr(os, "killpg"):
            processes.kill_group(proc)
            proc.wait()
            return
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10.0)
            return
        except (ProcessLookupError, PermissionError):
            proc.wait()
            return
        except subprocess.TimeoutExpired:
            pass
        processes.kill_group(proc)
        proc.wait()

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            live = list(self.live)
        for proc in live:
            self._end(proc)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


def grading_key(module: CourseModule, limits: Limits) -> str:
    """sha256 of what decides a grade besides the notebook: the limits, the module's source (its
    graded checks and points), tito's own code and the package the submission is graded in (earlier
    modules' code runs under every check; the module's own file is the submission's export, so it
    is left out; the sources that continue the lesson are in, their code is exported with the
    submission's). A report graded under another key is stale."""
    digest = hashlib.sha256(json.dumps(limit_flags(limits)).encode("utf-8"))
    for source in module.sources:   # the lesson, then the given code exported after it
        digest.update(Path(source).read_bytes())
    own_file = export.module_file(cells.export_target(module.src))
    for root, skip in ((Path(__file__).resolve().parents[1], None), (paths.package_dir(), own_file)):
        for source in sorted(root.rglob("*.py")):
            name = source.relative_to(root)
            if name != skip:
                digest.update(f"{root.name}/{name}".encode("utf-8") + b"\0" + source.read_bytes())
    return digest.hexdigest()


def _reusable(path: Path, module: CourseModule, digest: str, key: str) -> dict | None:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(report, dict) or report.get("retry") or report.get("module") != module.slug
            or report.get("notebook_sha256") != digest or report.get("grading_sha256") != key
            or not isinstance(report.get("tests"), list)):
        return None
    return report


def run_batch(module: CourseModule, module_arg: str, arguments: list[str], csv_path: Path, reports: Path | None,
              limits: Limits, parallel: int, progress=lambda line: None, runner_factory=Runner) -> Gradebook:
    """Grade every submission `arguments` name, `parallel` at a time; the gradebook is on disk after each."""
    if parallel < 1:
        raise BatchError(f"--parallel must be a whole number of at least 1, got {parallel}.")
    csv_path = Path(csv_path)
    reports = Path(reports) if reports else csv_path.with_name(csv_path.stem + ".reports")
    check_output_paths(csv_path, reports)
    submissions = find_submissions(arguments)
    reports.mkdir(exist_ok=True)
    book = Gradebook(module, csv_path)
    jobs, reused, key = [], 0, grading_key(module, limits)
    common = common_folder(submissions)
    for student, path in zip(student_ids(submissions), submissions):
        link = link_on_the_way(path, common)
        if link is not None:  # never read, never graded: its row says why
            report = link_report(module, path, link)
            report.update(student=student, notebook_sha256="", grading_sha256=key)
            write_atomically(reports / f"{report_name(student, 'link')}.json", json.dumps(report, indent=2) + "\n")
            book.add(student, report, write=False)
            continue
        digest = notebook_digest(path)  # "": its own grading says why it cannot be read
        job = Job(student, path, digest, report_name(student, digest or "unreadable"))
        report = _reusable(reports / f"{job.name}.json", module, digest, key) if digest else None
        if report is not None:
            book.add(student, report, write=False)
            reused += 1
        else:
            jobs.append(job)
    book.write()
    progress(f"{len(submissions)} submissions of {module.slug}: reused {reused} report{'s' * (reused != 1)} "
             f"from {reports} (same notebook, checks, limits and tito), {len(jobs)} to grade, {parallel} at a time")
    runner, started, done = runner_factory(module, module_arg, limits), time.monotonic(), 0

    def one(job: Job):
        report = runner.grade(job, reports)
        if report is not None:
            report.update(student=job.student, notebook_sha256=job.digest, grading_sha256=key)
            write_atomically(reports / f"{job.name}.json", json.dumps(report, indent=2) + "\n")
        return job, report

    pool = ThreadPoolExecutor(max_workers=parallel)
    try:
        for future in as_completed([pool.submit(one, job) for job in jobs]):
            job, report = future.result()
            if report is None:
                continue
            book.add(job.student, report)
            done += 1
            minutes = (time.monotonic() - started) / 60
            rate = done / minutes if minutes > 0 else 0.0
            eta = (len(jobs) - done) / rate * 60 if rate else 0.0
            progress(f"[{done}/{len(jobs)}] {printable(job.student)}: {_points(report.get('total'))}/"
                     f"{_points(report.get('max'))} {clean(status(report))[:100]} | {rate:.1f} per minute, "
                     f"ETA {_duration(eta)}")
    except BaseException:
        runner.stop()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return book


# ---------------------------------------------------------------- --merge

def merge(module: CourseModule, arguments: list[str], csv_path: Path, progress=lambda line: None) -> Gradebook:
    """The gradebook of the JSON reports `arguments` name (files or globs; --json of single gradings
    or a batch's reports). A student with two reports keeps the most recently written one."""
    csv_path = Path(csv_path)
    check_output_paths(csv_path, None)
    files = []
    for argument in arguments:
        matches = [argument] if Path(argument).exists() or not glob.has_magic(argument) else sorted(glob.glob(argument))
        if not matches:
            raise BatchError(f"{argument} matches no report.")
        files += [Path(match) for match in matches]
    loaded = []
    for path in files:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(report, dict) or not isinstance(report.get("tests"), list):
                raise ValueError("not a tito JSON report (no \"tests\" list)")
        except (OSError, ValueError) as error:
            raise BatchError(f"could not read the report {path} ({getattr(error, 'strerror', None) or error}).")
        if report.get("module") != module.slug:
            raise BatchError(f"the report {path} is for module {report.get('module')!r}, not {module.slug}.")
        loaded.append((path, report))
    derived = iter(student_ids([Path(str(r.get("submission", p))) for p, r in loaded if not r.get("student")]))
    book, when = Gradebook(module, csv_path), {}
    for path, report in loaded:
        student = report.get("student") or next(derived)
        mtime = path.stat().st_mtime
        if student in when:
            progress(f"two reports for {printable(student)}: keeping the most recent one")
            if mtime < when[student]:
                continue
        when[student] = mtime
        book.add(student, report, write=False)
    book.write()
    return book

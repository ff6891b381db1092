"""`tito`: the command line of tinytorch.

    tito module start NN [--reset]   student: get the notebook for module NN (never overwrites your edits)
    tito export NN                   student: export your notebook's code into the installed package
    tito test NN                     student: run module NN's inline checks and pytest suite on your export
    tito status                      student: per module, started / exported / last test result
    tito update                      student: pull the course's updates, keeping your notebooks and exports
    tito help [COMMAND]              this overview, or one command's options (also: tito, tito -h, python -m tito)
    tito grade NN SUBMISSION.ipynb   autograder: score a notebook in isolation (--json, --gradescope, --junit FILE)
    tito grade NN DIR|GLOB... --csv GRADEBOOK   autograder: a class, --parallel N at a time, resumable (--merge REPORTS)
    tito dev export [NN ...|--all]   instructor: regenerate notebooks and package from src/
    tito dev check                   instructor/CI: fail if generated files drift from src/
    tito dev release --nbgrader DIR  instructor: write an nbgrader course (source notebooks, config, kernel)
    tito dev figures [--out DIR]     instructor: regenerate docs/figures/, one figure per lesson
"""
from __future__ import annotations

import argparse
import glob
import os
import platform
import sys
import time
import traceback
from pathlib import Path

from . import paths
from .tables import printable
from .grading import processes
from .grading.limits import JSON_WEIGHT, Limits
from .grading.limits import flag as limits_flag

# Every command imports what it runs when it runs (`from . import workflow` in its handler): the
# judge (numpy, the rules), nbformat and jupytext cost a process most of a second, and `tito help`,
# `tito status` or `tito export` need some or none of them. What parsing the command line needs
# stays above (tests/tito_cli/test_startup.py holds each command to its imports).


def _modules(root: Path, names: list[str], everything: bool) -> list[paths.CourseModule]:
    if everything or not names:
        return paths.all_modules(root)
    return [paths.find_module(root, name) for name in names]


def cmd_dev_export(args) -> int:
    from . import build
    root = paths.repo_root()
    out_root = Path(args.out).resolve() if args.out else root
    for module in _modules(root, args.modules, args.all):
        print(f"exporting {module.slug} ...", flush=True)
        for path in build.build_module(module, out_root):
            print(f"  wrote {path.relative_to(out_root)}")
    return 0


def cmd_dev_release(args) -> int:
    from . import release
    root = paths.repo_root()
    course = Path(args.nbgrader).resolve()
    modules = _modules(root, args.modules, args.all)
    for path in release.release(modules, course):
        print(f"  wrote {path}")
    names = " ".join(module.slug for module in modules)
    print(f"nbgrader course in {course}. From there: nbgrader generate_assignment ASSIGNMENT (one of: {names}), "
          "then collect submissions into submitted/STUDENT/ASSIGNMENT/ and run nbgrader autograde ASSIGNMENT.")
    return 0


def cmd_dev_check(args) -> int:
    from . import build, workflow
    root = paths.repo_root()
    problems = build.find_drift(root, paths.all_modules(root))
    for line in problems:
        print(f"drift: {line}")
    if problems:
        yours = [m.slug for m in paths.all_modules(root) if workflow.package_origin(m, paths.package_dir()) == "yours"]
        print("Run `tito dev export --all` and commit." + (
            f" (The package holds a student's export of {', '.join(yours)}: `tito status` shows it.)" if yours else ""))
        return 1
    print("generated files match src/")
    return 0


def cmd_dev_figures(args) -> int:
    from . import figures
    root = paths.repo_root()
    out = Path(args.out).resolve() if args.out else root / "docs" / "figures"
    try:
        problems = figures.write_figures(paths.all_modules(root), out, log=_log)
    except figures.MissingMatplotlib as error:
        print(f"tito: error: {error}", file=sys.stderr)
        return 1
    for line in problems:
        print(f"tito: error: {line}", file=sys.stderr)
    return 1 if problems else 0


def _log(line: str) -> None:
    print(line, flush=True)


def _progress(line: str) -> None:
    """Progress goes to stderr, so stdout holds only the report."""
    print(line, file=sys.stderr, flush=True)


def _limits(args) -> Limits:
    limits = Limits(per_test=args.timeout, total=args.total_timeout, jobs=args.jobs,
                    **{name: getattr(args, name) for name in _RLIMITS if hasattr(args, name)})
    limits.check()  # ValueError: exit code 2 with the message
    return limits


def _unless_refused(action, what: str) -> int:
    """Run a student command; a refusal (nothing was written) is exit code 1 with its reason."""
    from . import workflow
    try:
        action()
    except workflow.Refused as refusal:
        print(f"tito: {what}{refusal}", file=sys.stderr)
        return 1
    return 0


def cmd_module_start(args) -> int:
    from . import workflow
    module = paths.find_module(paths.repo_root(), args.module)
    return _unless_refused(lambda: workflow.start_module(module, reset=args.reset, log=_log), "")


def cmd_export(args) -> int:
    from . import workflow
    module = paths.find_module(paths.repo_root(), args.module)
    return _unless_refused(lambda: workflow.export_module(module, paths.package_dir(), log=_log), "export refused: ")


def cmd_test(args) -> int:
    from . import workflow
    module = paths.find_module(paths.repo_root(), args.module)
    return 0 if workflow.run_module_tests(module, paths.package_dir(), _limits(args), log=_log, verbose=args.verbose,
                                          progress=_progress) else 1


def cmd_update(args) -> int:
    from . import update
    root = paths.repo_root()
    return _unless_refused(lambda: update.update(root, paths.all_modules(root), paths.package_dir(), log=_log),
                           "update refused: ")


def cmd_status(args) -> int:
    from . import workflow
    root = paths.repo_root()
    modules, package = paths.all_modules(root), paths.package_dir()
    print(workflow.format_status(workflow.status_rows(modules, package), workflow.stale_lines(modules, package)))
    return 0


def _report_writers(args) -> list[tuple[str, str, object]]:
    """(kind, path, write(report, path, seconds)) for each report file asked for."""
    from .grading import grade, gradescope, junit
    asked = [("JSON", args.json, lambda report, path, seconds: grade.write_json(report, path)),
             ("Gradescope", args.gradescope,
              lambda report, path, seconds: gradescope.write(report, path, seconds, args.gradescope_visibility)),
             ("JUnit XML", args.junit, junit.write)]
    return [(kind, path, write) for kind, path, write in asked if path]


def escape_what_cannot_be_written() -> None:
    """A message the output's encoding cannot write still prints, escaped ('\\u0141'), instead of stopping the
    command half-way with UnicodeEncodeError: on Windows, stdout into a pipe or a file (`!tito export 00` in a
    notebook, `tito test 09 > log.txt`) encodes with the code page (cp1252), which lacks most letters."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


def cmd_grade(args) -> int:
    """Every report asked for is written, whatever happened: exit code 0 when the submission was
    graded (whatever it did), 2 when grading could not run (the report says why, items at 0)."""
    if _is_batch(args):
        return cmd_grade_batch(args)
    from .grading import grade
    if not args.submission:
        print("tito: error: expected a notebook to grade (SUBMISSION.ipynb), a folder or a glob; or --merge REPORTS",
              file=sys.stderr)
        return 2
    args.submission = args.submission[0]
    started = time.monotonic()
    module, code = None, 0
    try:
        module = paths.find_module(paths.repo_root(), args.module)
        submission = Path(args.submission).resolve()
        report = grade.grade_submission(module, submission, paths.package_dir(), _limits(args), log=_progress)
    except grade.NotGraded as error:  # not a readable notebook
        report, code = error.report, 2
        print(f"tito: error: {printable(error)}", file=sys.stderr)
    except Exception as error:  # unknown module, bad limits, no graded cells; or a bug of tito's
        if not isinstance(error, (FileNotFoundError, ValueError, OSError)):
            traceback.print_exc()
        report, code = grade.not_graded(module, args.submission, str(error), message="not graded: grading could not run",
                                        name=args.module), 2
        print(f"tito: error: {printable(error)}", file=sys.stderr)
    seconds = time.monotonic() - started
    try:
        print(grade.format_report(report), flush=True)
    except OSError:  # stdout closed: the report files still get written
        pass
    for kind, path, write in _report_writers(args):
        try:
            write(report, Path(path), seconds)
        except OSError as error:
            print(f"tito: error: could not write the {kind} report to {path} ({error.strerror or error}). "
                  "Expected a path to a file in a writable folder; the grade above is complete.", file=sys.stderr)
            code = 2
            continue
        _progress(f"wrote {path}")
    return code  # 0: grading ran; the score is in the report, not the exit code


def _is_batch(args) -> bool:
    """More than one submission, a folder, a glob that matches (and is not a file's name), --csv or --merge: a
    class, not one notebook (a single path that names nothing is graded as one: its report says so)."""
    given = args.submission
    return bool(args.merge or args.csv or len(given) > 1 or (
        given and (Path(given[0]).is_dir() or (not Path(given[0]).exists() and glob.has_magic(given[0])
                                               and glob.glob(given[0], recursive=True)))))


def cmd_grade_batch(args) -> int:
    """`tito grade NN FOLDER|GLOB|NB... --csv GRADEBOOK` and `tito grade NN --merge REPORT... --csv GRADEBOOK`:
    exit code 0 when the gradebook is complete (a submission not graded is a row saying why), 2 when
    the batch cannot start (nothing matched, a folder missing), 130 when interrupted."""
    from .grading import batch, items_figure
    single = [flag for flag, value in (("--json", args.json), ("--gradescope", args.gradescope),
                                       ("--junit", args.junit)) if value]
    try:
        if single:
            raise batch.BatchError(f"{', '.join(single)} report{'s' * (len(single) > 1)} one notebook; grading several "
                                   "writes one JSON report per submission into --reports DIR.")
        if not args.csv:
            raise batch.BatchError("grading several notebooks (or --merge) needs --csv GRADEBOOK.csv.")
        if args.merge and args.submission:
            raise batch.BatchError("--merge assembles reports; give either notebooks to grade or --merge, not both.")
        module = paths.find_module(paths.repo_root(), args.module)
        if args.merge:
            book = batch.merge(module, args.merge, Path(args.csv), progress=_progress)
        else:
            book = batch.run_batch(module, args.module, args.submission, Path(args.csv),
                                   Path(args.reports) if args.reports else None, _limits(args), args.parallel,
                                   progress=_progress)
    except (batch.BatchError, FileNotFoundError, ValueError, NotADirectoryError) as error:
        print(f"tito: error: {printable(error)}", file=sys.stderr)
        return 2
    ids, analysis = book.analysis()
    print(batch.format_items(analysis), flush=True)
    print("", flush=True)
    print(book.summary(), flush=True)
    picture = items_figure.write_items_figure(analysis, Path(args.csv))
    _progress(f"wrote {args.csv} and {batch.items_path(Path(args.csv))}"
              + (f" and {picture}" if picture else " (no items figure: matplotlib is not installed)"))
    return 0


_RLIMITS = {"memory_mb": "address space of the student's process, MiB", "processes": "processes the student's code may run",
            "file_size_mb": "largest file the student's code may write, MiB",
            "cpu_seconds": "CPU seconds per test cell (next to --timeout's wall clock)",
            "reply_mb": f"largest reply the judge accepts from the student's process, MiB (JSON weighs {JSON_WEIGHT} times)",
            "replies_mb": f"all replies of one test cell together, MiB (JSON weighs {JSON_WEIGHT} times)",
            "replies": "replies one test cell may take from the student's process",
            "judge_memory_mb": "how much tito's own address space may grow while it runs the test cells, MiB"}


def _add_limits(parser: argparse.ArgumentParser, grading: bool = False) -> None:
    """The limit flags; every default comes from tito.grading.limits.Limits."""
    defaults = Limits()
    parser.add_argument(limits_flag("per_test"), type=float, default=defaults.per_test, metavar="SECONDS",
                        help=f"time limit per test cell (default {defaults.per_test:g})")
    parser.add_argument(limits_flag("total"), type=float, default=defaults.total, metavar="SECONDS",
                        help=f"time limit for the whole run, reading and exporting the notebook included (default {defaults.total:g})")
    parser.add_argument(limits_flag("jobs"), type=int, default=defaults.jobs, metavar="N",
                        help=f"test cells run at a time (default {defaults.jobs})")
    for name, help_text in _RLIMITS.items() if grading else ():
        parser.add_argument(limits_flag(name), type=int, default=getattr(defaults, name), metavar="N",
                            help=f"{help_text} (default {getattr(defaults, name)})")


def version_line() -> str:
    """`tito --version`: what a bug report needs (the version of the tinytorch distribution tito ships in, Python, system)."""
    from importlib import metadata
    try:
        installed = metadata.version("tinytorch")
    except metadata.PackageNotFoundError:
        installed = "not installed (run: pip install -e \".[tito]\")"
    return f"tito {installed} (Python {platform.python_version()} on {platform.system() or sys.platform})"


def build_parser() -> argparse.ArgumentParser:
    from .grading import gradescope   # its names only: it imports the grader when it writes a report
    parser = argparse.ArgumentParser(
        prog="tito", description="tinytorch: build your own deep learning framework.",
        epilog="Student loop: tito module start NN, fill in the notebook, tito export NN, tito test NN, tito status. "
               "`tito help COMMAND` shows one command's options.")
    parser.add_argument("--version", action="version", version=version_line())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.set_defaults(handler=lambda args: _print_help(parser, []))
    help_ = commands.add_parser("help", help="show this overview, or `tito help COMMAND` for one command's options")
    help_.add_argument("topic", nargs="*", metavar="COMMAND", help="e.g. grade, or dev release")
    help_.set_defaults(handler=lambda args: _print_help(parser, args.topic))

    module = commands.add_parser("module", help="get a module's notebook").add_subparsers(
        dest="module_command", metavar="MODULE_COMMAND", required=True)
    start = module.add_parser("start", help="write modules/NN_name/NN_name.ipynb (refuses to overwrite your edits)")
    start.add_argument("module", metavar="NN", help="module number or name, e.g. 01 or tensor")
    start.add_argument("--reset", action="store_true",
                       help="replace an edited notebook with a fresh one, after saving a timestamped backup")
    start.set_defaults(handler=cmd_module_start)

    export_ = commands.add_parser("export", help="export your notebook's '#| export' cells into the installed package")
    export_.add_argument("module", metavar="NN", help="module number or name")
    export_.set_defaults(handler=cmd_export)

    test = commands.add_parser("test", help="run a module's inline checks and pytest suite against what you exported")
    test.add_argument("module", metavar="NN", help="module number or name")
    test.add_argument("-v", "--verbose", action="store_true",
                      help="also list every check, one line each (the report groups them by exported name)")
    _add_limits(test)
    test.set_defaults(handler=cmd_test)

    commands.add_parser("status", help="per module: notebook started, package exported, last test result").set_defaults(
        handler=cmd_status)
    commands.add_parser("update", help="pull the course's updates (git) and keep your work: notebooks merged "
                                       "cell by cell, your exports redone").set_defaults(handler=cmd_update)

    grade_ = commands.add_parser("grade", help="autograde a submitted notebook (isolated; the installed package is untouched)")
    grade_.add_argument("module", metavar="NN", help="module number or name")
    grade_.add_argument("submission", metavar="SUBMISSION.ipynb", nargs="*",
                        help="the student's notebook; or several, a folder (searched recursively) or a glob: a class, "
                             "graded into --csv")
    grade_.add_argument("--csv", metavar="GRADEBOOK", help="grading several notebooks: the gradebook, one row per "
                        "student (and GRADEBOOK's stem + .items.csv: the item analysis)")
    grade_.add_argument("--reports", metavar="DIR", help="grading several notebooks: one JSON report per submission, "
                        "reused by a rerun when the notebook is unchanged (default: GRADEBOOK's stem + .reports)")
    grade_.add_argument("--parallel", type=int, default=1, metavar="N",
                        help="grading several notebooks: submissions graded at a time (default 1; --jobs stays "
                             "test cells at a time within each)")
    grade_.add_argument("--merge", nargs="+", metavar="REPORT.json",
                        help="assemble --csv from JSON reports (--json of single gradings, or --reports files)")
    grade_.add_argument("--json", metavar="REPORT", help="also write the report as JSON to REPORT")
    grade_.add_argument("--gradescope", metavar="RESULTS", help="also write Gradescope's results.json format to RESULTS")
    grade_.add_argument("--gradescope-visibility", choices=gradescope.VISIBILITIES, default=gradescope.VISIBLE,
                        metavar="WHEN", help="when students see the Gradescope score and items: "
                        f"{', '.join(gradescope.VISIBILITIES)} (default {gradescope.VISIBLE})")
    grade_.add_argument("--junit", metavar="XML", help="also write the report as JUnit XML (pytest's dialect) to XML")
    _add_limits(grade_, grading=True)
    grade_.set_defaults(handler=cmd_grade)

    dev = commands.add_parser("dev", help="instructor tools").add_subparsers(dest="dev_command", metavar="DEV_COMMAND", required=True)
    dev_export = dev.add_parser("export", help="regenerate student notebooks and the reference package from src/")
    dev_export.add_argument("modules", nargs="*", metavar="NN", help="module numbers or names (default: all)")
    dev_export.add_argument("--all", action="store_true", help="every module")
    dev_export.add_argument("--out", metavar="DIR", help="write into DIR instead of the repository (used by the drift test)")
    dev_export.set_defaults(handler=cmd_dev_export)
    dev.add_parser("check", help="fail if generated files differ from what src/ generates").set_defaults(handler=cmd_dev_check)
    dev_release = dev.add_parser("release", help="write an nbgrader course (source notebooks, config, kernel)")
    dev_release.add_argument("modules", nargs="*", metavar="NN", help="module numbers or names (default: all)")
    dev_release.add_argument("--all", action="store_true", help="every module")
    dev_release.add_argument("--nbgrader", metavar="COURSE_DIR", required=True,
                             help="the nbgrader course folder to write (source/, nbgrader_config.py)")
    dev_release.set_defaults(handler=cmd_dev_release)
    dev_figures = dev.add_parser("figures", help="regenerate docs/figures/: each lesson's first figure, one PNG per module")
    dev_figures.add_argument("--out", metavar="DIR", help="write into DIR instead of docs/figures/ in the repository")
    dev_figures.set_defaults(handler=cmd_dev_figures)
    return parser


def _print_help(parser: argparse.ArgumentParser, topic: list[str]) -> int:
    """`tito`, `tito help` and `tito help dev release`: help on stdout, exit 0 (an unknown topic: 2)."""
    for word in topic:
        choices = next((action.choices for action in parser._actions
                        if isinstance(action, argparse._SubParsersAction)), {})
        if word not in choices:
            print(f"tito: error: no command {' '.join(topic)!r}; the commands are: {', '.join(choices)}", file=sys.stderr)
            return 2
        parser = choices[word]
    parser.print_help()
    return 0


def _quiet_broken_pipe() -> int:
    """`tito status | head -3`: the reader went away. Say nothing more (no traceback), as `ls | head` does."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's final flush must not raise again
    except (OSError, ValueError):
        pass
    return 141 if os.name != "nt" else 1  # 128 + SIGPIPE, what a shell reports for `ls` cut off the same way


def main(argv: list[str] | None = None) -> int:
    escape_what_cannot_be_written()
    args = build_parser().parse_args(argv)
    try:
        with processes.cleanup_on_exit():  # whatever way this ends, every child is killed and waited for
            code = args.handler(args)
            sys.stdout.flush()  # a broken pipe shows here, inside the handler below, not at interpreter exit
            return code
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except (FileNotFoundError, ValueError) as error:  # includes paths.UnknownModule, cells.NotebookError
        print(f"tito: error: {error}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, processes.Interrupted, processes.Terminated):
        print("tito: interrupted; every process it started has been stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""nbgrader's kernel, in tito's isolation: `PYTHON -m tito.nbgrader_kernel -f CONNECTION_FILE`.

The course's kernelspec (jupyter/kernels/tinytorch/kernel.json, tito/release.py) starts this instead
of ipykernel_launcher (through `python -c LAUNCH`: see command()). nbgrader's Execute runs the whole submitted notebook in that kernel: the
student's code. tito's judge has decided the points before it starts (tito/nbgrader_judge.py), but
the kernel ran as the instructor, with everything the instructor may read and write. Here it gets
what tito's judge gives its children (tito/grading/processes.py, tito/grading/child.py):

  * outside (nbgrader's child, the instructor's user): when the system has the namespaces
    (processes.isolation()) and the kernel talks over Unix sockets in the folder the course's
    nbgrader_config.py made for this nbgrader run (RUN/sockets/kernel-N: the kernel has no network,
    and a socket file reaches across network namespaces), this process becomes, keeping its pid and
    process group (nbgrader signals the group to interrupt and to kill), `unshare --pid --fork
    --kill-child --mount-proc --mount --net [--user --map-root-user] PYTHON -c LAUNCH --inside MODE
    -f CONNECTION_FILE`, dying with nbgrader (PR_SET_PDEATHSIG). Elsewhere it becomes
    the plain kernel, as before (TitoGrade says once in autograde's log which protections are off);
  * inside (PID 1 of the new PID namespace, before any of the notebook's code): a new root built
    from an allow-list (child.new_root): the interpreter, the standard library, numpy and the shared
    libraries they load (judge.allowed_paths), and read-only the installed distributions ipykernel,
    numpy and matplotlib need (their dependencies by their metadata) with the shared libraries those
    load; on a private /tmp: a copy of the connection file, a HOME, and a copy of the tinytorch
    package (KERNEL_LIB, on PYTHONPATH) in which the module the assignment grades is the student's
    own, exported from the notebook in the kernel's folder as `tito grade` exports it, never its
    reference (the solution). The other modules are the package's, only those the lesson imports,
    directly or through them (tito/grading/package_copy.py: module 03's notebook imports module 06's autograd); never
    one it does not (module 08's kernel printed module 09's reference, next week's solution, before H61).
    When the notebook cannot be exported (none there, a syntax error), the module is left out; the
    notebook defines it itself anyway. The notebook's folder (its working directory) copied onto a tmpfs of its own at the
    same path; the run's sockets folder, read-write until the kernel has bound its five sockets, then
    read-only (PID 1 remounts it: the one folder of the grader's disk it sees; H61). Not the checkout, COURSE/source, the gradebook,
    other submissions, HOME or the site-packages of nbgrader and tito. Then it forks the kernel,
    which drops to a user id of its own (tito runs as root; otherwise a nested user namespace),
    no new privileges, limits (MEMORY_MB of address space a process, FILE_SIZE_MB a file, PROCESSES
    processes with its own user id), stdin /dev/null and stdout and stderr a pipe to PID 1 (which
    passes OUTPUT_BYTES of it on to nbgrader's stderr: never nbgrader's own files), and execs ipykernel; PID 1 waits for it and exits with it, and everything
    the kernel started dies with the namespace.

The assignment is the kernel's working folder's name (nbgrader runs a notebook in its assignment's
folder: submitted/STUDENT/ASSIGNMENT, source/ASSIGNMENT), its notebook ASSIGNMENT.ipynb there; a
folder that names no module of the course gets no tinytorch package at all.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import sys
import traceback
from pathlib import Path

SOCKETS, ROOT, IP = "sockets", "root", "kernel"  # RUN/sockets/kernel-N (nbgrader_config.py), RUN/root
RUN_PREFIX = "tito-kernels-"
KERNEL_LIB = "/tmp/.tito-lib"                    # the package copy, inside the kernel's root
CONNECTION = "/tmp/.tito-kernel/connection.json"  # the connection file's copy, inside
HOME = "/tmp/home"
DISTRIBUTIONS = ("ipykernel", "numpy", "matplotlib")  # what the kernel may import, with their dependencies
TMP_MB = 512                                      # the kernel's folder's tmpfs; /tmp and /dev/shm half each
INSIDE_ENV = ("PATH", "PYTHONPATH", "HOME", "XDG_CACHE_HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "TITO_NO_NAMESPACES")
PROCESSES = 64                                    # with a user id of its own
EXPORT_SECONDS = 20.0                             # exporting the notebook for the kernel (nbclient waits 60 s)
FILE_SIZE_MB = 256
OUTPUT_BYTES = 1 << 20                            # of the kernel's stdout and stderr, to nbgrader's stderr
MEMORY_MB = 4096                                  # address space of each of its processes (module 09's lesson: 1.2 GiB)

CONFIG = '''\
# nbgrader's kernel runs in tito's isolation (tito/nbgrader_kernel.py): without network, it talks to
# nbgrader over Unix sockets in a private folder made for this run and removed at its end. Not on
# Windows: pyzmq's Windows wheels have no Unix sockets ("Protocol not supported (addr='ipc://...')"),
# and no isolation to run the kernel in there; it talks over TCP, as nbgrader's own kernels do.
import atexit, shutil, tempfile  # noqa: E401,E402
if os.name != "nt":
    _run = tempfile.mkdtemp(prefix="{prefix}")
    atexit.register(shutil.rmtree, _run, True)
    os.mkdir(os.path.join(_run, "{sockets}"), 0o700)
    os.mkdir(os.path.join(_run, "{root}"), 0o700)
    c.KernelManager.transport = "ipc"
    c.KernelManager.ip = os.path.join(_run, "{sockets}", "{ip}")
'''.format(prefix=RUN_PREFIX, sockets=SOCKETS, root=ROOT, ip=IP)


# How kernel.json starts this: never `-m`, which puts the working folder (the student's) first on
# sys.path, so that a `tito/` or `json.py` submitted beside the notebook would run as the instructor.
LAUNCH = "import sys; del sys.path[0]; from tito.nbgrader_kernel import main; main()"


def command(python: str) -> list[str]:
    """kernel.json's argv."""
    return [python, "-c", LAUNCH, "-f", "{connection_file}"]


def connection_file(argv: list[str]) -> str:
    for flag in ("-f", "--f"):
        if flag in argv and argv.index(flag) + 1 < len(argv):
            return argv[argv.index(flag) + 1]
    for arg in argv:
        if arg.startswith(("-f=", "--f=")):
            return arg.split("=", 1)[1]
    raise SystemExit("tito.nbgrader_kernel: no connection file (-f CONNECTION_FILE)")


def run_folder(info: dict) -> Path | None:
    """RUN when the kernel's sockets are RUN/sockets/kernel-N in a folder this user made private for
    this run (the course's nbgrader_config.py), else None."""
    if info.get("transport") != "ipc":
        return None
    ip = Path(str(info.get("ip") or ""))
    if not ip.is_absolute() or ip.name != IP or ip.parent.name != SOCKETS:
        return None
    run = ip.parent.parent
    try:
        status = os.lstat(run)
    except OSError:
        return None
    private = stat.S_ISDIR(status.st_mode) and status.st_uid == os.geteuid() and not status.st_mode & 0o077
    if not (private and run.name.startswith(RUN_PREFIX) and (run / ROOT).is_dir() and (run / SOCKETS).is_dir()):
        return None
    return run


def plain_kernel(argv: list[str]) -> None:
    """ipykernel without tito's isolation, as `python -m ipykernel_launcher` runs it; never returns. On Windows
    in this process: there os.execv starts a new process and ends this one, the process nbgrader started and
    watches, which then reports the kernel dead ('Kernel died before replying to kernel_info')."""
    if sys.platform == "win32":
        from ipykernel import kernelapp
        kernelapp.launch_new_instance(argv)
        raise SystemExit(0)
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--inside"]:
        inside(argv[1], argv[2:])
        return
    from .grading import processes

    iso = processes.isolation()
    if not iso.namespaces:  # TitoGrade says so in autograde's log, once
        plain_kernel(argv)
    with open(connection_file(argv), encoding="utf-8") as handle:
        info = json.load(handle)
    if run_folder(info) is None:
        print("tito: nbgrader's kernel runs WITHOUT tito's isolation: its connection is not over Unix sockets "
              "in the private folder the course's nbgrader_config.py makes (an old or edited configuration? "
              "run `tito dev release --nbgrader` again)", file=sys.stderr, flush=True)
        plain_kernel(argv)
    processes._prctl(processes.PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # dies with nbgrader
    if os.getppid() == 1:
        raise SystemExit("tito.nbgrader_kernel: nbgrader is gone")
    mode = "own-uid" if iso.own_uid else "userns"
    # The namespace's PID 1 keeps only what finds tito and its caches: the kernel, under the same user
    # id in a user namespace, could read the rest in /proc/1/environ.
    env = {key: value for key, value in os.environ.items() if key in INSIDE_ENV}
    if mode == "userns":
        # Inside, this process is root of its user namespace, but no other user id is mapped there: the notebook's
        # export must not switch to a spare one (grade._prepared_in_fork asks processes.isolation()).
        env[processes.USER_NAMESPACE_ENV] = "1"
    os.execve(iso.prefix[0], [*iso.prefix, sys.executable, "-c", LAUNCH, "--inside", mode, *argv], env)


# ---------------------------------------------------------------- inside the namespaces

def _distributions() -> dict:
    """The installed distributions of DISTRIBUTIONS and everything they require (their metadata's
    requirements without extras, for this Python), by canonical name."""
    from importlib import metadata

    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    found, todo = {}, list(DISTRIBUTIONS)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[name] = dist
        for text in dist.requires or []:
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return found


def site_entries() -> list[str]:
    """The top-level files and folders those distributions installed into site-packages (their
    RECORD), never tinytorch's, tito's or an editable install's."""
    entries = set()
    for dist in _distributions().values():
        base = Path(dist.locate_file("")).resolve()
        for file in dist.files or []:
            parts = Path(file).parts
            if not parts or parts[0] in ("..", "/") or parts[0].startswith(("__editable__", "tinytorch", "tito")):
                continue
            entries.add(str(base / parts[0]))
    return sorted(entry for entry in entries if os.path.exists(entry))


def allow_list() -> list:
    """(kind, path) for child.new_root: judge.allowed_paths() and the kernel's site-packages entries with
    the shared libraries they load (parents first: an entry inside a site-packages folder the judge
    shows empty, a Python without a virtualenv, is shown inside that empty folder)."""
    from .grading import judge

    base = list(judge.allowed_paths())
    entries = site_entries()
    folders = [entry for entry in entries if os.path.isdir(entry)]
    known = {path for _, path in base}
    added = [("dir" if os.path.isdir(entry) else "file", entry) for entry in entries]
    added += [("file", lib) for lib in judge._shared_libraries(folders) if lib not in known]
    return sorted(base + added, key=lambda entry: (entry[1].count(os.sep), entry[1]))


def assignment_module(assignment: str):
    """The course module the assignment (the kernel's folder's name) is, or None."""
    from . import paths

    try:
        root = paths.repo_root(Path(__file__).resolve().parent)
        return next((m for m in paths.all_modules(root) if m.slug == assignment), None)
    except (OSError, ValueError):
        return None


def _export(module, package: Path, target: str) -> str | None:
    """The package at `target`/tinytorch with the module exported from the notebook in the kernel's
    folder (as `tito grade` exports it: given cells put back, nbdev in a forked, limited process);
    None when done, else why not."""
    import time

    from . import cells
    from .grading import grade
    from .grading.limits import Limits

    notebook = Path(os.getcwd()) / f"{module.slug}.ipynb"
    if not notebook.is_file():
        return f"no {notebook.name} beside it"
    try:
        kind, problem, _ = grade._prepare(notebook, cells.export_target(module.src), cells.course_cells(module.src),
                                          package, Path(target), Limits(), time.monotonic() + EXPORT_SECONDS,
                                          cells.continued_cells(module.src))
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None if kind == "ok" else (problem or kind)


def _copy_package(target: str, uid: int | None) -> str:
    """The tinytorch package at `target`/tinytorch, the module the assignment grades being the student's
    export (or, when that cannot be exported, absent); returns what the kernel's stderr should say
    about it ("" when nothing)."""
    from . import paths
    from .grading import judge, package_copy

    try:
        package = paths.package_dir()
    except Exception as error:  # no tinytorch installed
        return f"tito: the kernel has no tinytorch package ({type(error).__name__}: {error})"
    assignment = os.path.basename(os.getcwd())
    module = assignment_module(assignment)
    if module is None:
        return (f"tito: the kernel has no tinytorch package: its folder {assignment!r} names no module of the "
                "course, so tito cannot tell which module's reference to leave out")
    os.makedirs(target, mode=0o755)
    why = _export(module, package, target)
    note = ""
    if why is not None:
        shutil.rmtree(os.path.join(target, "tinytorch"), ignore_errors=True)
        hidden = package_copy.hidden_files(package, module)

        def ignore(folder, names):
            return [name for name in names if name == "__pycache__" or Path(folder, name).resolve() in hidden
                    or os.path.islink(os.path.join(folder, name))]

        shutil.copytree(package, os.path.join(target, "tinytorch"), ignore=ignore)
        note = (f"tito: the kernel's tinytorch has no {module.slug} module (the notebook could not be exported: "
                f"{str(why)[:300]})")
    package_copy.leave_out_unneeded(Path(target) / "tinytorch", module)
    judge.install_check_helpers(Path(target))   # the notebook's check_helpers cells import them
    _own(target, uid)
    return note


def _own(folder: str, uid: int | None) -> None:
    if uid is None:
        return
    for parent, folders, files in os.walk(folder):
        for name in [parent, *(os.path.join(parent, n) for n in folders + files)]:
            os.lchown(name, uid, uid)


def _special(folder, names) -> list[str]:
    """Names in `folder` that are neither files, folders nor links (a pipe blocks a copy)."""
    kept = (stat.S_ISREG, stat.S_ISDIR, stat.S_ISLNK)
    return [name for name in names if not any(test(os.lstat(os.path.join(folder, name)).st_mode) for test in kept)]


def _empty(folder: Path) -> None:
    """Remove what an earlier kernel of this run left in its sockets folder (nbgrader runs one at a time)."""
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            os.unlink(entry.path)


def inside(mode: str, argv: list[str]) -> None:
    from .grading import child, judge, processes

    connection = connection_file(argv)
    with open(connection, encoding="utf-8") as handle:
        info = json.load(handle)
    run = run_folder(info)
    if run is None or mode not in ("own-uid", "userns"):
        raise SystemExit("tito.nbgrader_kernel: not started by tito.nbgrader_kernel")
    sockets = run / SOCKETS
    if not all(isinstance(info.get(port), int) and info[port] > 0 for port in PORTS):
        raise SystemExit("tito.nbgrader_kernel: the connection file does not give the kernel's five sockets")
    uid = processes.spare_uid() if mode == "own-uid" else None
    workdir = os.getcwd()
    setup = {"root": str(run / ROOT), "tmp_mb": TMP_MB // 2, "allow": allow_list(), "lib": None, "workdir": workdir,
             "uid": uid, "userns": mode == "userns",
             "limits": {"file_size": FILE_SIZE_MB * 1024 * 1024, "memory": MEMORY_MB * 1024 * 1024,
                        "processes": PROCESSES if uid is not None else None}}
    _empty(sockets)
    if uid is not None:
        os.chown(sockets, uid, uid)
    notes = []

    def prepare(root: str) -> None:
        at = child._inside_root(root, str(sockets))
        child._mount_point(at, True)
        child._mount(str(sockets), at, None, child.MS_BIND)
        child._mount(None, at, None, child.MS_REMOUNT | child.MS_BIND | child.MS_NOSUID | child.MS_NODEV)
        copy = child._inside_root(root, CONNECTION)
        os.makedirs(os.path.dirname(copy), mode=0o700)
        shutil.copyfile(connection, copy)
        os.makedirs(child._inside_root(root, HOME), mode=0o700)
        for folder in (os.path.dirname(copy), child._inside_root(root, HOME)):
            _own(folder, uid)
        note = _copy_package(child._inside_root(root, KERNEL_LIB), uid)
        if note:
            notes.append(note)
        at = child._inside_root(root, workdir)
        child._tmpfs(at, f"size={TMP_MB}m,mode=700")
        try:  # links are copied as links, never followed; pipes and devices are left out
            shutil.copytree(workdir, at, symlinks=True, dirs_exist_ok=True, ignore=_special)
        except (OSError, shutil.Error) as error:
            notes.append(f"tito: the notebook's folder was not copied whole for the kernel: {str(error)[:300]}")
        _own(at, uid)

    child.new_root(setup, prepare)
    for note in notes:
        print(note, file=sys.stderr, flush=True)
    # JPY_PARENT_PID 1: no parent polling (the kernel's parent is PID 1 here; it dies with the namespace)
    # and no note on the terminal that Ctrl-C will not work.
    env = {**judge._child_env(HOME), "PYTHONPATH": KERNEL_LIB, "JPY_PARENT_PID": "1"}
    out_read, out_write = os.pipe()  # the kernel's stdout and stderr: never nbgrader's own (H61)
    pid = os.fork()
    if pid == 0:
        try:
            child.become_student(setup)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(out_write, 1)
            os.dup2(out_write, 2)
            os.execve(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *_with_connection(argv)], env)
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(127)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # an interrupt is the kernel's (nbgrader signals the group)
    os.close(out_write)
    output = _Output(out_read)
    _seal(sockets, _socket_files(info), pid, output)
    while True:
        output.forward(0.2)
        _reap(pid, output)


class _Output:
    """PID 1 passes the kernel's stdout and stderr on to its own stderr (nbgrader's), at most
    OUTPUT_BYTES of it. The kernel had nbgrader's own stdout and stderr (ipykernel keeps copies of
    them): when autograde's output goes to a file, the kernel could truncate or rewrite the
    instructor's log, and write into it without end (H61)."""

    def __init__(self, fd: int):
        self.fd, self.left = fd, OUTPUT_BYTES
        os.set_blocking(fd, False)

    def forward(self, timeout: float) -> None:
        import select
        import time

        if self.fd is None:
            time.sleep(timeout)
            return
        if not select.select([self.fd], [], [], timeout)[0]:
            return
        try:
            data = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return
        if not data:
            os.close(self.fd)
            self.fd = None
            return
        if self.left > 0:
            shown = data[:self.left]
            self.left -= len(data)
            if self.left <= 0:
                shown += f"\ntito: the rest of the kernel's stdout and stderr (past {OUTPUT_BYTES} bytes) is dropped\n".encode()
            try:
                os.write(2, shown)
            except OSError:
                pass


def _reap(pid: int, output: _Output) -> None:
    """Reap what died; exit with the kernel (after passing on what it still wrote) when it is gone."""
    while True:
        try:
            done, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            os._exit(0)
        if done == 0:
            return
        if done == pid:
            import time

            end = time.monotonic() + 1.0  # what it started may hold the pipe open: they die with PID 1
            while output.fd is not None and time.monotonic() < end:
                output.forward(0.05)
            os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))


PORTS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
SEAL_POLL = 0.005


def _socket_files(info: dict) -> list[str]:
    """The kernel's five Unix sockets (jupyter_client names an ipc port IP-PORT)."""
    return [f"{info['ip']}-{info[port]}" for port in PORTS]


def _seal(sockets: Path, files: list[str], pid: int, output: _Output) -> None:
    """PID 1: once the kernel has bound its sockets (ipykernel binds all five first thing, long before it
    answers nbgrader and so before any of the notebook's code runs), its view of the sockets folder, the
    one folder of the grader's disk it could write, becomes read-only: no files filling that disk, no
    links or pipes in place of its sockets for nbgrader to follow (H61). Reaps what dies meanwhile; exits
    with the kernel when it dies first."""
    while not all(os.path.exists(file) for file in files):
        _reap(pid, output)
        output.forward(SEAL_POLL)
    from .grading import child

    try:
        child._mount(None, str(sockets), None,
                     child.MS_REMOUNT | child.MS_BIND | child.MS_RDONLY | child.MS_NOSUID | child.MS_NODEV)
    except OSError as error:  # fail closed: the kernel dies, nbgrader fails the notebook (tito's points are in)
        print(f"tito: nbgrader's kernel stopped: its sockets folder could not be made read-only ({error})",
              file=sys.stderr, flush=True)
        os.kill(pid, signal.SIGKILL)


def _with_connection(argv: list[str]) -> list[str]:
    """The kernel's arguments, the connection file replaced by its copy inside."""
    original = connection_file(argv)
    out = []
    for arg in argv:
        if arg == original:
            out.append(CONNECTION)
        elif arg.startswith(("-f=", "--f=")):
            out.append(arg.split("=", 1)[0] + "=" + CONNECTION)
        else:
            out.append(arg)
    return out


def protections_line() -> str | None:
    """One line for autograde's log when the kernel's isolation is partial on this system, else None."""
    from .grading import processes

    off = processes.isolation().off()
    return (f"tito: the isolation of nbgrader's kernel on this system is partial (it runs the student's code); "
            f"off: {'; '.join(off)}." if off else None)


if __name__ == "__main__":
    main()

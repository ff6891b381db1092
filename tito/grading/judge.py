"""The judge: graded test cells run here, in tito's own trusted process; the student's code never does.

Design. For each graded cell the judge starts one child process that holds the student's exported
module (child.py, in namespaces of its own when the system allows: see processes.py; as root, forked
from the grading's warm zygote.py rather than started afresh under `unshare`). The cell is
executed in the judge, in a fresh namespace where

  * every module-level name the reference module defines (and only those: a student's extra
    `len` cannot shadow a builtin) is taken from the student's module as a proxy
    (remote.Remote) into the child, or as a copy when it is plain data (numbers, strings, arrays);
  * names the instructor's reference module imports from trusted libraries (numpy, the standard
    library), and module objects of those libraries in the student's namespace, are the judge's
    own imports: `np` in a test is always the real numpy, whatever the submission did to its own;
  * `print` collects the cell's output instead of writing to tito's terminal.

Then every `test_unit_*` function the cell defined is called here. Its asserts, `np.testing` and
the comparison of copied values all run in this process, so nothing the student's code does in
its own process (patching numpy, builtins or its globals, printing, writing files, exiting,
killing its parent) can change a verdict: it can only change the values it answers with, which
is what a test checks. The child talks only through two dedicated pipes (wire.py: JSON plus raw
numpy buffers, never pickles); its stdout is discarded and its stderr kept for crash messages.

The child gets nothing it could copy: no test source or expected values (they never leave the
judge); the graded module's reference file is replaced by the student's export in its package
copy; its cwd, sys.path and environment lead to a private scratch folder, and with namespaces the
instructor's repository and every other grading's files are hidden behind empty mounts.

`tito test` runs its inline checks through here too (workflow._judged, on a copy of the package
under test): a graded cell exactly as `tito grade` runs it, so the two never disagree; an ungraded
check inside the child instead (child.run_cell_here: the student tests their own work, and such a
check may compare identities or subclass the module's classes, as in the notebook).

A graded cell follows the rules for graded test cells (src/README.md, 'Rules for graded test
cells'): what crosses the channel is a copy or a handle; breaking rule 3 or 5 makes the item fail
with "judge: ..." naming the rule.

An item fails when a test raises; times out when the child does not answer before the item's
deadline (then the child and everything it started are killed); errors when the child dies (its
exit code, signal or the limit it broke is reported) or when the test cell does something that
cannot cross processes (subclassing a student class, passing a test-defined object: see the
rules for graded test cells in src/README.md).
"""
from __future__ import annotations

import ast
import builtins
import errno
import fnmatch
import functools
import importlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.testing  # noqa: F401  (numpy loads it lazily: here, before any child runs, not after one could have written it: H35)

from .. import cells as notebook_cells
from ..paths import continuations
from . import limits as limits_
from . import loops, processes, remote, tampering, wire
from .limits import Limits

HERE = Path(__file__).resolve().parent
CHILD_FILES = {"tito_child.py": HERE / "child.py", "tito_wire.py": HERE / "wire.py", "tito_zygote.py": HERE / "zygote.py"}
IN_NAMESPACE_LIB = "/tmp/.tito-lib"      # where the child sees its package copy, with namespaces
IN_NAMESPACE_WORK = "/tmp/work"
TRUSTED_TOP_LEVEL = set(sys.stdlib_module_names) | {"numpy"}
# The given helpers of the check cells (tito/check_helpers): the judge imports its own; a child and
# nbgrader's kernel get a copy beside the package copy, as the namespace package `tito`.
CHECK_HELPERS = "tito.check_helpers"
CHECK_HELPERS_DIR = HERE.parent / "check_helpers"
STATUSES = ("pass", "fail", "timeout", "error")


@dataclass
class Outcome:
    cell_id: str
    status: str  # one of STATUSES
    message: str
    seconds: float
    tests: list = field(default_factory=list)  # per test_unit_* function: name, status, message


@dataclass
class Setup:
    """What every child of one grading shares."""

    module_name: str        # e.g. tinytorch.core.spatial
    lib: Path               # holds tinytorch/ (the student's package copy) and the child's two files
    scratch: Path           # the grading's private folder (stderr files; workdirs without namespaces)
    trusted: dict           # names bound to the judge's own imports in every test namespace
    limits: Limits
    names: set | None = None  # the student's names a test may use (reference_names); None: all but builtins
    tracebacks: bool = False  # keep each failed test's tracebacks (`tito test` charges the function that raised)


# ---------------------------------------------------------------- preparing a grading

def install_child(lib: Path) -> None:
    """Put the child's code next to the student's package copy (read-only for the child)."""
    for name, source in CHILD_FILES.items():
        shutil.copyfile(source, lib / name)
    install_check_helpers(lib)


def install_check_helpers(lib: Path) -> None:
    """tito/check_helpers as lib/tito/check_helpers: the ungraded checks that run beside the student's code
    import their helpers from it (lib/tito has no __init__.py: tito's own package stays out of reach)."""
    shutil.copytree(CHECK_HELPERS_DIR, Path(lib) / "tito" / "check_helpers",
                    ignore=shutil.ignore_patterns("__pycache__"))


def _check_helpers(name: str) -> bool:
    return name == CHECK_HELPERS or name.startswith(CHECK_HELPERS + ".")


def _trusted_module(name) -> types.ModuleType | None:
    if isinstance(name, str) and name.split(".")[0] in TRUSTED_TOP_LEVEL:
        return sys.modules.get(name)
    return None


def _export_cells(src: Path):
    """The parsed `#| export` cells of the instructor's src and of the sources that continue it (one
    package module). The percent-format cells are split here (jupytext would take a third of a
    second): "# %%" starts a cell, "# %% [markdown]" a markdown one."""
    for path in [src, *continuations(Path(src))]:
        chunks = re.split(r"^(# %%.*)$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
        for header, source in zip(chunks[1::2], chunks[2::2]):
            if "[markdown]" not in header and notebook_cells.EXPORT_DIRECTIVES & notebook_cells.directives(source).keys():
                yield notebook_cells.parse(source)


def trusted_imports(src: Path) -> dict:
    """The names the reference module binds to trusted libraries, imported here in the judge:
    `import numpy as np` gives np, `from numpy.lib.stride_tricks import sliding_window_view` gives
    the judge's own sliding_window_view."""
    found = {}
    for tree in _export_cells(src):
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in TRUSTED_TOP_LEVEL:
                        module = importlib.import_module(alias.name)
                        found[alias.asname or alias.name.split(".")[0]] = \
                            module if alias.asname else importlib.import_module(alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                    and node.module.split(".")[0] in TRUSTED_TOP_LEVEL:
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if alias.name != "*":
                        found[alias.asname or alias.name] = getattr(module, alias.name)
    return found


def reference_names(src: Path) -> set[str] | None:
    """The module-level names the reference module binds: the only names of the student's module a
    test cell gets (a student's extra `len = ...` or `all = ...` must not shadow the cell's builtins).
    None when a star import makes them unknowable (then every name but the builtins' is taken)."""
    names = set()
    for tree in _export_cells(src):
        for node in loops.module_statements(tree.body):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                if any(alias.name == "*" for alias in node.names):
                    return None
                names |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


# ---------------------------------------------------------------- the child's file system (allow-list)
#
# With namespaces the child does not see the grader's file system at all: it sees a new root, an
# empty tmpfs, holding only what it needs, read-only: the Python standard library (its
# site-packages folders shown empty), numpy's installation, the shared libraries these two load,
# and the grading's own package copy; plus an empty private /tmp and /dev/shm, /proc of its own
# PID namespace and /dev/null, /dev/zero, /dev/urandom. Not the repository, not a site-packages
# folder holding tinytorch, not other submissions or checkouts, not tito.

def _stdlib_folders() -> list[str]:
    """The standard library's folders as the interpreter names them (sys.path entries of the base
    installation, and the folder of `os`). Never the working folder, which `python -m tito` puts first on
    sys.path, nor a folder holding tito or tinytorch: a checkout inside the base installation (a container's
    /usr/local, say) would otherwise be shown to every child whole (round 28's second hunt)."""
    stdlib = os.path.dirname(os.__file__)
    found = [stdlib]
    base, here = os.path.realpath(sys.base_prefix), os.path.realpath(os.getcwd())
    for entry in sys.path:
        if not entry or not os.path.isdir(entry) or entry in found or os.path.realpath(entry) == here:
            continue
        name = os.path.basename(entry.rstrip(os.sep))
        if name in ("site-packages", "dist-packages") or \
                any(os.path.isdir(os.path.join(entry, package)) for package in ("tito", "tinytorch")):
            continue
        if _inside(Path(os.path.realpath(entry)), Path(base)) and not any(_inside(Path(entry), Path(f)) for f in found):
            found.append(entry)
    return found


def _numpy_folders() -> list[str]:
    """numpy's package folder and, for wheels, the folder of the libraries it bundles."""
    folder = os.path.dirname(np.__file__)
    found = [folder]
    for sibling in ("numpy.libs", ".dylibs"):
        path = os.path.join(os.path.dirname(folder), sibling)
        if os.path.isdir(path):
            found.append(path)
    return found


def _extension_objects(folder: str) -> list[str]:
    """The shared objects (*.so*) under folder, not looking into the site-packages folders inside it
    (the standard library's own holds the base installation's packages: the child sees it empty)."""
    found = []
    for parent, subfolders, files in os.walk(folder):
        subfolders[:] = [name for name in subfolders if name not in ("site-packages", "dist-packages", "__pycache__")]
        found += [os.path.join(parent, name) for name in files if fnmatch.fnmatch(name, "*.so*")
                  and os.path.isfile(os.path.join(parent, name))]
    return found


def _linked_libraries(objects: list[str]) -> set[str]:
    """The shared libraries `objects` link against, as the dynamic loader finds them (ldd), remembered
    in tito's user cache: ldd asks the loader about one object at a time, about 0.4 s of CPU for a
    hundred, which every `tito grade` and `tito test` process paid. The cache is keyed by the
    interpreter, every object's path, size and modification time, and the loader's cache
    (/etc/ld.so.cache, which installing a library updates); only tito's user can write it, and no
    graded child sees it (the child's root is the allow-list). Anything amiss: ask ldd again."""
    fingerprint = _fingerprint(objects)
    cache = _cache_folder() / f"linked-{fingerprint}.json" if fingerprint else None
    try:
        listed = json.loads(cache.read_text(encoding="utf-8")) if cache else None
        if isinstance(listed, list) and all(isinstance(lib, str) and os.path.isabs(lib) for lib in listed):
            return set(listed)
    except (OSError, ValueError):
        pass
    libs = _ldd(objects)
    if cache is not None and libs:
        try:
            cache.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            partial = cache.with_name(f"{cache.name}.{os.getpid()}")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(sorted(libs), handle)
            os.replace(partial, cache)
        except OSError:
            pass
    return libs


def _cache_folder() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tito"


def _fingerprint(objects: list[str]) -> str | None:
    import hashlib
    digest = hashlib.sha256(f"{sys.executable}\0{sys.version}".encode())
    try:
        for path in sorted([*objects, "/etc/ld.so.cache"]):
            if path == "/etc/ld.so.cache" and not os.path.exists(path):
                continue
            status = os.stat(path)
            digest.update(f"\0{path}\0{status.st_size}\0{status.st_mtime_ns}\0{status.st_ino}".encode())
    except OSError:
        return None
    return digest.hexdigest()[:32]


def _ldd(objects: list[str]) -> set[str]:
    """What ldd says `objects` link against (an empty set without ldd)."""
    ldd = shutil.which("ldd")
    if not (ldd and objects):
        return set()
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    def listing(chunk: list[str]) -> str:
        try:
            return subprocess.run([ldd, *chunk], capture_output=True, text=True, timeout=60).stdout
        except (OSError, subprocess.TimeoutExpired):
            return ""

    # ldd asks the loader about one object at a time (about 5 ms each, a hundred objects): four at once
    chunks = [objects[start::4] for start in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        listed = "\n".join(pool.map(listing, [chunk for chunk in chunks if chunk]))
    return {m.group(1) for m in re.finditer(r"(?:=>\s*|^\s+)(/[^\s]+)\s+\(0x", listed, flags=re.MULTILINE)}


def _shared_libraries(folders: list[str]) -> list[str]:
    """The shared libraries that the extension modules in `folders` link against (as the dynamic
    loader names them, found with ldd), those this process has loaded, the loader and its cache."""
    libs = set()
    objects = [path for folder in folders for path in _extension_objects(folder)]
    libs |= _linked_libraries(objects)
    try:
        with open("/proc/self/maps") as maps:
            libs |= {line.split()[-1] for line in maps if ".so" in line and line.split()[-1].startswith("/")}
    except OSError:
        pass
    libs = {lib for lib in libs if os.path.isfile(lib) and not any(_inside(Path(lib), Path(f)) for f in folders)}
    if os.path.isfile("/etc/ld.so.cache"):
        libs.add("/etc/ld.so.cache")
    return sorted(libs)


_ALLOWED_ONCE = threading.Lock()  # the first test cells start at once, each in a thread of its own


def allowed_paths() -> tuple:
    """(kind, path) for the child's new root, parents before children: "dir" and "file" are shown
    read-only at the same path, "empty" covers a folder inside a shown one (site-packages)."""
    with _ALLOWED_ONCE:
        return _allowed_paths()


@functools.lru_cache(maxsize=1)
def _allowed_paths() -> tuple:
    folders = [*_stdlib_folders(), *_numpy_folders()]
    entries = [("dir", f) for f in folders]
    for folder in _stdlib_folders():
        for name in ("site-packages", "dist-packages"):
            inner = os.path.join(folder, name)
            if os.path.isdir(inner):
                entries.append(("empty", inner))
    entries += [("file", lib) for lib in _shared_libraries(folders)]
    # The interpreter itself (a student may start Python again) and a virtualenv's pyvenv.cfg, which
    # tells that interpreter where numpy is.
    entries += [("file", path) for path in (sys.executable, os.path.join(sys.prefix, "pyvenv.cfg")) if os.path.isfile(path)]
    return tuple(sorted(entries, key=lambda entry: (entry[1].count(os.sep), entry[1])))


# ---------------------------------------------------------------- one graded cell

# What a Windows process needs of its environment: without SYSTEMROOT, Python stops before any code runs
# ("Fatal Python error: _Py_HashRandomization_Init: failed to get random numbers", the subprocess docs'
# "env must include a valid SystemRoot"), and `socket`/`asyncio` fail to load (cpython gh-118234).
WINDOWS_ENV = ("SYSTEMROOT", "WINDIR")


def _child_env(home: str) -> dict:
    one = "1"  # one BLAS thread: predictable memory under the address-space limit, fair on a shared machine
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": home,
           "TMPDIR": "/tmp" if home.startswith("/tmp/") else home, "PYTHONDONTWRITEBYTECODE": "1",
           "OPENBLAS_NUM_THREADS": one, "OMP_NUM_THREADS": one, "MKL_NUM_THREADS": one}
    if sys.platform == "win32":
        env.update({name: os.environ[name] for name in WINDOWS_ENV if os.environ.get(name)})
    return env


def _child_setup(setup: Setup, workdir: str) -> dict:
    iso = processes.isolation()
    new_root = setup.scratch / "root"  # the mount point of the child's new root (each child: its own namespace)
    new_root.mkdir(mode=0o700, exist_ok=True)
    return {"module": setup.module_name, "mounts": iso.namespaces, "lib_real": str(setup.lib),
            "lib": IN_NAMESPACE_LIB if iso.namespaces else str(setup.lib),
            "root": str(new_root), "allow": list(allowed_paths()) if iso.namespaces else [],
            "tmp_mb": max(64, 2 * setup.limits.file_size_mb), "workdir": workdir,
            "uid": processes.spare_uid() if iso.own_uid else None,
            "userns": iso.userns, "limits": setup.limits.rlimits(iso.own_uid)}


def describe(error: BaseException, limits: Limits | None = None) -> str:
    """One line: the exception and where it was raised (in the child, for the child's exceptions)."""
    name = getattr(error, "remote_type", None) or type(error).__name__
    try:
        shown = str(error)
    except Exception as failure:  # e.g. a KeyError holding a student's object whose repr raises in the child
        shown = f"(its message could not be shown: {type(failure).__name__})"
    text = name + (f": {shown}" if shown.strip() else "")
    where = getattr(error, "remote_where", None)
    text = f"{text} {wire.raised_where(error) if where is None else where}".strip()
    if isinstance(error, MemoryError) and limits is not None:  # the student's process, or the judge's own (limits.py)
        text += f" ({limits_.breach('memory' if getattr(error, 'remote_where', None) is not None else 'judge_memory', limits)})"
    if isinstance(error, BlockingIOError) and limits is not None:  # fork() at the process limit
        text += f" ({limits_.breach('processes', limits)})"
    elif isinstance(error, OSError) and f"[Errno {errno.EFBIG}]" in str(error) and limits is not None:
        text += f" ({limits_.breach('file_size', limits)})"  # Python ignores SIGXFSZ: the write fails
    return limits_.one_line(text)


def _describe_err(err: dict, limits: Limits) -> str:
    return describe(remote.remote_exception(err if isinstance(err, dict) else {}), limits)


def last_line(text: str) -> str:
    """The last non-blank line of a child's error output, shortened to 200 characters."""
    lines = [line.strip() for line in text.strip().split("\n") if line.strip()]
    return lines[-1][:200] if lines else "no error output"


def _last_line(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - 2000))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return "no error output"
    return remote.their_text(last_line(text))


def _death(code: int | None, stderr: Path, limits: Limits) -> str:
    """Why the child ended, from its exit status (the supervisor reports a signal as 128 + number)."""
    if code is not None and code < 0:
        code = 128 - code
    if code is not None and code > 128:
        sig = code - 128
        try:
            name = signal.Signals(sig).name
        except ValueError:  # (on Windows, where there are no such signals, any number)
            name = f"signal {sig}"
        if name == "SIGXCPU":
            return f"the test process was stopped: {limits_.breach('cpu', limits)}"
        if name == "SIGXFSZ":
            return f"the test process was stopped: {limits_.breach('file_size', limits)}"
        if name == "SIGKILL":
            return (f"the test process was killed (SIGKILL): the CPU time limit of {limits.cpu_seconds} s or the "
                    f"system's memory ran out (raise with --cpu-seconds or --memory-mb)")
        return f"the test process crashed (killed by {name}) before reporting: {_last_line(stderr)}"
    return f"the test process crashed (exit code {code}) before reporting: {_last_line(stderr)}"


def _admitted(name, allowed: set | None) -> bool:
    if not isinstance(name, str) or name.startswith("__"):
        return False
    return name in allowed if allowed is not None else not hasattr(builtins, name)


def _importer(conn: remote.Connection):
    """The cell's `__import__`: trusted libraries (and the check helpers) are the judge's own;
    `tinytorch.*` is imported in the child (a proxy of the student's package copy); anything else is
    refused."""
    def import_(name, globals=None, locals=None, fromlist=(), level=0):
        top = name.split(".")[0]
        if level == 0 and (top in TRUSTED_TOP_LEVEL or _check_helpers(name)):
            return builtins.__import__(name, globals, locals, fromlist, level)
        if level == 0 and top == "tinytorch":
            module = conn.request({"op": "op", "name": "import_module"}, (name,))
            return module if fromlist else conn.request({"op": "op", "name": "import_module"}, (top,))
        raise remote.RuleBroken(f"this test cell imports {name!r}; a graded test cell imports nothing but numpy, "
                                "the standard library and tito.check_helpers (rule 5 for graded test cells, "
                                "src/README.md)")
    return import_


class _Printer:
    """The cell's `print`: output is kept (for debugging the judge), never written to the terminal."""

    def __init__(self):
        self.lines = []

    def __call__(self, *args, sep=" ", end="\n", file=None, flush=False):
        self.lines.append(sep.join(str(a) for a in args) + end)


def _test_names(source: str, namespace: dict, label: str) -> list[str]:
    """The cell's tests (cells.test_functions), as the cell itself defined them (never a name of the
    student's module: those are proxies, not functions compiled from the cell)."""
    return [name for name in notebook_cells.test_functions(source)
            if isinstance(namespace.get(name), types.FunctionType) and namespace[name].__code__.co_filename == label]


def _run_tests(conn: remote.Connection, namespace: dict, names: list[str], limits: Limits,
               tracebacks: bool = False) -> tuple[list, str | None]:
    """Call each test; returns (per-test results, why the child is unusable: "timeout"/"gone"/None).
    tracebacks: keep each failure's tracebacks (see _traceback)."""
    results = []
    for name in names:
        conn.callback_failure = None
        try:
            namespace[name]()
        except remote.ItemTimeout:
            results.append({"name": name, "status": "timeout", "message": ""})
            return results, "timeout"
        except remote.ChildGone as gone:
            results.append({"name": name, "status": "error", "message": str(gone)})
            return results, "gone"
        except remote.RuleBroken as rule:
            results.append({"name": name, "status": "error", "message": f"judge: {rule}"})
            continue
        except processes.STOPS_TITO:  # Ctrl-C while a test waits on the student's code: the run ends
            raise
        except BaseException as error:  # SystemExit of the test too: only this item fails
            results.append({"name": name, "status": "fail", "message": describe(error, limits),
                            "traceback": _traceback(error) if tracebacks else ""})
            continue
        if conn.callback_failure is not None:
            results.append({"name": name, "status": "fail", "message": describe(conn.callback_failure, limits)
                            + " (in a function the test passed to the student's code)"})
        else:
            results.append({"name": name, "status": "pass", "message": ""})
    return results, None


def _traceback(error: BaseException) -> str:
    """The test's traceback here, then the child's tracebacks of every error in the chain that came
    from there, the first cause last (an IndexError raised in the student's code that the test wrapped
    in an AssertionError, `raise ... from error`, ends the text). `tito test` reads the frames from the
    end to say which function of the student's module raised (test_report.traceback_charge)."""
    parts, seen, link = [notebook_cells.format_exception(error)], set(), error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        parts.append(getattr(link, "remote_traceback", ""))
        link = link.__cause__ or link.__context__
    return "".join(parts)[-6000:]


def judge_cell(cell, setup: Setup, group: processes.Group, deadline: float, rule: str | None = None,
               in_child: bool = False, zygote: processes.Zygote | None = None) -> Outcome:
    """Run one graded cell against a fresh child; the child is dead when this returns. `rule` is the
    loop rule's verdict on the student's source (loops.verdict, read before any child started).
    in_child: run the cell inside the child instead (`tito test`'s ungraded checks, see _in_child).
    zygote: forks the child (in the same namespaces) instead of starting it afresh."""
    started = time.monotonic()
    label = f"<test cell {cell.cell_id}>"
    limits = setup.limits
    iso = processes.isolation()
    workdir = IN_NAMESPACE_WORK if iso.namespaces else tempfile.mkdtemp(prefix="work-", dir=setup.scratch)
    fd, stderr_name = tempfile.mkstemp(prefix="stderr-", dir=setup.scratch)
    stderr = Path(stderr_name)
    request_read, request_write = os.pipe()
    reply_read, reply_write = os.pipe()
    child = conn = None
    status = "error"
    try:
        # The pipes are the child's stdin and stdout (the one way to hand a pipe to a child on every
        # system); it moves them aside before any student code runs (child.py).
        if zygote is not None:
            child = zygote.spawn(cwd=setup.lib, env=_child_env(workdir), stdin=request_read, stdout=reply_write,
                                 stderr=fd)
        if child is None:
            child = group.spawn([sys.executable, "-I", str(setup.lib / "tito_child.py")], cwd=setup.lib,
                                env=_child_env(workdir), stdin=request_read, stdout=reply_write, stderr=fd)
        for end in (request_read, reply_write):
            os.close(end)
        request_read = reply_write = None
        conn = remote.Connection(request_write, reply_read, deadline, _trusted_module, setup.limits)
        status, message, tests = _judge(conn, cell, setup, label, _child_setup(setup, workdir), in_child)
    finally:
        os.close(fd)
        for end in (request_read, reply_write, request_write, reply_read):
            if end is not None:
                os.close(end)
        # A child that ended by itself (its pipe closed) gets a moment to report its exit status: killing
        # its supervisor at once would turn a signal that ended the test (SIGXCPU) into the judge's SIGKILL.
        code = child.stop(grace=0.5 if status == "gone" else 0.0) if child is not None else None
        if conn is not None:
            conn.close()
    seconds = time.monotonic() - started
    if status == "timeout":
        # The deadline was set (run_cells) a moment before `started`: allow for that moment.
        own = deadline - started >= limits.per_test - min(0.5, limits.per_test / 10)
        limit = f"its time limit of {limits.per_test:g} s, --timeout" if own else "the total time limit, --total-timeout"
        message = (f"stopped after {deadline - started:.3g} s ({limit}): an endless loop, or far too slow"
                   + (f" ({message})" if message else ""))
    elif status == "gone" and message.startswith(remote.STOPPED):  # a reply limit: the judge killed it
        status = "error"
    elif status == "gone":
        status, message = "error", _death(code, stderr, limits) + (f"; {message}" if message else "")
    status, message, tests = loops.merge(status, message, tests, rule)
    return Outcome(cell.cell_id, status, message, seconds, tests)


def _in_child(conn: remote.Connection, cell, setup: Setup, label: str) -> tuple[str, str, list]:
    """An ungraded check of `tito test`, run inside the child (child.run_cell_here): the student tests
    their own work there, as in the notebook, and only the messages come back."""
    job = (cell.source, cell.helpers, list(notebook_cells.test_functions(cell.source)), label)
    try:
        answer = conn.request({"op": "op", "name": "run_cell"}, job)
    except remote.RemoteError as error:  # run_cell_here catches everything: only a broken child gets here
        return "error", f"the test cell could not run: {describe(error, setup.limits)}", []
    if not isinstance(answer, dict) or not isinstance(answer.get("tests", []), list):
        return "gone", "the student's process broke the protocol", []
    if "before" in answer:
        return "error", f"the test cell failed before its tests ran: {_describe_err(answer['before'], setup.limits)}", []
    tests = [{"name": str(test.get("name")), "status": "pass" if test.get("error") is None else "fail",
              "message": "" if test.get("error") is None else _describe_err(test["error"], setup.limits),
              "traceback": "" if not isinstance(test.get("error"), dict) else str(test["error"].get("tb", ""))}
             for test in answer["tests"] if isinstance(test, dict)]
    if not tests:
        return "error", f"test cell {cell.cell_id} defines no test_unit_* function", []
    return _verdict(tests)


def _verdict(tests: list) -> tuple[str, str, list]:
    failed = [t for t in tests if t["status"] != "pass"]
    status = "error" if any(t["status"] == "error" for t in failed) else ("fail" if failed else "pass")
    return status, "; ".join(f"{t['name']}: {t['message']}" for t in failed), tests


def _judge(conn: remote.Connection, cell, setup: Setup, label: str, child_setup: dict,
           in_child: bool = False) -> tuple[str, str, list]:
    """(status, message, tests); status "gone" means the child ended (the caller reads why)."""
    try:
        conn.send({"setup": child_setup}, {})
        ready, buffers = conn.read()
        if not ready.get("ready"):
            return "error", f"importing {setup.module_name} failed: {_describe_err(ready.get('err'), setup.limits)}", []
        if in_child:
            conn.decode(ready.get("names"), buffers)  # read and dropped: the cell runs over there
            return _in_child(conn, cell, setup, label)
        conn.namespace_phase = True  # `import math` in the student's module: the test gets the judge's math
        names = conn.decode(ready.get("names"), buffers)
        conn.namespace_phase = False
        if not isinstance(names, dict):
            return "gone", "the student's process broke the protocol", []
        printer = _Printer()
        cell_builtins = {**vars(builtins), "__import__": _importer(conn)}
        namespace = {"__name__": remote.GRADER_NAME, "__builtins__": cell_builtins,
                     **{k: v for k, v in names.items() if _admitted(k, setup.names)}, **setup.trusted, "print": printer}
        try:
            if cell.helpers:  # the instructor's check helpers, trusted like the cell itself
                exec(compile(cell.helpers, f"{label} (check helpers)", "exec"), namespace)
            exec(compile(cell.source, label, "exec"), namespace)
        except (remote.ItemTimeout, remote.ChildGone, *processes.STOPS_TITO):
            raise
        except remote.RuleBroken as rule:
            return "error", f"judge: {rule}", []
        except BaseException as error:
            return "error", f"the test cell failed before its tests ran: {describe(error, setup.limits)}", []
        names = _test_names(cell.source, namespace, label)
        if not names:
            return "error", f"test cell {cell.cell_id} defines no test_unit_* function", []
        tests, stopped = _run_tests(conn, namespace, names, setup.limits, setup.tracebacks)
    except remote.ItemTimeout:
        return "timeout", "", []
    except remote.ChildGone as gone:
        return "gone", str(gone), []
    if stopped:
        return ("timeout" if stopped == "timeout" else "gone"), tests[-1]["message"], tests
    return _verdict(tests)


def run_cells(graded: list, setup: Setup, log=lambda line: None, in_child: frozenset = frozenset()) -> list[Outcome]:
    """Judge every cell (up to limits.jobs at a time) within limits.total; outcomes in `graded` order.
    in_child: the ids of cells to run inside the child (`tito test`'s ungraded checks)."""
    limits = setup.limits
    total_deadline = time.monotonic() + limits.total
    with processes.Group() as group:
        # Started first, so that it imports numpy while the rules below read the student's source.
        zygote = processes.Zygote(group, setup.lib / "tito_zygote.py", _child_env(str(setup.scratch))) \
            if processes.Zygote.usable() else None
        # The loop rule reads the student's exported file: all of it now, before any child has run
        # (without namespaces a child could write the package copy that later items read).
        # Both quote the student's code: their text cannot pass for a check's hint.
        rules = [remote.their_text(loops.verdict(cell, setup.lib, setup.module_name)) for cell in graded]
        tampered = remote.their_text(tampering.verdict(graded, setup.lib, setup.module_name))  # the same for every item
        # Without namespaces a child can write the package copy that later children import (H35): what the
        # rules read is then not what runs. Each item starts only while the copy is as the rules read it, and
        # a copy changed by the end costs every item.
        copy_as_read = _tree_digest(setup.lib)

        def job(index: int) -> Outcome:
            cell, now = graded[index], time.monotonic()
            if _tree_digest(setup.lib) != copy_as_read:
                outcome = Outcome(cell.cell_id, "error", f"not run: {COPY_CHANGED}", 0.0)
            elif now >= total_deadline:
                outcome = Outcome(cell.cell_id, "timeout", f"not run: the total time limit of {limits.total:g} s was reached", 0.0)
            else:
                outcome = judge_cell(cell, setup, group, min(now + limits.per_test, total_deadline), rules[index],
                                     cell.cell_id in in_child, zygote)
                status, message, tests = tampering.merge(outcome.status, outcome.message, outcome.tests, tampered)
                outcome = Outcome(outcome.cell_id, status, message, outcome.seconds, tests)
            log(f"  [{index + 1}/{len(graded)}] {outcome.cell_id}: {outcome.status} ({outcome.seconds:.1f} s)")
            return outcome

        try:
            outcomes = processes.run_jobs(job, len(graded), limits.jobs, group)
        finally:
            if zygote is not None:
                zygote.close()
    if _tree_digest(setup.lib) != copy_as_read:
        outcomes = [outcome if outcome.status == "error" and COPY_CHANGED in outcome.message else
                    Outcome(outcome.cell_id, "error", COPY_CHANGED, outcome.seconds) for outcome in outcomes]
    return outcomes


COPY_CHANGED = ("the student's package copy changed while the items ran (code run by an item wrote it), so what "
                "the rules read is not what ran; no item of this grading counts")


def _tree_digest(folder: Path) -> str:
    """A digest of everything under folder (the grading's package copy and the child's files): each file's
    relative path and bytes, each folder's path and each symbolic link's target. __pycache__ too (H40: an
    item compiled the reference into it, which later children imported in place of the copy's source)."""
    import hashlib
    entries = []
    for parent, subfolders, files in os.walk(folder):  # a link to a folder is listed, never followed
        entries += [(os.path.join(parent, name), b"folder") for name in subfolders]
        entries += [(os.path.join(parent, name), b"file") for name in files]
    digest = hashlib.sha256()
    for path, kind in sorted(entries):
        digest.update(os.path.relpath(path, folder).encode("utf-8", "surrogateescape") + b"\0" + kind + b"\0")
        if os.path.islink(path):
            digest.update(b"link to " + os.readlink(path).encode("utf-8", "surrogateescape") + b"\0")
        elif kind == b"file":
            try:
                with open(path, "rb") as handle:
                    digest.update(hashlib.sha256(handle.read()).digest())
            except OSError:
                digest.update(b"unreadable")
    return digest.hexdigest()

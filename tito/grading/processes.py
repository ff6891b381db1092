"""Every child process tito starts: isolated where the system allows, and always killed and waited for.

On Linux with util-linux's `unshare` (and root, or unprivileged user namespaces) a child runs in
its own PID, mount and network namespaces: every process it starts dies with it, `getppid()`
reveals nothing, and it has no network. Elsewhere it runs in its own process group, which a
process that starts a new session can leave; `isolation().off()` names what is missing, and the
grader prints that once.

Each child belongs to a `Group` (a `with` block): leaving the block, normally or by an exception
such as Ctrl-C, kills every child of the group (the whole namespace, or the process group) and
waits for it. `cleanup_on_exit()` wraps the command line: SIGTERM and SIGHUP become an exception
too, and whatever way tito leaves, every child still alive is killed and waited for.
"""
from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

NO_NAMESPACES_ENV = "TITO_NO_NAMESPACES"  # set to 1 to use process groups only (tests the fallback)


class Interrupted(BaseException):
    """tito is shutting down (Ctrl-C, SIGTERM): no new child may start."""


class Terminated(BaseException):
    """SIGTERM or SIGHUP reached tito."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@dataclass(frozen=True)
class Isolation:
    prefix: tuple = ()     # command prefix that starts a child in its own namespaces
    own_uid: bool = False  # the student's code can run under a user id of its own (tito runs as root)
    userns: bool = False   # namespaces come from an unprivileged user namespace

    @property
    def namespaces(self) -> bool:
        return bool(self.prefix)

    def off(self) -> list[str]:
        """The protections this system cannot give, in words."""
        if not self.namespaces:
            return ["PID and mount namespaces (a submission can outlive its grading, see other gradings' "
                    "temporary files and the instructor's repository)", "a user id of its own", "the process limit"]
        return [] if self.own_uid else ["a user id of its own and the process limit (tito is not running as root)"]


@functools.lru_cache(maxsize=1)
def isolation() -> Isolation:
    """What this system allows, probed once by starting `true` under unshare."""
    unshare = shutil.which("unshare")
    if os.environ.get(NO_NAMESPACES_ENV) == "1" or not sys.platform.startswith("linux") or unshare is None:
        return Isolation()
    base = (unshare, "--pid", "--fork", "--kill-child", "--mount-proc", "--mount", "--net")
    candidates = [(base, True, False)] if os.geteuid() == 0 else []
    candidates.append((base + ("--user", "--map-root-user"), False, True))
    for prefix, own_uid, userns in candidates:
        try:
            probe = subprocess.run([*prefix, "true"], stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return Isolation(prefix, own_uid, userns)
    return Isolation()


def protections_line() -> str | None:
    """One line for the log when some protection is off, else None."""
    off = isolation().off()
    return f"tito: isolation on this system is partial; off: {'; '.join(off)}." if off else None


_LIVE: set = set()
_LOCK = threading.Lock()
_CLOSING = threading.Event()


class Child:
    """One started child (under unshare, or a process group leader)."""

    def __init__(self, proc: subprocess.Popen, namespaced: bool):
        self.proc, self.namespaced = proc, namespaced

    def _inside(self) -> list[int]:
        """unshare's child: the namespace's PID 1 (killing it kills everything in the namespace)."""
        pids = []
        try:
            for task in os.listdir(f"/proc/{self.proc.pid}/task"):
                with open(f"/proc/{self.proc.pid}/task/{task}/children") as handle:
                    pids += [int(p) for p in handle.read().split()]
        except OSError:
            pass
        return pids

    def stop(self) -> int | None:
        """Kill the child and everything it started, wait for it, and return its exit status."""
        if self.proc.returncode is None:
            for pid in self._inside() if self.namespaced else []:
                _kill(lambda: os.kill(pid, signal.SIGKILL))
            if not self.namespaced:
                _kill(lambda: os.killpg(self.proc.pid, signal.SIGKILL))
            try:
                self.proc.wait(timeout=10)  # unshare reaps PID 1, whose exit emptied the namespace
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        _kill(lambda: os.killpg(self.proc.pid, signal.SIGKILL))  # stragglers of the group (no namespaces)
        with _LOCK:
            _LIVE.discard(self)
        return self.proc.returncode


def _kill(action) -> None:
    try:
        action()
    except (ProcessLookupError, PermissionError):
        pass


class Group:
    """Children that live no longer than a `with` block."""

    def __init__(self):
        self.children: list[Child] = []
        self.closed = False
        self.lock = threading.Lock()

    def spawn(self, argv: list[str], *, cwd, env: dict, stdout=None, stderr=None, pass_fds=(),
              namespaces: bool = True) -> Child:
        prefix = isolation().prefix if namespaces else ()
        with _LOCK, self.lock:
            if _CLOSING.is_set() or self.closed:
                raise Interrupted()
            proc = subprocess.Popen([*prefix, *argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                    stdout=stdout if stdout is not None else subprocess.DEVNULL,
                                    stderr=stderr if stderr is not None else subprocess.DEVNULL,
                                    pass_fds=pass_fds, start_new_session=True)
            child = Child(proc, bool(prefix))
            _LIVE.add(child)
            self.children.append(child)
        return child

    def close(self) -> None:
        with self.lock:
            self.closed = True
            children = list(self.children)
        for child in children:
            child.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def kill_all() -> None:
    """Stop every child tito started (from any thread) and refuse new ones."""
    _CLOSING.set()
    with _LOCK:
        children = list(_LIVE)
    for child in children:
        child.stop()


@contextlib.contextmanager
def cleanup_on_exit():
    """Around the command line: SIGTERM/SIGHUP raise Terminated; on the way out every child dies."""
    def terminate(signum, frame):
        raise Terminated(signum)

    main = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, terminate) for sig in (signal.SIGTERM, signal.SIGHUP)} if main else {}
    try:
        yield
    finally:
        kill_all()
        _CLOSING.clear()  # the run is over; a caller in the same process (tests) may start another
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def child_env(package_parent=None) -> dict:
    """The environment of `tito test`'s children: the user's, with the package under test first."""
    env = dict(os.environ)
    if package_parent is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(package_parent), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no bytecode behind in the package under test
    return env


def run_group(command: list[str], cwd, package_parent, timeout: float, stdout, stderr) -> int | None:
    """Run `command` (the student's own code: `tito test`, the import check of `tito export`) in its own
    namespaces or process group; return its exit code, or None when it was stopped at `timeout`."""
    with open(stderr, "wb") as err, open(stdout or os.devnull, "wb") as out, Group() as group:
        child = group.spawn(command, cwd=cwd, env=child_env(package_parent), stdout=out, stderr=err)
        try:
            code = child.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
    return code


def run_jobs(job, count: int, workers: int, group: Group) -> list:
    """[job(0), ..., job(count - 1)], up to `workers` at a time, in order. However it ends (an
    error, Ctrl-C), the jobs not started are cancelled and the group's children killed before
    the threads are joined, so that a thread waiting on a child finishes at once."""
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    futures = [pool.submit(job, index) for index in range(count)]
    try:
        return [future.result() for future in futures]
    finally:
        for future in futures:
            future.cancel()
        group.close()
        pool.shutdown(wait=True)

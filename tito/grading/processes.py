"""Every child process tito starts: isolated where the system allows, and always killed and waited for.

On Linux with util-linux's `unshare` (and root, or unprivileged user namespaces) a child runs in
its own PID, mount and network namespaces: every process it starts dies with it, `getppid()`
reveals nothing, and it has no network. Elsewhere it runs in its own process group, which a
process that starts a new session can leave; `isolation().off()` names what is missing, and the
grader prints that once.

As root, a grading's children are not started afresh: its Zygote (zygote.py, one warm process that
has imported Python's and numpy's modules once) forks each one and moves it to new PID, mount and
network namespaces as `unshare` would, in a session of its own there; its exit status comes back
through a pipe (_ForkedProc). That saves a Python start and a numpy import, most of a child's start,
per graded cell. An unprivileged user namespace (not root) and the fallbacks below start each afresh.

Without namespaces, tito still looks for what a child left behind:
  * when a child stops, every process below it (its process tree, whatever session or group it
    made for itself) is frozen with SIGSTOP, until no new one appears, then killed with SIGKILL;
    on Linux from /proc, elsewhere from `ps`;
  * on Linux, the command line (inside `cleanup_on_exit()`) makes tito a child subreaper
    (prctl PR_SET_CHILD_SUBREAPER) before its first such child: a process whose parent dies
    (a double fork, a setsid daemon) is reparented to tito instead of init. Whenever a child
    stops, a group closes (so before any report is written) and tito exits, every child of tito
    in a session other than tito's (only its children's descendants can be there) that is not
    a live child of a group, and everything below it, is frozen, killed and reaped. Nothing
    the student's code starts outlives its grading, then, except what a system service starts
    for it (cron, at, systemd-run) and what survives tito being killed itself.
  macOS and Windows have no subreaper: a process that leaves the tree (its parent exits first)
  goes to init, out of tito's sight.

Each child belongs to a `Group` (a `with` block): leaving the block, normally or by an exception
such as Ctrl-C, kills every child of the group (the whole namespace, or the process group) and
waits for it. `cleanup_on_exit()` wraps the command line: SIGTERM and SIGHUP become an exception
too, and whatever way tito leaves, every child still alive is killed and waited for.
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

NO_NAMESPACES_ENV = "TITO_NO_NAMESPACES"  # set to 1 to use process groups only (tests the fallback)
# set to 1 to take the mode a grader who is not root gets (an unprivileged user namespace, no user id of its
# own) even as root: the tests prove that mode on a machine where they run as root
USER_NAMESPACE_ENV = "TITO_USER_NAMESPACE"


class Interrupted(BaseException):
    """tito is shutting down (Ctrl-C, SIGTERM): no new child may start."""


class Terminated(BaseException):
    """SIGTERM or SIGHUP reached tito."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


# What ends tito's run (Ctrl-C, SIGTERM or SIGHUP, a shutdown under way), never one test's failure: code
# that counts a test's BaseException as its failure re-raises these. The student's own KeyboardInterrupt
# or SystemExit never arrives as one of them (remote.remote_exception turns it into a plain exception).
STOPS_TITO = (KeyboardInterrupt, Interrupted, Terminated)


@dataclass(frozen=True)
class Isolation:
    prefix: tuple = ()       # command prefix that starts a child in its own namespaces
    own_uid: bool = False    # the student's code can run under a user id of its own (tito runs as root)
    userns: bool = False     # namespaces come from an unprivileged user namespace
    subreaper: bool = False  # no namespaces, but tito can be a child subreaper (Linux)

    @property
    def namespaces(self) -> bool:
        return bool(self.prefix)

    def off(self) -> list[str]:
        """The protections this system cannot give, in words (what still holds: the README's trust model)."""
        if self.namespaces:
            return [] if self.own_uid else [
                "a user id of its own (the student's code runs as the grader's user, inside its namespaces) and "
                "the process limit (tito is not running as root)"]
        if self.subreaper:
            survive = ("containment of processes started through a system service (cron, at, systemd-run) or alive "
                       "when tito itself is killed: they can outlive the grading (tito kills all others before it "
                       "writes a report)")
        else:
            survive = ("containment of a process that leaves its item's process tree (a double fork, a daemon whose "
                       "parent exits): it can outlive the grading and rewrite the report after tito exits")
        root = hasattr(os, "geteuid") and os.geteuid() == 0
        return ["PID and mount namespaces: the student's code sees and can signal every process of the grader's "
                "user, tito included, and reads and writes whatever that user can (the instructor's repository, "
                "other gradings' temporary files, earlier reports)", survive,
                "a network namespace (it has the network)",
                f"a user id of its own (it runs as the grader's user{', root' if root else ''}) and the process limit",
                *_missing_limits()]


def _missing_limits() -> list[str]:
    """Windows has no `resource` module: only the time and reply limits hold there."""
    try:
        import resource  # noqa: F401
    except ImportError:
        return ["the CPU time, memory and file size limits (this system has no `resource` module; the time "
                "limits --timeout and --total-timeout and the reply limits still hold)"]
    return []


@functools.lru_cache(maxsize=1)
def isolation() -> Isolation:
    """What this system allows, probed once by starting `true` under unshare."""
    unshare = shutil.which("unshare")
    if os.environ.get(NO_NAMESPACES_ENV) == "1" or not sys.platform.startswith("linux") or unshare is None:
        return Isolation(subreaper=_subreaper_supported())
    base = (unshare, "--pid", "--fork", "--kill-child", "--mount-proc", "--mount", "--net")
    candidates = [(base, True, False)] if os.geteuid() == 0 and os.environ.get(USER_NAMESPACE_ENV) != "1" else []
    candidates.append((base + ("--user", "--map-root-user"), False, True))
    for prefix, own_uid, userns in candidates:
        try:
            probe = subprocess.run([*prefix, "true"], stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return Isolation(prefix, own_uid, userns)
    return Isolation(subreaper=_subreaper_supported())


# ---------------------------------------------------------------- a user id of its own (tito is root)

PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
CLONE_NEWNS, MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    0x00020000, 1, 2, 4, 32, 4096, 16384, 1 << 18)
WRITABLE_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm")  # the world-writable folders a process could leave files in
WORK_MOUNTS = ("/mnt", "/media", "/srv", "/opt")      # where the exporter's own tmpfs may go (first that fits)


def spare_uid() -> int:
    """A user id no account has, drawn afresh for each use (the student's code, the exporter)."""
    import random
    return random.SystemRandom().randrange(1_000_000, 2_000_000_000)


def _libc_call(name: str, *args) -> None:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if getattr(libc, name)(*args) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{name}: {os.strerror(err)}")


def _work_mount() -> str:
    """An existing folder to cover, in the exporter's own mount namespace, with its tmpfs: one that holds
    nothing Python needs (not the interpreter, its libraries or anything on sys.path)."""
    needed = {os.path.realpath(path) for path in (sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path) if path}
    for folder in WORK_MOUNTS:
        real = os.path.realpath(folder)
        if os.path.isdir(real) and not any(path == real or path.startswith(real + os.sep) for path in needed):
            return real
    raise OSError("no folder to hold the exporter's tmpfs: none of " + ", ".join(WORK_MOUNTS) + " fits")


def become_user(uid: int, tmp_bytes: int) -> str:
    """Turn this forked root process (Linux) into user `uid`, for good, in a mount namespace of its own:
    its only writable place is a new tmpfs (of at most `tmp_bytes`) that vanishes with it, mounted over
    a folder Python does not need (_work_mount); /tmp, /var/tmp and /dev/shm stay readable (an
    installation may live there) but are read-only. No groups, no new privileges (no set-uid
    programs), no further process or thread, files of at most `tmp_bytes`, no core dumps, dies with
    its parent. Returns its working folder (also its HOME and TMPDIR)."""
    import ctypes
    import resource
    import tempfile
    work = _work_mount()
    _libc_call("unshare", ctypes.c_int(CLONE_NEWNS))
    _libc_call("mount", None, b"/", None, ctypes.c_ulong(MS_REC | MS_PRIVATE), None)  # nothing propagates out
    for folder in WRITABLE_FOLDERS:
        if os.path.isdir(folder):
            _libc_call("mount", folder.encode(), folder.encode(), None, ctypes.c_ulong(MS_BIND | MS_REC), None)
            _libc_call("mount", None, folder.encode(), None,
                       ctypes.c_ulong(MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV), None)
    size = f"size={max(1, tmp_bytes // 1024)}k,mode=1777".encode()
    _libc_call("mount", b"tito-export", work.encode(), b"tmpfs", ctypes.c_ulong(MS_NOSUID | MS_NODEV), size)
    for limit, value in ((resource.RLIMIT_NPROC, 1), (resource.RLIMIT_FSIZE, tmp_bytes), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(limit, (value, value))
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if _prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or os.getuid() != uid or os.geteuid() != uid:
        raise OSError(f"could not become user {uid}")
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    workdir = tempfile.mkdtemp(prefix="tito-export-", dir=work)
    os.chdir(workdir)
    tempfile.tempdir = workdir
    os.environ.update(HOME=workdir, TMPDIR=workdir)
    return workdir


def kill_user(uid: int) -> None:
    """SIGKILL every process of user `uid` (a forked process becomes that user and signals them all)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)  # every process this user may signal (its own), but not the sender
            code = 0
        except ProcessLookupError:
            code = 0  # there was none
        finally:
            os._exit(code)
    os.waitpid(pid, 0)


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

    def stop(self, grace: float = 0.0) -> int | None:
        """Kill the child and everything it started, wait for it, and return its exit status.
        grace: seconds it may take to end by itself first (it is ending: the status it ends with says why)."""
        if grace and self.proc.returncode is None:
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.returncode is None:
            for pid in self._inside() if self.namespaced else []:
                _kill(lambda: os.kill(pid, signal.SIGKILL))
            if not self.namespaced:
                kill_tree(self.proc.pid)  # its whole tree, also what left its process group
                kill_group(self.proc)
            try:
                self.proc.wait(timeout=10)  # unshare reaps PID 1, whose exit emptied the namespace
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        kill_group(self.proc)  # stragglers of the group (no namespaces)
        with _LOCK:
            _LIVE.discard(self)
        sweep_orphans()  # what left the tree before (its parent died): the subreaper has it
        return self.proc.returncode


def _kill(action) -> None:
    try:
        action()
    except (ProcessLookupError, PermissionError):
        pass


def kill_group(proc: subprocess.Popen) -> None:
    """Kill the process group `proc` leads (it was started in a session of its own). Windows has no
    process groups to signal: there, taskkill ends the tree below it, and then it."""
    if hasattr(os, "killpg"):
        _kill(lambda: os.killpg(proc.pid, signal.SIGKILL))
        return
    if shutil.which("taskkill"):
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    _kill(proc.kill)


# ---- what children leave behind without namespaces ----------------------------------------------

PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER = 36, 37
_OWNER = {"active": False}  # inside cleanup_on_exit() entered on the main thread: tito is the command
_REAPER = {"on": False}      # tito made itself a child subreaper (and undoes it when the command ends)
SWEEP_SECONDS = 5.0          # at most this long freezing and killing one tree or one set of orphans


def _prctl(option: int, *args) -> int | None:
    """prctl(2) through ctypes; None where there is none (not Linux, no libc)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(ctypes.c_int(option), *args)
    except (OSError, AttributeError, TypeError):
        return None


def _subreaper_supported() -> bool:
    import ctypes
    flag = ctypes.c_int(0)
    return _prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), ctypes.c_ulong(0), ctypes.c_ulong(0),
                  ctypes.c_ulong(0)) == 0


def _set_subreaper(on: bool) -> bool:
    import ctypes
    return _prctl(PR_SET_CHILD_SUBREAPER, ctypes.c_ulong(int(on)), ctypes.c_ulong(0), ctypes.c_ulong(0),
                  ctypes.c_ulong(0)) == 0


def _process_table() -> dict[int, tuple[int, int, str]] | None:
    """{pid: (parent pid, session id or -1, state letter)} of every process we can see; None if unknown."""
    table = {}
    if sys.platform.startswith("linux"):
        try:
            entries = os.listdir("/proc")
        except OSError:
            return None
        for entry in entries:
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
                table[int(entry)] = (int(fields[1]), int(fields[3]), fields[0].decode())
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
        return table
    try:
        listed = subprocess.run(["ps", "-A", "-o", "pid=,ppid=,stat="], stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in listed.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].isdigit() and parts[1].isdigit():
            table[int(parts[0])] = (int(parts[1]), -1, parts[2][:1])
    return table or None


def _below(table: dict, roots) -> set[int]:
    """`roots` (those in the table) and every process below them."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [pid for pid in roots if pid in table]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo += children.get(pid, [])
    return found


def _freeze_and_kill(scan) -> set[int]:
    """SIGSTOP the processes `scan()` selects (it returns the process table and the selection, or
    None) until a scan finds nothing new and all of them stopped (a stopped process cannot fork),
    then SIGKILL all of them; return the pids killed."""
    if not hasattr(signal, "SIGSTOP"):  # Windows: nothing to freeze with (kill_group's taskkill does what it can)
        return set()
    stopped: set[int] = set()
    deadline = time.monotonic() + SWEEP_SECONDS
    while time.monotonic() < deadline:
        scanned = scan()
        if scanned is None:
            break
        table, selected = scanned
        alive = {pid for pid in selected if table[pid][2] not in ("Z", "X")}
        new = alive - stopped
        for pid in new:
            _kill(lambda: os.kill(pid, signal.SIGSTOP))
        stopped |= new
        if not new and all(table[pid][2] in ("T", "t") for pid in alive):
            break
        if not new:
            time.sleep(0.002)  # let the stops land
    for pid in stopped:
        _kill(lambda: os.kill(pid, signal.SIGKILL))
    return stopped


def kill_tree(pid: int) -> None:
    """Freeze and kill every process below `pid` (a child of ours, not yet waited for), `pid` included."""
    def scan():
        table = _process_table()
        return None if table is None else (table, _below(table, [pid]))
    _freeze_and_kill(scan)


def _orphans() -> tuple[dict, set[int]] | None:
    """Children of tito outside tito's session that no group knows (their parent died and the
    subreaper got them), and everything below them. Read under _LOCK: a child being spawned is
    in _LIVE before another thread can see it here."""
    me, session = os.getpid(), os.getsid(0)
    with _LOCK:
        live = {child.proc.pid for child in _LIVE}
        table = _process_table()
    if table is None:
        return None
    roots = [pid for pid, (ppid, sid, _) in table.items() if ppid == me and sid != session and pid not in live]
    return table, _below(table, roots)


def sweep_orphans() -> None:
    """With the subreaper on: kill and reap every orphan tito inherited, until none is left."""
    if not _REAPER["on"]:
        return
    deadline = time.monotonic() + SWEEP_SECONDS
    while time.monotonic() < deadline:
        _freeze_and_kill(_orphans)
        found = _orphans()
        if found is None:
            return
        table, orphans = found
        if not orphans:
            return
        # Reap these only: waitpid(-1) could take a live child's exit status from its Popen.
        for pid in [pid for pid in orphans if table[pid][0] == os.getpid()]:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        time.sleep(0.002)


def _become_subreaper() -> None:
    """Called before spawning a child without namespaces: on Linux, when tito is the command, make it
    the child subreaper of everything below it."""
    if not _REAPER["on"] and _OWNER["active"] and sys.platform.startswith("linux"):
        _REAPER["on"] = _set_subreaper(True)


class Group:
    """Children that live no longer than a `with` block."""

    def __init__(self):
        self.children: list[Child] = []
        self.closed = False
        self.lock = threading.Lock()

    def spawn(self, argv: list[str], *, cwd, env: dict, stdin=None, stdout=None, stderr=None,
              namespaces: bool = True, trusted: bool = False) -> Child:
        """trusted: only tito's own code runs in it (a Zygote), so nothing of it can leave its tree."""
        prefix = isolation().prefix if namespaces else ()
        with _LOCK, self.lock:
            if not prefix and not trusted:
                _become_subreaper()
            if _CLOSING.is_set() or self.closed:
                raise Interrupted()
            proc = subprocess.Popen([*prefix, *argv], cwd=cwd, env=env,
                                    stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                    stdout=stdout if stdout is not None else subprocess.DEVNULL,
                                    stderr=stderr if stderr is not None else subprocess.DEVNULL,
                                    start_new_session=True)
            child = Child(proc, bool(prefix))
            _LIVE.add(child)
            self.children.append(child)
        return child

    def close(self) -> None:
        with self.lock:
            self.closed = True
            children = list(self.children)
        for child in reversed(children):  # the last started first: a zygote after the children it forked
            child.stop()
        sweep_orphans()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


ZYGOTE_ENV = "TITO_NO_ZYGOTE"  # set to 1 to start every graded cell's child afresh (tests compare both)


class _ForkedProc:
    """What Child needs of a Popen, for a child a Zygote forked: tito is not its parent, so its exit
    status comes through a pipe that only it holds the write end of (EOF alone: it was killed)."""

    def __init__(self, pid: int, status_read: int):
        self.pid, self._status, self.returncode = pid, status_read, None
        self._reading = threading.Lock()  # a grading's thread and kill_all (a signal) may wait at once

    def wait(self, timeout=None):
        if self.returncode is not None:
            return self.returncode
        if not self._reading.acquire(timeout=-1 if timeout is None else timeout):
            raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout)
        try:
            if self.returncode is None:
                if not _readable(self._status, timeout):
                    raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout)
                text = b""
                while True:
                    chunk = os.read(self._status, 64)
                    if not chunk:
                        break
                    text += chunk
                os.close(self._status)
                try:
                    self.returncode = int(text)
                except ValueError:
                    self.returncode = -signal.SIGKILL  # ended before it could say: killed
        finally:
            self._reading.release()
        return self.returncode

    def kill(self):
        _kill(lambda: os.kill(self.pid, signal.SIGKILL))


def _readable(fd: int, timeout) -> bool:
    return bool(select.select([fd], [], [], timeout)[0])


class Zygote:
    """A warm process (zygote.py, started once per grading) that forks each graded cell's child in new
    namespaces, as `unshare` would start it, without starting Python and importing numpy again."""

    def __init__(self, group: Group, script, env: dict):
        self.group, self.lock = group, threading.Lock()
        self.socket, theirs = socket.socketpair()
        try:
            self.child = group.spawn([sys.executable, "-I", "-B", str(script)], cwd=os.path.dirname(script),
                                     env=env, stdin=theirs.fileno(), namespaces=False, trusted=True)
        finally:
            theirs.close()

    @staticmethod
    def usable() -> bool:
        """Forking needs root's namespaces (not an unprivileged user namespace) and a way to pass pipes."""
        iso = isolation()
        return iso.namespaces and iso.own_uid and os.environ.get(ZYGOTE_ENV) != "1" and hasattr(os, "fork")

    def spawn(self, *, cwd, env: dict, stdin: int, stdout: int, stderr: int) -> Child | None:
        """The child, forked in new namespaces with these as its stdin, stdout and stderr; None when the
        zygote is gone (the caller then starts the child afresh)."""
        status_read, status_write = os.pipe()
        try:
            with _LOCK, self.group.lock:
                if _CLOSING.is_set() or self.group.closed:
                    raise Interrupted()
                with self.lock:
                    try:
                        socket.send_fds(self.socket, [json.dumps({"cwd": str(cwd), "env": env}).encode()],
                                        [stdin, stdout, stderr, status_write])
                        reply = self.socket.recv(64)
                    except OSError:
                        reply = b""
                if not reply.isdigit():
                    return None
                child = Child(_ForkedProc(int(reply), status_read), True)
                status_read = None
                _LIVE.add(child)
                self.group.children.append(child)
        finally:
            os.close(status_write)
            if status_read is not None:
                os.close(status_read)
        return child

    def close(self) -> None:
        self.socket.close()


def kill_all() -> None:
    """Stop every child tito started (from any thread) and refuse new ones."""
    _CLOSING.set()
    with _LOCK:
        children = list(_LIVE)
    for child in children:
        child.stop()
    sweep_orphans()


@contextlib.contextmanager
def cleanup_on_exit():
    """Around the command line: SIGTERM/SIGHUP raise Terminated; on the way out every child dies."""
    def terminate(signum, frame):
        raise Terminated(signum)

    main = threading.current_thread() is threading.main_thread()
    signals = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]  # no SIGHUP on Windows
    previous = {sig: signal.signal(sig, terminate) for sig in signals} if main else {}
    _OWNER["active"] = main  # tito is the command: it may become a subreaper
    try:
        yield
    finally:
        kill_all()  # ... and every orphan
        _OWNER["active"] = False
        if _REAPER["on"]:  # a caller in the same process (tests) is no subreaper afterwards
            _REAPER["on"] = not _set_subreaper(False)
        _CLOSING.clear()  # the run is over; a caller in the same process (tests) may start another
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def grading_scratch():
    """A new scratch folder for a grading (scratch.py: private, named for this process, and made
    after removing the folders of gradings whose process is gone, killed ones included)."""
    from . import scratch
    return scratch.new_folder()


def child_env(package_parent=None) -> dict:
    """The environment of `tito test`'s children: the user's, with the package under test first."""
    env = dict(os.environ)
    if package_parent is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(package_parent), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave no bytecode behind in the package under test
    # tito reads what they print as UTF-8 (the import check's traceback: its file names and the student's
    # message); on Windows their stdout and stderr, files, would otherwise be the code page's (cp1252).
    env["PYTHONIOENCODING"] = "utf-8"
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

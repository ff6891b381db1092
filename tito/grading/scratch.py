"""The grading's scratch folder: private, named for the process that owns it, and removed by the
next grading when its owner died without removing it (SIGKILL, a crash, a power cut).

    tito-grade-<pid>-<start>-<pidns>-<random>   in tempfile.gettempdir()

<pid> is the owning tito's process id; on Linux <start> is that process's start time (field 22 of
/proc/<pid>/stat, clock ticks since boot) and <pidns> the inode of its PID namespace, which
together tell a live owner from a reused pid. Elsewhere both are 0 and only the pid is checked
(a reused pid keeps a stale folder until the pid is free again; on Windows through OpenProcess). The folder itself is made by
`mkdtemp`: mode 0700, an unguessable suffix, created atomically.

A folder is removed only when its name parses, it is a real directory (never a symbolic link),
it belongs to the current user, it was made in this PID namespace (another container sharing
the temporary folder has its own pids: its folders are not ours to judge) and its owner is gone.
The removal never follows symbolic links inside (shutil.rmtree, which on Linux works through
file descriptors); what it cannot remove (a folder the student's code made read-only, as a user
other than root) stays until a later run can.
"""
from __future__ import annotations

import ctypes
import os
import re
import shutil
import stat
import sys
import tempfile
from pathlib import Path

PREFIX = "tito-grade-"
NAME = re.compile(r"tito-grade-(\d+)-(\d+)-(\d+)-[a-z0-9_]+\Z")
LINUX = sys.platform.startswith("linux")
PROCESS_QUERY_LIMITED_INFORMATION, ERROR_INVALID_PARAMETER, STILL_ACTIVE = 0x1000, 87, 259  # Windows API values


def _start_time(pid: int) -> int | None:
    """Linux: the process's start time (clock ticks since boot); None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return int(fields[19])  # field 22 of stat(5); fields[0] is field 3 (state)
    except (OSError, IndexError, ValueError):
        return None


def _pid_namespace() -> int:
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return 0


def owner_tag(pid: int) -> str:
    """`<pid>-<start>-<pidns>` for a live process (what a folder's name records of its owner)."""
    if not LINUX:
        return f"{pid}-0-0"
    return f"{pid}-{_start_time(pid) or 0}-{_pid_namespace()}"


def owner_alive(name: str) -> bool:
    """False only when the folder named `name` certainly belongs to a process that is gone."""
    match = NAME.match(name)
    if not match:
        return True
    pid, start, pidns = (int(group) for group in match.groups())
    if LINUX:
        if pidns != _pid_namespace():
            return True  # made in another PID namespace: its pid means nothing here
        now = _start_time(pid)
        return now is not None and now == start
    if os.name != "posix":
        return _windows_alive(pid)
    try:
        os.kill(pid, 0)  # (on Windows this would end the process: there, _windows_alive)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists (another user's)
    return True


def _windows_alive(pid: int) -> bool:
    """Windows: False only when OpenProcess says there is no process `pid`."""
    try:
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    except (AttributeError, OSError):
        return True
    handle = kernel32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        return ctypes.get_last_error() != ERROR_INVALID_PARAMETER  # the error for "no such process"
    code = ctypes.c_ulong()
    try:
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return not ok or code.value == STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def remove_stale(folder: str | None = None) -> list[Path]:
    """Remove the scratch folders in `folder` (the temporary folder) whose owner is gone; return them."""
    folder = folder or tempfile.gettempdir()
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not NAME.match(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()  # (Windows: no owner in st_uid)
        if not stat.S_ISDIR(info.st_mode) or not mine or owner_alive(entry.name):
            continue
        path = Path(entry.path)
        shutil.rmtree(path, ignore_errors=True)  # fd-based on Linux: never follows a symbolic link inside
        if not os.path.lexists(path):
            removed.append(path)
    return removed


def new_folder(folder: str | None = None) -> Path:
    """A fresh scratch folder for this process's grading, after removing the stale ones."""
    folder = folder or tempfile.gettempdir()
    remove_stale(folder)
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{owner_tag(os.getpid())}-", dir=folder))

"""Make this Linux interpreter look like Windows to tito: run with exec() before tito is imported.

    exec(open(PATH).read(), {"__file__": PATH})        # PATH: this file's path

What Windows lacks is removed (fork, process groups, readv, user ids, wait, the POSIX-only
signals, `resource`, `fcntl`, `pwd`, the C library through ctypes); what Windows does
differently is imitated (select() takes sockets only, Popen refuses pass_fds and preexec_fn,
Popen.kill is Popen.terminate); namespaces are off, as they are there. The student's process
(tito_child.py) is started the same way, and there `sys.platform` says "win32" too.
What is not imitated: Windows paths, file locking, text-mode line endings, and the real
TerminateProcess/taskkill and PeekNamedPipe calls; tito's code for those lines is not run here.
"""
if __name__ == "without_posix":
    raise ImportError("without_posix breaks the interpreter it runs in: exec() it in a fresh one (see its docstring)")

import ctypes
import os
import select
import signal
import subprocess
import sys

THIS = __file__

for _name in ("fork", "forkpty", "killpg", "getpgid", "setsid", "getsid", "readv", "writev", "getuid", "geteuid",
              "getgid", "wait", "wait3", "wait4", "WIFSIGNALED", "WTERMSIG", "WEXITSTATUS", "sched_getaffinity"):
    if hasattr(os, _name):
        delattr(os, _name)
for _name in ("SIGKILL", "SIGHUP", "SIGXCPU", "SIGXFSZ", "SIGSTOP", "SIGCONT", "SIGPIPE", "SIGALRM", "SIGQUIT",
              "SIGUSR1", "SIGUSR2"):
    if hasattr(signal, _name):
        delattr(signal, _name)
for _name in ("resource", "fcntl", "pwd", "grp", "termios"):
    sys.modules[_name] = None  # `import resource` raises ImportError

_select = select.select


def _sockets_only(rlist, wlist, xlist, *timeout):
    for item in (*rlist, *wlist, *xlist):
        if not hasattr(item, "getsockopt"):
            raise OSError(10038, "An operation was attempted on something that is not a socket")
    return _select(rlist, wlist, xlist, *timeout)


select.select = _sockets_only


class _NoCLibrary:
    def __init__(self, name, *args, **kwargs):
        if name is None:
            raise TypeError("expected str, bytes or os.PathLike object, not NoneType")
        raise OSError(f"could not find module {name!r}")


ctypes.CDLL = _NoCLibrary

_popen_init = subprocess.Popen.__init__


def _windows_popen(self, args, *rest, pass_fds=(), preexec_fn=None, **kwargs):
    if pass_fds:
        raise ValueError("pass_fds is not supported on Windows")
    if preexec_fn is not None:
        raise ValueError("preexec_fn is not supported on Windows platforms")
    if isinstance(args, (list, tuple)) and args and str(args[-1]).endswith("tito_child.py"):
        child = str(args[-1])  # the student's process: on "Windows" too
        args = [*args[:-1], "-c", f"exec(open({THIS!r}).read(), {{'__file__': {THIS!r}}}); import numpy, runpy, sys; "
                                  f"sys.platform = 'win32'; sys.argv = [{child!r}]; runpy.run_path({child!r}, run_name='__main__')"]
    _popen_init(self, args, *rest, **kwargs)


subprocess.Popen.__init__ = _windows_popen
subprocess.Popen.kill = subprocess.Popen.terminate  # as on Windows: both are TerminateProcess
os.environ["TITO_NO_NAMESPACES"] = "1"

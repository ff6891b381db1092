"""Children of one grading forked from a warm process instead of started afresh.

    python -I tito_zygote.py        (stdin: a Unix socket to the judge; processes.Zygote)

Copied next to tito_child.py (see judge.py). A fresh child spends most of its ~0.15 s starting
Python and importing numpy (numpy.random above all, which tinytorch imports), for every graded
cell. This process does that once: it imports tito_child (and so numpy) and numpy.random, then
forks a child per request, which does what
`unshare --pid --fork --kill-child --mount-proc --mount --net` does before tito_child's main:

  * the first fork (the "intermediate", unshare's part) starts a session of its own, moves to new
    PID, mount and network namespaces, forks PID 1, waits for it, writes its exit status (as
    Popen's returncode: negative for a signal) to the status pipe, and exits;
  * PID 1 dies with the intermediate (PR_SET_PDEATHSIG), mounts this namespace's /proc, starts a
    session of its own (its kill(0, ...) reaches only the namespace), takes the request's pipes as
    stdin, stdout and stderr, and runs tito_child.main as a started child would.

Only the judge's own code ever runs here; the student's code runs in PID 1's server, after
tito_child's new root and user change, as in a started child. Every file descriptor but the
request's is closed before tito_child runs, the socket to the judge first. Linux as root only:
elsewhere (and for an unprivileged user namespace) the judge starts each child afresh.

Each request: one message with a JSON header {"cwd", "env"} and four descriptors (requests,
replies, stderr, status); the reply: the intermediate's process id, as text.
"""
import json
import os
import signal
import socket
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tito_child as child  # noqa: E402  (numpy with it: what every child would import again)
import numpy.random  # noqa: E402  (imported by tinytorch, not by `import numpy`: 25 of a child's ~30 ms of import)

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18
PR_SET_PDEATHSIG = 1
FDS = 4  # requests, replies, stderr, status


def _keep_only(fds: list[int]) -> list[int]:
    """Move `fds` above every descriptor open now, close every other one above 2; their new numbers."""
    moved = [os.dup(fd) for fd in fds]
    low = max(moved) + 1
    placed = []
    for index, fd in enumerate(moved):
        os.dup2(fd, low + index)
        placed.append(low + index)
    os.closerange(3, low)
    os.closerange(low + len(placed), os.sysconf("SC_OPEN_MAX"))
    return placed


def _pid_one(requests: int, replies: int, stderr: int, cwd: str, env: dict) -> None:
    """PID 1 of the new namespaces: what unshare's child would be, running tito_child's main."""
    libc = child._libc
    child._check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")
    child._mount("none", "/proc", None, MS_PRIVATE | MS_REC)
    child._mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV)
    os.setsid()
    for target, fd in ((0, requests), (1, replies), (2, stderr)):
        os.dup2(fd, target)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    # As a started child would: numpy's random numbers of its own, not the zygote's (seeded once, when it
    # imported numpy.random). Python's `random` reseeds itself in a forked child.
    numpy.random.seed()
    sys.argv[:] = [os.path.join(cwd, "tito_child.py")]
    child.main()


def _intermediate(fds: list[int], cwd: str, env: dict) -> None:
    requests, replies, stderr, status = _keep_only(fds)
    os.dup2(stderr, 2)  # what goes wrong here ends in the item's stderr file, which the judge quotes
    try:
        os.setsid()
        child._check(child._libc.unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET), "unshare")
        child._mount("none", "/", None, MS_REC | MS_PRIVATE)
        pid = os.fork()
    except BaseException:
        traceback.print_exc()
        os.write(status, b"1")
        return
    if pid == 0:
        try:
            os.close(status)
            _pid_one(requests, replies, stderr, cwd, env)
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(1)
    for fd in (requests, replies, stderr, 2):
        os.close(fd)
    while True:
        try:
            done, code = os.waitpid(pid, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            code, done = 0, pid
        if done == pid:
            break
    returncode = -os.WTERMSIG(code) if os.WIFSIGNALED(code) else os.WEXITSTATUS(code)
    os.write(status, str(returncode).encode())


def serve(judge: socket.socket) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the intermediates: no zombies here
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the judge decides when this ends (it closes the socket)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(judge, 65536, FDS)
        except OSError:
            return
        if not message:
            return
        if len(fds) != FDS:
            for fd in fds:
                os.close(fd)
            return
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:
            try:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                judge.detach()
                _intermediate(fds, request["cwd"], request["env"])
            finally:
                os._exit(0)
        for fd in fds:
            os.close(fd)
        judge.sendall(str(pid).encode())


def main() -> None:
    judge = socket.socket(fileno=os.dup(0))
    nowhere = os.open(os.devnull, os.O_RDWR)
    os.dup2(nowhere, 0)
    os.dup2(nowhere, 1)
    os.close(nowhere)
    serve(judge)


if __name__ == "__main__":
    main()

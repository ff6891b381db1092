"""The untrusted side of grading: holds the student's module and answers the judge's requests.

    python -I tito_child.py        (stdin: the judge's requests, stdout: the replies)

Copied, with tito_wire.py, next to the student's package copy (see judge.py); it needs nothing
else from tito and nothing from the instructor's repository. It first moves the two pipes off
stdin and stdout (which then read and write nothing), so that nothing printed can reach the
judge as a reply. The first request is the setup. This process (the supervisor; PID 1 when the judge started it under `unshare --pid`)
sets up the private mounts, then forks the server. The server drops to the grading's own user
id, sets its limits, imports the student's module, reports its names, and then answers requests
(call, getattr, setattr, operators...) until the judge closes the channel. The supervisor only
waits: when the server ends, it exits with the server's status (128 + signal number when a
signal ended it), and in a PID namespace every process the student started dies with it.

Nothing here is trusted by the judge: a student's code can change any of it at run time. It
exists so that an honest module can be reached from the judge, not to enforce anything.
"""
import builtins
import ctypes
import importlib
import operator
import os
import signal
import sys
import traceback

try:
    import resource  # not on Windows: no limits set here there (the judge's time limits still hold)
except ImportError:
    resource = None

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402  (after the path: numpy from the interpreter's site-packages)
try:
    import tito_wire as wire  # noqa: E402  (the copy beside this one, as the judge starts it)
except ImportError:  # imported as tito.grading.child, by nbgrader's kernel launcher (tito/nbgrader_kernel.py)
    from . import wire

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC = 1, 2, 4, 8, 32, 4096, 16384
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, CLONE_NEWUSER = 1, 38, 0x10000000
LIMITS = {"memory": "RLIMIT_AS", "processes": "RLIMIT_NPROC", "file_size": "RLIMIT_FSIZE", "cpu": "RLIMIT_CPU"}
try:
    _libc = ctypes.CDLL(None, use_errno=True)  # the C library of this process (not on Windows)
except (TypeError, OSError):
    _libc = None
LINUX = sys.platform.startswith("linux")


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = lambda s: None if s is None else s.encode()
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


MNT_DETACH = 2
# pivot_root has no libc wrapper: its system call number, per architecture.
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "arm64": 41, "riscv64": 41, "i686": 217, "i386": 217,
              "armv7l": 218, "ppc64le": 203, "s390x": 217}


def _inside_root(root: str, path: str) -> str:
    return os.path.join(root, path.lstrip("/"))


def _bind_read_only(source: str, target: str) -> None:
    _mount(source, target, None, MS_BIND | MS_REC)
    _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _mount_point(target: str, is_dir: bool) -> None:
    if is_dir:
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if not os.path.exists(target):
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o644))


def _tmpfs(target: str, options: str) -> None:
    os.makedirs(target, mode=0o755, exist_ok=True)
    _mount("tito-tmp", target, "tmpfs", MS_NOSUID | MS_NODEV, options)


def _pivot_root(new_root: str) -> None:
    """Make `new_root` the root of this mount namespace and detach the old one entirely."""
    os.chdir(new_root)
    number = PIVOT_ROOT.get(os.uname().machine)
    if number is None:
        raise OSError(f"tito does not know pivot_root's system call number on {os.uname().machine}")
    _check(_libc.syscall(ctypes.c_long(number), b".", b"."), "pivot_root")  # the old root now sits under the new
    _check(_libc.umount2(b".", MNT_DETACH), "umount the old root")
    os.chdir("/")


def new_root(setup: dict, prepare=None) -> None:
    """The child's whole file system, built from an allow-list (judge.allowed_paths): an empty tmpfs
    holding the standard library, numpy and the shared libraries they load, read-only at their own
    paths; the package copy read-only at setup["lib"] (none when it is None); an empty private /tmp
    and /dev/shm; /proc of this PID namespace; /dev/null, /dev/zero, /dev/urandom. `prepare(root)`, when
    given, adds to it last (nbgrader's kernel: its sockets, copies). Then pivot_root: nothing else of the
    grader's machine (the repository, site-packages, other submissions, tito) exists for the child."""
    root = setup["root"]
    _mount("tito-root", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    _tmpfs(_inside_root(root, "/tmp"), f"size={setup['tmp_mb']}m,mode=1777")
    _tmpfs(_inside_root(root, "/dev/shm"), f"size={setup['tmp_mb']}m,mode=1777")
    for device in ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"):
        if os.path.exists(device):
            target = _inside_root(root, device)
            _mount_point(target, False)
            _mount(device, target, None, MS_BIND)
    _mount_point(_inside_root(root, "/proc"), True)
    _mount("/proc", _inside_root(root, "/proc"), None, MS_BIND | MS_REC)
    empty = MS_NOSUID | MS_NODEV | MS_NOEXEC
    emptied = []  # read-only once everything is in place: nbgrader's kernel shows packages inside one
    for kind, path in setup["allow"]:
        target = _inside_root(root, path)
        if kind == "empty":
            if os.path.isdir(target):
                _mount("tito-empty", target, "tmpfs", empty, "size=4k,mode=755")
                emptied.append(target)
            continue
        if not os.path.exists(path):
            continue
        _mount_point(target, kind == "dir")
        _bind_read_only(path, target)
    if setup["lib"] is not None:
        lib = _inside_root(root, setup["lib"])
        _mount_point(lib, True)
        _bind_read_only(setup["lib_real"], lib)
    if prepare is not None:
        prepare(root)
    for target in emptied:
        _mount(None, target, None, MS_REMOUNT | MS_RDONLY | empty, "size=4k,mode=755")
    _mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    _pivot_root(root)


def become_student(setup: dict) -> None:
    """Drop to the grading's own user, then limits that the student's code cannot raise again."""
    os.makedirs(setup["workdir"], mode=0o700, exist_ok=True)
    if setup.get("uid") is not None:
        os.chown(setup["workdir"], setup["uid"], setup["uid"])
        os.setgroups([])
        os.setgid(setup["uid"])
        os.setuid(setup["uid"])
    elif setup.get("userns"):  # not root: a nested user namespace locks the mounts made above
        _check(_libc.unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
    if LINUX:  # prctl is Linux's: macOS and Windows have neither option (their trust model says so)
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # dies with the supervisor
    os.chdir(setup["workdir"])
    if resource is not None:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        for name, value in setup["limits"].items():
            limit = getattr(resource, LIMITS[name], None)  # macOS has no RLIMIT_AS: that limit is off there
            if value is not None and limit is not None:
                hard = value + 1 if name == "cpu" else value  # SIGXCPU first, SIGKILL a second later
                try:
                    resource.setrlimit(limit, (value, hard))
                except (ValueError, OSError):
                    if LINUX:
                        raise
                    # macOS refuses some (RLIMIT_AS below the current size): that limit is off there
    sys.path[:] = [setup["lib"], *sys.path]
    sys.argv[:] = ["tito-child"]
    # Every module imported from now on (the package copy above all) is compiled from its source: a
    # compiled file beside it (__pycache__/*.pyc, which an unchecked hash-based .pyc makes Python load
    # whatever the source says) is never read. No folder can exist below /dev/null (H40).
    sys.pycache_prefix = os.path.join(os.devnull, "tito-no-compiled-files")


def describe(error: BaseException) -> dict:
    """An exception as data: its type, its first builtin ancestor, message and innermost frame."""
    try:
        message = str(error)
    except BaseException:
        message = "(its message could not be shown)"
    where = wire.raised_where(error)
    try:
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))[-3000:]
    except BaseException:
        text = ""
    return {"type": type(error).__name__, "builtin": wire.first_builtin(type(error)), "msg": message[:2000],
            "where": where, "tb": text}


class Callback:
    """A judge-side callable the test passed in: calling it asks the judge to run it."""

    def __init__(self, server, cid):
        self._server, self._cid = server, cid

    def __call__(self, *args, **kwargs):
        return self._server.callback(self._cid, args, kwargs)

    def __repr__(self):
        return f"<function of the test cell #{self._cid}>"


def _array(obj, dtype=None):
    return np.asarray(obj, dtype=dtype)


OPS = {name: getattr(operator, name) for name in (
    "add sub mul matmul truediv floordiv mod pow lshift rshift and_ or_ xor "
    "iadd isub imul imatmul itruediv ifloordiv imod ipow ilshift irshift iand ior ixor "
    "neg pos abs invert lt le eq ne gt ge getitem setitem delitem contains index").split()}
OPS.update(len=len, iter=iter, next=next, bool=bool, repr=repr, str=str, hash=hash, float=float, int=int,
           complex=complex, round=round, divmod=divmod, isinstance=isinstance, issubclass=issubclass, dir=dir,
           format=format, array=_array, reversed=reversed, import_module=importlib.import_module,
           enter=lambda obj: obj.__enter__(), exit=lambda obj: obj.__exit__(None, None, None))


class Server:
    def __init__(self, requests: int, replies: int):
        self.requests, self.replies = requests, replies
        self.objects, self.ids, self.callbacks = {}, {}, {}

    # -- values
    def handle(self, obj) -> dict:
        if isinstance(obj, Callback) and obj._server is self:
            return {"$": "f", "id": obj._cid}
        key = id(obj)
        if key not in self.ids:
            self.ids[key] = len(self.objects) + 1
            self.objects[self.ids[key]] = obj  # held until the end: the id stays valid
        tag = "m" if type(obj) is type(os) else "r"
        named = tag == "m" or isinstance(obj, type) or callable(obj) and hasattr(obj, "__code__")
        name = getattr(obj, "__name__", None) if named else None
        found = {"$": tag, "id": self.ids[key], "name": name if isinstance(name, str) else None,
                 "ty": type(obj).__name__}
        if getattr(type(obj), "__array_ufunc__", False) is None:
            found["nu"] = True  # numpy must hand `array OP obj` to obj's reflected operator (as in-process)
        return found

    def resolve(self, tag: dict):
        if tag["$"] == "f":
            cid = tag.get("id")
            if cid not in self.callbacks:
                self.callbacks[cid] = Callback(self, cid)
            return self.callbacks[cid]
        return self.objects[tag["id"]]

    def send(self, header: dict, values: dict) -> None:
        buffers = []
        encoded = {key: wire.encode(value, buffers, self.handle) for key, value in values.items()}
        wire.write_message(self.replies, {**header, **encoded}, buffers)

    def decode_args(self, header: dict, buffers: list):
        args = wire.decode(header.get("args", {"$": "l", "v": []}), buffers, self.resolve)
        kwargs = wire.decode(header.get("kwargs", {"$": "d", "k": [], "v": []}), buffers, self.resolve)
        return args, kwargs

    # -- requests
    def answer(self, header: dict, buffers: list) -> None:
        try:
            args, kwargs = self.decode_args(header, buffers)
            errstate = header.get("np_err")
            with np.errstate(**errstate) if errstate else _nothing():
                result = self.run(header, args, kwargs)
            self.send({}, {"ok": result})
        except BaseException as error:  # everything goes back to the judge, even SystemExit
            wire.write_message(self.replies, {"err": describe(error)}, [])

    def run(self, header: dict, args: list, kwargs: dict):
        op = header.get("op")
        if op == "op":
            return OPS[header["name"]](*args, **kwargs)
        target = self.objects[header["id"]]
        if op == "call":
            return target(*args, **kwargs)
        if op == "getattr":
            return getattr(target, header["name"])
        if op == "setattr":
            return setattr(target, header["name"], args[0])
        if op == "delattr":
            return delattr(target, header["name"])
        raise ValueError(f"unknown request {op!r}")

    def serve(self, until_reply: bool = False):
        while True:
            header, buffers = wire.read_message(self.requests)
            if "op" in header:
                self.answer(header, buffers)
            elif until_reply and ("ok" in header or "err" in header):
                return header, buffers
            else:
                raise wire.ProtocolError(f"unexpected message {sorted(header)}")

    def callback(self, cid, args, kwargs):
        self.send({"cb": cid}, {"args": list(args), "kwargs": kwargs})
        header, buffers = self.serve(until_reply=True)
        if "ok" in header:
            return wire.decode(header["ok"], buffers, self.resolve)
        err = header["err"]
        kind = getattr(builtins, str(err.get("builtin", "")), None)
        kind = kind if isinstance(kind, type) and issubclass(kind, Exception) else RuntimeError
        raise kind(f"{err.get('type')}: {err.get('msg')}")


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def run_cell_here(module, source: str, helpers: str, tests: list, label: str) -> dict:
    """`tito test`'s ungraded checks: the cell runs here, in a copy of the student's module namespace
    (such a check may compare identities or subclass the module's classes, which cannot cross to the
    judge). The student tests their own work, so nothing is defended: its errors go back as data,
    {"before": error} when the cell failed before its tests ran, else {"tests": [{name, error}]}."""
    namespace = dict(vars(module))
    namespace["__name__"] = "__tito_grader__"  # the cell's `if __name__ == "__main__":` block stays quiet
    before = {key: value for key, value in namespace.items() if key.startswith("test_unit_")}
    try:
        if helpers:  # the `#| check_helpers` cells before this one
            exec(compile(helpers, f"{label} (check helpers)", "exec"), namespace)
        exec(compile(source, label, "exec"), namespace)
    except BaseException as error:
        return {"before": describe(error)}
    results = []
    for name in tests:  # a name the cell did not (re)define is the module's own, not a test
        if callable(namespace.get(name)) and before.get(name) is not namespace[name]:
            try:
                namespace[name]()
                results.append({"name": name, "error": None})
            except BaseException as error:  # SystemExit and KeyboardInterrupt too: only this test fails
                results.append({"name": name, "error": describe(error)})
    return {"tests": results}


def server_main(setup: dict, requests: int, replies: int) -> None:
    server = Server(requests, replies)
    try:
        become_student(setup)
        module = importlib.import_module(setup["module"])
    except BaseException as error:
        wire.write_message(replies, {"ready": False, "err": describe(error)}, [])
        return
    OPS["run_cell"] = lambda *job: run_cell_here(module, *job)
    names = {name: value for name, value in vars(module).items() if not (name.startswith("__") and name.endswith("__"))}
    server.send({"ready": True}, {"names": names})
    server.serve()


def take_pipes() -> tuple[int, int]:
    """The judge's pipes, moved off stdin and stdout; stdin and stdout then lead nowhere."""
    requests, replies = os.dup(0), os.dup(1)
    nowhere = os.open(os.devnull, os.O_RDWR)
    os.dup2(nowhere, 0)
    os.dup2(nowhere, 1)
    os.close(nowhere)
    return requests, replies


def main() -> None:
    requests, replies = take_pipes()
    header, _ = wire.read_message(requests)
    setup = header["setup"]
    if setup.get("mounts"):
        new_root(setup)
    if not hasattr(os, "fork"):  # Windows: no supervisor, the server is this process
        server_main(setup, requests, replies)
        return
    pid = os.fork()
    if pid == 0:
        try:
            server_main(setup, requests, replies)
        except BaseException:
            pass
        finally:
            os._exit(0)
    os.close(requests)
    os.close(replies)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the judge decides when this ends
    while True:
        try:
            done, status = os.wait()
        except ChildProcessError:
            os._exit(0)
        if done == pid:
            os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()

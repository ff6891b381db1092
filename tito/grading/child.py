"""The untrusted side of grading: holds the student's module and answers the judge's requests.

    python -I tito_child.py REQUEST_FD REPLY_FD

Copied, with tito_wire.py, next to the student's package copy (see judge.py); it needs nothing
else from tito and nothing from the instructor's repository. The first message on REQUEST_FD is
the setup. This process (the supervisor; PID 1 when the judge started it under `unshare --pid`)
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
import resource
import signal
import sys
import traceback

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402  (after the path: numpy from the interpreter's site-packages)
import tito_wire as wire  # noqa: E402

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC = 1, 2, 4, 8, 32, 4096, 16384
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, CLONE_NEWUSER = 1, 38, 0x10000000
LIMITS = {"memory": resource.RLIMIT_AS, "processes": resource.RLIMIT_NPROC,
          "file_size": resource.RLIMIT_FSIZE, "cpu": resource.RLIMIT_CPU}
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = lambda s: None if s is None else s.encode()
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def _show_read_only(fd: int, path: str) -> None:
    """Bind the folder open as `fd` at `path` (made if missing), read-only; close fd."""
    os.makedirs(path, mode=0o755, exist_ok=True)
    _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
    _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.close(fd)


def private_mounts(setup: dict) -> None:
    """Hide the instructor's files, give the grading an empty /tmp, and show the package read-only.

    A folder the student's user id cannot enter (e.g. /root, 0700) but that holds the Python
    installation is replaced by an empty one showing only the installation, read-only."""
    lib = os.open(setup["lib_real"], os.O_RDONLY | os.O_DIRECTORY)
    for blocked, needed in setup["expose"].items():  # e.g. /root (0700) holding the Python installation
        fds = {path: os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in needed}
        _mount("tito-expose", blocked, "tmpfs", MS_NOSUID | MS_NODEV, "size=4k,mode=755")
        for path, fd in fds.items():
            _show_read_only(fd, path)
    for path in setup["hide"]:
        if not os.path.isdir(path):
            continue  # under a folder just replaced to expose the installation: gone already
        _mount("tito-hidden", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=000")
    # The Python installation may live under /tmp (a virtualenv in a clone there): open it before
    # the empty /tmp covers it, then show it again, read-only, at the same path.
    under_tmp = {path: os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in setup.get("keep_in_tmp", [])}
    for path in setup["private_tmp"]:
        _mount("tito-tmp", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={setup['tmp_mb']}m,mode=1777")
    for path, fd in under_tmp.items():
        _show_read_only(fd, path)
    os.makedirs(setup["lib"], mode=0o755)
    _mount(f"/proc/self/fd/{lib}", setup["lib"], None, MS_BIND | MS_REC)
    _mount(None, setup["lib"], None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.close(lib)


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
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # dies with the supervisor
    os.chdir(setup["workdir"])
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, value in setup["limits"].items():
        if value is not None:
            hard = value + 1 if name == "cpu" else value  # SIGXCPU first, SIGKILL a second later
            resource.setrlimit(LIMITS[name], (value, hard))
    sys.path[:] = [setup["lib"], *(p for p in sys.path if p not in setup["drop_paths"])]
    sys.argv[:] = ["tito-child"]


def _first_builtin(kind: type) -> str:
    return next((c.__name__ for c in kind.__mro__ if getattr(builtins, c.__name__, None) is c), "Exception")


def describe(error: BaseException) -> dict:
    """An exception as data: its type, its first builtin ancestor, message and innermost frame."""
    try:
        message = str(error)
    except BaseException:
        message = "(its message could not be shown)"
    frames = traceback.extract_tb(error.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f"in {last.name}() ({os.path.basename(last.filename)} line {last.lineno})"
    try:
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))[-3000:]
    except BaseException:
        text = ""
    return {"type": type(error).__name__, "builtin": _first_builtin(type(error)), "msg": message[:2000],
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


def server_main(setup: dict, requests: int, replies: int) -> None:
    server = Server(requests, replies)
    try:
        become_student(setup)
        module = importlib.import_module(setup["module"])
    except BaseException as error:
        wire.write_message(replies, {"ready": False, "err": describe(error)}, [])
        return
    names = {name: value for name, value in vars(module).items() if not (name.startswith("__") and name.endswith("__"))}
    server.send({"ready": True}, {"names": names})
    server.serve()


def main() -> None:
    requests, replies = int(sys.argv[1]), int(sys.argv[2])
    header, _ = wire.read_message(requests)
    setup = header["setup"]
    if setup.get("mounts"):
        private_mounts(setup)
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

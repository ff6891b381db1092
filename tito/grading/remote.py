"""The judge's view of the student's objects: proxies that forward every use over the channel.

A `Remote` stands for one object in the child's table (a Tensor, Conv2d, a class, a function).
Calling it, reading or setting attributes, operators (reflected and in-place too), indexing,
len, iteration, bool, repr/str, `isinstance(x, RemoteClass)` and `np.asarray(remote)` are
requests; the answer comes back as a copy (numbers, strings, tuples/lists/dicts, arrays) or as
another proxy. The same child object always has the same proxy, so `is` works between handles.
A comparison (`==`, `<`, ...), truth test or `in` that a student's object answers with data, and
arithmetic with a value of the check's that it answers with data, raise NotData instead: the judge
compares data, so an object that claims to equal anything (`t.dtype == np.float64` with a dtype of
the student's making) or answers `loss - expected` with 0.0 decides nothing.
An exception in the child is raised here as the same builtin type, with the child's message
(a student's own exception class becomes a subclass of its first builtin ancestor and of
RemoteError). SystemExit and KeyboardInterrupt from the child become RemoteError, so that a
real Ctrl-C of the judge is never confused with the student's.

A callable of the test (a function or lambda) passed to the student's code becomes a callback
the child may call (never inspect); any other test object cannot cross and raises a clear error.

Everything the child sends is untrusted and bounded (limits.py): a reply over the reply size
limit, or one that takes the item over its total reply size or reply count, is refused before it
is read into memory; the judge stops the child and the item ends with an error naming the limit.
A reply that does not decode (wire.decode refuses it, or decoding raises, e.g. a dict key whose
`__hash__` raises in the child) ends the item the same way, as a broken protocol. Both messages
start with STOPPED; neither reaches the judge's own code as an exception of another kind.
"""
from __future__ import annotations

import builtins
import functools
import types

import numpy as np

from . import limits as limits_
from . import pipes
from . import processes
from . import wire
from .limits import Limits

GRADER_NAME = "__tito_grader__"
REMOTE_DUNDERS = {"__name__", "__qualname__", "__doc__", "__module__"}
CALLABLE_TYPES = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, functools.partial)
DEFAULT_NP_ERR = np.geterr()
STOPPED = "the judge stopped the student's process: "  # a reply over a limit, or against the protocol
HINT = "Likely bug:"  # how a check names the likely bug (batch.LIKELY_BUG): never in the student's own text


class RemoteError(Exception):
    """An exception raised in the student's process (a type that is not a builtin exception)."""


class ItemTimeout(BaseException):
    """The item's time ran out while the judge waited for the student's process."""


class ChildGone(BaseException):
    """The student's process ended (crash, exit, or a limit) while the judge waited for it."""


class RuleBroken(BaseException):
    """The test cell does something the judge cannot do across processes (see the rules for graded test cells in src/README.md)."""


class ReplyLimit(Exception):
    """A reply the judge refuses to read: over a reply limit (its text names the limit and flag)."""


class Connection:
    """One child: the request/reply loop, the proxy and callback tables, the item's deadline, and
    what the child has sent so far (against the reply limits)."""

    def __init__(self, requests: int, replies: int, deadline: float, trusted_module, limits: Limits | None = None):
        self.pipes = pipes.Pipes(requests, replies, deadline)
        self.limits = limits or Limits()
        self.received = 0   # weighted bytes of every reply so far (limits.py)
        self.count = 0      # replies so far
        self.trusted_module = trusted_module  # module name -> the judge's own module object, or None
        self.proxies: dict[int, Remote] = {}
        self.callbacks: dict[int, object] = {}
        self.callback_failure: BaseException | None = None
        self.gone: BaseException | None = None
        self.namespace_phase = False  # only the module's own names may stand for the judge's trusted modules

    # -- the channel
    def _write(self, header: dict, buffers: list) -> None:
        """Write within the deadline (a child that stops reading costs its item, never the judge)."""
        try:
            self.pipes.write_message(header, buffers)
        except pipes.Timeout:
            self.gone = ItemTimeout()
            raise self.gone from None
        except OSError:  # a broken pipe: the child is gone
            self.gone = ChildGone()
            raise self.gone from None

    def close(self) -> None:
        """After the child was stopped: end what waits on its pipes."""
        self.pipes.close()

    def _check(self, json_bytes: int, buffer_sizes: list | None) -> None:
        """Refuse a reply over the limits before reading it (wire.read_message calls this twice)."""
        limits, mib = self.limits, limits_.MIB
        size = limits_.JSON_WEIGHT * json_bytes + sum(buffer_sizes or ())
        if buffer_sizes is None:
            self.count += 1
            if self.count > limits.replies:
                raise ReplyLimit(f"it sent more than {limits.replies} replies in one test cell; "
                                 + limits_.breach("replies", limits))
        if size > limits.reply_mb * mib:
            raise ReplyLimit(f"it sent a reply of {size / mib:.4g} MiB; " + limits_.breach("reply", limits))
        if self.received + size > limits.replies_mb * mib:
            raise ReplyLimit(f"its replies in one test cell came to {(self.received + size) / mib:.4g} MiB; "
                             + limits_.breach("replies_size", limits))
        if buffer_sizes is not None:
            self.received += size

    def read(self) -> tuple[dict, list]:
        if self.gone is not None:
            raise self.gone
        try:
            return self.pipes.read_message(self._check)
        except pipes.Timeout:
            self.gone = ItemTimeout()
            raise self.gone from None
        except (wire.Closed, OSError):
            self.gone = ChildGone()
            raise self.gone from None
        except wire.ProtocolError as error:
            self.gone = ChildGone(f"{STOPPED}it broke the protocol: {error}")
            raise self.gone from None
        except ReplyLimit as error:
            self.gone = ChildGone(STOPPED + str(error))
            raise self.gone from None
        except MemoryError:
            self.gone = ChildGone(STOPPED + "its reply did not fit in the judge's memory; "
                                  + limits_.breach("judge_memory", self.limits))
            raise self.gone from None

    def send(self, header: dict, values: dict) -> None:
        if self.gone is not None:
            raise self.gone
        buffers = []
        encoded = {key: wire.encode(value, buffers, self._handle) for key, value in values.items()}
        self._write({**header, **encoded}, buffers)

    def decode(self, data, buffers):
        try:
            return their_text(wire.decode(data, buffers, self._resolve))
        except wire.ProtocolError as error:
            self.gone = ChildGone(f"{STOPPED}it broke the protocol: {error}")
            raise self.gone from None
        except Exception as error:  # anything wire.decode did not foresee: still the child's doing
            self.gone = ChildGone(f"{STOPPED}it broke the protocol: a reply that does not decode "
                                  f"({type(error).__name__}: {wire._short(str(error))})")
            raise self.gone from None

    def request(self, header: dict, args=(), kwargs=None):
        """Send one request; serve the child's callbacks meanwhile; return the decoded answer."""
        values = {"args": list(args), "kwargs": kwargs or {}}
        errors = np.geterr()
        if errors != DEFAULT_NP_ERR:  # np.errstate in a test applies to the student's numpy too
            header = dict(header, np_err=errors)
        self.send(header, values)
        while True:
            reply, buffers = self.read()
            if "cb" in reply:
                self._run_callback(reply, buffers)
            elif "ok" in reply:
                return self.decode(reply["ok"], buffers)
            elif isinstance(reply.get("err"), dict):
                raise remote_exception(reply["err"])
            else:
                self.gone = ChildGone(STOPPED + "it broke the protocol: a reply without a result")
                raise self.gone

    # -- values
    def _handle(self, value) -> dict:
        if isinstance(value, Remote):
            if value._conn is not self:
                raise RuleBroken("an object of another grading's process was passed in")
            return {"$": "r", "id": value._id}
        if isinstance(value, CALLABLE_TYPES):
            cid = next((key for key, fn in self.callbacks.items() if fn is value), len(self.callbacks) + 1)
            self.callbacks[cid] = value
            return {"$": "f", "id": cid}
        raise RuleBroken(f"the test passes a {type(value).__name__} object into the student's code. Only numbers, "
                         "strings, bytes, None, tuples/lists/dicts of those, numpy arrays, the student's own objects "
                         "and (not recommended) functions can cross to the student's process; use the module's own "
                         "classes instead of objects defined in the test (rules 1 and 3 for graded test cells, src/README.md).")

    def _resolve(self, tag: dict):
        kind, key = tag["$"], tag.get("id")
        if type(key) is not int:
            raise wire.ProtocolError("a handle without an id")
        if kind == "f":
            if key not in self.callbacks:
                raise wire.ProtocolError("a handle to a callable the test never sent")
            return self.callbacks[key]
        module = self.trusted_module(tag.get("name")) if kind == "m" and self.namespace_phase else None
        if module is not None:
            return module
        if key not in self.proxies:
            label = tag.get("name") or tag.get("ty")
            kind = named_kind(RemoteNoUfunc if tag.get("nu") is True else Remote, tag.get("ty"))
            self.proxies[key] = kind(self, key, str(label)[:80])
        return self.proxies[key]

    def _run_callback(self, reply: dict, buffers: list) -> None:
        cid = reply.get("cb")
        function = self.callbacks.get(cid) if type(cid) is int else None
        if function is None:
            self.gone = ChildGone("the student's process called a callable the test never sent")
            raise self.gone
        args = self.decode(reply.get("args"), buffers)
        kwargs = self.decode(reply.get("kwargs"), buffers)
        if not isinstance(args, list) or not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
            self.gone = ChildGone(STOPPED + "it broke the protocol: bad callback arguments")
            raise self.gone
        try:
            result = function(*args, **kwargs)
        except (ItemTimeout, ChildGone, RuleBroken, *processes.STOPS_TITO):
            raise
        except BaseException as error:  # the test's own check failed inside a callback: it counts
            self.callback_failure = self.callback_failure or error
            err = {"type": type(error).__name__, "builtin": wire.first_builtin(type(error)), "msg": str(error)[:2000]}
            self._write({"err": err}, [])
            return
        self.send({}, {"ok": result})


def their_text(value):
    """value from the student's process, or tito's text quoting their code or output, its text unable to pass
    for a check's own hint: "Likely bug:" in it reads "likely bug:" (the gradebook's item analysis counts the
    checks' "Likely bug: ..." texts: a submission raising ValueError("Likely bug: ...") made every item show
    its text, and round 28's hunt did the same with bytes, numpy's strings, a dict's keys and the child's
    stderr). Strings and bytes of numpy's kinds too, and text inside lists, tuples, dicts and slices."""
    if isinstance(value, str):  # str and numpy's str_
        return type(value)(value.replace(HINT, HINT.lower())) if HINT in value else value
    if isinstance(value, bytes):  # bytes and numpy's bytes_
        hint = HINT.encode()
        return type(value)(value.replace(hint, hint.lower())) if hint in value else value
    if isinstance(value, np.ndarray) and value.dtype.kind in "SU":
        hint = HINT if value.dtype.kind == "U" else HINT.encode()
        mended = np.asarray(np.char.replace(value, hint, hint.lower())).astype(value.dtype)
        mended.flags.writeable = value.flags.writeable
        return mended
    if type(value) in (list, tuple):
        return type(value)(their_text(v) for v in value)
    if type(value) is dict:
        return {their_text(key): their_text(v) for key, v in value.items()}
    if type(value) is slice:
        return slice(their_text(value.start), their_text(value.stop), their_text(value.step))
    return value


def remote_exception(err: dict) -> BaseException:
    """The child's exception as one the test can catch: the same builtin type when it is one."""
    # The type's name and where it was raised are the student's text too (a class made with type("Likely bug:
    # ...", ...), a file name given to compile; round 28's second hunt).
    name, message = their_text(str(err.get("type", "Exception"))[:100]), their_text(str(err.get("msg", ""))[:2000])
    base = getattr(builtins, str(err.get("builtin", "")), None)
    if not (isinstance(base, type) and issubclass(base, Exception)):
        base = None  # SystemExit, KeyboardInterrupt, GeneratorExit or nonsense: never the judge's own
    try:
        if base is not None and base.__name__ == name:
            error = base(message) if message or base is not StopIteration else base()
        else:
            error = _remote_class(name, base or Exception)(message)
    except Exception:  # a type that takes other arguments (UnicodeDecodeError, ExceptionGroup): a plain one
        error = _remote_class(name, Exception)(message)
    error.remote_type, error.remote_where = name, their_text(str(err.get("where", ""))[:300])
    error.remote_traceback = their_text(str(err.get("tb", ""))[-3000:])
    return error


@functools.lru_cache(maxsize=256)
def _remote_class(name: str, base: type) -> type:
    if not name.isidentifier():
        name = "RemoteError"
    return type(name, (RemoteError,) if base is Exception else (base, RemoteError), {"__module__": "student"})


def _operator(name: str, reflected: bool = False):
    if reflected:
        return lambda self, other: self._conn.request({"op": "op", "name": name}, (other, self))
    return lambda self, *others: self._conn.request({"op": "op", "name": name}, (self, *others))


def _arithmetic(name: str, reflected: bool = False):
    """A binary operator: with a value of the check's on the other side, the student's object must
    answer with an object of theirs (see VERDICT_OPERATORS)."""
    def operator(self, other):
        answer = self._conn.request({"op": "op", "name": name}, (other, self) if reflected else (self, other))
        if not isinstance(answer, Remote) and not isinstance(other, Remote):
            raise NotData(_not_data_message(name, self._label, (other,)))
        return answer
    return operator


# A comparison, truth test or membership test answered by a student's object with data would let
# that object decide a check (`t.dtype == np.float64` with a dtype that equals everything, answering
# True, 1 or a non-empty array). So would arithmetic with the check's own numbers answered with data:
# `abs(loss - expected) < tol` hands `expected` to the student's `__sub__`, which may answer 0.0. The
# judge compares data; a student's object may answer these only with another object of theirs
# (Tensor == 0 and tensor - array give Tensors), never with the verdict or a number itself.
VERDICT_OPERATORS = ("lt", "le", "eq", "ne", "gt", "ge", "bool", "contains")
# The same holds for the operators of one operand that a check applies to such a result: `abs(acc -
# expected)` where `acc - expected` gave back the student's object, whose __abs__ answers 0.0 (H17).
# A Tensor's abs or negation is a Tensor; a student's object answers these with an object of theirs.
UNARY_VERDICT_OPERATORS = ("neg", "pos", "abs", "invert", "round")
SYMBOLS = {"lt": "<", "le": "<=", "eq": "==", "ne": "!=", "gt": ">", "ge": ">="}


class NotData(TypeError):
    """A student's object answered a comparison or truth test that the judge decides on data."""


def _verdict_operator(name: str):
    def operator(self, *others):
        answer = self._conn.request({"op": "op", "name": name}, (self, *others))
        if not isinstance(answer, Remote):
            raise NotData(_not_data_message(name, self._label, others))
        return answer
    return operator


def _not_data_message(name: str, label: str, others: tuple) -> str:
    if name == "bool":
        asked = "its truth value (bool) was asked"
    elif name in UNARY_VERDICT_OPERATORS:
        asked = f"{'round' if name == 'round' else name}() was asked of it and it answered with plain data"
    elif name == "contains":
        asked = "a membership test (in) was asked of it"
    else:
        other = others[0]
        other = f"the student's {other._label}" if isinstance(other, Remote) else wire._short(repr(other))
        asked = f"it was compared ({SYMBOLS[name]}) with {other}" if name in SYMBOLS else \
            f"it was given {other} for an operation ({name})"
    return (f"expected plain data here (a number, bool, string, tuple, numpy array or numpy dtype), got an object "
            f"of the student's process ({label}) and {asked}: its own answer does not count. Return plain values "
            "(for example self.data.dtype, not an object that stands for it).")


class Remote:
    """A handle to one object of the student's process (see the module docstring)."""

    __slots__ = ("_conn", "_id", "_label", "__weakref__")

    def __init__(self, conn: Connection, key: int, label: str):
        object.__setattr__(self, "_conn", conn)
        object.__setattr__(self, "_id", key)
        object.__setattr__(self, "_label", label)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__") and name not in REMOTE_DUNDERS:
            raise AttributeError(name)  # numpy and Python probe these; answering locally saves a round trip
        return self._conn.request({"op": "getattr", "id": self._id, "name": name})

    def __setattr__(self, name, value):
        self._conn.request({"op": "setattr", "id": self._id, "name": name}, (value,))

    def __delattr__(self, name):
        self._conn.request({"op": "delattr", "id": self._id, "name": name})

    def __call__(self, *args, **kwargs):
        return self._conn.request({"op": "call", "id": self._id}, args, kwargs)

    def __mro_entries__(self, bases):
        raise RuleBroken(f"this test cell defines a class deriving from a remote class ({self._label}) of the "
                         "student's module; the judge cannot run it. A graded test cell must use the module's own "
                         "classes instead of subclassing them (rule 3 for graded test cells, src/README.md).")

    def __instancecheck__(self, instance):
        return self._conn.request({"op": "op", "name": "isinstance"}, (instance, self))

    def __subclasscheck__(self, subclass):
        return self._conn.request({"op": "op", "name": "issubclass"}, (subclass, self))

    def __array__(self, dtype=None, copy=None):
        value = self._conn.request({"op": "op", "name": "array"}, (self,))
        if not isinstance(value, np.ndarray):
            raise TypeError(f"the student's {self._label} did not convert to a numeric numpy array")
        return value if dtype is None else value.astype(dtype)

    def __exit__(self, *exc):
        self._conn.request({"op": "op", "name": "exit"}, (self,))
        return False  # never lets the student's code swallow the test's exception

    def __repr__(self):
        if self._conn.gone is not None:
            return f"<{self._label} of the student's process (gone)>"
        return self._conn.request({"op": "op", "name": "repr"}, (self,))

    def __reduce_ex__(self, protocol):
        raise TypeError(f"a {self._label} of the student's process cannot be pickled or copied here; "
                        "copy its data instead (e.g. t.data.copy())")

    def __copy__(self):
        self.__reduce_ex__(0)

    __deepcopy__ = __copy__


class RemoteNoUfunc(Remote):
    """A handle to an object whose class sets `__array_ufunc__ = None` (like the course's Tensor):
    numpy then hands `array - t` to t's reflected operator instead of converting t, in the judge
    as in the student's own process."""

    __slots__ = ()
    __array_ufunc__ = None


# Handle classes named as the student's classes, so that a check's message (`type(value).__name__`) names
# the student's Tensor, not the judge's handle. At most MAX_KINDS names; after that, the base class.
MAX_KINDS = 256
_KINDS: dict = {}


def named_kind(base: type, type_name) -> type:
    """A subclass of base (Remote or RemoteNoUfunc) whose __name__ is the child's class name `type_name`
    (untrusted text: used only if it is an identifier), one per name; base itself otherwise."""
    if not isinstance(type_name, str) or not type_name.isidentifier() or len(type_name) > 80:
        return base
    kind = _KINDS.get((base, type_name))
    if kind is None and len(_KINDS) < MAX_KINDS:
        kind = _KINDS[(base, type_name)] = type(type_name, (base,), {"__slots__": (), "__module__": "student"})
    return kind or base


for _name in ("add sub mul matmul truediv floordiv mod pow lshift rshift and or xor divmod").split():
    _op = {"and": "and_", "or": "or_"}.get(_name, _name)
    setattr(Remote, f"__{_name}__", _arithmetic(_op))
    setattr(Remote, f"__r{_name}__", _arithmetic(_op, reflected=True))
    if _name != "divmod":
        setattr(Remote, f"__i{_name}__", _operator("i" + _op.rstrip("_")))
for _name in UNARY_VERDICT_OPERATORS:
    setattr(Remote, f"__{_name}__", _verdict_operator(_name))
for _name in ("getitem setitem delitem index len iter next "
              "str hash float int complex format dir reversed enter").split():   # round: a verdict operator above
    setattr(Remote, f"__{_name}__", _operator(_name))
for _name in VERDICT_OPERATORS:
    setattr(Remote, f"__{_name}__", _verdict_operator(_name))

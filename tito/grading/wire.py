"""The judge <-> student channel: framed messages of JSON plus raw numpy buffers. Never pickle.

Used on both sides, so it imports only the standard library and numpy, and is copied next to the
student's package for the child (see judge.py). A message is

    4 bytes big-endian length of a UTF-8 JSON header | the header | its buffers, back to back

where the header's "buffers" lists the byte length of each buffer. Values travel in the header as
JSON scalars (None, bool, int, float, str) or as tagged objects {"$": tag, ...}:

    t: tuple   l: list   d: dict (keys "k", values "v")   b: bytes (buffer)   a: ndarray (buffer,
    dtype, shape, "ro" when read-only)   s: numpy scalar (buffer, dtype)   dt: numpy dtype   ty: a numpy scalar type or a
    builtin type, by name   c: complex   sl: slice   e: Ellipsis   r: a handle into the child's
    object table   f: a handle into the judge's table of callables   m: a module, by name

Everything else is sent as a handle (`r` or `f`) by the side that owns it. Whatever the child
sends is untrusted: read_message() refuses a header or buffers larger than the protocol allows
(and, through `check`, larger than the reader's limits) before it allocates them; decode() checks
dtypes (no object arrays), shapes against the bytes sent, sizes and nesting depth, takes each
buffer at most once (so a small message cannot make many copies of one big buffer), and raises
ProtocolError on anything else.
"""
from __future__ import annotations

import builtins
import json
import os
import re
import struct
import traceback

import numpy as np

MAX_HEADER = 16 * 2 ** 20        # bytes of JSON per message
MAX_BUFFERS = 512 * 2 ** 20      # bytes of array data per message
MAX_BUFFER_COUNT = 100_000       # buffers per message
MAX_DEPTH = 64                   # nesting of containers
ARRAY_KINDS = set("biufcmMSU")   # plain data only: no objects, no structured (void) types
DTYPE_TEXT = re.compile(r"^[<>|=]?[biufcmMSU]\d{0,6}(\[[a-zA-Z0-9]+\])?$")
BUILTIN_TYPES = {name: getattr(builtins, name) for name in
                 ("bool", "int", "float", "complex", "str", "bytes", "tuple", "list", "dict", "object")}


class ProtocolError(Exception):
    """A message that is not what the protocol allows (from a broken or hostile peer)."""


class Closed(Exception):
    """The other end closed the channel (its process ended)."""


def first_builtin(kind: type) -> str:
    """The name of the first builtin class in `kind`'s MRO (how the child names its exception's kind)."""
    return next((c.__name__ for c in kind.__mro__ if getattr(builtins, c.__name__, None) is c), "Exception")


def raised_where(error: BaseException) -> str:
    """"in f() (file.py line 7)": the innermost frame of `error`'s traceback ("" when it has none)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f"in {last.name}() ({os.path.basename(last.filename)} line {last.lineno})"


# ---------------------------------------------------------------- framing

def write_message(sink, header: dict, buffers: list, wait=None) -> None:
    """Send one message to `sink` (a file descriptor, or a function that writes some bytes of a
    view and returns how many). On a non-blocking fd, `wait()` is called until it can be written
    (and raises on timeout), so a peer that stops reading cannot block the writer forever."""
    write = sink if callable(sink) else (lambda view: os.write(sink, view))
    header = dict(header, buffers=[len(b) for b in buffers])
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    parts = [struct.pack(">I", len(text)), text, *buffers]
    for part in parts:
        view = memoryview(part).cast("B")
        while view:
            if wait is not None:
                wait()
            try:
                written = write(view)
            except BlockingIOError:
                continue
            view = view[written:]


def reader(fd: int):
    """A function filling a view from `fd` and returning the count (0 at the end of the channel)."""
    if hasattr(os, "readv"):
        return lambda view: os.readv(fd, [view])

    def read_into(view) -> int:  # Windows has no readv: one copy more
        chunk = os.read(fd, len(view))
        view[:len(chunk)] = chunk
        return len(chunk)
    return read_into


def read_exact(source, count: int, wait=None) -> bytearray:
    """`count` bytes from `source` (a file descriptor, or a function like reader's); `wait()`
    (if given) is called before each read and raises on timeout."""
    read_into = source if callable(source) else reader(source)
    data = bytearray(count)
    view, got = memoryview(data), 0
    while got < count:
        if wait is not None:
            wait()
        chunk = read_into(view[got:])
        if chunk == 0:
            raise Closed("the channel was closed")
        got += chunk
    return data


def read_message(source, wait=None, check=None) -> tuple[dict, list]:
    """One message from `source` (see read_exact). `check(header_bytes, buffer_sizes)`, if given, may refuse it by raising before
    anything big is allocated: it is called with None for the sizes before the header is read,
    then with the sizes before the buffers are read."""
    (size,) = struct.unpack(">I", read_exact(source, 4, wait))
    if size > MAX_HEADER:
        raise ProtocolError(f"a message header of {size} bytes (at most {MAX_HEADER})")
    if check is not None:
        check(size, None)
    try:
        header = json.loads(read_exact(source, size, wait).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ProtocolError(f"a message header that is not JSON ({_short(error)})") from None
    sizes = header.get("buffers") if isinstance(header, dict) else None
    if not isinstance(sizes, list) or len(sizes) > MAX_BUFFER_COUNT or not all(type(n) is int and n >= 0 for n in sizes) \
            or sum(sizes) > MAX_BUFFERS:
        raise ProtocolError("a message with a bad buffer list")
    if check is not None:
        check(size, sizes)
    return header, [read_exact(source, n, wait) for n in sizes]


def _short(value, width: int = 100) -> str:
    """A value (of the peer's making) for an error message: its repr, cut to `width` characters."""
    try:
        text = value if isinstance(value, str) else repr(value)
    except Exception:
        text = f"<a {type(value).__name__}>"
    return text if len(text) <= width else text[: width - 3] + "..."


# ---------------------------------------------------------------- values

def encode(value, buffers: list, handle, depth: int = 0):
    """`value` as JSON-able data; arrays and bytes go to `buffers`; `handle(obj)` tags anything else."""
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if depth > MAX_DEPTH:
        raise ValueError("a value nested too deeply to send")
    # A subclass (a namedtuple, an OrderedDict) goes as what it holds, read by the base type's own
    # methods, never by an override: a student's namedtuple is a tuple to the checks, as in one process
    # (H22), and a subclass that lies about its items cannot make them up.
    if issubclass(kind, (tuple, list)):    # kind: the real type (isinstance would believe a __class__ property)
        items = tuple.__iter__(value) if issubclass(kind, tuple) else list.__iter__(value)
        return {"$": "t" if issubclass(kind, tuple) else "l", "v": [encode(v, buffers, handle, depth + 1) for v in items]}
    if issubclass(kind, dict):
        return {"$": "d", "k": [encode(k, buffers, handle, depth + 1) for k in dict.keys(value)],
                "v": [encode(v, buffers, handle, depth + 1) for v in dict.values(value)]}
    if kind is bytes:
        buffers.append(value)
        return {"$": "b", "i": len(buffers) - 1}
    if kind is np.ndarray and value.dtype.kind in ARRAY_KINDS and not value.dtype.hasobject:
        buffers.append(np.ascontiguousarray(value).tobytes())
        tagged = {"$": "a", "i": len(buffers) - 1, "dt": value.dtype.str, "sh": list(value.shape)}
        if not value.flags.writeable:   # read-only stays read-only: a write into it fails as in one process
            tagged["ro"] = True
        return tagged
    if isinstance(value, np.generic) and value.dtype.kind in ARRAY_KINDS:
        buffers.append(np.asarray(value).tobytes())
        return {"$": "s", "i": len(buffers) - 1, "dt": value.dtype.str}
    if kind is complex:
        return {"$": "c", "re": value.real, "im": value.imag}
    if isinstance(value, np.dtype) and value.kind in ARRAY_KINDS and not value.hasobject:
        return {"$": "dt", "v": value.str}
    if isinstance(value, type) and value.__module__ == "numpy" and issubclass(value, np.generic) \
            and getattr(np, value.__name__, None) is value:
        return {"$": "ty", "v": "numpy." + value.__name__}
    if isinstance(value, type) and BUILTIN_TYPES.get(getattr(value, "__name__", "")) is value:
        return {"$": "ty", "v": value.__name__}
    if kind is slice:
        return {"$": "sl", "v": [encode(v, buffers, handle, depth + 1) for v in (value.start, value.stop, value.step)]}
    if value is Ellipsis:
        return {"$": "e"}
    return handle(value)


def _dtype(text) -> np.dtype:
    if not isinstance(text, str) or not DTYPE_TEXT.match(text):
        raise ProtocolError(f"a dtype that is not plain data: {_short(text)}")
    try:
        dtype = np.dtype(text)
    except (TypeError, ValueError, OverflowError, MemoryError):
        raise ProtocolError(f"a dtype that is not plain data: {_short(text)}") from None
    if dtype.hasobject or dtype.kind not in ARRAY_KINDS or dtype.itemsize == 0:
        raise ProtocolError(f"a dtype that is not plain data: {_short(text)}")
    return dtype


def _buffer(data: dict, buffers: list) -> bytearray:
    """The buffer a value refers to, taken out of `buffers`: each buffer makes one value."""
    index = data.get("i")
    if type(index) is not int or not 0 <= index < len(buffers) or buffers[index] is None:
        raise ProtocolError("a reference to a buffer that was not sent, or was used already")
    raw, buffers[index] = buffers[index], None
    return raw


def _array(data: dict, buffers: list) -> np.ndarray:
    dtype, raw, shape = _dtype(data.get("dt")), _buffer(data, buffers), data.get("sh")
    if not isinstance(shape, list) or len(shape) > 64 or not all(type(n) is int and 0 <= n < 2 ** 62 for n in shape):
        raise ProtocolError(f"an array shape that is not a list of sizes: {_short(shape)}")
    count = 1
    for n in shape:  # Python ints: a product that overflows int64 cannot wrap around to the buffer's size
        count *= n
    if count * dtype.itemsize != len(raw):
        raise ProtocolError(f"an array of shape {_short(shape)} and dtype {dtype} sent with {len(raw)} bytes")
    try:
        array = np.frombuffer(raw, dtype=dtype).reshape(shape)  # a bytearray: the array is writable
    except (TypeError, ValueError, MemoryError) as error:  # e.g. more dimensions or a larger size than numpy allows
        raise ProtocolError(f"an array numpy cannot make ({_short(str(error))})") from None
    if data.get("ro") is True:
        array.flags.writeable = False
    return array


def decode(data, buffers: list, resolve, depth: int = 0):
    """The inverse of encode; `resolve(tag)` turns a handle tag ("r", "f", "m") into an object."""
    if data is None or type(data) in (bool, int, float, str):
        return data
    if depth > MAX_DEPTH:
        raise ProtocolError("a value nested too deeply")
    if not isinstance(data, dict) or not isinstance(data.get("$"), str):
        raise ProtocolError(f"an untagged value of type {type(data).__name__}")
    tag = data["$"]
    items = lambda key: [decode(v, buffers, resolve, depth + 1) for v in _list(data, key)]
    if tag == "t":
        return tuple(items("v"))
    if tag == "l":
        return items("v")
    if tag == "d":
        keys, values = items("k"), items("v")
        if len(keys) != len(values):
            raise ProtocolError("a dict with more keys than values")
        try:
            return dict(zip(keys, values))
        except Exception as error:  # unhashable, or a key whose __hash__ (run in the child) raises or lies
            raise ProtocolError(f"a dict with an unhashable key ({type(error).__name__}: {_short(str(error))})") from None
    if tag == "b":
        return bytes(_buffer(data, buffers))
    if tag == "a":
        return _array(data, buffers)
    if tag == "s":
        return _array(dict(data, sh=[]), buffers)[()]
    if tag == "dt":
        return _dtype(data.get("v"))
    if tag == "ty":
        return _type(data.get("v"))
    if tag == "c":
        if not all(type(data.get(k)) is float for k in ("re", "im")):  # encode sends floats, never ints
            raise ProtocolError("a complex number without real and imaginary parts")
        return complex(data["re"], data["im"])
    if tag == "sl":
        parts = items("v")
        if len(parts) != 3:
            raise ProtocolError("a slice without start, stop and step")
        return slice(*parts)
    if tag == "e":
        return Ellipsis
    if tag in ("r", "f", "m"):
        return resolve(data)
    raise ProtocolError(f"an unknown value tag {_short(tag)}")


def _list(data: dict, key: str) -> list:
    value = data.get(key)
    if not isinstance(value, list):
        raise ProtocolError(f"a tagged value without its {key!r} list")
    return value


def _type(name):
    if isinstance(name, str) and name.startswith("numpy."):
        found = getattr(np, name[len("numpy."):], None)
        if isinstance(found, type) and issubclass(found, np.generic):
            return found
    elif name in BUILTIN_TYPES:
        return BUILTIN_TYPES[name]
    raise ProtocolError(f"a type that cannot be sent: {_short(name)}")

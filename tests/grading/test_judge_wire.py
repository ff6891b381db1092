"""The judge's channel: values cross as copies, exactly; anything the protocol does not allow is refused."""
from __future__ import annotations

import collections
import os

import numpy as np
import pytest

from tito.grading import remote, wire


def roundtrip(value):
    buffers = []
    data = wire.encode(value, buffers, lambda obj: pytest.fail(f"{obj!r} should have been copied"))
    read, write = os.pipe()
    try:
        wire.write_message(write, {"v": data}, buffers)
        header, received = wire.read_message(read)
    finally:
        os.close(read)
        os.close(write)
    return wire.decode(header["v"], received, lambda tag: pytest.fail("no handles here"))


VALUES = [None, True, 0, -7, 2 ** 70, 1.5, float("inf"), "zoë", b"\x00\xff", (1, (2, [3])), {"a": [1, 2], 3: None},
          np.arange(6, dtype=np.float32).reshape(2, 3), np.array(3.5), np.zeros((0, 4), np.int64),
          np.array([True, False]), np.float64(2.5), np.int8(-3), np.dtype("float32"), np.float32, float,
          complex(1, -2), slice(1, None, 2), Ellipsis, np.array(["ab", "c"])]


@pytest.mark.parametrize("value", VALUES, ids=[type(v).__name__ + str(i) for i, v in enumerate(VALUES)])
def test_values_cross_as_exact_copies(value):
    got = roundtrip(value)
    assert type(got) is type(value)
    if isinstance(value, np.ndarray):
        assert got.dtype == value.dtype and got.shape == value.shape and np.array_equal(got, value)
        assert got.flags.writeable
    elif isinstance(value, float) and value != value:
        assert got != got
    else:
        assert got == value


def test_a_read_only_array_crosses_read_only():
    """H14: a check hands the student's function read-only inputs, so that a write into one fails in the
    child as it does in one process (`grad_out[n, c, i, j] /= ...` scored full marks on a writable copy)."""
    frozen = np.arange(4.0)
    frozen.flags.writeable = False
    got = roundtrip(frozen)
    assert np.array_equal(got, frozen) and not got.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        got[0] = 1.0
    assert roundtrip(np.arange(4.0)).flags.writeable


def test_non_contiguous_arrays_cross_by_value():
    a = np.arange(12.0).reshape(3, 4)[:, ::2].T
    assert np.array_equal(roundtrip(a), a)


def test_objects_and_object_arrays_become_handles():
    tagged = []
    for value in (object(), np.array([object()]), {1, 2}, lambda: 1):
        wire.encode(value, [], lambda obj: tagged.append(obj) or {"$": "r", "id": 1})
    assert len(tagged) == 4


class _Lying(tuple):
    """A tuple that lies about its items and its equality."""

    def __iter__(self):
        return iter((1.0, 2.0))

    def __eq__(self, other):
        return True

    __hash__ = tuple.__hash__


class _ClaimsTuple:
    __class__ = tuple   # isinstance(_ClaimsTuple(), tuple) is True


def test_subclasses_of_tuple_list_and_dict_cross_as_what_they_hold():
    """H22: a student's namedtuple reached the checks as a handle, not a tuple (receptive_field lost
    its item). A subclass crosses as its base type, read by the base type's methods, never its own."""
    Field = collections.namedtuple("Field", "height width")
    assert type(roundtrip(Field(10, 19))) is tuple and roundtrip(Field(10, 19)) == (10, 19)
    assert roundtrip(collections.OrderedDict(b=2, a=1)) == {"b": 2, "a": 1}
    assert roundtrip(collections.defaultdict(list, {1: [2]})) == {1: [2]}
    assert roundtrip(_Lying((7.0, 8.0, 9.0))) == (7.0, 8.0, 9.0)   # its items, not what its __iter__ says
    tagged = []
    wire.encode(_ClaimsTuple(), [], lambda obj: tagged.append(obj) or {"$": "r", "id": 1})
    assert len(tagged) == 1     # its real type is no tuple: a handle


BAD = [({"$": "a", "i": 0, "dt": "|O", "sh": [1]}, [bytearray(8)], "not plain data"),
       ({"$": "a", "i": 0, "dt": "<f8", "sh": [3]}, [bytearray(8)], "sent with 8 bytes"),
       ({"$": "a", "i": 5, "dt": "<f8", "sh": [1]}, [bytearray(8)], "was not sent"),
       ({"$": "a", "i": 0, "dt": "V8", "sh": [1]}, [bytearray(8)], "not plain data"),
       ({"$": "ty", "v": "os.system"}, [], "cannot be sent"),
       ({"$": "zz"}, [], "unknown value tag"),
       ([1, 2], [], "untagged"),
       ({"$": "d", "k": [{"$": "l", "v": []}], "v": [1]}, [], "unhashable")]


@pytest.mark.parametrize("data, buffers, message", BAD, ids=[m for _, _, m in BAD])
def test_decode_refuses_what_the_protocol_does_not_allow(data, buffers, message):
    with pytest.raises(wire.ProtocolError, match=message):
        wire.decode(data, buffers, lambda tag: None)


def test_decode_refuses_deep_nesting():
    data = 1
    for _ in range(wire.MAX_DEPTH + 5):
        data = {"$": "l", "v": [data]}
    with pytest.raises(wire.ProtocolError, match="nested too deeply"):
        wire.decode(data, [], lambda tag: None)


def test_oversized_header_is_refused_before_it_is_read():
    read, write = os.pipe()
    try:
        os.write(write, (wire.MAX_HEADER + 1).to_bytes(4, "big"))
        with pytest.raises(wire.ProtocolError, match="header of"):
            wire.read_message(read)
    finally:
        os.close(read)
        os.close(write)


@pytest.mark.parametrize("err, kind, caught_as", [
    ({"type": "ValueError", "builtin": "ValueError", "msg": "bad shape"}, ValueError, ValueError),
    ({"type": "ShapeError", "builtin": "ValueError", "msg": "bad"}, remote.RemoteError, ValueError),
    ({"type": "SystemExit", "builtin": "SystemExit", "msg": "0"}, remote.RemoteError, Exception),
    ({"type": "KeyboardInterrupt", "builtin": "KeyboardInterrupt", "msg": ""}, remote.RemoteError, Exception),
    ({"type": "X", "builtin": "print", "msg": ""}, remote.RemoteError, Exception)])
def test_remote_exceptions_keep_builtin_types_but_never_stop_the_judge(err, kind, caught_as):
    error = remote.remote_exception(err)
    assert isinstance(error, kind) and isinstance(error, caught_as) and type(error).__name__ == err["type"]
    assert not isinstance(error, (SystemExit, KeyboardInterrupt))


def test_every_unary_verdict_operator_is_guarded():
    """H19: __round__ was set to the guarded operator, then overwritten by the plain one in the next loop."""
    from tito.grading import remote
    for name in remote.UNARY_VERDICT_OPERATORS:
        method = getattr(remote.Remote, f"__{name}__")
        assert "_verdict_operator" in method.__qualname__, (name, method.__qualname__)


def test_a_handle_is_named_as_the_students_class_in_messages():
    """A check's `type(value).__name__` names the student's class ("state 'momentum_buffer' is a Tensor"), not
    the judge's handle class; a name that is no identifier, or one past the cap, gives the plain handle class."""
    tensor = remote.named_kind(remote.RemoteNoUfunc, "Tensor")
    assert tensor.__name__ == "Tensor" and issubclass(tensor, remote.RemoteNoUfunc)
    assert remote.named_kind(remote.RemoteNoUfunc, "Tensor") is tensor            # one class per name
    assert remote.named_kind(remote.Remote, "Tensor") is not tensor              # and per base
    for untrusted in ("not a name", "x" * 81, None, 3, "Tensor; import os"):
        assert remote.named_kind(remote.Remote, untrusted) is remote.Remote
    remote._KINDS.update({(remote.Remote, f"K{i}"): remote.Remote for i in range(remote.MAX_KINDS)})
    try:
        assert remote.named_kind(remote.Remote, "OneMore") is remote.Remote       # a flood of names stops at the cap
    finally:
        for i in range(remote.MAX_KINDS):
            remote._KINDS.pop((remote.Remote, f"K{i}"), None)

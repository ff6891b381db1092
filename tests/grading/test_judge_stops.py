"""What ends tito's run (Ctrl-C, SIGTERM) is never counted as one test's failure.

The judge counts any exception of a test (SystemExit too) as that test's failure and goes on to the
next. A Ctrl-C that reaches tito while a test waits on the student's code raised KeyboardInterrupt
inside that test: it was counted as a failure and grading went on, calling the student's hung code
again, until the caller gave up and killed tito, leaving its sandboxed child running (found by
test_judge_interrupt.py failing on a loaded machine). These in-process checks need no hung child.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tito.grading import judge, processes, remote
from tito_helpers import FAST


def _run(test) -> tuple[list, str | None]:
    conn = SimpleNamespace(callback_failure=None)
    return judge._run_tests(conn, {"test_unit_waits": test}, ["test_unit_waits"], FAST)


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), processes.Terminated(15), processes.Interrupted()],
                         ids=["ctrl-c", "sigterm", "shutting-down"])
def test_a_stop_during_a_test_ends_the_run(stop):
    def test_unit_waits():
        raise stop

    with pytest.raises(type(stop)):
        _run(test_unit_waits)


@pytest.mark.parametrize("error", [AssertionError("wrong"), SystemExit(3), ValueError("bad")])
def test_a_tests_own_exception_fails_that_test_only(error):
    def test_unit_waits():
        raise error

    results, stopped = _run(test_unit_waits)
    assert stopped is None and [r["status"] for r in results] == ["fail"]


def _callback_connection(function):
    written = []
    conn = SimpleNamespace(callbacks={1: function}, callback_failure=None, decode=lambda value, buffers: value,
                           _write=lambda header, buffers: written.append(header), send=lambda *a: written.append(a))
    return conn, written


def test_a_stop_inside_a_callback_ends_the_run():
    def check(*args):
        raise KeyboardInterrupt

    conn, written = _callback_connection(check)
    with pytest.raises(KeyboardInterrupt):
        remote.Connection._run_callback(conn, {"cb": 1, "args": [], "kwargs": {}}, [])
    assert written == [], "nothing is sent back to the student's process once the run is ending"


def test_a_failing_check_inside_a_callback_is_sent_back_and_counted():
    def check(*args):
        raise AssertionError("the test's own check")

    conn, written = _callback_connection(check)
    remote.Connection._run_callback(conn, {"cb": 1, "args": [], "kwargs": {}}, [])
    assert isinstance(conn.callback_failure, AssertionError)
    assert written and written[0]["err"]["type"] == "AssertionError"


def test_the_students_own_keyboardinterrupt_never_arrives_as_one():
    error = remote.remote_exception({"type": "KeyboardInterrupt", "builtin": "KeyboardInterrupt", "msg": ""})
    assert not isinstance(error, processes.STOPS_TITO) and isinstance(error, Exception)

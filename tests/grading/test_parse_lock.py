"""CPython before 3.11.8 / 3.12.1 fails `ast.parse` in two threads at once (gh-106905), and Python 3.11
parses each line a traceback shows. tito judges cells from thread pools, so it formats tracebacks under
the same lock as its parses (tito.cells.PARSING): a full-suite run on 3.11.7 failed once with
"SystemError: AST constructor recursion depth mismatch" from a judge thread's traceback (H64)."""
from __future__ import annotations

import threading
import traceback

from tito import cells
from tito.grading import judge


def _held_by_another_thread() -> bool:
    """True when PARSING is held (by the calling thread), seen from a thread of its own."""
    free = []

    def probe():
        free.append(cells.PARSING.acquire(blocking=False))
        if free[0]:
            cells.PARSING.release()  # an RLock: released by the thread that took it

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return not free[0]


def _raised() -> BaseException:
    try:
        assert [1, 2] == [1, 3], "a test's assertion"
    except AssertionError as error:
        return error


def test_the_judges_traceback_is_formatted_under_the_parse_lock(monkeypatch):
    held, real = [], traceback.format_exception

    def spy(*args, **kwargs):
        held.append(_held_by_another_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(traceback, "format_exception", spy)
    text = judge._traceback(_raised())
    assert held == [True], "formatted while another thread could parse"
    assert "a test's assertion" in text and "AssertionError" in text


def test_format_exception_gives_tracebacks_text_and_releases_the_lock():
    error = _raised()
    assert cells.format_exception(error) == "".join(traceback.format_exception(type(error), error, error.__traceback__))
    assert not _held_by_another_thread()

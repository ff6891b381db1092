"""The judge's ends of one child's two pipes, read and written against the item's deadline.

Where select() can wait on a pipe (Linux, macOS), the request pipe is non-blocking and every read
or write first waits, at most until the deadline, for the pipe to be ready. Where it cannot
(Windows: select takes sockets only), each read or write runs on a helper thread and the judge
waits for that thread until the deadline instead. Either way a child that stops reading or
writing costs its item its time, never the judge: at the deadline `Timeout` is raised, the judge
kills the child, and a helper thread still blocked in the pipe returns as the pipe closes.
"""
from __future__ import annotations

import functools
import os
import queue
import select
import threading
import time

from . import wire


class Timeout(Exception):
    """The deadline passed while waiting on the child's pipe."""


@functools.lru_cache(maxsize=None)
def select_waits_on_pipes() -> bool:
    """Whether select() accepts a pipe here (it raises on Windows, where it takes sockets only)."""
    read_end, write_end = os.pipe()
    try:
        select.select([read_end], [], [], 0)
        return True
    except (OSError, ValueError, TypeError):
        return False
    finally:
        os.close(read_end)
        os.close(write_end)


class Pipes:
    """`requests` (the judge writes) and `replies` (the judge reads), until `deadline` (monotonic)."""

    def __init__(self, requests: int, replies: int, deadline: float):
        self.requests, self.replies, self.deadline = requests, replies, deadline
        self.helper = None if select_waits_on_pipes() else _Helper()
        if self.helper is None:
            os.set_blocking(requests, False)

    def write_message(self, header: dict, buffers: list) -> None:
        if self.helper is None:
            wire.write_message(self.requests, header, buffers, lambda: self._wait(writing=True))
        else:
            wire.write_message(lambda view: self.helper.run(os.write, self.requests, view, deadline=self.deadline),
                               header, buffers)

    def read_message(self, check=None) -> tuple[dict, list]:
        if self.helper is None:
            return wire.read_message(self.replies, self._wait, check)
        read_into = wire.reader(self.replies)
        return wire.read_message(lambda view: self.helper.run(read_into, view, deadline=self.deadline), None, check)

    def close(self) -> None:
        """End the helper thread (after the child was stopped, or it may still be blocked in a pipe)."""
        if self.helper is not None:
            self.helper.close()

    def _wait(self, writing: bool = False) -> None:
        remaining = self.deadline - time.monotonic()
        ready = select.select([], [self.requests], [], remaining)[1] if writing and remaining > 0 else \
            select.select([self.replies], [], [], remaining)[0] if remaining > 0 else []
        if not ready:
            raise Timeout()


class _Helper:
    """One thread that makes blocking calls for the judge, who waits for each until a deadline."""

    def __init__(self):
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._work, name="tito-pipe", daemon=True).start()

    def _work(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            call, args, done, outcome = job
            try:
                outcome.append((True, call(*args)))
            except BaseException as error:  # handed to the judge's thread, which raises it
                outcome.append((False, error))
            done.set()

    def run(self, call, *args, deadline: float):
        done, outcome = threading.Event(), []
        self.jobs.put((call, args, done, outcome))
        if not done.wait(max(0.0, deadline - time.monotonic())):
            raise Timeout()
        ok, value = outcome[0]
        if not ok:
            raise value
        return value

    def close(self) -> None:
        self.jobs.put(None)

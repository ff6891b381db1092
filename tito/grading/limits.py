"""Every limit of a grading or test run, with its default, in one place (`tito grade --help` shows them).

Time limits are enforced by the judge (it stops waiting and kills the child). The others are
rlimits the child sets on itself before the student's code is imported, and cannot raise again:
a breach ends the item with a message that names the limit and the flag that changes it.
"""
from __future__ import annotations

from dataclasses import dataclass

MIB = 2 ** 20


@dataclass(frozen=True)
class Limits:
    per_test: float = 60.0        # seconds of wall clock per test cell (one graded item)
    total: float = 600.0          # seconds for the whole run; cells not started by then are not run
    jobs: int = 2                 # test cells run at a time
    memory_mb: int = 2048         # address space of the student's process (RLIMIT_AS)
    processes: int = 64           # processes of the student's own user id (RLIMIT_NPROC; with namespaces only)
    file_size_mb: int = 64        # largest file the student's process may write (RLIMIT_FSIZE)
    cpu_seconds: int = 60         # CPU time per test cell (RLIMIT_CPU), next to the wall clock

    def check(self) -> None:
        """Raise ValueError when a limit is not a positive, finite number."""
        seconds = (self.per_test, self.total)
        counts = (self.jobs, self.memory_mb, self.processes, self.file_size_mb, self.cpu_seconds)
        if not all(0 < s < float("inf") for s in seconds) or not all(isinstance(c, int) and c >= 1 for c in counts):
            raise ValueError(
                f"--timeout and --total-timeout must be positive, finite numbers of seconds and --jobs, --memory-mb, "
                f"--processes, --file-size-mb and --cpu-seconds whole numbers of at least 1; got {self.per_test:g}, "
                f"{self.total:g}, {self.jobs}, {self.memory_mb}, {self.processes}, {self.file_size_mb} and "
                f"{self.cpu_seconds}.")

    def rlimits(self, own_uid: bool) -> dict:
        """What the child sets on itself (names as in child.LIMITS)."""
        return {"memory": self.memory_mb * MIB, "file_size": self.file_size_mb * MIB, "cpu": self.cpu_seconds,
                "processes": self.processes if own_uid else None}


# What each breach looks like from the judge, and how to describe it.
FLAGS = {"memory": ("address space", "memory_mb", "MiB", "--memory-mb"),
         "file_size": ("file size", "file_size_mb", "MiB", "--file-size-mb"),
         "cpu": ("CPU time", "cpu_seconds", "s", "--cpu-seconds"),
         "processes": ("process", "processes", "processes", "--processes")}


def breach(name: str, limits: Limits) -> str:
    what, field, unit, flag = FLAGS[name]
    return f"the {what} limit of {getattr(limits, field)} {unit} was reached (raise it with {flag})"

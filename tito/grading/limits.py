"""Every limit of a grading or test run, with its default, in one place (`tito grade --help` shows them).

Time limits are enforced by the judge (it stops waiting and kills the child); the total one
covers the whole run, reading and exporting the notebook included. The address space, file size,
CPU and process limits are rlimits the child sets on itself before the student's code is
imported, and cannot raise again. The reply limits bound what the judge accepts from the child
(remote.Connection counts every reply of an item): the largest reply, all replies of one item
together, and how many replies one item may take. A breach of any limit ends the item with a
message that names the limit and the flag that changes it.

What a reply weighs: its array data, plus JSON_WEIGHT times its JSON text (decoded, JSON takes up
to 12 times its size in memory: a list of two-letter strings; 19 times while it is parsed). So
the judge holds at most about `replies_mb` MiB per running item, plus one reply being decoded
(at most `reply_mb` / JSON_WEIGHT MiB of JSON, parsed at up to 19 times that, or one `reply_mb`
array and its copy): replies_memory_mb(), 768 MiB with the defaults (2 jobs; measured 0.56 GiB
for two items taking 60 MiB arrays or 4 MiB JSON lists from endless generators).

The judge's own memory, whatever a submission returns and whatever the test cells compute from
it (a test may turn an int8 array into a float64 one eight times its size): while it runs the
test cells, its address space may grow by at most `judge_memory_mb` (a soft RLIMIT_AS, Linux;
grade.py), plus 80 MiB per job for the threads' stacks and malloc arenas (address space, hardly
any memory). Its peak memory therefore stays under its size at the start (0.2 GiB of address
space for `tito grade 09`, 0.1 GiB of it resident) plus that: 1.6 GiB with the defaults, under
JUDGE_MEMORY_MB. A test that reaches it fails with a MemoryError naming --judge-memory-mb; a
reply that does not fit ends its item the same way.

The reply limits' defaults are far above what honest work needs. Measured (weighted) on the
reference solutions of modules 01-09, every graded item: the largest reply 0.46 MiB (module 03;
0.12 MiB in module 09), the most one item received 3.1 MiB (module 03; 0.21 MiB in module 09),
the most replies one item took 2,507 (module 06; 31 in module 09).
"""
from __future__ import annotations

from dataclasses import dataclass

MIB = 2 ** 20


@dataclass(frozen=True)
class Limits:
    per_test: float = 60.0        # seconds of wall clock per test cell (one graded item)
    total: float = 600.0          # seconds for the whole run, export included; cells not started by then are not run
    jobs: int = 2                 # test cells run at a time
    memory_mb: int = 2048         # address space of the student's process (RLIMIT_AS)
    processes: int = 64           # processes of the student's own user id (RLIMIT_NPROC; with namespaces only)
    file_size_mb: int = 64        # largest file the student's process may write (RLIMIT_FSIZE)
    cpu_seconds: int = 60         # CPU time per test cell (RLIMIT_CPU), next to the wall clock
    reply_mb: int = 64            # largest reply the judge accepts from the student's process (weighted, MiB)
    replies_mb: int = 256         # all replies of one test cell together (weighted, MiB)
    replies: int = 100_000        # replies one test cell may take (each call, attribute, next() is one)
    judge_memory_mb: int = 1280   # how much the judge's own address space may grow while it runs the test cells

    def check(self) -> None:
        """Raise ValueError when a limit is not a positive, finite number."""
        seconds = (self.per_test, self.total)
        counts = (self.jobs, self.memory_mb, self.processes, self.file_size_mb, self.cpu_seconds, self.reply_mb,
                  self.replies_mb, self.replies, self.judge_memory_mb)
        if not all(0 < s < float("inf") for s in seconds) or not all(isinstance(c, int) and c >= 1 for c in counts):
            raise ValueError(
                f"--timeout and --total-timeout must be positive, finite numbers of seconds and --jobs, --memory-mb, "
                f"--processes, --file-size-mb, --cpu-seconds, --reply-mb, --replies-mb, --replies and --judge-memory-mb "
                f"whole numbers of at least 1; got {self.per_test:g}, {self.total:g}, {self.jobs}, {self.memory_mb}, "
                f"{self.processes}, {self.file_size_mb}, {self.cpu_seconds}, {self.reply_mb}, {self.replies_mb}, "
                f"{self.replies} and {self.judge_memory_mb}.")

    def rlimits(self, own_uid: bool) -> dict:
        """What the child sets on itself (names as in child.LIMITS)."""
        return {"memory": self.memory_mb * MIB, "file_size": self.file_size_mb * MIB, "cpu": self.cpu_seconds,
                "processes": self.processes if own_uid else None}


# What each breach looks like from the judge, and how to describe it.
FLAGS = {"memory": ("address space", "memory_mb", "MiB", "--memory-mb"),
         "file_size": ("file size", "file_size_mb", "MiB", "--file-size-mb"),
         "cpu": ("CPU time", "cpu_seconds", "s", "--cpu-seconds"),
         "processes": ("process", "processes", "processes", "--processes"),
         "reply": ("reply size", "reply_mb", "MiB", "--reply-mb"),
         "replies_size": ("total reply size", "replies_mb", "MiB", "--replies-mb"),
         "replies": ("reply count", "replies", "replies", "--replies"),
         "judge_memory": ("judge's memory", "judge_memory_mb", "MiB", "--judge-memory-mb")}

MESSAGE_LIMIT = 1500    # characters of a check's one-line message (judge.py), its "Likely bug" hint included
JSON_WEIGHT = 16        # a byte of a reply's JSON weighs this much against the reply limits (see above)
JUDGE_MEMORY_MB = 2048  # the judge's peak memory stays under this with the default limits (see above)


def one_line(text: str) -> str:
    """A check's message as one line of at most MESSAGE_LIMIT characters (judge.py)."""
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 3] + "..."


def flag(field_name: str) -> str:
    """The `tito grade` flag of a Limits field: per_test is --timeout, total --total-timeout, the
    others their name with dashes (memory_mb is --memory-mb)."""
    return {"per_test": "--timeout", "total": "--total-timeout"}.get(field_name, "--" + field_name.replace("_", "-"))


def replies_memory_mb(limits: Limits) -> int:
    """The judge's peak memory (MiB) when its test cells compute nothing large from the replies: its
    own base (Python, numpy, nbformat: about 100 MiB) and, per job, one item's replies at their limit
    and one reply being decoded (see above)."""
    return 128 + limits.jobs * (limits.replies_mb + limits.reply_mb)


def breach(name: str, limits: Limits) -> str:
    what, field, unit, flag = FLAGS[name]
    return f"the {what} limit of {getattr(limits, field)} {unit} was reached (raise it with {flag})"

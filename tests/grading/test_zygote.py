"""Graded cells' children forked from the grading's zygote (tito/grading/zygote.py) instead of started
afresh under `unshare`: the same verdicts, a zygote that dies costs nothing, and none outlives its grading.

The attack suites run with forked children wherever the zygote can be used (root with namespaces); the
freeze attack (test_judge_attacks_from_afar) runs in both modes, and the limits (test_judge_limits) read
the exit status that comes back through the zygote's status pipe."""
import ast
import os
import signal
from pathlib import Path

import pytest

from test_grade_0108_wrong_answers import apply_submission
from tito_helpers import by_number, descends_from_me, grade_notebook, reference_notebook
from tito.grading import processes

pytestmark = pytest.mark.skipif(not processes.Zygote.usable(),
                                reason="children are forked from a zygote only as root with namespaces (Linux)")
WRONG_01 = Path(__file__).parent / "submissions_0108" / "01_tensor" / "mean_single_axis.py"


def _verdicts(report) -> list:
    return [(item.id, item.status, item.points_earned, item.message) for item in report.items]


def _zygotes_below_me() -> set:
    """The tito_zygote.py processes descending from this test's process."""
    found = set()
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if b"tito_zygote.py" in cmdline.read() and descends_from_me(int(entry)):
                    found.add(int(entry))
        except OSError:
            pass
    return found


@pytest.mark.parametrize("number, answer", [("01", None), ("01", WRONG_01), ("09", None)],
                         ids=["01 reference", "01 mean over one axis only", "09 reference"])
def test_forked_children_give_the_verdicts_of_started_ones(number, answer, tmp_path, monkeypatch):
    module = by_number(number)
    nb = reference_notebook(module)
    if answer is not None:
        nb = apply_submission(nb, answer.read_text())
    monkeypatch.setenv(processes.ZYGOTE_ENV, "1")
    started = grade_notebook(module, nb, tmp_path / "started")
    monkeypatch.setenv(processes.ZYGOTE_ENV, "0")
    forked = grade_notebook(module, nb, tmp_path / "forked")
    assert started.error is None and forked.error is None, (started.error, forked.error)
    assert _verdicts(forked) == _verdicts(started)
    if answer is None:
        assert forked.total == forked.maximum
    else:
        assert 0 < forked.total < forked.maximum, forked.total


def test_a_zygote_that_dies_costs_nothing_and_none_is_left(tmp_path, monkeypatch):
    """The zygote is killed as soon as it starts: every child is then started afresh, the reference still
    scores full marks, and no zygote outlives the grading (nor does the one of a normal grading)."""
    before = _zygotes_below_me()
    started = []
    original = processes.Zygote.__init__

    def killed_at_once(self, *args, **kwargs):
        original(self, *args, **kwargs)
        os.kill(self.child.proc.pid, signal.SIGKILL)
        self.child.proc.wait(timeout=10)
        started.append(self)

    monkeypatch.setattr(processes.Zygote, "__init__", killed_at_once)
    module = by_number("05")
    report = grade_notebook(module, reference_notebook(module), tmp_path / "killed")
    assert started, "the grading started no zygote"
    assert report.error is None and report.total == report.maximum, (report.total, report.error)
    monkeypatch.undo()
    report = grade_notebook(module, reference_notebook(module), tmp_path / "normal")
    assert report.total == report.maximum
    assert _zygotes_below_me() - before == set(), "a zygote outlived its grading"


FAKE_MAIN = '''

def main():  # in place of the real one: says what PID 1 sees, then ends with a status of its own
    import random
    os.write(1, repr((os.getpid(), os.getppid(), os.getsid(0) == os.getpid(), len(os.listdir("/proc/self/fd")),
                      random.random(), float(np.random.random()), os.environ.get("MARK"), os.getcwd())).encode())
    os.close(1)
    os._exit(int(os.environ["STATUS"]))
'''


def _fake_lib(tmp_path: Path) -> Path:
    """A folder holding the real zygote and wire, and a tito_child whose main reports instead of serving."""
    from tito.grading import judge
    lib = tmp_path / "lib"
    lib.mkdir()
    for name, source in judge.CHILD_FILES.items():
        (lib / name).write_text(source.read_text() + (FAKE_MAIN if name == "tito_child.py" else ""))
    return lib


def _forked(zygote, lib: Path, status: int) -> tuple:
    """(what the forked PID 1 wrote, its exit status) for one child of `zygote`."""
    reply_read, reply_write = os.pipe()
    request_read, request_write = os.pipe()
    with open(os.devnull, "wb") as err:
        child = zygote.spawn(cwd=lib, env={"MARK": "mine", "STATUS": str(status)}, stdin=request_read,
                             stdout=reply_write, stderr=err.fileno())
    for end in (request_read, reply_write):
        os.close(end)
    assert child is not None, "the zygote did not fork the child"
    with os.fdopen(reply_read, "rb") as replies:
        said = replies.read()
    os.close(request_write)
    return ast.literal_eval(said.decode()), child.proc.wait(timeout=10)


def test_each_forked_child_is_pid_1_of_its_own_namespaces_with_its_own_random_numbers(tmp_path):
    from tito.grading import judge
    lib = _fake_lib(tmp_path)
    with processes.Group() as group:
        zygote = processes.Zygote(group, lib / "tito_zygote.py", judge._child_env(str(tmp_path)))
        (pid_a, ppid_a, leader_a, fds_a, py_a, np_a, mark_a, cwd_a), status_a = _forked(zygote, lib, 0)
        (pid_b, ppid_b, leader_b, fds_b, py_b, np_b, mark_b, cwd_b), status_b = _forked(zygote, lib, 7)
        zygote.close()
    assert (pid_a, ppid_a, pid_b, ppid_b) == (1, 0, 1, 0)      # PID 1 of a new PID namespace each
    assert leader_a and leader_b                               # a session of its own, inside the namespace
    assert fds_a == fds_b == 4                                 # stdin, stdout, stderr and listdir's own
    assert (mark_a, mark_b, cwd_a, cwd_b) == ("mine", "mine", str(lib), str(lib))
    assert py_a != py_b and np_a != np_b                       # reseeded: not the zygote's numbers twice
    assert (status_a, status_b) == (0, 7)                      # the exit status, through the status pipe

"""tito on a system without fork, process groups, `resource`, prctl, namespaces or select() on pipes
(Windows), tested on Linux by taking those away (tests/helpers/without_posix.py, issue 22.2).

Each test runs tito in a fresh interpreter where they are gone, the student's process included.
The same cases run on this system's own code path for comparison, so a difference can only come
from what was taken away.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tito_helpers import DEMO, by_number, inject, make_repo, write_nb
from tito import notebooks
from tito.grading import pipes, remote

FAKE = Path(__file__).resolve().parents[1] / "helpers" / "without_posix.py"  # exec()ed, never imported

# A submission of the demo module per case, and what grading it gives: status per graded cell.
ALL_PASS = {"test-demo-add": "pass", "test-demo-total": "pass", "test-demo-numpy": "pass"}
CASES = {
    "reference": (None, ALL_PASS, ""),
    "endless loop": ("while True: pass", dict(ALL_PASS, **{"test-demo-total": "timeout", "test-demo-numpy": "timeout"}),
                     "an endless loop"),
    "exit": ("import os; os._exit(3)", dict(ALL_PASS, **{"test-demo-total": "error", "test-demo-numpy": "error"}),
             "exit code 3"),
    # The judge's pipes are the child's stdin and stdout until it moves them: what the student's
    # code writes to stdout or reads from stdin must reach neither.
    "writes to stdout": ("import os; os.write(1, b'{\"ok\": 1}' * 1000); print('hello')", ALL_PASS, ""),
    "reads stdin": ("import os; assert os.read(0, 100) == b''", ALL_PASS, ""),
    # An attack on the transport itself: the student's code finds the judge's pipes among its own
    # file descriptors and writes a forged message onto every one it can. The judge refuses what
    # does not parse: the items that ran that code lose their points, with the reason; no other item.
    "forges a reply": ("import os, stat\nfor fd in range(3, 256):\n    try:\n        if stat.S_ISFIFO(os.fstat(fd).st_mode):\n"
                       "            os.write(fd, bytes([0, 0, 0, 5]) + b'hello')\n    except OSError:\n        pass",
                       dict(ALL_PASS, **{"test-demo-total": "error", "test-demo-numpy": "error"}), "broke the protocol"),
}


def _graded_in(tmp_path: Path, windows: bool) -> dict:
    """Grade every case (demo module) in one fresh interpreter; {case: {cell: status}, case + ' messages': ...}."""
    submissions = {}
    for index, (case, (statement, _, _)) in enumerate(CASES.items()):
        nb = notebooks.reference_notebook(DEMO.src)
        if statement:
            nb = inject(nb, "total_loops", statement)
        submissions[case] = str(write_nb(nb, tmp_path / f"case{index}.ipynb"))
    code = "\n".join([
        f"exec(open({str(FAKE)!r}).read(), {{'__file__': {str(FAKE)!r}}})" if windows else "",
        "import json, os, sys",
        "sys.path.insert(0, " + repr(str(Path(__file__).parents[1] / "helpers")) + ")",
        "from tito_helpers import DEMO",
        "from tito import paths",
        "from tito.grading import grade, pipes",
        "from tito.grading.limits import Limits",
        "out = {'select_waits_on_pipes': pipes.select_waits_on_pipes(), 'fork': hasattr(os, 'fork')}",
        f"for case, path in {submissions!r}.items():",
        "    report = grade.grade_submission(DEMO, __import__('pathlib').Path(path), paths.package_dir(),",
        "                                    Limits(per_test=10, total=120))",
        "    out[case] = {item.id: item.status for item in report.items}",
        "    out[case + ' messages'] = ' | '.join(item.message for item in report.items)",
        "print(json.dumps(out))",
    ])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, TITO_NO_NAMESPACES="1") if windows else None)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return {windows: _graded_in(tmp_path_factory.mktemp("windows" if windows else "posix"), windows)
            for windows in (True, False)}


@pytest.mark.slow  # (the fixture: ten gradings, two of them endless loops)
def test_the_fake_takes_away_what_windows_lacks(graded):
    assert graded[True]["select_waits_on_pipes"] is False and graded[True]["fork"] is False
    assert graded[False]["select_waits_on_pipes"] is True and graded[False]["fork"] is True


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_each_case_grades_the_same_with_and_without_posix(graded, case):
    _, statuses, message = CASES[case]
    for windows in (True, False):
        assert graded[windows][case] == statuses, (windows, graded[windows][case + " messages"])
        assert message in graded[windows][case + " messages"], graded[windows][case + " messages"]


def _fake_then(code: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(cwd), os.environ.get("PYTHONPATH")])),
               PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-c", f"exec(open({str(FAKE)!r}).read(), {{'__file__': {str(FAKE)!r}}})\n"
                           + code], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _tito(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return _fake_then(f"import sys\nfrom tito.main import main\nsys.exit(main({list(args)!r}))", repo)


@pytest.mark.slow
def test_export_status_and_grade_from_the_command_line(tmp_path):
    """The commands a student and an instructor use, in a course repository, without POSIX."""
    (tmp_path / "repo").mkdir()
    repo = make_repo(tmp_path / "repo", [DEMO])
    notebook = next((repo / "modules").rglob("*.ipynb"))
    solved = write_nb(notebooks.reference_notebook(repo / "src" / "00_demo" / "00_demo.py"), tmp_path / "solved.ipynb")
    status = _tito(repo, "status")
    assert status.returncode == 0 and "00_demo" in status.stdout, status.stdout + status.stderr
    exported = _tito(repo, "export", "00")  # the blank notebook a student starts from
    tested = _tito(repo, "test", "00")
    assert exported.returncode == 0 and "00_demo: FAILED" in tested.stdout and "NotImplementedError" in tested.stdout, \
        exported.stdout + exported.stderr + tested.stdout + tested.stderr
    notebook.write_bytes(solved.read_bytes())  # ... and once it is solved
    exported = _tito(repo, "export", "00")
    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert "def total_loops" in (repo / "tinytorch" / "core" / "demo.py").read_text()
    tested = _tito(repo, "test", "00")
    assert tested.returncode == 0 and "00_demo: PASSED" in tested.stdout, tested.stdout + tested.stderr
    graded = _tito(repo, "grade", "00", str(solved), "--json", str(tmp_path / "report.json"))
    assert graded.returncode == 0, graded.stdout + graded.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["total"] == report["max"] == 6, report
    said = graded.stdout + graded.stderr
    assert "isolation on this system is partial" in said and "no `resource` module" in said, said


@pytest.mark.slow
def test_module_09_reference_full_marks_and_blank_zero_without_posix(tmp_path):
    module = by_number("09")
    solved = write_nb(notebooks.reference_notebook(module.src), tmp_path / "solved.ipynb")
    blank = write_nb(notebooks.student_notebook(module.src), tmp_path / "blank.ipynb")
    for path, expected in ((solved, "full"), (blank, 0)):
        done = _fake_then(f"import sys\nfrom tito.main import main\n"
                          f"sys.exit(main(['grade', '09', {str(path)!r}, '--json', {str(path) + '.json'!r}]))",
                          Path(__file__).resolve().parents[2])
        report = json.loads(Path(str(path) + ".json").read_text())
        assert report["total"] == (report["max"] if expected == "full" else 0), done.stdout[-3000:]


# ---- the judge's side of the pipes without select(): a helper thread against the deadline -----

def use_the_helper_thread(monkeypatch) -> None:
    """Wait on pipes as on Windows, where select() takes sockets only."""
    monkeypatch.setattr(pipes, "select_waits_on_pipes", lambda: False)


@pytest.fixture
def helper_thread(monkeypatch):
    use_the_helper_thread(monkeypatch)


@pytest.mark.parametrize("mode", ["select", "helper thread"])
def test_a_child_that_stops_reading_costs_its_item_never_the_judge(mode, monkeypatch):
    if mode == "helper thread":
        use_the_helper_thread(monkeypatch)
    import numpy as np
    request_read, request_write = os.pipe()
    reply_read, reply_write = os.pipe()
    started = time.monotonic()
    try:
        conn = remote.Connection(request_write, reply_read, started + 0.5, lambda name: None)
        assert (conn.pipes.helper is None) == (mode == "select")
        with pytest.raises(remote.ItemTimeout):
            conn.send({"op": "call", "id": 1}, {"args": [np.zeros(2 ** 20)]})  # 8 MiB, far over a pipe's buffer
        with pytest.raises(remote.ItemTimeout):
            conn.read()
        assert time.monotonic() - started < 5
    finally:
        for fd in (request_read, request_write, reply_read, reply_write):
            os.close(fd)
        conn.close()


def test_a_silent_child_times_out_and_a_closed_one_is_gone(helper_thread):
    request_read, request_write = os.pipe()
    reply_read, reply_write = os.pipe()
    try:
        silent = remote.Connection(request_write, reply_read, time.monotonic() + 0.3, lambda name: None)
        with pytest.raises(remote.ItemTimeout):
            silent.read()
        silent.close()
        other_read, other_write = os.pipe()
        os.close(other_write)  # the child ended: its end of the reply pipe is closed
        gone = remote.Connection(request_write, other_read, time.monotonic() + 5, lambda name: None)
        started = time.monotonic()
        with pytest.raises(remote.ChildGone):
            gone.read()
        assert time.monotonic() - started < 1  # known at once, not at the deadline
        gone.close()
        os.close(other_read)
    finally:
        for fd in (request_read, request_write, reply_read, reply_write):
            os.close(fd)


def test_the_helper_thread_carries_whole_messages_both_ways(helper_thread):
    import numpy as np
    from tito.grading import wire
    request_read, request_write = os.pipe()
    reply_read, reply_write = os.pipe()
    try:
        conn = remote.Connection(request_write, reply_read, time.monotonic() + 10, lambda name: None)
        array = np.arange(30000, dtype=np.float64)  # 240 kB: many reads and writes of a pipe's buffer
        import threading
        echoed = {}

        def child():  # reads the request, sends its arrays back as a reply
            header, buffers = wire.read_message(request_read)
            echoed["header"] = header
            wire.write_message(reply_write, {"ok": header["args"]}, buffers)

        thread = threading.Thread(target=child)
        thread.start()
        conn.send({"op": "call", "id": 1}, {"args": [array]})
        reply, buffers = conn.read()
        thread.join(5)
        back = conn.decode(reply["ok"], buffers)
        assert isinstance(back, list) and np.array_equal(back[0], array)
        conn.close()
    finally:
        for fd in (request_read, request_write, reply_read, reply_write):
            os.close(fd)


# ---- the student's process gets an environment of its own: on Windows, with what Python needs to start ----

def test_the_childs_environment_carries_what_windows_needs_to_start_python(monkeypatch):
    """The judge starts its child with a small environment of its own, not the grader's. On Windows a Python
    started without SYSTEMROOT stops before running anything ('Fatal Python error: _Py_HashRandomization_Init:
    failed to get random numbers to initialize Python'): every item would fail."""
    from tito.grading import judge
    monkeypatch.setenv("SYSTEMROOT", "C:\\Windows")
    monkeypatch.setenv("WINDIR", "C:\\Windows")
    monkeypatch.setenv("GRADER_TOKEN", "not for the student")
    here = judge._child_env("/tmp/work")
    assert "SYSTEMROOT" not in here and "WINDIR" not in here and "GRADER_TOKEN" not in here
    monkeypatch.setattr(sys, "platform", "win32")
    there = judge._child_env("C:\\Users\\ta\\AppData\\Local\\Temp\\tito-grade-1\\work-1")
    assert there["SYSTEMROOT"] == there["WINDIR"] == "C:\\Windows", there
    assert "GRADER_TOKEN" not in there
    assert set(there) - set(here) == {"SYSTEMROOT", "WINDIR"}


# ---- nbgrader on Windows: the course's kernel, without Unix sockets and without exec ---------------

def test_the_nbgrader_course_uses_unix_sockets_only_where_there_are_some(tmp_path, monkeypatch):
    """pyzmq's Windows wheels have no ipc:// transport: a kernel configured with it never starts there."""
    pytest.importorskip("ipykernel")
    from traitlets.config import Config

    from tito import release
    from tito_helpers import DEMO
    course = tmp_path / "course"
    release.release([DEMO], course)
    text = (course / "nbgrader_config.py").read_text(encoding="utf-8")

    def loaded() -> Config:
        config = Config()
        exec(compile(text, str(course / "nbgrader_config.py"), "exec"),
             {"get_config": lambda: config, "__file__": str(course / "nbgrader_config.py")})
        return config

    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the run folders it makes land here
    here = loaded()
    assert here.KernelManager.transport == "ipc" and here.KernelManager.ip.endswith("kernel")
    with monkeypatch.context() as windows:  # (undone before any assertion: pytest's report reads os.name)
        windows.setattr(os, "name", "nt")
        there = loaded()
    assert "transport" not in there.KernelManager and "ip" not in there.KernelManager, there.KernelManager
    assert there.Autograde.autograde_preprocessors[0] == "tito.nbgrader_judge.TitoGrade"  # the rest as before


def test_the_plain_kernel_runs_in_the_process_nbgrader_started_on_windows(monkeypatch):
    """On Windows os.execv ends the process nbgrader watches (and starts another): jupyter_client then
    reports the kernel dead. There ipykernel runs in this process; elsewhere it is exec'd as before."""
    import types

    from tito import nbgrader_kernel
    calls = []

    def execv(path, args):
        calls.append(("execv", args[1:3]))
        raise SystemExit("exec")

    kernelapp = types.ModuleType("ipykernel.kernelapp")
    kernelapp.launch_new_instance = lambda argv=None: calls.append(("in this process", argv))
    package = types.ModuleType("ipykernel")
    package.kernelapp = kernelapp
    monkeypatch.setitem(sys.modules, "ipykernel", package)
    monkeypatch.setitem(sys.modules, "ipykernel.kernelapp", kernelapp)
    monkeypatch.setattr(os, "execv", execv)
    for platform in ("linux", "win32"):
        with monkeypatch.context() as system:  # (undone before any assertion: pytest's report reads sys.platform)
            system.setattr(sys, "platform", platform)
            try:
                nbgrader_kernel.plain_kernel(["-f", "kernel-1.json"])
            except SystemExit:
                pass
            else:
                calls.append("returned")
    assert calls == [("execv", ["-m", "ipykernel_launcher"]), ("in this process", ["-f", "kernel-1.json"])], calls


# ---- a batch stops a grading process on Windows with its tree ---------------------------------------

def test_a_batch_ends_a_grading_process_with_the_students_processes_below_it_on_windows(monkeypatch):
    """A grading process past its time, or the batch stopped: on Linux SIGTERM lets `tito grade` kill its own
    children; on Windows send_signal(SIGTERM) is TerminateProcess, which ends that process alone, and the
    student's process it had started (an endless loop) ran on. There the whole tree ends at once."""
    from tito.grading import batch
    from tito.grading import processes as procs
    seen = []

    class Proc:
        pid = 4242

        def send_signal(self, sig):
            seen.append("TerminateProcess")  # what Popen.send_signal(SIGTERM) is on Windows

        def wait(self, timeout=None):
            seen.append("wait")
            return 1

    monkeypatch.setattr(procs, "kill_group", lambda proc: seen.append(f"kill_group {proc.pid}"))
    monkeypatch.delattr(os, "killpg")
    batch.Runner._end(None, Proc())
    assert seen == ["kill_group 4242", "wait"], seen

"""The export of a graded submission runs with no more rights than the student's code (issue 20, item 1).

tito reads the notebook's bytes itself (it was given the path; the file may be readable by tito's
user alone), then parses and exports them in a forked process. Where the student's code gets a user
id of its own (tito is root, with namespaces), so does that process: a fresh user id, no groups, no
new privileges, no further process or thread, a tmpfs of its own as its only writable place. It
sends back the module's text, and tito writes it into the package copy.

The tests replace `export.export_module_text` (what the forked process runs on the notebook) with
probes that report what that process can do: a parser bug turned hostile could do no more.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest

from tito_helpers import DEMO, FAST, ROOT, grade_notebook, reference_notebook, write_nb
from tito import cells, export, paths
from tito.grading import grade, processes
from tito.grading.limits import Limits

OWN_UID = processes.isolation().own_uid
needs_own_uid = pytest.mark.skipif(not OWN_UID, reason="the exporter gets a user id of its own only when tito is "
                                                      "root with namespaces (Linux)")


def probe(facts) -> callable:
    """An export_module_text that exports nothing and reports facts() as its message."""
    def export_module_text(nb, edit_me, target, staging):
        return None, "PROBE " + json.dumps(facts(staging))
    return export_module_text


def probed(monkeypatch, tmp_path, facts, limits=FAST) -> dict:
    grade._warm_up(cells.export_target(DEMO.src), tmp_path)  # with the real export, before it is replaced
    monkeypatch.setattr(export, "export_module_text", probe(facts))
    report = grade_notebook(DEMO, reference_notebook(DEMO), tmp_path, limits)
    assert report.total == 0 and report.error.startswith("PROBE "), report.error
    return json.loads(report.error[len("PROBE "):])


def try_to(action) -> str:
    try:
        action()
    except OSError as error:
        return type(error).__name__
    return "done"


@needs_own_uid
def test_the_exporter_runs_as_a_fresh_user_without_groups_or_new_privileges(monkeypatch, tmp_path):
    def facts(staging):
        with open("/proc/self/status") as handle:
            status = dict(line.split(":", 1) for line in handle if ":" in line)
        return {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
                "no_new_privs": status["NoNewPrivs"].strip(), "cwd": os.getcwd(), "staging": str(staging)}

    seen = probed(monkeypatch, tmp_path, facts)
    assert seen["uid"] == seen["euid"] == seen["gid"] and seen["uid"] >= 1_000_000, seen
    assert seen["uid"] != os.getuid() and seen["groups"] == [] and seen["no_new_privs"] == "1", seen
    assert seen["cwd"] == str(Path(seen["staging"]).parent), "it works in the folder holding its staging folder"
    (tmp_path / "again").mkdir()
    assert probed(monkeypatch, tmp_path / "again", facts)["uid"] != seen["uid"], "each grading draws a new user id"


def victim_parent() -> Path:
    """A folder for the grader's files that the exporter can reach by path, where only its user id stops
    it: beside the grader's code if the checkout is outside /tmp, /var/tmp and /dev/shm (read-only for
    the exporter, whatever the permissions; CI clones into /tmp), else another folder every user may
    pass through."""
    shadowed = [Path(folder) for folder in processes.WRITABLE_FOLDERS]
    for folder in (ROOT, Path("/var/lib"), Path("/opt"), Path("/srv"), Path("/usr/local")):
        folder = folder.resolve()
        reachable = all(os.stat(part).st_mode & 0o001 for part in [folder, *folder.parents])
        if folder.is_dir() and reachable and not any(folder.is_relative_to(s) for s in shadowed):
            return folder
    pytest.skip("no folder outside /tmp, /var/tmp and /dev/shm that every user may pass through")


@needs_own_uid
def test_the_exporter_can_write_nothing_that_outlives_it(monkeypatch, tmp_path, request):
    """Not the grader's files, not tito's home, nothing in /tmp, /var/tmp or /dev/shm (read-only for it:
    an installation may live there); only its own tmpfs, gone with it."""
    victim = Path(tempfile.mkdtemp(prefix=".tito-victim-", dir=victim_parent()))
    request.addfinalizer(lambda: shutil.rmtree(victim))
    os.chmod(victim, 0o755)  # reachable: only the permissions of the files themselves stop it
    (victim / "grade.py").write_text("# the grader's code\n")
    home = Path(os.path.expanduser("~"))
    mark = f"tito-probe-{os.getpid()}-{time.time_ns()}"
    shared = [Path(folder) for folder in processes.WRITABLE_FOLDERS if os.path.isdir(folder)]

    def facts(staging):
        return {"new file": try_to(lambda: (victim / "new.py").write_text("x")),
                "append": try_to(lambda: open(victim / "grade.py", "a").write("boom")),
                "home": try_to(lambda: (home / mark).write_text("x")),
                "own folder": try_to(lambda: (Path(staging).parent / mark).write_text("x")),
                "shared": [try_to(lambda: (folder / mark).write_text("x")) for folder in shared]}

    seen = probed(monkeypatch, tmp_path, facts)
    assert seen == {"new file": "PermissionError", "append": "PermissionError", "home": "PermissionError",
                    "own folder": "done", "shared": ["OSError"] * len(shared)}, seen
    assert (victim / "grade.py").read_text() == "# the grader's code\n" and not (victim / "new.py").exists()
    assert not (home / mark).exists()
    assert [folder for folder in shared if (folder / mark).exists()] == []


@needs_own_uid
def test_the_exporter_cannot_start_a_process_or_signal_tito(monkeypatch, tmp_path):
    def facts(staging):
        def fork():
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
        return {"fork": try_to(fork), "signal tito": try_to(lambda: os.kill(os.getppid(), 0))}

    assert probed(monkeypatch, tmp_path, facts) == {"fork": "BlockingIOError", "signal tito": "PermissionError"}


@needs_own_uid
def test_a_notebook_readable_by_tito_alone_is_still_graded(tmp_path):
    """tito reads the bytes as itself; the exporter, another user, never opens the file."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    submission = write_nb(reference_notebook(DEMO), private / "submission.ipynb")
    os.chmod(submission, 0o600)
    report = grade.grade_submission(DEMO, submission, paths.package_dir(), FAST)
    assert report.total == report.maximum > 0, [item.message for item in report.items]


def test_an_exported_module_larger_than_the_file_size_limit_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(export, "export_module_text",
                        lambda nb, edit_me, target, staging: (b"x = 1\n" + b"#" * (10 * 2 ** 20), None))
    report = grade_notebook(DEMO, reference_notebook(DEMO), tmp_path, Limits(per_test=10, total=120, file_size_mb=1))
    assert report.total == 0
    assert "larger than the file size limit of 1 MiB (raise it with --file-size-mb)" in report.error, report.error


@needs_own_uid
def test_kill_user_kills_every_process_of_that_user_and_no_other():
    uid = processes.spare_uid()
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            time.sleep(60)
        finally:
            os._exit(3)
    time.sleep(0.2)
    processes.kill_user(uid)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL

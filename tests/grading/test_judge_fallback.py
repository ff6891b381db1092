"""The fallback is honest (issue 20): without namespaces (TITO_NO_NAMESPACES=1 gives the mode on
Linux; macOS, Windows and unprivileged containers get it), what tito still promises holds.

  * tito is a child subreaper on Linux: what the student's code starts (setsid daemons, double
    forks) is reparented to tito and killed before any report is written, so nothing outlives
    the grading and nothing rewrites the `--json` report after tito exits;
  * a grading killed with SIGKILL leaves its scratch folder behind; the next `tito grade` removes
    it (and leaves a live grading's folder alone): scratch.py;
  * `Isolation.off()` names what is off in each mode.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from judge_attacks import ATTACKS, attack_notebook, base_notebook, with_cell
from test_judge_attacks import FULL_MARKS, MODULE, Graded, environment, processes_mentioning, student
from tito_helpers import ROOT
from tito.grading import processes, scratch

LINUX = sys.platform.startswith("linux")
needs_09 = pytest.mark.skipif(MODULE is None, reason="module 09 does not exist")


def no_namespaces(tmp: Path) -> dict:
    return dict(environment(tmp), TITO_NO_NAMESPACES="1")


def kill_marked(text: str) -> None:
    for pid in processes_mentioning(text):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def only_reports_under(folder: Path, nb):
    """The attack, aimed at reports under `folder` only. Without namespaces it sees every process of
    the machine: unaimed, it would wait for (and rewrite) the reports of other gradings running
    at the same time, other test runs' included."""
    find = "if b'--json' in a:"
    aimed = f"if b'--json' in a and a[a.index(b'--json')+1].startswith({str(folder).encode()!r}):"
    assert nb.cells[-1].source.count(find) == 1, "the attack changed: update this test"
    nb.cells[-1].source = nb.cells[-1].source.replace(find, aimed)
    return nb


@pytest.mark.slow
@needs_09
@pytest.mark.skipif(not LINUX, reason="the subreaper is Linux's")
def test_without_namespaces_a_daemon_neither_survives_nor_rewrites_the_report(tmp_path):
    marker = f"TITO-FALLBACK-{uuid.uuid4().hex}"
    env = no_namespaces(tmp_path / "tmp")
    assert "--json" in ATTACKS["rewrite_report_later"][1]
    try:
        base = Graded(base_notebook(student(), "rewrite_report_later", marker), tmp_path, "base", env).wait()
        attack_nb = only_reports_under(tmp_path, attack_notebook(student(), "rewrite_report_later", marker))
        attack = Graded(attack_nb, tmp_path, "attack", env).wait()
        assert attack.code == 0 and attack.report is not None, attack.err
        time.sleep(5)  # the attack rewrites the report within 0.05 s of tito's exit, if it is alive
        assert attack.report_path.read_bytes() == attack.report_bytes, "the report changed after tito exited"
        assert base.report_path.read_bytes() == base.report_bytes
        assert attack.report["total"] <= base.report["total"] == 0, (base.out, attack.out)
        assert attack.report["max"] == FULL_MARKS
        assert processes_mentioning(marker) == [], "a process the submission started outlived the grading"
        assert list((tmp_path / "tmp").iterdir()) == [], "temporary files were left behind"
    finally:
        kill_marked(marker)


HANG = "import time as _t\n_t.sleep(300)  # the child hangs at import"


@pytest.mark.slow
@needs_09
def test_a_sigkilled_gradings_scratch_folder_is_removed_by_the_next_grading(tmp_path):
    """Two folders in the temporary folder: one of a grading killed by SIGKILL (removed by the
    next `tito grade`) and one named for a live process, this test's (left alone)."""
    tmp = tmp_path / "tmp"
    env = no_namespaces(tmp)
    live = scratch.new_folder(str(tmp))  # named for this (live) process
    (live / "keep").write_text("a live grading's file")
    hanging = with_cell(student(), HANG)
    killed = Graded(hanging, tmp_path, "killed", env)
    try:
        for _ in range(600):  # until the grading has made its folder and started a child
            folders = [p for p in tmp.iterdir() if p != live]
            if folders and processes_mentioning(str(folders[0])):
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"the grading never started a child: {killed.proc.stderr.read()}")
        os.kill(killed.proc.pid, signal.SIGKILL)
        killed.proc.communicate(timeout=60)
        assert folders[0].is_dir() and folders[0].name.startswith("tito-grade-"), folders
    finally:
        kill_marked(str(tmp))
    blank = Graded(student(), tmp_path, "blank", env).wait()
    assert blank.code == 0 and blank.report["total"] == 0, blank.err
    assert list(tmp.iterdir()) == [live], "the killed grading's folder is still there"
    assert (live / "keep").read_text() == "a live grading's file"


# ---- scratch.py, fast ----------------------------------------------------------------------------

def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid  # free now (reuse within this test is unlikely, and would keep the folder)


def test_only_folders_of_dead_owners_of_this_user_are_removed_and_links_are_never_followed(tmp_path):
    mine = scratch.new_folder(str(tmp_path))
    stale = tmp_path / f"tito-grade-{scratch.owner_tag(dead_pid())}-abc_123"
    (stale / "lib" / "tinytorch").mkdir(parents=True)
    (stale / "lib" / "tinytorch" / "spatial.py").write_text("x")
    reused = tmp_path / f"tito-grade-{os.getpid()}-1-{scratch.owner_tag(os.getpid()).split('-', 2)[2]}-abc"
    reused.mkdir()  # this process's pid with another start time: an earlier process, gone
    target = tmp_path / "elsewhere"
    (target / "inside").mkdir(parents=True)
    link = tmp_path / f"tito-grade-{scratch.owner_tag(dead_pid())}-link"
    link.symlink_to(target, target_is_directory=True)
    other_ns = tmp_path / f"tito-grade-{dead_pid()}-5-123-abc"  # another PID namespace: cannot tell, kept
    other_ns.mkdir()
    old_style = tmp_path / "tito-grade-k2j4h_1x"  # mkdtemp's name before scratch.py: no owner, kept
    old_style.mkdir()
    unrelated = tmp_path / "tito-run-abc"
    unrelated.mkdir()
    others = []
    if os.geteuid() == 0:
        others.append(tmp_path / f"tito-grade-{scratch.owner_tag(dead_pid())}-other")
        others[0].mkdir()
        os.chown(others[0], 12345, 12345)
    removed = scratch.remove_stale(str(tmp_path))
    # Elsewhere only the pid is recorded: this process's pid is alive, whatever its start time.
    assert sorted(removed) == (sorted([stale, reused]) if LINUX else [stale])
    assert not stale.exists() and mine.is_dir()
    assert link.is_symlink() and (target / "inside").is_dir()
    assert other_ns.is_dir() == LINUX and old_style.is_dir() and unrelated.is_dir()
    assert all(p.is_dir() for p in others)


def test_the_folder_names_its_owner_and_is_private(tmp_path):
    folder = scratch.new_folder(str(tmp_path))
    assert folder.parent == tmp_path and folder.name.startswith(f"tito-grade-{os.getpid()}-")
    assert scratch.owner_alive(folder.name)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert not scratch.owner_alive(f"tito-grade-{scratch.owner_tag(dead_pid())}-abc")


# ---- the process tree and the subreaper, fast ------------------------------------------------------

# Leaves a sleeper whose parent has exited: it is nobody's child in the process tree below the
# child tito started (a double fork, as daemons do). Every process here carries MARK in its cmdline.
DOUBLE_FORK = """\
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(120)
    os._exit(0)
os.wait()
# MARK"""

# Run as tito's command line runs (inside cleanup_on_exit): pytest itself must not become a subreaper.
TITO_LIKE = """\
import os, sys, time
from tito.grading import processes

def alive(marker):
    for p in os.listdir("/proc"):
        try:
            if p.isdigit() and int(p) != os.getpid() and marker.encode() in open(f"/proc/{p}/cmdline", "rb").read():
                return True
        except OSError:
            pass
    return False

program, marker = sys.argv[1:]
with processes.cleanup_on_exit():
    with processes.Group() as group:
        child = group.spawn([sys.executable, "-c", program], cwd=".", env=dict(os.environ))
        child.proc.wait()
        time.sleep(0.3)
        print("orphan alive:", alive(marker), flush=True)
    print("after the group:", alive(marker), flush=True)
"""


@pytest.mark.skipif(not LINUX, reason="the subreaper is Linux's")
def test_a_double_forked_daemon_is_reparented_to_tito_and_killed_with_its_group(tmp_path):
    marker = f"TITO-FALLBACK-{uuid.uuid4().hex}"
    env = dict(os.environ, TITO_NO_NAMESPACES="1", PYTHONPATH=str(ROOT))
    try:
        result = subprocess.run([sys.executable, "-c", TITO_LIKE, DOUBLE_FORK.replace("MARK", marker), marker],
                                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        # The orphan lives while the group does (its child is not stopped yet), and not a moment longer.
        assert result.stdout.split("\n")[:2] == ["orphan alive: True", "after the group: False"], result.stdout
        assert processes_mentioning(marker) == []
    finally:
        kill_marked(marker)


# A child whose own child started a session of its own (out of its process group) and sleeps.
SETSID_CHILD = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)  "
                "# MARK'], start_new_session=True); time.sleep(120)  # MARK")


@pytest.mark.parametrize("listing", ["proc", "ps"])
def test_stopping_a_child_kills_its_whole_tree_whatever_session_it_made(listing, tmp_path, monkeypatch):
    """Linux lists processes from /proc; macOS from `ps` (tried here on Linux)."""
    if listing == "proc" and not LINUX:
        pytest.skip("/proc is Linux's")
    marker = f"TITO-FALLBACK-{uuid.uuid4().hex}"
    try:
        with processes.Group() as group:
            child = group.spawn([sys.executable, "-c", SETSID_CHILD.replace("MARK", marker)], cwd=tmp_path,
                                env=dict(os.environ), namespaces=False)
            for _ in range(100):
                if len(processes_mentioning(marker)) == 2:
                    break
                time.sleep(0.05)
            assert len(processes_mentioning(marker)) == 2
            if listing == "ps":
                monkeypatch.setattr(sys, "platform", "darwin")
            child.stop()
            monkeypatch.undo()
        time.sleep(0.2)  # the grandchild was killed, not yet reaped by init
        assert [pid for pid in processes_mentioning(marker) if not zombie(pid)] == []
    finally:
        kill_marked(marker)


def zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except OSError:
        return True


# ---- Ctrl-C in a grading without namespaces leaves no orphan ------------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(not LINUX, reason="the subreaper is Linux's")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_grading_without_namespaces_leaves_no_orphan(signum, demo_repo):
    from test_judge_interrupt import interrupt
    from tito_helpers import DEMO, inject, write_nb
    from tito import notebooks
    marker = f"TITO-FALLBACK-{uuid.uuid4().hex}"
    nb = inject(notebooks.reference_notebook(DEMO.src), "total_loops", "while True: pass")
    nb = inject(nb, "total_loops", f"__import__('subprocess').Popen([__import__('sys').executable, '-c', "
                f"{DOUBLE_FORK.replace('MARK', marker)!r}])")
    tmp = demo_repo / "tmp"
    tmp.mkdir()
    try:
        result = interrupt(demo_repo, ["grade", "00", str(write_nb(nb, demo_repo / "submission.ipynb")), "--timeout",
                                       "120"], marker, signum, {"TMPDIR": str(tmp), "TITO_NO_NAMESPACES": "1"})
        assert result.returncode == 130, result.stderr
        time.sleep(0.5)
        assert processes_mentioning(marker) == [], "the orphan outlived tito"
        assert list(tmp.iterdir()) == []
    finally:
        kill_marked(marker)


# ---- what each mode says ---------------------------------------------------------------------------

def test_each_mode_names_what_is_off():
    root = processes.Isolation(("unshare",), own_uid=True)
    userns = processes.Isolation(("unshare",), own_uid=False, userns=True)
    reaper, bare = processes.Isolation(subreaper=True), processes.Isolation(subreaper=False)
    assert root.off() == []
    assert userns.off() == ["a user id of its own (the student's code runs as the grader's user, inside its "
                            "namespaces) and the process limit (tito is not running as root)"]
    for mode in (reaper, bare):
        off = mode.off()
        assert off[0].startswith("PID and mount namespaces: the student's code sees and can signal every process")
        assert "reads and writes whatever that user can" in off[0]
        assert "a network namespace (it has the network)" in off
        assert off[-1].startswith("a user id of its own (it runs as the grader's user") and "process limit" in off[-1]
    assert "system service (cron, at, systemd-run) or alive when tito itself is killed" in reaper.off()[1]
    assert "can outlive the grading and rewrite the report after tito exits" in bare.off()[1]


def test_the_fallback_on_linux_is_a_subreaper_and_its_line_says_so(monkeypatch):
    monkeypatch.setenv(processes.NO_NAMESPACES_ENV, "1")
    processes.isolation.cache_clear()
    try:
        line = processes.protections_line()
        assert processes.isolation().subreaper == LINUX
    finally:
        processes.isolation.cache_clear()
    assert line.startswith("tito: isolation on this system is partial; off: PID and mount namespaces")
    assert ("cron, at, systemd-run" in line) == LINUX

"""Ctrl-C (and SIGTERM) in the middle of `tito grade` or `tito test` leaves no process behind.

The student's total_loops() first starts a detached process carrying a marker, then never returns.
Once that process is seen, tito gets the signal; it must exit with 130 and nothing it started, nor
anything the student's code started, may still run.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from test_judge_attacks import processes_mentioning
from tito_helpers import DEMO, ctrl_c_reaches_children, inject, write_nb
from tito import notebooks

pytestmark = pytest.mark.slow


def hanging_notebook(marker: str, new_session: bool):
    nb = inject(notebooks.reference_notebook(DEMO.src), "total_loops", "while True: pass")
    return inject(nb, "total_loops", "__import__('subprocess').Popen([__import__('sys').executable, '-c', "
                  f"'import time; time.sleep(120)  # {marker}'], start_new_session={new_session})")


def interrupt(repo, args, marker: str, signum: int, env_extra=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(repo), PYTHONDONTWRITEBYTECODE="1", **(env_extra or {}))
    with ctrl_c_reaches_children():
        proc = subprocess.Popen([sys.executable, "-m", "tito.main", *args], cwd=repo, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        for _ in range(600):  # until the student's code has started its process and is hanging
            if processes_mentioning(marker):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the hanging test never started")
        time.sleep(0.5)
        os.kill(proc.pid, signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


CASES = [("grade", signal.SIGINT, True, {}), ("grade", signal.SIGTERM, True, {}),
         ("test", signal.SIGINT, True, {}),
         # Without namespaces a process that starts its own session can escape; one that does not is caught.
         ("grade", signal.SIGINT, False, {"TITO_NO_NAMESPACES": "1"})]


@pytest.mark.parametrize("command, signum, new_session, env_extra", CASES,
                         ids=["grade-SIGINT", "grade-SIGTERM", "test-SIGINT", "grade-SIGINT-no-namespaces"])
def test_interrupt_mid_run_leaves_no_survivors(command, signum, new_session, env_extra, demo_repo):
    marker = f"TITO-INTERRUPT-{uuid.uuid4().hex}"
    nb = hanging_notebook(marker, new_session)
    if command == "grade":
        args = ["grade", "00", str(write_nb(nb, demo_repo / "submission.ipynb")), "--timeout", "120"]
    else:
        write_nb(nb, demo_repo / "modules" / "00_demo" / "00_demo.ipynb")
        exported = subprocess.run([sys.executable, "-m", "tito.main", "export", "00"], cwd=demo_repo, text=True,
                                  capture_output=True, env=dict(os.environ, PYTHONPATH=str(demo_repo)))
        assert exported.returncode == 0, exported.stderr
        args = ["test", "00", "--timeout", "120"]
    tmp = demo_repo / "tmp"
    tmp.mkdir()
    result = interrupt(demo_repo, args, marker, signum, {"TMPDIR": str(tmp), **env_extra})
    assert result.returncode == 130, result.stderr
    assert "interrupted; every process it started has been stopped" in result.stderr
    time.sleep(0.5)
    assert processes_mentioning(marker) == [], "a process the student's code started survived"
    assert processes_mentioning(str(tmp)) == [], "a child of tito survived"
    assert list(tmp.iterdir()) == [], "temporary files were left behind"
    if env_extra:
        assert result.stderr.count("isolation on this system is partial") == 1, result.stderr

"""A breach of a limit costs the items that hit it, with a message naming the limit and its flag."""
from __future__ import annotations

import pytest

from tito_helpers import DEMO, inject, write_nb
from tito import notebooks, paths
from tito.grading import grade, processes
from tito.grading.limits import Limits

# total_loops() is called by test-demo-total and test-demo-numpy; test-demo-add never reaches it.
BREACHES = {
    "cpu": ("while True: pass", Limits(per_test=60, total=120, cpu_seconds=1),
            "error", "CPU time limit of 1 s was reached (raise it with --cpu-seconds)"),
    "file_size": ("open('big.bin', 'wb').write(b'x' * 3 * 2 ** 20)", Limits(per_test=20, file_size_mb=1),
                  "fail", "file size limit of 1 MiB was reached (raise it with --file-size-mb)"),
    "memory": ("_hog = bytearray(3 * 2 ** 30)", Limits(per_test=20),
               "fail", "address space limit of 2048 MiB was reached (raise it with --memory-mb)"),
    # os.fork, not a program from PATH: the child's file system holds Python and numpy, no `sleep`.
    "processes": ("import os, time\n[os.fork() or time.sleep(30) for _ in range(20)]", Limits(per_test=20, processes=4),
                  "fail", "process limit of 4 processes was reached (raise it with --processes)"),
}


@pytest.mark.parametrize("name", list(BREACHES))
def test_a_breached_limit_costs_only_the_items_that_hit_it(name, tmp_path):
    statement, limits, status, message = BREACHES[name]
    if name == "processes" and not processes.isolation().own_uid:
        pytest.skip("the process limit needs a user id of its own for the student (tito running as root, Linux)")
    nb = inject(notebooks.reference_notebook(DEMO.src), "total_loops", statement)
    report = grade.grade_submission(DEMO, write_nb(nb, tmp_path / "s.ipynb"), paths.package_dir(), limits)
    assert {i.id: i.status for i in report.items} == \
        {"test-demo-add": "pass", "test-demo-total": status, "test-demo-numpy": status}, grade.format_report(report)
    assert all(message in item.message for item in report.items[1:]), grade.format_report(report, 300)


@pytest.mark.parametrize("flag", ["--memory-mb", "--processes", "--file-size-mb", "--cpu-seconds"])
def test_limit_flags_reject_nonsense(flag, tmp_path, capsys):
    from tito import main
    code = main.main(["grade", "01", str(tmp_path / "x.ipynb"), flag, "0"])
    assert code == 2 and "whole numbers of at least 1" in capsys.readouterr().err

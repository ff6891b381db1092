"""No stale verdicts: `tito test` and `tito status` never show a PASSED that belongs to code the
notebook no longer holds (edited since `tito export`, or the last export refused)."""
from __future__ import annotations

import pytest

from tito_helpers import DEMO, tito, write_nb
from tito import cells, notebooks, state

pytestmark = pytest.mark.slow  # each test exports and tests a module: 12-18 s in CI

NOTEBOOK = ("modules", "00_demo", "00_demo.ipynb")


def solve(repo):
    """The student solves the exercises, exports and tests: the baseline PASSED."""
    write_nb(notebooks.reference_notebook(DEMO.src), repo.joinpath(*NOTEBOOK))
    assert tito(repo, "export", "00").returncode == 0
    passing = tito(repo, "test", "00", "--timeout", "60")
    assert passing.returncode == 0 and "00_demo: PASSED" in passing.stdout, passing.stdout + passing.stderr
    assert "passed (inline 3/3" in tito(repo, "status").stdout


def edit_exported_cell(repo, addition: str):
    path = repo.joinpath(*NOTEBOOK)
    nb = cells.load_notebook(path)
    index = cells.exported_cell_indexes(nb)[-1]
    nb.cells[index].source += addition
    write_nb(nb, path)


def assert_stale(repo, reason: str):
    """tito test runs nothing and says why first; tito status says it first and in the table."""
    tested = tito(repo, "test", "00", "--timeout", "60")
    assert tested.returncode == 1, tested.stdout
    lines = tested.stdout.strip().split("\n")
    assert lines[0].startswith("STALE 00_demo: "), tested.stdout
    assert f"00_demo: NOT TESTED ({reason})" in tested.stdout, tested.stdout
    assert "PASS" not in tested.stdout.replace("PASSED", "") and "PASSED" not in tested.stdout, tested.stdout
    assert "inline checks:" not in tested.stdout  # nothing ran against the older code
    shown = tito(repo, "status").stdout
    assert shown.startswith("STALE 00_demo: "), shown
    row = next(line for line in shown.split("\n") if line.startswith("00_demo "))
    assert f"{reason}: run tito export 00" in row and "passed" not in row, shown
    return tested.stdout, shown


def test_a_refused_export_after_a_passing_one_is_never_followed_by_passed(demo_repo):
    solve(demo_repo)
    edit_exported_cell(demo_repo, "\ndef broken(:\n    pass")  # a syntax error: export refuses
    refused = tito(demo_repo, "export", "00")
    assert refused.returncode == 1 and "does not parse" in refused.stderr, refused.stderr
    tested, shown = assert_stale(demo_repo, "stale: last export refused")
    assert "your last `tito export 00` was refused (00_demo.ipynb does not parse: cell" in tested
    assert "still holds your previous export" in shown


def test_a_refused_first_export_does_not_test_the_reference(demo_repo):
    edit_exported_cell(demo_repo, "\ndef broken(:\n    pass")
    assert tito(demo_repo, "export", "00").returncode == 1
    tested, _ = assert_stale(demo_repo, "stale: last export refused")
    assert "still holds the reference, not your code" in tested


def test_an_exported_cell_edited_after_export_makes_the_result_stale(demo_repo):
    solve(demo_repo)
    edit_exported_cell(demo_repo, "\n_extra = 1")
    tested, _ = assert_stale(demo_repo, "stale: notebook changed since export")
    assert "changed since your last `tito export 00`" in tested


def test_edits_outside_exported_cells_are_not_stale(demo_repo):
    solve(demo_repo)
    path = demo_repo.joinpath(*NOTEBOOK)
    nb = cells.load_notebook(path)
    markdown = next(cell for cell in nb.cells if cell.cell_type == "markdown")
    markdown.source += "\nMy notes."
    write_nb(nb, path)
    assert "STALE" not in tito(demo_repo, "status").stdout
    assert tito(demo_repo, "test", "00", "--timeout", "60").returncode == 0


def test_a_fresh_export_clears_it_and_drops_the_older_result(demo_repo):
    solve(demo_repo)
    edit_exported_cell(demo_repo, "\ndef broken(:\n    pass")
    assert tito(demo_repo, "export", "00").returncode == 1
    # The student fixes the notebook (here: a blank one, whose tests fail) and exports again.
    write_nb(notebooks.student_notebook(DEMO.src), demo_repo.joinpath(*NOTEBOOK))
    assert tito(demo_repo, "export", "00").returncode == 0
    shown = tito(demo_repo, "status").stdout
    assert "STALE" not in shown and "stale" not in shown, shown
    row = next(line for line in shown.split("\n") if line.startswith("00_demo "))
    assert row.split()[-1] == "never", shown  # the PASSED of the older export is gone
    failing = tito(demo_repo, "test", "00", "--timeout", "60")
    assert failing.returncode == 1 and "00_demo: FAILED" in failing.stdout, failing.stdout


def test_an_export_without_a_record_is_not_trusted(demo_repo):
    solve(demo_repo)
    state.state_file(demo_repo).unlink()
    tested, _ = assert_stale(demo_repo, "stale: export not recorded")
    assert tito(demo_repo, "export", "00").returncode == 0
    assert tito(demo_repo, "test", "00", "--timeout", "60").returncode == 0

"""The student's loop: `tito module start`, `export`, `test`, `status`, in temporary repositories.

End-to-end tests run the real command line in a temporary repo whose `tinytorch` is a copy
(tito_helpers.tito); per-module export tests call the workflow functions on temporary copies.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from tito_helpers import DEMO, MODULES, hang, make_repo, module_ids, tito, tree_hashes, write_as_jupyter, write_nb
from tito import build, cells, export, main, notebooks, paths, state, workflow


def test_help_lists_every_command():
    usage = main.build_parser().format_help()
    for command in ("module", "export", "test", "status", "grade", "dev"):
        assert f"    {command}" in usage


# ---- tito module start

def edit(path):
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("my_own_work = 42"))
    nbformat.write(nb, path)
    return path.read_bytes()


def test_module_start_writes_fresh_copy_and_never_overwrites_edits(demo_repo):
    notebook = demo_repo / "modules" / "00_demo" / "00_demo.ipynb"
    notebook.unlink()
    first = tito(demo_repo, "module", "start", "00")
    assert first.returncode == 0, first.stderr
    fresh = notebook.read_bytes()
    assert fresh == notebooks.notebook_bytes(notebooks.student_notebook(DEMO.src))
    assert tito(demo_repo, "module", "start", "00").returncode == 0 and notebook.read_bytes() == fresh

    edited = edit(notebook)
    refused = tito(demo_repo, "module", "start", "00")
    assert refused.returncode == 1 and "--reset" in refused.stderr
    assert notebook.read_bytes() == edited

    reset = tito(demo_repo, "module", "start", "00", "--reset")
    assert reset.returncode == 0, reset.stderr
    assert notebook.read_bytes() == fresh
    backups = list((notebook.parent / "backups").glob("00_demo.*.ipynb"))
    assert [b.read_bytes() for b in backups] == [edited]
    assert build.generated_files(demo_repo)[0] == notebook  # backups are not mistaken for generated notebooks


@pytest.mark.parametrize("module", MODULES[:1], ids=module_ids)
def test_module_start_keeps_edits_of_a_course_module(module, tmp_path):
    repo = make_repo(tmp_path, [module])
    local = paths.CourseModule(module.number, module.slug, repo)
    edited = edit(local.student_notebook)
    with pytest.raises(workflow.Refused, match="holds your changes"):
        workflow.start_module(local, log=lambda line: None)
    workflow.start_module(local, reset=True, log=lambda line: None)
    assert local.student_notebook.read_bytes() == workflow.fresh_notebook(local)
    assert [b.read_bytes() for b in (local.student_notebook.parent / "backups").iterdir()] == [edited]


# ---- tito export

def local_copy(module, tmp_path) -> tuple[paths.CourseModule, paths.Path]:
    repo = make_repo(tmp_path, [module])
    return paths.CourseModule(module.number, module.slug, repo), repo / "tinytorch"


@pytest.mark.parametrize("module", [DEMO, *MODULES], ids=module_ids)
def test_export_of_blank_notebook_succeeds_and_reference_reports_names(module, tmp_path):
    local, package = local_copy(module, tmp_path)
    target = package / "core" / f"{cells.export_target(module.src).split('.')[-1]}.py"
    reference_names = export.exported_names(target)
    names = workflow.export_module(local, package, log=lambda line: None)  # the fresh, blank notebook
    assert names == reference_names
    assert workflow.package_origin(local, package) == "yours"  # the header names the student's notebook
    write_nb(notebooks.reference_notebook(module.src), local.student_notebook)
    lines = []
    assert workflow.export_module(local, package, log=lines.append) == reference_names
    assert any(reference_names[0] in line for line in lines)


def test_export_puts_edited_given_cells_back_as_tito_grade_does(tmp_path):
    """`tito test` tests what `tito grade` grades: an edited given cell (module 08's Recorder, made to
    report training mode always) is exported as the course has it, saying so; the notebook is untouched."""
    module = next(m for m in MODULES if m.number == "08")
    local, package = local_copy(module, tmp_path)
    nb = notebooks.reference_notebook(module.src)
    helper = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "training-check-helpers")
    helper.source = helper.source.replace("record = (self.training, is_grad_enabled())", "record = (True, True)")
    saved = write_nb(nb, local.student_notebook).read_bytes()
    lines = []
    workflow.export_module(local, package, log=lines.append)
    assert any("Given cells put back" in line and "training-check-helpers" in line for line in lines), lines
    text = (package / "core" / "training.py").read_text(encoding="utf-8")
    assert "record = (self.training, is_grad_enabled())" in text and "record = (True, True)" not in text
    assert local.student_notebook.read_bytes() == saved
    assert workflow.package_origin(local, package) == "yours"


def test_export_and_test_a_notebook_saved_by_jupyter(demo_repo):
    notebook = write_as_jupyter(notebooks.reference_notebook(DEMO.src), demo_repo / "modules" / "00_demo" / "00_demo.ipynb")
    exported = tito(demo_repo, "export", "0")
    assert exported.returncode == 0 and "names: add, total_loops" in exported.stdout, exported.stderr
    tested = tito(demo_repo, "test", "demo", "--timeout", "60")
    assert tested.returncode == 0 and "00_demo: PASSED (inline 3/3, pytest 2/2 passed)" in tested.stdout, tested.stdout
    assert "ok ✓ PASSED" in notebook.read_text(encoding="utf-8")  # the student's outputs are left alone


def calls_a_stub_at_import(nb):
    """Append an exported cell that calls an unfinished exercise while the module is imported."""
    nb.cells.append(nbformat.v4.new_code_cell("#| export\n_probe = add(1, 2)"))
    return nb


def test_export_refuses_when_a_stub_raises_at_import_and_writes_nothing(demo_repo):
    notebook = demo_repo / "modules" / "00_demo" / "00_demo.ipynb"
    nb = write_nb(calls_a_stub_at_import(cells.load_notebook(notebook)), notebook)
    count = len(cells.load_notebook(nb).cells)
    before = tree_hashes(demo_repo / "tinytorch")
    result = tito(demo_repo, "export", "00")
    assert result.returncode == 1
    assert "NotImplementedError" in result.stderr and "Nothing was exported" in result.stderr
    assert f"cell {count} of {count}" in result.stderr  # the appended cell, where the student can find it
    assert tree_hashes(demo_repo / "tinytorch") == before


def test_export_refuses_a_syntax_error_with_cell_and_line(demo_repo):
    notebook = demo_repo / "modules" / "00_demo" / "00_demo.ipynb"
    nb = cells.load_notebook(notebook)
    nb.cells[2].source += "\n    return a +"
    write_nb(nb, notebook)
    before = tree_hashes(demo_repo / "tinytorch")
    result = tito(demo_repo, "export", "00")
    assert result.returncode == 1 and "cell 3 of" in result.stderr and "line 5" in result.stderr, result.stderr
    assert tree_hashes(demo_repo / "tinytorch") == before


# ---- tito test and tito status

def status(repo) -> dict[str, list[str]]:
    """module -> [notebook, package, first word of the last test result], from `tito status`."""
    table = tito(repo, "status").stdout.strip().split("\n\n")[0]  # a summary line follows the table
    return {row[0]: row[1:4] for row in (line.split() for line in table.split("\n")[2:])}


def status_summary(repo) -> str:
    return tito(repo, "status").stdout.strip().split("\n")[-1]


@pytest.mark.slow  # over 10 s in CI (measured with --durations)
def test_test_and_status_follow_the_student(demo_repo):
    assert status(demo_repo)["00_demo"] == ["fresh", "reference", "never"]
    assert status_summary(demo_repo).startswith("the package holds the reference for every module")

    assert tito(demo_repo, "export", "00").returncode == 0  # the blank notebook
    assert status_summary(demo_repo) == "the package holds your code for 00_demo; the reference for the rest"
    failing = tito(demo_repo, "test", "00", "--timeout", "60")
    assert failing.returncode == 1
    # one line per exported name; the blank notebook's stubs fail every inline check and pytest test
    assert "  FAIL  add          2 of 2 checks failed; first: test-demo-add :: test_unit_add\n" \
           "        NotImplementedError\n" in failing.stdout, failing.stdout
    assert "  FAIL  total_loops  4 of 4 checks failed; first: test-demo-total :: test_unit_total_loops" in failing.stdout
    assert status(demo_repo)["00_demo"] == ["fresh", "yours", "failed"]

    notebook = demo_repo / "modules" / "00_demo" / "00_demo.ipynb"
    write_nb(notebooks.reference_notebook(DEMO.src), notebook)  # the student solves the exercises
    assert tito(demo_repo, "export", "00").returncode == 0
    passing = tito(demo_repo, "test", "00", "--timeout", "60")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "  ok    add          2 checks\n  ok    total_loops  4 checks\n" in passing.stdout, passing.stdout
    assert "00_demo: PASSED (inline 3/3, pytest 2/2 passed)" in passing.stdout
    assert status(demo_repo)["00_demo"] == ["started", "yours", "passed"]
    saved = json.loads((demo_repo / ".tito" / "state.json").read_text())
    assert saved["modules"]["00_demo"]["passed"] is True


def test_test_warns_when_the_package_holds_the_reference(demo_repo):
    result = tito(demo_repo, "test", "00", "--timeout", "60")
    assert result.returncode == 0 and "not your code" in result.stdout


@pytest.mark.slow  # waits out a deliberate time limit
def test_test_stops_an_endless_loop_in_the_pytest_suite_at_the_total_limit(demo_repo):
    write_nb(hang(notebooks.reference_notebook(DEMO.src), "add"), demo_repo / "modules" / "00_demo" / "00_demo.ipynb")
    assert tito(demo_repo, "export", "00").returncode == 0  # defining an endless function is fine
    # Without the limit the run never ends: the 60 s subprocess timeout would fail the test. No wall-clock
    # assertion beyond that, as start-up time on a loaded machine is not what this test is about. The
    # total leaves room for the three inline checks first (each a child that times out after 1 s: on a
    # loaded machine, with start-up, they took 6.3 s together, and a total of 5 s ended the run before
    # the pytest suite began).
    result = tito(demo_repo, "test", "00", "--timeout", "1", "--total-timeout", "15", timeout=90)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "TIMEOUT tests/00_demo/test_demo.py::test_add_floats  stopped after" in result.stdout, result.stdout
    # the stopped test is charged to what it had called (the plugin writes as it goes): the endless add.
    # The inline check's timeout names the test function the child had entered, or the cell when the
    # 1 s ran out before the child reached one (start-up on a loaded machine).
    assert re.search(r"^  FAIL  add          2 of 2 checks failed; first \(timeout\): test-demo-add :: "
                     r"(test_unit_add|\(cell\))$", result.stdout, re.MULTILINE), result.stdout
    assert status(demo_repo)["00_demo"] == ["started", "yours", "failed"]


def test_test_runs_the_suite_against_the_installed_package_not_the_repository_folder(demo_repo, tmp_path):
    """A non-editable install: the package Python imports is not the repository's tinytorch/ folder
    (which keeps the reference). Both the inline checks and the pytest suite must test the export."""
    site = tmp_path / "site-packages"
    site.mkdir()
    shutil.copytree(demo_repo / "tinytorch", site / "tinytorch")
    script = tmp_path / "bin" / "tito"
    script.parent.mkdir()
    script.write_text("import sys\nfrom tito.main import main\nsys.exit(main())\n")
    env = dict(os.environ, PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1")
    run = lambda *args: subprocess.run([sys.executable, str(script), *args], cwd=demo_repo, env=env,
                                       capture_output=True, text=True, timeout=120)
    assert run("export", "00").returncode == 0  # the blank notebook, into site-packages
    result = run("test", "00", "--timeout", "60", "-v")
    assert "FAIL    tests/00_demo/test_demo.py::test_add_floats  NotImplementedError" in result.stdout, result.stdout
    assert "00_demo: FAILED (inline 0/3, pytest 0/2 passed)" in result.stdout, result.stdout


@pytest.mark.parametrize("damage", ["not json", "[]", '"modules"', '{"modules": []}',
                                    '{"modules": {"00_demo": {"passed": true}}}',
                                    '{"modules": {"00_demo": "passed"}}'])
def test_damaged_state_file_means_no_results_yet(damage, demo_repo):
    local = paths.CourseModule(DEMO.number, DEMO.slug, demo_repo)
    path = state.state_file(demo_repo)
    path.parent.mkdir()
    path.write_text(damage)
    assert workflow.status_rows([local], demo_repo / "tinytorch")[0][3] == "never"
    state.record_test(demo_repo, DEMO.slug, True, "inline 3/3")
    assert state.load(demo_repo)["modules"][DEMO.slug]["summary"] == "inline 3/3"


@pytest.mark.slow  # over 10 s in CI (measured with --durations)
def test_dev_check_exit_code_follows_drift(tmp_path):
    repo = make_repo(tmp_path, [DEMO, *MODULES])
    clean = tito(repo, "dev", "check")
    assert clean.returncode == 0 and "generated files match src/" in clean.stdout, clean.stdout + clean.stderr
    generated = repo / "tinytorch" / "core" / "demo.py"
    generated.write_text(generated.read_text() + "x = 1  # hand edit\n")
    drift = tito(repo, "dev", "check")
    assert drift.returncode == 1 and "drift: tinytorch/core/demo.py: differs" in drift.stdout, drift.stdout
    assert tito(repo, "dev", "export", "0").returncode == 0 and tito(repo, "dev", "check").returncode == 0


def test_test_reports_skips_apart_from_passes(demo_repo):
    suite = demo_repo / "tests" / "00_demo" / "test_demo.py"
    suite.write_text(suite.read_text() + "\n\ndef test_needs_an_optional_oracle():\n"
                     "    import pytest\n    pytest.skip('oracle not installed')\n")
    notebook = demo_repo / "modules" / "00_demo" / "00_demo.ipynb"
    write_nb(notebooks.reference_notebook(DEMO.src), notebook)
    assert tito(demo_repo, "export", "00").returncode == 0
    result = tito(demo_repo, "test", "00", "--timeout", "60")
    assert result.returncode == 0, result.stdout + result.stderr   # a skip is not a failure ...
    assert "skipped (these did not run; a skip is not a failure):\n  1 check: oracle not installed\n" in result.stdout
    assert "00_demo: PASSED (inline 3/3, pytest 2/3 passed, 1 skipped)" in result.stdout  # ... nor a pass

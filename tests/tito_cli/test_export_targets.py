"""Nothing a notebook says decides where anything is written.

nbdev joins a notebook's module name onto its output folder, so `#| exporti /some/dir/name` would append
the student's code to /some/dir/name.py and `#| default_exp ../../evil` would create /evil.py, before
any check ran. Export targets are fixed by the module (its src's `default_exp`): every directive nbdev
acts on is read first, with nbdev's own parser, and anything else is refused before nbdev runs. Covered
here for `tito export`, `tito grade` and the instructor's `tito dev export` (build) / `tito dev release`.

Also: a notebook file name with a newline (or any control character) lands in the generated header
and cell markers; it is made printable, so an honest notebook exports and grades normally.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from tito_helpers import DEMO, FAST, ROOT, by_number, grade_notebook, make_repo, tree_hashes, write_nb
from tito import build, cells, export, notebooks, paths, release

NOTEBOOK = ("modules", "00_demo", "00_demo.ipynb")
TARGET = "core.demo"  # DEMO's own default_exp
FIX = "Keep '#| default_exp core.demo' in the first code cell and plain '#| export' lines"

# The attacks: directive lines as a student might write them ({dir} is an absolute, dot-free folder).
ATTACKS = {
    "exporti-absolute": "#| exporti {dir}/victim",
    "export-absolute": "#| export {dir}/victim",
    "default_exp-absolute": "#| default_exp {dir}/new",
    "default_exp-relative": "#|default_exp ../../evil",
    "export-other-module": "#| export core.tensor",
    # spacing variants nbdev 2.4.14 reads the same way
    "exports-spaced": "# | exports {dir}/victim",
    "exporti-unspaced": "#|exporti {dir}/victim",
    "after-cell-magic": "%%time\n#| export {dir}/victim",
}


@pytest.fixture
def victim_dir(tmp_path, monkeypatch):  # tmp_path first: pytest's own temporary folders stay where they were
    """/tmp/tito_victim_<random>/ holding victim.py (known content) and tmp/, the temporary folder for
    everything tito does in this process (and, through TMPDIR, in the `tito` it runs)."""
    folder = Path(tempfile.mkdtemp(prefix="tito_victim_", dir="/tmp"))
    assert "." not in str(folder)  # nbdev reads dots as folder separators: the attack path must be dot-free
    # with an __all__, so that nbdev would append to it for `#| export` too (not only `#| exporti`)
    (folder / "victim.py").write_text("__all__ = ['KNOWN']\nKNOWN = 'victim, untouched'\n")
    (folder / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder / "tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# nbdev turns every '.' of a module name into '/': `../../evil` is the absolute path //////evil.py, /evil.py.
EVIL = Path("/evil.py")


def snapshot(folder: Path) -> tuple[dict[str, str], bytes | None]:
    """Every file under `folder`, and /evil.py (or its absence)."""
    return tree_hashes(folder), EVIL.read_bytes() if EVIL.exists() else None


def attacked(directive: str, module_src: Path = DEMO.src) -> nbformat.NotebookNode:
    """The reference notebook (it would score full marks) plus one cell carrying `directive`."""
    nb = notebooks.reference_notebook(module_src)
    extra = "\n#| export" if "default_exp" in directive else ""
    nb.cells.insert(2, nbformat.v4.new_code_cell(f"{directive}{extra}\nEVIL = 'written where the notebook said'"))
    return nb


def directive_line(directive: str) -> str:
    """The directive as the refusal quotes it."""
    return repr(directive.split("\n")[-1])


def run_tito(repo: Path, *args: str, tmpdir: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")])),
               PYTHONDONTWRITEBYTECODE="1")
    if tmpdir:
        env["TMPDIR"] = str(tmpdir)
    return subprocess.run([sys.executable, "-m", "tito.main", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return make_repo(tmp_path_factory.mktemp("repo"), [DEMO])


def assert_refused(message: str, directive: str):
    assert directive_line(directive) in message, message
    assert "expected" in message and (FIX in message), message


# ---------------------------------------------------------------- tito export

@pytest.mark.parametrize("attack", ATTACKS.values(), ids=list(ATTACKS))
def test_tito_export_refuses_a_foreign_target_and_writes_nothing(attack, repo, victim_dir):
    directive = attack.format(dir=victim_dir)
    write_nb(attacked(directive), repo.joinpath(*NOTEBOOK))
    before, package = snapshot(victim_dir), tree_hashes(repo / "tinytorch")
    result = run_tito(repo, "export", "00", tmpdir=victim_dir / "tmp")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("tito: export refused: cell 3 of "), result.stderr
    assert_refused(result.stderr, directive)
    assert snapshot(victim_dir) == before  # victim byte-identical, no new.py / evil.py
    assert tree_hashes(repo / "tinytorch") == package


def test_tito_export_accepts_the_modules_own_target_named_explicitly(repo):
    """`#| export core.demo` (the module's own target) is allowed, even before any plain `#| export`."""
    nb = notebooks.reference_notebook(DEMO.src)
    first = cells.exported_cell_indexes(nb)[0]
    nb.cells.insert(first, nbformat.v4.new_code_cell("#|  exports   core.demo\nFIRST = 1"))
    for index in cells.exported_cell_indexes(nb)[1:]:
        nb.cells[index].source = nb.cells[index].source.replace("#| export\n", "#| export core.demo\n")
    write_nb(nb, repo.joinpath(*NOTEBOOK))
    result = run_tito(repo, "export", "00")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "names: FIRST, add, total_loops" in result.stdout, result.stdout
    tested = run_tito(repo, "test", "00", "--timeout", "60")
    assert "00_demo: PASSED" in tested.stdout, tested.stdout + tested.stderr


# ---------------------------------------------------------------- tito grade

@pytest.mark.parametrize("attack", ATTACKS.values(), ids=list(ATTACKS))
def test_tito_grade_scores_zero_for_a_foreign_target_and_writes_nothing(attack, repo, victim_dir):
    directive = attack.format(dir=victim_dir)
    submission = write_nb(attacked(directive), victim_dir / "submissions" / "attack.ipynb")
    report_path = victim_dir / "reports" / "report.json"
    report_path.parent.mkdir()
    before = snapshot(victim_dir)
    result = run_tito(repo, "grade", "00", str(submission), "--json", str(report_path), tmpdir=victim_dir / "tmp")
    assert result.returncode == 0, result.stdout + result.stderr  # the notebook was read and graded: 0 points
    report = json.loads(report_path.read_text())
    assert report["total"] == 0 and report["max"] == 6, report
    assert {item["status"] for item in report["tests"]} == {"error"}
    assert_refused(report["error"], directive)
    assert "not graded (0 points)" in result.stdout and directive_line(directive) in result.stdout
    report_path.unlink()
    assert snapshot(victim_dir) == before


@pytest.mark.slow
def test_tito_grade_09_refuses_an_absolute_export_path(victim_dir):
    module = by_number("09") or pytest.skip("module 09 does not exist")
    directive = f"#| exporti {victim_dir}/victim"
    submission = write_nb(attacked(directive, module.src), victim_dir / "submissions" / "attack.ipynb")
    before = snapshot(victim_dir)
    result = run_tito(ROOT, "grade", "09", str(submission), "--json", str(victim_dir / "r.json"),
                      tmpdir=victim_dir / "tmp")
    assert result.returncode == 0, result.stderr
    report = json.loads((victim_dir / "r.json").read_text())
    assert report["total"] == 0 and directive_line(directive) in report["error"], report["error"]
    assert "Keep '#| default_exp core.spatial' in the first code cell" in report["error"]
    (victim_dir / "r.json").unlink()
    assert snapshot(victim_dir) == before


# ---------------------------------------------------------------- tito dev export (build) and dev release

def malicious_src_repo(tmp_path: Path, directive: str) -> paths.CourseModule:
    """A repository whose instructor src for module 00 carries `directive` in an extra cell."""
    for name in ("settings.ini", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "src" / DEMO.slug).mkdir(parents=True)
    extra = "\n#| export" if "default_exp" in directive else ""
    (tmp_path / "src" / DEMO.slug / f"{DEMO.slug}.py").write_text(
        DEMO.src.read_text() + f"\n# %%\n{directive}{extra}\nEVIL = 1\n")
    return paths.CourseModule(DEMO.number, DEMO.slug, tmp_path)


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=list(ATTACKS))
def test_dev_export_refuses_a_foreign_target_in_src(attack, victim_dir, tmp_path):
    """The instructor's export (export_notebook with no target: src's own first default_exp)."""
    directive = attack.format(dir=victim_dir)
    module = malicious_src_repo(tmp_path, directive)
    before = snapshot(victim_dir)
    with pytest.raises(export.ExportRefused) as refused:
        build.build_module(module, tmp_path, log=lambda line: None)
    assert_refused(str(refused.value), directive)
    assert not (tmp_path / "tinytorch").exists()
    assert snapshot(victim_dir) == before
    with pytest.raises(export.ExportRefused):  # and the function itself, on the reference notebook
        export.export_notebook(attacked(directive), tmp_path / "tinytorch", edit_me=DEMO.src)
    assert snapshot(victim_dir) == before and not (tmp_path / "tinytorch").exists()


def test_dev_release_exports_nothing(victim_dir, tmp_path):
    """`tito dev release` writes instructor notebooks, config and kernel spec under the course folder only."""
    (tmp_path / "repo").mkdir()
    module = malicious_src_repo(tmp_path / "repo", f"#| exporti {victim_dir}/victim")
    before = snapshot(victim_dir)
    written = release.release([module], tmp_path / "course")
    assert all(path.resolve().is_relative_to((tmp_path / "course").resolve()) for path in written)
    assert snapshot(victim_dir) == before


# ---------------------------------------------------------------- defence in depth, target names

def test_nbdev_is_stopped_even_if_the_directive_check_were_skipped(victim_dir, monkeypatch):
    """The module maker handed to nbdev refuses any module but the target before writing anything."""
    monkeypatch.setattr(export, "check_directives", lambda nb, nb_path, target: target)
    for attack in ATTACKS.values():
        directive = attack.format(dir=victim_dir)
        scratch = victim_dir / "tmp" / "copy"
        scratch.mkdir()
        before = snapshot(victim_dir)
        problem = export.export_into_copy(attacked(directive), Path("x.ipynb"), TARGET, paths.package_dir(), scratch)
        shutil.rmtree(scratch)
        assert problem and ("nbdev was about to write module" in problem or "could not be exported" in problem), problem
        assert snapshot(victim_dir) == before, directive


@pytest.mark.parametrize("target", ["core/demo", "../demo", "/tmp/demo", "core..demo", "core.demo\n", "core.\0demo",
                                    "", " core.demo", "core.demo.", "core.de mo"])
def test_a_target_that_is_not_a_dotted_name_is_refused(target, tmp_path):
    with pytest.raises(export.ExportRefused, match="is not a dotted module name"):
        export.export_notebook(notebooks.reference_notebook(DEMO.src), tmp_path / "tinytorch", DEMO.src, target=target)
    assert not (tmp_path / "tinytorch").exists()


def test_printable_replaces_every_line_breaking_or_control_character():
    assert export.printable("a\nb\rc\x85d\u2028e\u2029f\x00g\x1bh\tij\udcff.ipynb Zoë") == "a?b?c?d?e?f?g?h?ij?.ipynb Zoë"


# ---------------------------------------------------------------- honest notebooks, odd file names

NAMES = ["week\n9 final.ipynb", "a\rb\x85c\u2028d\x1b[31m.ipynb"]


@pytest.mark.parametrize("name", NAMES, ids=["newline", "controls"])
def test_an_honest_notebook_with_control_characters_in_its_name_grades_full_marks(name, repo, tmp_path):
    submission = write_nb(notebooks.reference_notebook(DEMO.src), tmp_path / name)
    result = run_tito(repo, "grade", "00", str(submission), "--json", str(tmp_path / "r.json"))
    report = json.loads((tmp_path / "r.json").read_text())
    assert result.returncode == 0 and report["error"] is None, report["error"]
    assert report["total"] == report["max"] == 6, result.stdout


@pytest.mark.slow
def test_module_09_reference_with_a_newline_in_its_name_grades_full_marks(tmp_path):
    module = by_number("09") or pytest.skip("module 09 does not exist")
    submission = write_nb(notebooks.reference_notebook(module.src), tmp_path / "week\n9.ipynb")
    result = run_tito(ROOT, "grade", "09", str(submission), "--json", str(tmp_path / "r.json"))
    report = json.loads((tmp_path / "r.json").read_text())
    assert result.returncode == 0 and report["error"] is None, report["error"]
    assert report["total"] == report["max"] > 0, result.stdout


def test_the_generated_header_and_cell_markers_stay_comments_whatever_the_path(tmp_path):
    """`tito export` and the grader write the notebook's path (relative to the package) into the header and
    every cell marker: made printable, so the module still compiles and still reads as the student's."""
    edit_me = tmp_path / "odd\nfolder\r" / "my\u2028notebook\x85.ipynb"
    [written] = export.export_notebook(notebooks.reference_notebook(DEMO.src), tmp_path / "pkg" / "tinytorch",
                                       edit_me, target=TARGET)
    text = written.read_text()
    compile(text, str(written), "exec")
    assert "# AUTOGENERATED! DO NOT EDIT! File to edit: ../../../odd?folder?/my?notebook?.ipynb." in text, text[:300]
    assert export.origin(written) == "yours" and export.exported_names(written) == ["add", "total_loops"]
    assert export.cell_of_line(text, text.split("\n").index("def add(a, b):") + 1) is not None


def test_grade_api_with_a_newline_in_the_name(tmp_path):
    report = grade_notebook(DEMO, notebooks.reference_notebook(DEMO.src), tmp_path, FAST, name="sub\nmission.ipynb")
    assert report.error is None and report.total == report.maximum == 6, report.error

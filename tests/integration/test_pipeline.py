"""The src -> notebook -> package pipeline: deterministic, leak-free, and drift-checked.

These are the project's CI checks on the shipped repository. The ones that compare committed
files with src/ are `reference_only`: skipped in a student's working copy (tests/conftest.py).
"""
from pathlib import Path

import pytest

from tito import build, export, notebooks, paths

ROOT = paths.repo_root(Path(__file__).parent)
MODULES = paths.all_modules(ROOT)
REGENERATE = "Run `tito dev export --all` and commit the regenerated files with their source."


def test_there_are_modules():
    assert [m.number for m in MODULES][:1] == ["01"], "src/01_tensor is the first module"


@pytest.mark.reference_only
def test_committed_generated_files_match_their_sources():
    problems = build.find_drift(ROOT, MODULES)
    assert not problems, "\n".join(problems) + "\n" + REGENERATE


def test_regeneration_is_byte_identical(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        for module in MODULES:
            build.build_module(module, out)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files, "the build wrote nothing"
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), f"{rel} differs between two runs"


def test_drift_check_catches_a_hand_edit(tmp_path):
    tree = tmp_path / "tree"
    for module in MODULES:
        build.build_module(module, tree)
    assert build.find_drift(ROOT, MODULES, tree) == []
    victim = sorted((tree / "tinytorch").rglob("*.py"))[0]
    victim.write_text(victim.read_text() + "x = 1  # hand edit\n")
    notebook = sorted((tree / "modules").rglob("*.ipynb"))[0]
    notebook.write_bytes(notebook.read_bytes().replace(b"NotImplementedError", b"NotImplementedErr0r", 1))
    problems = build.find_drift(ROOT, MODULES, tree)
    assert any(str(victim.relative_to(tree)) in line for line in problems), problems
    assert any(str(notebook.relative_to(tree)) in line for line in problems), problems


def test_drift_check_catches_a_stale_generated_file(tmp_path):
    tree = tmp_path / "tree"
    for module in MODULES:
        build.build_module(module, tree)
    stale = tree / "tinytorch" / "core" / "old_module.py"
    stale.write_text(export.GENERATED_HEADER + " File to edit: ../../src/99_gone/99_gone.py.\n")
    assert any("old_module.py" in line for line in build.find_drift(ROOT, MODULES, tree))


def _solution_lines(src: Path) -> set[str]:
    """Lines that appear only inside solution regions of a source file."""
    inside, outside = set(), set()
    for cell in notebooks.read_source(src).cells:
        lines = cell.source.split("\n")
        regions = list(notebooks._solution_regions(lines, src.name))
        in_region = {i for begin, end in regions for i in range(begin + 1, end)}
        for i, line in enumerate(lines):
            (inside if i in in_region else outside).add(line.strip())
    return {line for line in inside - outside if line and not line.startswith("#")}


@pytest.mark.reference_only
@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_student_notebook_holds_no_solution(module):
    student = notebooks.student_notebook(module.src)
    assert notebooks.leftover_solution_lines(student) == []
    student_lines = {line.strip() for cell in student.cells for line in cell.source.split("\n")}
    leaked = sorted(_solution_lines(module.src) & student_lines)
    assert not leaked, f"solution lines leaked into {module.slug}'s student notebook: {leaked[:5]}"
    for source in module.sources:   # the lesson's notebook, and any that continue it (module 09's going further)
        committed = module.notebook_of(source).read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in committed and "END SOLUTION" not in committed, module.notebook_of(source)
        assert notebooks.leftover_solution_lines(notebooks.student_notebook(source)) == []


SOURCE_LINES_MAX = 2500   # issue #23: no literate source over 2,500 lines
SOURCES = [source for module in MODULES for source in module.sources]


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_no_literate_source_is_over_the_line_limit(source):
    lines = len(source.read_text(encoding="utf-8").split("\n"))
    assert lines <= SOURCE_LINES_MAX, f"{source.relative_to(ROOT)} has {lines} lines; at most {SOURCE_LINES_MAX}"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.slug)
def test_every_module_has_solutions_and_graded_cells(module):
    nb = notebooks.read_source(module.src)
    assert _solution_lines(module.src), f"{module.slug} has no exercise (solution region)"
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded and all(c.metadata["nbgrader"].get("points", 0) > 0 for c in graded)
    assert (module.src.parent / "ABOUT.md").is_file()


def test_strip_solutions_keeps_indent_and_code_around():
    source = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\n\nz = 2"
    assert notebooks.strip_solutions(source) == "def f(x):\n    y = 1\n    raise NotImplementedError()\n\nz = 2"
    assert notebooks.drop_markers(source) == "def f(x):\n    y = 1\n    return x + y\n\nz = 2"


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nx = 1", "never closed"),
    ("x = 1\n### END SOLUTION", "never opened"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside the one opened at line 1"),
])
def test_broken_markers_are_reported_with_their_line(source, message):
    with pytest.raises(notebooks.SolutionMarkerError, match=message):
        notebooks.strip_solutions(source, "demo.py")


def test_regeneration_backs_up_a_notebook_someone_ran_or_edited(tmp_path):
    module = MODULES[0]
    logged = []
    build.build_module(module, tmp_path, log=logged.append)
    notebook = tmp_path / module.student_notebook.relative_to(ROOT)
    edited = notebooks.read_source(module.src)
    edited.cells[1].execution_count = 3          # what Jupyter leaves behind after a run
    edited.cells[1].source += "\n# my own note"
    notebook.write_bytes(notebooks.notebook_bytes(edited))
    build.build_module(module, tmp_path, log=logged.append)
    backups = list((notebook.parent / "backups").glob("*.ipynb"))
    assert len(backups) == 1 and b"# my own note" in backups[0].read_bytes()
    assert notebook.read_bytes() == notebooks.notebook_bytes(notebooks.student_notebook(module.src))
    assert any("saved it as" in line for line in logged)


def test_regeneration_replaces_stale_pipeline_output_without_backup(tmp_path):
    module = MODULES[0]
    build.build_module(module, tmp_path, log=lambda line: None)
    notebook = tmp_path / module.student_notebook.relative_to(ROOT)
    stale = notebooks.student_notebook(module.src)
    stale.cells[0].source += "\nAn older sentence of the instructor's."
    notebook.write_bytes(notebooks.notebook_bytes(stale))
    assert notebooks.looks_generated(notebook)
    build.build_module(module, tmp_path, log=lambda line: None)
    assert not (notebook.parent / "backups").exists()
    assert notebook.read_bytes() == notebooks.notebook_bytes(notebooks.student_notebook(module.src))

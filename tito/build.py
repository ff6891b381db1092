"""The instructor's regeneration: src -> student notebook + reference package module."""
from __future__ import annotations

import shutil
from pathlib import Path

from . import export, notebooks
from .paths import CourseModule


def build_module(module: CourseModule, out_root: Path, log=print) -> list[Path]:
    """Write module's student notebooks (one per source: the lesson, then any that continue it) and
    package file(s) under `out_root` (the repo, or a scratch tree mirroring it). The package file
    holds the exported cells of every source, the lesson's first. Returns every file written or
    confirmed unchanged.

    A student notebook that someone ran or edited (it no longer looks like pipeline output) is
    saved under `backups/` before it is replaced, and the log says where: never lost silently.
    """
    students = []
    for source in module.sources:
        student = out_root / module.notebook_of(source).relative_to(module.root)
        fresh = notebooks.student_notebook(source)
        if student.exists() and student.read_bytes() != notebooks.notebook_bytes(fresh) \
                and not notebooks.looks_generated(student):
            backup = notebooks.backup_path(student)
            backup.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(student, backup)
            log(f"  {student.relative_to(out_root)} holds someone's edits: saved it as {backup.relative_to(out_root)}")
        notebooks.write_notebook(fresh, student)
        students.append(student)
    package_files = export.export_notebook(
        notebooks.reference_course(module.src),
        package_dir=out_root / "tinytorch",
        edit_me=out_root / module.src.relative_to(module.root),
    )
    for path in package_files:
        _mark_continued_cells(path, module, out_root)
    return [*students, *package_files]


def _mark_continued_cells(path: Path, module: CourseModule, out_root: Path) -> None:
    """Point the cell markers of the cells that come from a source continuing the lesson at that
    source and its own cell ('# %% ../../src/09_convolutions/09b_going_further.py #cell-012'): the
    file to edit for that code. nbdev names the one notebook it exported, the lesson."""
    starts, at = [], len(notebooks.shared_source(module.src).cells)
    for source in module.sources[1:]:
        starts.append((at, source))
        at += len(notebooks.shared_source(source).cells)
    if not starts:
        return
    lesson = export.relative_path(out_root / module.src.relative_to(module.root), path.parent)
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        match = export.CELL_MARKER.match(line)
        index = notebooks.cell_index(match.group(1)) if match else None
        if index is None or not line.startswith(f"# %% {lesson} #"):
            continue
        for start, source in reversed(starts):
            if index >= start:
                mine = export.relative_path(out_root / source.relative_to(module.root), path.parent)
                lines[i] = f"# %% {export.path_in_header(mine)} #{notebooks.cell_id(index - start)}"
                break
    text = "\n".join(lines)
    if text != path.read_text(encoding="utf-8"):
        path.write_text(text, encoding="utf-8", newline="\n")


def generated_files(tree: Path) -> list[Path]:
    """Every file in `tree` that the pipeline owns: student notebooks and generated modules."""
    notebooks_ = sorted((tree / "modules").glob("*/*.ipynb"))
    modules_ = sorted(path for path in (tree / "tinytorch").rglob("*.py") if export.is_generated(path))
    return notebooks_ + modules_


def find_drift(root: Path, modules: list[CourseModule], tree: Path | None = None) -> list[str]:
    """Regenerate `modules` from `root`'s sources into a scratch tree and compare with `tree`
    (default: the repository). Returns one line per difference; empty when all match."""
    import tempfile

    tree = tree or root
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        fresh = {path.relative_to(scratch) for module in modules for path in build_module(module, scratch)}
        for rel in sorted(fresh):
            committed = tree / rel
            if not committed.exists():
                problems.append(f"{rel}: missing (src generates it)")
            elif committed.read_bytes() != (scratch / rel).read_bytes():
                problems.append(f"{rel}: differs from what src generates")
        for path in generated_files(tree):
            rel = path.relative_to(tree)
            if rel not in fresh:
                problems.append(f"{rel}: generated file that no src/ module generates any more")
    return problems

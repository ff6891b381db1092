"""`tito update`: take the instructor's course updates without losing a student's work.

A student's work sits in tracked files: their notebooks (modules/NN_name/NN_name.ipynb) and, after
`tito export`, the package files (tinytorch/core/*.py). So a plain `git pull` of a fix refuses
("Your local changes would be overwritten"). `tito update`:

  1. refuses, changing nothing, if anything else tracked has changed (it only moves what tito
     itself writes: the student's notebooks and exports);
  2. saves each edited notebook under its backups/ folder, puts the tracked files back as
     committed, and runs `git pull --ff-only`; if the pull fails, everything is put back as it was;
  3. merges each notebook cell by cell: a cell the student did not change takes the course's new
     version (an instructor's fix to given code or prose); in a cell both changed (an exercise whose
     given lines the course fixed), the lines are merged three-way (`git merge-file`); where both
     changed the same lines, the student's cell stays, the course's new notebook is saved next to
     it, and the message names the cells; where the course split or added cells around an exercise,
     the exercise's cell is found by its nbgrader grade_id;
  4. exports again each module whose package file held the student's export, so the fix reaches
     the package too (a refused export is reported; `tito status` shows it).
"""
from __future__ import annotations

import difflib
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat

from . import cells, export, notebooks, workflow
from .paths import CourseModule


class UpdateRefused(workflow.Refused):
    """The update would lose work or cannot run; nothing was changed."""


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """git's output as text: UTF-8 (the course's files as committed, file names), never the locale's code page
    (Windows' text=True default, cp1252: '§' read as 'Â§', 'Ł' refused)."""
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, encoding="utf-8")
    except FileNotFoundError:
        raise UpdateRefused("tito update pulls the course with git, and git is not installed. Install git, "
                            "or download the new course and copy your notebooks (modules/NN_name/NN_name.ipynb) into it.")
    if check and result.returncode != 0:
        raise UpdateRefused(f"`git {' '.join(args)}` failed: {(result.stderr or result.stdout).strip()}")
    return result


def changed_tracked_files(root: Path) -> list[Path]:
    """Tracked files with changes (staged or not), as absolute paths."""
    out = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=no").stdout
    return [root / entry[3:] for entry in out.split("\0") if len(entry) > 3]


def _old_course_notebook(root: Path, commit: str, source: Path) -> nbformat.NotebookNode | None:
    """The student notebook of a module's `source` as the course at `commit` generated it."""
    rel = source.relative_to(root).as_posix()
    shown = _git(root, "show", f"{commit}:{rel}", check=False)
    if shown.returncode != 0:
        return None
    with tempfile.TemporaryDirectory(prefix="tito-update-") as scratch:
        path = Path(scratch) / source.name
        path.write_text(shown.stdout, encoding="utf-8")
        return notebooks.student_notebook(path)


def merge_notebook(mine: nbformat.NotebookNode, old: nbformat.NotebookNode,
                   new: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[int]]:
    """Three-way merge by cells: (merged notebook, 1-based numbers of the student's cells kept against a course change)."""
    if len(mine.cells) != len(old.cells):  # cells added or removed: no safe alignment with the old course
        return mine, list(range(1, len(mine.cells) + 1))
    untouched = [a.source == b.source and a.cell_type == b.cell_type for a, b in zip(mine.cells, old.cells)]
    matcher = difflib.SequenceMatcher(None, [c.source for c in old.cells], [c.source for c in new.cells], autojunk=False)
    merged, conflicts = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            merged.extend(mine.cells[i1:i2])
        elif all(untouched[i1:i2]):
            merged.extend(new.cells[j1:j2])  # the course's change, where the student changed nothing
        elif tag == "replace" and (pairs := _aligned(old.cells, new.cells, untouched, i1, i2, j1, j2)) is not None:
            for i, j in pairs:  # cell for cell: merge the lines (a fix to a given line of an exercise)
                if i is None or untouched[i]:
                    merged.append(new.cells[j])  # a cell the course added, or one the student did not change
                    continue
                text = merge_lines(mine.cells[i].source, old.cells[i].source, new.cells[j].source)
                merged.append(mine.cells[i] if text is None else nbformat.from_dict({**mine.cells[i], "source": text}))
                if text is None:
                    conflicts.append(i + 1)
        else:
            merged.extend(mine.cells[i1:i2])
            conflicts.extend(i + 1 for i in range(i1, i2) if not untouched[i])
    result = nbformat.from_dict(dict(mine))
    result.cells = merged
    for index, cell in enumerate(result.cells):
        if notebooks.cell_index(cell.get("id", "")) is not None:
            cell.id = notebooks.cell_id(index)
    return result, conflicts


def _grade_id(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _aligned(old_cells, new_cells, untouched, i1, i2, j1, j2) -> list[tuple[int | None, int]] | None:
    """Which old cell each new cell of a changed block continues, as (old index or None, new index) in the
    new order; None when the block cannot be merged safely. Cell for cell when the block keeps its length;
    else by nbgrader's grade_id (a course that splits a given helper out of an exercise cell into a cell of
    its own keeps the exercise's id), provided every cell the student changed has its id in the new block,
    in the same order. An old cell with no new one is one the course removed (the student did not change it)."""
    if i2 - i1 == j2 - j1:
        return list(zip(range(i1, i2), range(j1, j2)))
    old_ids = {}
    for i in range(i1, i2):
        if _grade_id(old_cells[i]) in old_ids:
            return None  # a grade_id twice in the old block
        if _grade_id(old_cells[i]):
            old_ids[_grade_id(old_cells[i])] = i
    pairs = [(old_ids.get(_grade_id(new_cells[j])) if _grade_id(new_cells[j]) else None, j) for j in range(j1, j2)]
    matched = [i for i, _ in pairs if i is not None]
    if matched != sorted(set(matched)):
        return None  # a grade_id claimed twice in the new block, or cells reordered
    if any(not untouched[i] and i not in matched for i in range(i1, i2)):
        return None  # a cell the student changed that the course no longer has: theirs stays, named
    return pairs


def merge_lines(mine: str, old: str, new: str) -> str | None:
    """A three-way merge of one cell's lines (`git merge-file`): the student's text with the course's
    changes to lines the student did not change; None when both changed the same lines."""
    with tempfile.TemporaryDirectory(prefix="tito-merge-") as scratch:
        files = []
        for name, text in (("mine", mine), ("old", old), ("new", new)):
            path = Path(scratch) / name
            path.write_text(text + "\n", encoding="utf-8")
            files.append(str(path))
        try:
            result = subprocess.run(["git", "merge-file", "-p", "-q", *files], capture_output=True, text=True,
                                    encoding="utf-8")
        except FileNotFoundError:
            return None
    if result.returncode != 0:
        return None
    return result.stdout[:-1] if result.stdout.endswith("\n") else result.stdout


def update(root: Path, modules: list[CourseModule], package: Path, log=print) -> None:
    _git(root, "rev-parse", "--is-inside-work-tree")
    notebooks_by_path = {module.notebook_of(source).resolve(): (module, source)   # every notebook of each module
                         for module in modules for source in module.sources}
    exports = {module.slug: module for module in modules if workflow.package_origin(module, package) == "yours"}
    export_files = {(package / export.module_file(cells.export_target(m.src))).resolve(): m
                    for m in exports.values()}
    changed = changed_tracked_files(root)
    others = [p for p in changed if p.resolve() not in notebooks_by_path and p.resolve() not in export_files]
    if others:
        listed = "\n  ".join(str(p.relative_to(root)) for p in others[:20])
        raise UpdateRefused("these tracked files have changes tito did not make, so nothing was changed:\n  "
                            f"{listed}\nCommit them (git commit -am ...) or put them back (git checkout -- FILE), "
                            "then run `tito update` again.")
    saved = {path.resolve(): path.read_bytes() for path in changed}
    edited = [notebooks_by_path[p.resolve()] for p in changed if p.resolve() in notebooks_by_path]
    for module, source in edited:
        backup = notebooks.backup_path(module.notebook_of(source))
        backup.parent.mkdir(exist_ok=True)
        shutil.copy2(module.notebook_of(source), backup)
        log(f"saved your notebook as {backup.relative_to(root)}")
    before = _git(root, "rev-parse", "HEAD").stdout.strip()
    if changed:
        _git(root, "checkout", "HEAD", "--", *[str(p.relative_to(root)) for p in changed])
    pulled = _git(root, "pull", "--ff-only", check=False)
    if pulled.returncode != 0:
        for path, data in saved.items():
            path.write_bytes(data)
        raise UpdateRefused(f"`git pull --ff-only` failed, so your files were put back as they were:\n"
                            f"{(pulled.stderr or pulled.stdout).strip()}")
    after = _git(root, "rev-parse", "HEAD").stdout.strip()
    count = _git(root, "rev-list", "--count", f"{before}..{after}").stdout.strip()
    log(f"course updated: {before[:7]} -> {after[:7]} ({count} new commit{'s' * (count != '1')})" if before != after
        else "the course had no updates")
    for module, source in edited:
        _merge_back(root, module, source, before, saved[module.notebook_of(source).resolve()], log)
    for module in exports.values():
        try:
            workflow.export_module(module, package, log=lambda line: None)
            log(f"exported {module.slug} again from your notebook")
        except (workflow.Refused, FileNotFoundError, ValueError) as refusal:
            log(f"could not export {module.slug} again ({str(refusal).splitlines()[0]}); the package holds the "
                f"course's reference for it: fix the notebook, then `tito export {module.number}`")


def _merge_back(root: Path, module: CourseModule, source: Path, before: str, mine_bytes: bytes, log) -> None:
    path = module.notebook_of(source)
    rel = path.relative_to(root)
    mine = nbformat.reads(mine_bytes.decode("utf-8"), as_version=4)
    old = _old_course_notebook(root, before, source)
    new = notebooks.student_notebook(source)
    if old is None:
        merged, conflicts = mine, list(range(1, len(mine.cells) + 1))
    else:
        merged, conflicts = merge_notebook(mine, old, new)
    path.write_bytes((nbformat.writes(merged) + "\n").encode("utf-8"))
    if old is not None and [c.source for c in old.cells] == [c.source for c in new.cells]:
        log(f"{rel}: kept yours (the course did not change it)")
    elif not conflicts:
        log(f"{rel}: yours, with the course's changes to the cells you had not changed")
    else:
        stamped = notebooks.backup_path(path)
        course = stamped.with_name(stamped.name.replace(f"{path.stem}.", f"{path.stem}.course-", 1))
        course.write_bytes(notebooks.notebook_bytes(new))
        cells = ", ".join(map(str, conflicts[:12])) + (" ..." if len(conflicts) > 12 else "")
        log(f"{rel}: yours, with the course's changes where you had changed nothing; the course also changed "
            f"cell(s) {cells} that you had changed, and those stay yours: compare with the course's new notebook, "
            f"saved as {course.relative_to(root)}")

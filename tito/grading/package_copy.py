"""Which course modules a grading's copy of the tinytorch package holds.

A grading gets a copy of the installed package with the graded module exported from the student's
notebook. The installed package holds every module's reference: a later assignment's solution that the
graded lesson never imports. Code run for the grading (the judge's children in `tito grade`, the
kernel of `nbgrader autograde`) could read it and print it into what the student gets back, so the copy
keeps only the modules the graded module's sources import, directly or through them (H61 found module
08's kernel printing module 09's reference; `tito grade` had the same copy)."""
from __future__ import annotations

import ast
from pathlib import Path

from .. import cells, paths


def hidden_files(package: Path, module) -> set[Path]:
    """The package's files of `module` (its sources' export targets): its reference."""
    hidden = set()
    for source in module.sources:
        try:
            target = cells.export_target(source)
        except ValueError:
            continue
        hidden.add(package.joinpath(*target.split(".")).with_suffix(".py"))
    return hidden


def imported_core_names(text: str) -> set[str]:
    """The tinytorch.core modules a source's code imports (`import tinytorch.core.NAME`, `from
    tinytorch.core.NAME import ...`, `from tinytorch.core import NAME`), at any depth of the code. Read
    from the code's syntax tree, never its text: module 01's error message that tells the student to
    `import tinytorch.core.autograd` is no import (a regular expression over the text kept module 06's
    reference, and 02-04's through it, in module 01's grading)."""
    names = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[2] for alias in node.names
                         if alias.name.startswith("tinytorch.core."))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "tinytorch.core":
                names.update(alias.name for alias in node.names)
            elif node.module.startswith("tinytorch.core."):
                names.add(node.module.split(".")[2])
    return names


def needed_modules(module) -> set[str]:
    """The slugs of the course modules whose package files `module`'s lesson needs: those its sources
    import (`tinytorch.core.NAME`), and those theirs import, and so on; `module` itself too. Module 03's
    lesson imports module 06's autograd, which imports module 04's losses: all three. Never one it does
    not import (module 09's spatial for module 08: a later assignment's solution)."""
    modules = {m.slug: m for m in paths.all_modules(module.root)}
    by_name = {}
    for other in modules.values():
        for source in other.sources:
            try:
                target = cells.export_target(source)
            except ValueError:
                continue
            if target.startswith("core."):
                by_name[target.split(".", 1)[1]] = other.slug
    needed, todo = set(), [module.slug]
    while todo:
        slug = todo.pop()
        if slug in needed or slug not in modules:
            continue
        needed.add(slug)
        for source in modules[slug].sources:
            names = imported_core_names(source.read_text(encoding="utf-8"))
            todo += [by_name[name] for name in sorted(names) if name in by_name]
    return needed


def leave_out_unneeded(copy: Path, module) -> list[str]:
    """Remove from the package copy (copy is its tinytorch folder) the files of the course modules
    `module`'s lesson does not need (needed_modules): the references of assignments it does not grade.
    Their slugs."""
    needed = needed_modules(module)
    left_out = []
    for other in paths.all_modules(module.root):
        if other.slug in needed:
            continue
        for file in hidden_files(copy, other):
            if file.exists():
                file.unlink()
                left_out.append(other.slug)
    return sorted(set(left_out))

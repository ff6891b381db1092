"""Module 09 submissions for the autograder's own tests: wrong answers and one independent correct set.

A submission is built from the REAL student notebook (`modules/09_convolutions/09_convolutions.ipynb`):
every `raise NotImplementedError()` stub is replaced by a body, the reference solution from src
unless the submission gives its own. `wrong.py` holds the wrong bodies (written the way students
write them), `correct.py` a complete correct set written independently of the reference.

Bodies are keyed by exercise: the qualified name of the function whose stub they replace
("conv2d_loops", "Conv2d.__init__"). A body is written at indent 0 and re-indented to the stub's.

`python tests/grading/submissions_09/table.py` grades them all and prints the points table.
"""
from __future__ import annotations

import ast
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tito import cells, notebooks, paths

ROOT = paths.repo_root(Path(__file__).parent)
MODULE = next((m for m in paths.all_modules(ROOT) if m.number == "09"), None)


@dataclass(frozen=True)
class Solution:
    """One solution region of src: the exercise it belongs to and its body."""

    exercise: str  # qualified name of the enclosing function, e.g. "Conv2d.__init__"
    body: str      # the reference body, dedented to indent 0


def qualified_function_at(source: str, line_number: int) -> str:
    """Qualified name ("Class.method" or "function") of the innermost def holding line `line_number` (1-based)."""
    best: tuple[int, str] | None = None

    def visit(node, prefix):
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if isinstance(child, ast.FunctionDef) and child.lineno <= line_number <= child.end_lineno:
                    if best is None or child.lineno >= best[0]:
                        best = (child.lineno, name)
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    if best is None:
        raise ValueError(f"line {line_number} is inside no function")
    return best[1]


def stubs(src: Path | None = None) -> dict[str, Solution]:
    """Every solution region of src, keyed by exercise."""
    src = src or MODULE.src
    found: dict[str, Solution] = {}
    for index, cell in enumerate(notebooks.read_source(src).cells):
        if cell.cell_type != "code":
            continue
        lines = cell.source.split("\n")
        for begin, end in notebooks._solution_regions(lines, f"{src.name}, cell {index}"):
            exercise = qualified_function_at(cell.source, begin + 1)
            if exercise in found:
                raise ValueError(f"{exercise} has two solution regions; give its submissions one body per region")
            found[exercise] = Solution(exercise, textwrap.dedent("\n".join(lines[begin + 1:end])))
    return found


def read_student_notebook() -> nbformat.NotebookNode:
    return nbformat.read(str(MODULE.student_notebook), as_version=4)


def stub_places(nb: nbformat.NotebookNode) -> dict[str, tuple[int, int, str]]:
    """exercise -> (cell index, line index, indent) of its `raise NotImplementedError()` in an
    exported cell of the student notebook."""
    places = {}
    for index in cells.exported_cell_indexes(nb):
        source = nb.cells[index].source
        for line_index, line in enumerate(source.split("\n")):
            if line.strip() == notebooks.STUB:
                exercise = qualified_function_at(source, line_index + 1)
                assert exercise not in places, f"two stubs in {exercise}"
                places[exercise] = (index, line_index, line[: len(line) - len(line.lstrip())])
    return places


def build(bodies: dict[str, str] | None = None, blank: tuple[str, ...] = (),
          student: nbformat.NotebookNode | None = None) -> nbformat.NotebookNode:
    """The student notebook with every stub filled: `bodies[exercise]` where given, the reference
    solution elsewhere; exercises in `blank` keep their stub."""
    bodies = dict(bodies or {})
    solutions = stubs()
    unknown = set(bodies) - set(solutions)
    if unknown:
        raise KeyError(f"no exercise named {sorted(unknown)}; the exercises are {sorted(solutions)}")
    nb = nbformat.from_dict(nbformat.from_dict(student or read_student_notebook()))  # deep copy
    places = stub_places(nb)
    assert set(places) == set(solutions), (
        f"the student notebook's stubs are in {sorted(places)}, src's solutions in {sorted(solutions)}: "
        "regenerate the notebook with `tito dev export 09`")
    edits: dict[int, dict[int, list[str]]] = {}
    for exercise, (cell, line, indent) in places.items():
        if exercise in blank:
            continue
        body = textwrap.dedent(bodies.get(exercise, solutions[exercise].body)).strip("\n")
        edits.setdefault(cell, {})[line] = [indent + text if text.strip() else "" for text in body.split("\n")]
    for index, replacements in edits.items():
        lines = nb.cells[index].source.split("\n")
        for line in sorted(replacements, reverse=True):
            lines[line:line + 1] = replacements[line]
        nb.cells[index].source = "\n".join(lines)
    return nb


def graded_cells() -> list[cells.CheckCell]:
    return cells.graded_cells(MODULE.src)


def reference_namespace() -> dict:
    """The reference module's exported code (the lesson's, then its given notebooks': the fast path's,
    going further's), run into a fresh namespace (not the installed package, which may be regenerated
    while tests run)."""
    nb = notebooks.reference_course(MODULE.src)
    namespace = {"__name__": "reference_spatial"}
    for index in cells.exported_cell_indexes(nb):
        exec(compile(nb.cells[index].source, f"<reference cell {index}>", "exec"), namespace)
    return namespace


def exercises_called() -> dict[str, set[str]]:
    """For each graded item, the exercises its tests call when run against the reference
    (traced, transitively). Two wrong answers may share one notebook only when no item calls
    both exercises; then each item's verdict is caused by one wrong answer at most."""
    namespace = reference_namespace()
    codes = {}
    for exercise in stubs():
        target = namespace
        for part in exercise.split("."):
            target = target[part] if isinstance(target, dict) else getattr(target, part)
        codes[target.__code__] = exercise
    called_by = {}
    for cell in graded_cells():
        scope = dict(namespace, __name__="exercises_called")
        if cell.helpers:
            exec(compile(cell.helpers, f"<{cell.cell_id} check helpers>", "exec"), scope)
        exec(compile(cell.source, f"<{cell.cell_id}>", "exec"), scope)
        called: set[str] = set()

        def profile(frame, event, arg):
            if event == "call" and frame.f_code in codes:
                called.add(codes[frame.f_code])

        previous = sys.getprofile()
        sys.setprofile(profile)
        try:
            for name in [key for key in scope if key.startswith("test_unit_") and callable(scope[key])]:
                if name in cell.source:
                    scope[name]()
        finally:
            sys.setprofile(previous)
        called_by[cell.cell_id] = called
    return called_by

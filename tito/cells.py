"""Reading notebooks for the student workflow and the grader.

From the instructor's src: the module's export target and its test cells (graded ones carry
their points). From a student's notebook: the cells it exports, checked for syntax errors
before anything is exported, so that an error names the notebook cell and line the student
can find (after export it would point into a generated file they never edit).
"""
from __future__ import annotations

import ast
import hashlib
import os
import re
import stat
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import notebooks, paths

DIRECTIVE = re.compile(r"^\s*#\s*\|\s*(\w+)\s*(.*)$")
EXPORT_DIRECTIVES = {"export", "exports", "exporti"}
# A given, non-exported cell of helpers for the test cells after it (`#| check_helpers`): Jupyter
# runs it once, top to bottom; `tito test` and the grader run it, from the instructor's src, before
# each later test cell, which is otherwise judged on its own.
CHECK_HELPERS = "check_helpers"
# A test cell whose exercise must compute by loops over output positions (`#| loop_rule NAME`): the
# grader and `tito test` check the rule on the exported source of NAME (tito/grading/loops.py).
LOOP_RULE = "loop_rule"
TEST_PREFIX = "test_unit_"


# CPython before 3.11.8 / 3.12.1 can fail ast.parse in two threads at once ("AST constructor
# recursion depth mismatch", gh-106905); tito test and the grader judge cells from thread pools.
# Every ast.parse of tito goes through parse(), and every traceback it formats in a thread through
# format_exception() (Python 3.11 parses each line a traceback shows, to place its carets).
PARSING = threading.RLock()  # re-entrant: loops.verdict holds it around its whole check


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """ast.parse, one thread at a time (see PARSING)."""
    with PARSING:
        return ast.parse(source, filename)


def format_exception(error: BaseException) -> str:
    """traceback.format_exception's text, one thread at a time (see PARSING): on Python 3.11.7 a judge
    thread formatting a test's traceback while another parsed failed with the SystemError (H64)."""
    with PARSING:
        return "".join(traceback.format_exception(type(error), error, error.__traceback__))


class NotebookError(ValueError):
    """A file that is not a readable notebook."""


@dataclass(frozen=True)
class CheckCell:
    """One test cell of the instructor's src: a graded item when `graded`."""

    cell_id: str  # nbgrader grade_id, or "ungraded-<first test function>" for an ungraded test cell
    source: str
    points: float
    graded: bool
    helpers: str = ""  # the `#| check_helpers` cells before it, run first in the same namespace
    loop_rule: str = ""  # the function its `#| loop_rule NAME` line names, checked on its source
    src: Path | None = None  # the instructor's src it comes from (the loop rule's reference)


def test_functions(source: str) -> list[str]:
    """The tests a test cell defines: its top-level `def test_unit_*` functions, in order.

    The one definition of "which functions in a cell are tests", shared by `tito test`, the
    grader and tests/integration. A cell that does not parse defines none (running it reports
    the syntax error)."""
    try:
        tree = parse(source)
    except SyntaxError:
        return []
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith(TEST_PREFIX)]


def directives(source: str) -> dict[str, str]:
    """nbdev directives (`#| name args`) at the top of a cell."""
    found = {}
    for line in source.split("\n"):
        match = DIRECTIVE.match(line)
        if not match:
            if line.strip():
                break  # directives come first; the first code line ends them
            continue
        found[match.group(1)] = match.group(2).strip()
    return found


def export_target(src: Path) -> str:
    """The dotted module a src exports to, e.g. 'core.spatial' (from `#| default_exp`)."""
    for cell in notebooks.shared_source(src).cells:
        target = directives(cell.source).get("default_exp") if cell.cell_type == "code" else None
        if target:
            return target
    raise ValueError(f"{src} has no '#| default_exp core.<name>' line. Add it to the first code cell.")


def _number(value) -> float:
    """nbgrader points as written: 5 stays 5 (not 5.0) in reports."""
    value = float(value)
    return int(value) if value.is_integer() else value


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def check_cells(src: Path) -> list[CheckCell]:
    """Every non-exported code cell of src, and of the sources that continue it (paths.continuations),
    that defines test_unit_* functions, graded or not. Each source is a notebook of its own: its
    cells get the `#| check_helpers` cells before them in the same source."""
    found = []
    for path in [src, *paths.continuations(Path(src))]:
        found += _check_cells_of(path)
    return found


def _check_cells_of(src: Path) -> list[CheckCell]:
    found, helpers = [], []
    for cell in notebooks.shared_source(src).cells:
        meta = _nbgrader(cell)
        if cell.cell_type != "code" or EXPORT_DIRECTIVES & directives(cell.source).keys():
            continue
        if CHECK_HELPERS in directives(cell.source):
            helpers.append(cell.source)
            continue
        tests = test_functions(cell.source)
        if meta.get("grade") or tests:
            name = meta.get("grade_id") or (f"ungraded-{tests[0]}" if tests else cell.id)
            found.append(CheckCell(name, cell.source, _number(meta.get("points", 0)), bool(meta.get("grade")),
                                   "\n\n".join(helpers), directives(cell.source).get(LOOP_RULE, ""), src))
    return found


def graded_cells(src: Path) -> list[CheckCell]:
    """The graded items: nbgrader cells with "grade": true, worth their "points"."""
    return [cell for cell in check_cells(src) if cell.graded]


def course_cells(src: Path) -> list[tuple[str, str | None]]:
    """The code cells of src that carry an nbgrader grade_id, in course order: (grade_id, source) for
    a given cell (not a solution cell: nbgrader's release locks it, and so does tito dev release),
    (grade_id, None) for a solution cell, which is the student's."""
    return [(_nbgrader(cell)["grade_id"], None if _nbgrader(cell).get("solution") else cell.source)
            for cell in notebooks.shared_source(src).cells if cell.cell_type == "code" and _nbgrader(cell).get("grade_id")]


def continued_cells(src: Path) -> list[tuple[str, str]]:
    """The exported code cells of the sources that continue src (paths.continuations: given code, no
    exercise), in order: (grade_id or "", source). They follow the lesson's cells in the package."""
    return [(_grade_id(cell) or "", cell.source) for path in paths.continuations(Path(src))
            for cell in notebooks.shared_source(path).cells
            if cell.cell_type == "code" and EXPORT_DIRECTIVES & directives(cell.source).keys()]


def append_continued(nb: nbformat.NotebookNode, continued: list[tuple[str, str]]) -> None:
    """Put the continuing sources' exported cells (continued_cells) after a submission's cells, as the
    course has them: what `tito export` and `tito grade` export is the student's lesson followed by the
    course's given notebook(s) after it, as the reference package is built. A cell of the submission
    with one of their grade_ids (a notebook from before the lesson was split) is dropped first: the
    course's copy at the end replaces it."""
    ids = {grade_id for grade_id, _ in continued if grade_id}
    nb.cells = [cell for cell in nb.cells if not (cell.cell_type == "code" and _grade_id(cell) in ids)]
    for index, (grade_id, source) in enumerate(continued):  # ids of their own: not cells of the student's notebook
        metadata = {"nbgrader": {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3,
                                 "solution": False, "task": False}} if grade_id else {}
        nb.cells.append(nbformat.v4.new_code_cell(source=source, id=f"continued-{index}", metadata=metadata))


def _plain_code(source: str) -> str:
    """A cell's code without the blank lines around it and the spaces that end its lines."""
    return "\n".join(line.rstrip() for line in source.strip("\n").split("\n")).strip("\n")


def _grade_id(cell) -> str | None:
    """A cell's nbgrader grade_id; None when it has none or it is not text (a notebook may say anything)."""
    nbgrader = _nbgrader(cell)
    grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def restore_given(nb: nbformat.NotebookNode, course: list[tuple[str, str | None]]) -> list[str]:
    """Put the course's given cells back into a submission, as nbgrader's autograde puts locked cells
    back: every code cell whose grade_id names a given cell takes the course's source, and an
    exported given cell the submission lacks is inserted where the course has it (before the
    submission's first cell of a course cell after it), unless a cell without its grade_id holds
    its code already (metadata lost) or no course cell after it is there to place it by. What a
    notebook says about a given cell (its text, its directives, its other metadata) decides nothing:
    a course update reaches notebooks handed out before it, and an edited copy of given code is
    not what is graded (except a deleted given cell with no course cell after it to place it by:
    the student's own version is then exported, and the tampering rule judges it; H48).
    Returns the grade_ids put back because the submission's copy differed (from the course's, with or
    without its hidden tests) or was missing."""
    given = {grade_id: source for grade_id, source in course if source is not None}
    restored = []
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if cell.cell_type == "code" and grade_id in given:
            # A graded cell as the student's notebook has it (its hidden tests left out) or as the
            # instructor's does (with them) is the course's own copy: neither is a change.
            if cell.source != given[grade_id] and cell.source != notebooks.strip_hidden_tests(given[grade_id]):
                restored.append(grade_id)
            cell.source = given[grade_id]
    present = {_grade_id(cell) for cell in nb.cells if cell.cell_type == "code"}
    unlabelled = {_plain_code(cell.source) for cell in nb.cells if cell.cell_type == "code" and _grade_id(cell) not in given}
    for at, (grade_id, source) in enumerate(course):
        if source is None or grade_id in present or not EXPORT_DIRECTIVES & directives(source).keys():
            continue
        if _plain_code(source) in unlabelled:
            continue    # there, without its metadata (pasted from a fresh notebook, or stripped by a tool): H20
        later = {later_id for later_id, _ in course[at + 1:]}
        where = next((i for i, cell in enumerate(nb.cells)
                      if cell.cell_type == "code" and _grade_id(cell) in later), None)
        if where is None:
            continue    # no course cell after it to place it by: never appended after the student's code (H20)
        nb.cells.insert(where, nbformat.v4.new_code_cell(source=source, id=f"restored-{len(restored)}", metadata={"nbgrader": {
            "grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3, "solution": False, "task": False}}))
        present.add(grade_id)
        restored.append(grade_id)
    return restored


def open_regular_file(path: Path):
    """A binary file object of `path`, which must be a regular file (also through a link): a FIFO, a device
    (`alice.ipynb -> /dev/zero`, as an archive can hold) or a folder is refused (NotebookError) without
    being read; opening never blocks (O_NONBLOCK, which a regular file ignores). FileNotFoundError when
    there is nothing at `path` (a broken link too)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise FileNotFoundError(f"No notebook at {path}. Expected the path of a .ipynb file; check the spelling.") from None
    except OSError as error:
        raise NotebookError(f"{path} cannot be read ({error.strerror or error}). "
                            "Expected the path of a readable .ipynb file.") from error
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(mode) else "a pipe" if stat.S_ISFIFO(mode) else \
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a file"
        raise NotebookError(f"{path} is not a regular file ({kind}), so it was not read. "
                            "Expected the path of a .ipynb file saved by Jupyter.")
    return os.fdopen(fd, "rb")


def read_notebook_bytes(path: Path, most: int | None = None) -> bytes:
    """The bytes of a student's notebook file (FileNotFoundError or NotebookError, for the student, when it
    cannot be read: not a regular file, or more than `most` bytes)."""
    try:
        with open_regular_file(path) as handle:
            data = handle.read() if most is None else handle.read(most + 1)
    except OSError as error:
        if isinstance(error, FileNotFoundError) and str(error).startswith("No notebook at"):
            raise
        raise NotebookError(f"{path} cannot be read ({error.strerror or error}). "
                            "Expected the path of a readable .ipynb file.") from error
    if most is not None and len(data) > most:
        raise NotebookError(f"{path} is larger than {most // (1 << 20)} MiB, more than a notebook can be read in "
                            "under the memory limit (raise it with --memory-mb).")
    return data


def load_notebook(path: Path, data: bytes | None = None) -> nbformat.NotebookNode:
    """Read a student's notebook (from `data`, its bytes, when given), keeping only what export needs
    (no outputs, known metadata)."""
    data = read_notebook_bytes(path) if data is None else data
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as error:  # nbformat raises several types for bad JSON / bad structure
        raise NotebookError(f"{path} is not a readable Jupyter notebook ({type(error).__name__}: {error}). "
                            "Expected the .ipynb file saved by Jupyter; check the path, or re-save it from Jupyter.") from error
    clean = nbformat.v4.new_notebook(metadata=notebooks.notebook_metadata())
    for index, cell in enumerate(nb.cells):
        meta = notebooks.clean_cell_metadata(cell.get("metadata", {}))
        make = nbformat.v4.new_code_cell if cell.cell_type == "code" else nbformat.v4.new_markdown_cell
        clean.cells.append(make(source=cell.get("source", ""), metadata=meta, id=notebooks.cell_id(index)))
    return clean


def describe_cell(nb: nbformat.NotebookNode, index: int) -> str:
    """How a student finds a cell: its position, and its first line of code."""
    first = next((line.strip() for line in nb.cells[index].source.split("\n")
                  if line.strip() and not DIRECTIVE.match(line)), "")
    return f"cell {index + 1} of {len(nb.cells)} (the one starting {first[:50]!r})"


def exported_cell_indexes(nb: nbformat.NotebookNode) -> list[int]:
    return [i for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and EXPORT_DIRECTIVES & directives(cell.source).keys()]


def exported_cells_hash(nb: nbformat.NotebookNode) -> str:
    """sha256 of the exported cells' sources, in order: what `tito export` puts into the package.
    Editing prose, outputs or a test cell leaves it alone; editing exported code changes it."""
    digest = hashlib.sha256()
    for index in exported_cell_indexes(nb):
        digest.update(nb.cells[index].source.encode("utf-8") + b"\0")
    return digest.hexdigest()


def syntax_error(nb: nbformat.NotebookNode) -> str | None:
    """The first syntax error in an exported cell, described for the student; None if all parse.
    A cell Python cannot compile for another reason (an expression nested too deeply for the
    compiler's recursion limit, a NUL character, too large) is described the same way."""
    for index in exported_cell_indexes(nb):
        try:
            compile(nb.cells[index].source, f"cell {index + 1}", "exec")
        except SyntaxError as error:
            line = (error.text or "").rstrip("\n")
            where = f", line {error.lineno}" if error.lineno else ""
            return (f"{describe_cell(nb, index)}{where}: {error.msg}\n"
                    + (f"    {line.strip()}\n" if line.strip() else "")
                    + "Fix that line in your notebook (run the cell to check), save, and try again.")
        except (RecursionError, MemoryError, ValueError, OverflowError) as error:
            why = {RecursionError: "it is nested too deeply (or one expression is too long) for Python to compile",
                   MemoryError: "it is too large for Python to compile"}.get(type(error), str(error))
            return (f"{describe_cell(nb, index)}: {why} ({type(error).__name__}).\n"
                    "Fix that cell in your notebook (run the cell to check), save, and try again.")
    return None

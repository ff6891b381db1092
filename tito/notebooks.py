"""Literate source -> notebooks.

`src/NN_name/NN_name.py` (jupytext percent format) becomes
  * the reference notebook (solutions kept, markers dropped): what nbdev exports into the package;
  * the student notebook (each solution region replaced by `raise NotImplementedError()`).

Both are byte-for-byte reproducible: cell ids are derived from cell positions instead of
jupytext's random ids, jupytext's own bookkeeping metadata is dropped, and the JSON is written
with sorted keys.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from datetime import datetime
from pathlib import Path

import jupytext
import nbformat

from .paths import continuations

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
# nbgrader's hidden tests: lines of a graded cell that the student's notebook leaves out (nbgrader's
# generate_assignment does the same in its release); the grader runs them from src.
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
STUB = "raise NotImplementedError()"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
# The only cell metadata a notebook keeps; everything else is converter bookkeeping.
KEPT_CELL_METADATA = ("nbgrader", "tags")
CELL_ID = re.compile(r"^cell-(\d{3,})$")


def notebook_metadata() -> dict:
    """The notebook-level metadata of every notebook the pipeline writes, and nothing else."""
    return {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}


def cell_id(index: int) -> str:
    """A cell's id: its position, so that regeneration is byte-identical (jupytext's are random)."""
    return f"cell-{index:03d}"


def cell_index(id_: str) -> int | None:
    """The position a pipeline cell id stands for, or None for any other id."""
    match = CELL_ID.match(id_)
    return int(match.group(1)) if match else None


def clean_cell_metadata(metadata) -> dict:
    return {key: metadata[key] for key in KEPT_CELL_METADATA if key in metadata}


class SolutionMarkerError(ValueError):
    """A BEGIN/END SOLUTION pair is broken in a source file."""


_PARSED: dict[bytes, nbformat.NotebookNode] = {}  # sha256 of a source's text -> its notebook
_PARSED_KEPT = 16


def read_source(path: Path) -> nbformat.NotebookNode:
    """Parse a percent-format source into a notebook with stable ids and clean metadata.

    Each text is parsed once per process (one grade reads the source three times); every call
    returns a copy of its own, so callers may edit it."""
    return copy.deepcopy(shared_source(path))


def shared_source(path: Path) -> nbformat.NotebookNode:
    """read_source's notebook without the copy, the same object for every caller: only to read.

    Copying a whole lesson costs more than parsing a line of it: a grading asks each module's
    source for its export target (cells.export_target) about twenty times."""
    text = Path(path).read_text(encoding="utf-8")  # text mode, as jupytext.read: '\r\n' read as '\n'
    key = hashlib.sha256(text.encode("utf-8")).digest()
    if key not in _PARSED:
        if len(_PARSED) >= _PARSED_KEPT:
            del _PARSED[next(iter(_PARSED))]  # the oldest
        _PARSED[key] = _parse_source(text)
    return _PARSED[key]


def _parse_source(text: str) -> nbformat.NotebookNode:
    nb = jupytext.reads(text, fmt="py:percent")
    nb.metadata = nbformat.from_dict(notebook_metadata())
    for index, cell in enumerate(nb.cells):
        cell.id = cell_id(index)
        cell.metadata = nbformat.from_dict(clean_cell_metadata(cell.metadata))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def _solution_regions(lines: list[str], where: str, begin_marker: str = BEGIN, end_marker: str = END,
                      what: str = "solution"):
    """Yield (begin, end) line indexes of each solution region (or, given nbgrader's hidden-test
    markers, each hidden-test region); raise on broken markers."""
    begin = None
    for i, line in enumerate(lines):
        marker = line.strip()
        if marker == begin_marker:
            if begin is not None:
                raise SolutionMarkerError(f"{where}: line {i + 1} opens a {what} inside the one opened at line {begin + 1}. Close it with '{end_marker}' first.")
            begin = i
        elif marker == end_marker:
            if begin is None:
                raise SolutionMarkerError(f"{where}: line {i + 1} closes a {what} that was never opened. Add '{begin_marker}' above it.")
            yield begin, i
            begin = None
    if begin is not None:
        raise SolutionMarkerError(f"{where}: the {what} opened at line {begin + 1} is never closed. Add '{end_marker}' after it.")


def strip_solutions(source: str, where: str = "cell") -> str:
    """Replace every solution region with `raise NotImplementedError()` at the marker's indent."""
    lines = source.split("\n")
    out, last = [], 0
    for begin, end in _solution_regions(lines, where):
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        out += lines[last:begin] + [indent + STUB]
        last = end + 1
    return "\n".join(out + lines[last:])


def strip_hidden_tests(source: str, where: str = "cell") -> str:
    """Leave out every hidden-test region, its marker lines included, as nbgrader's release does."""
    lines = source.split("\n")
    hidden = {i for begin, end in _solution_regions(lines, where, HIDDEN_BEGIN, HIDDEN_END, "hidden test")
              for i in range(begin, end + 1)}
    return "\n".join(line for i, line in enumerate(lines) if i not in hidden)


def student_cell(source: str, where: str = "cell") -> str:
    """A cell as the student's notebook has it: solutions stubbed, hidden tests left out."""
    return strip_hidden_tests(strip_solutions(source, where), where)


def drop_markers(source: str, where: str = "cell") -> str:
    """Keep the solutions, drop the marker lines (the reference package reads clean)."""
    lines = source.split("\n")
    marker_lines = {i for region in _solution_regions(lines, where) for i in region}
    return "\n".join(line for i, line in enumerate(lines) if i not in marker_lines)


def _transform(nb: nbformat.NotebookNode, fn, name: str) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nbformat.from_dict(nb))  # deep copy
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.source = fn(cell.source, f"{name}, cell {index}")
    return nb


def reference_notebook(src: Path) -> nbformat.NotebookNode:
    return _transform(read_source(src), drop_markers, src.name)


def student_notebook(src: Path) -> nbformat.NotebookNode:
    return _transform(read_source(src), student_cell, src.name)


def read_course(src: Path) -> nbformat.NotebookNode:
    """The lesson `src` followed by the sources that continue it (paths.continuations): one notebook,
    cell ids by position, as the package holds their exported cells. For a module of one source, read_source."""
    nb = read_source(src)
    for more in continuations(Path(src)):
        nb.cells += read_source(more).cells
    for index, cell in enumerate(nb.cells):
        cell.id = cell_id(index)
    return nb


def reference_course(src: Path) -> nbformat.NotebookNode:
    """read_course with the solution markers dropped: what nbdev exports into the reference package."""
    return _transform(read_course(src), drop_markers, src.name)


def notebook_bytes(nb: nbformat.NotebookNode) -> bytes:
    """Serialise deterministically (nbformat sorts keys and indents by one)."""
    nbformat.validate(nb)
    return (nbformat.writes(nb) + "\n").encode("utf-8")


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> bool:
    """Write only when the bytes change; return whether the file changed."""
    data = notebook_bytes(nb)
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def leftover_solution_lines(nb: nbformat.NotebookNode) -> list[str]:
    """Marker lines still present in a notebook, of solutions or hidden tests (a student notebook must have none)."""
    pattern = re.compile(r"###\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)")
    return [line for cell in nb.cells for line in cell.source.split("\n") if pattern.search(line)]


def looks_generated(path: Path) -> bool:
    """Whether a notebook file is untouched pipeline output: our exact notebook metadata, our
    cell ids, and no outputs or execution counts. Anything Jupyter saved, or a person ran, fails."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
        return nb.get("metadata") == notebook_metadata() and all(
            cell.get("id") == cell_id(index)
            and not cell.get("outputs")
            and cell.get("execution_count") is None
            for index, cell in enumerate(cells)
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def backup_path(notebook: Path) -> Path:
    """A new timestamped name under the notebook's `backups/` folder."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    # In a subfolder: `modules/*/*.ipynb` are the generated notebooks, backups are not.
    candidate = notebook.parent / "backups" / f"{notebook.stem}.{stamp}.ipynb"
    count = 2
    while candidate.exists():
        candidate = notebook.parent / "backups" / f"{notebook.stem}.{stamp}-{count}.ipynb"
        count += 1
    return candidate

"""Notebook -> package module, through nbdev.

nbdev's `nb_export` writes each notebook's `#| export` cells into a module, with an
`__all__`, imports made relative, and a header naming the file to edit. We let it write into
a scratch copy of the package, then point that header at the file a person should really
edit (the `src/` source for the reference, the student's notebook for a student export), and
copy the result into place.
"""
from __future__ import annotations

import ast
import os
import tempfile
from pathlib import Path

import nbformat

from . import notebooks


def _quiet_nb_export(nb_path: Path, lib_dir: Path) -> None:
    from nbdev.export import nb_export  # imported late: nbdev is slow to import

    nb_export(str(nb_path), lib_path=str(lib_dir))


def export_notebook(nb: nbformat.NotebookNode, package_dir: Path, edit_me: Path) -> list[Path]:
    """Export `nb`'s `#| export` cells into `package_dir` (a `tinytorch` folder).

    `edit_me` is the file the generated header and cell markers point readers to.
    Returns the package files written or confirmed unchanged.
    """
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        nb_path = scratch / "notebooks" / "module.ipynb"
        nb_path.parent.mkdir()
        nb_path.write_bytes(notebooks.notebook_bytes(nb))
        scratch_lib = scratch / "tinytorch"
        scratch_lib.mkdir()
        _quiet_nb_export(nb_path, scratch_lib)
        for made in sorted(scratch_lib.rglob("*.py")):
            dest = package_dir / made.relative_to(scratch_lib)
            nbdev_ref = os.path.relpath(nb_path, made.parent)
            our_ref = os.path.relpath(edit_me, dest.parent)
            text = made.read_text(encoding="utf-8").replace(nbdev_ref, our_ref)
            if not dest.exists() or dest.read_text(encoding="utf-8") != text:
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(text, encoding="utf-8")
            written.append(dest)
    if not written:
        raise ValueError(
            f"{edit_me} has no cell marked '#| export' with a '#| default_exp' target, so nothing was exported. "
            "Add '#| default_exp core.<name>' to the first code cell and '#| export' to the cells to export."
        )
    return written


def exported_names(module_file: Path) -> list[str]:
    """The `__all__` nbdev wrote into a generated module."""
    tree = ast.parse(module_file.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
    return []

"""The instructor's regeneration: src -> student notebook + reference package module."""
from __future__ import annotations

from pathlib import Path

from . import export, notebooks
from .paths import Module


def build_module(module: Module, out_root: Path) -> list[Path]:
    """Write module's student notebook and package file(s) under `out_root` (the repo, or a
    scratch tree mirroring it). Returns every file written or confirmed unchanged."""
    student = out_root / module.student_notebook.relative_to(module.root)
    notebooks.write_notebook(notebooks.student_notebook(module.src), student)
    package_files = export.export_notebook(
        notebooks.reference_notebook(module.src),
        package_dir=out_root / "tinytorch",
        edit_me=out_root / module.src.relative_to(module.root),
    )
    return [student, *package_files]

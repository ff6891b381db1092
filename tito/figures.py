"""`tito dev figures`: one picture per lesson, for the docs (docs/figures/NN_name.png).

Each module's reference notebook (src, solutions kept) runs as Jupyter's Run All would: code
cells in one namespace under `__main__`, their printing discarded, matplotlib on Agg with its
own default style (a matplotlibrc on the instructor's machine changes nothing). Every lesson
hands its figures to `tinytorch.figures.show`; that function is replaced for the run, and the
first figure it receives ends the module's run (what follows, training included, is not needed).

The PNG is deterministic on one machine and matplotlib version: fixed dpi, no "Software" text
chunk (the only metadata matplotlib writes into a PNG by default), seeded lessons; it is written
to a temporary name in the same folder, then renamed. Another matplotlib or freetype draws a few
pixels differently, so what proves a committed figure current is MANIFEST (figures.json): per
figure, the sha256 of the code cells that ran up to it, which any renderer computes alike.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import struct
from pathlib import Path

from . import files, notebooks, paths

DPI = 100
MANIFEST = "figures.json"
NO_MATPLOTLIB = ("tito dev figures needs matplotlib, which is not installed "
                 "(install the plot extra: pip install -e '.[plot]').")


class MissingMatplotlib(RuntimeError):
    """matplotlib cannot be imported: no figure can be drawn."""


class _FirstFigure(BaseException):
    """Raised from the replaced `show` to stop a module's run at its first figure (a BaseException,
    so that a lesson's own `except Exception` cannot swallow it)."""

    def __init__(self, figure):
        super().__init__("first figure captured")
        self.figure = figure


def _heading(cells, index: int) -> str:
    """The nearest markdown heading (or bold lead-in) above cell `index`, without its markup."""
    for cell in reversed(cells[:index]):
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            line = line.strip()
            if line.startswith("#"):
                return line.lstrip("#").strip()
            if line.startswith("**") and "**" in line[2:]:
                return line[2:line.index("**", 2)].strip().rstrip(".")
    return ""


def _title(figure) -> str:
    suptitle = getattr(figure, "_suptitle", None)
    return suptitle.get_text().strip() if suptitle is not None else ""


def first_figure(module: paths.CourseModule):
    """(the first figure the module's reference notebook shows, its title or heading, the sha256
    of the code cells that ran up to it); (None, '', '') when the notebook shows none."""
    import tinytorch.figures as shared

    def capture(plt_, fig):
        raise _FirstFigure(fig)

    cells = notebooks.reference_notebook(module.src).cells
    namespace = {"__name__": "__main__"}
    original = shared.show
    shared.show = capture  # every lesson does `from tinytorch.figures import ... show as _show` in a cell
    code = hashlib.sha256()
    try:
        for index, cell in enumerate(cells):
            if cell.cell_type != "code":
                continue
            code.update(cell.source.encode("utf-8") + b"\0")
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(cell.source, str(module.src), "exec"), namespace)
            except _FirstFigure as caught:
                return caught.figure, _title(caught.figure) or _heading(cells, index), code.hexdigest()
        return None, "", ""
    finally:
        shared.show = original


def write_figures(modules: list[paths.CourseModule], out: Path, log=print) -> list[str]:
    """Write out/NN_name.png for each module; log one line each. Return the problems (empty: all written)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot
    except ImportError as error:
        raise MissingMatplotlib(NO_MATPLOTLIB) from error
    out.mkdir(parents=True, exist_ok=True)
    problems, manifest = [], {}
    for module in modules:
        with matplotlib.rc_context():
            matplotlib.rcdefaults()  # matplotlib's own style, whatever matplotlibrc says; the backend stays Agg
            try:
                figure, title, code = first_figure(module)
                if figure is None:
                    problems.append(f"{module.slug}: the reference notebook shows no figure")
                    log(f"{module.slug}: no figure")
                    continue
                path = out / f"{module.slug}.png"
                files.write_bytes_atomically(path, lambda handle: figure.savefig(
                    handle, format="png", dpi=DPI, metadata={"Software": None}))
                manifest[path.name] = {"code_sha256": code, "drawn_with_matplotlib": matplotlib.__version__}
            except Exception as error:  # a lesson that fails to run: say which, go on with the others
                problems.append(f"{module.slug}: {type(error).__name__}: {error}")
                log(f"{module.slug}: failed ({type(error).__name__}: {error})")
                continue
            finally:
                matplotlib.pyplot.close("all")
        data = path.read_bytes()
        width, height = struct.unpack(">II", data[16:24])  # the PNG's IHDR chunk
        size = len(data)
        log(f"{_shown(path)}  {width}x{height} px, {size / 1024:.1f} KiB  {title}")
    files.write_atomically(out / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return problems


def _shown(path: Path) -> str:
    """The path relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

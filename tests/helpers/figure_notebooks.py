"""A module's pictures, for the tests of its figure cells (importable as `figure_notebooks` through
pytest's `pythonpath`).

The reference notebook (src, solutions kept) runs in one namespace under `__main__`, as Jupyter's
Run All does, and every figure handed to the notebook's `_show` is captured. A module's test file
says only what is its own (which module, which figures, what each must show):

    SRC = reference_source("02_activations")      # skips the file when tito is not installed
    pytestmark = in_this_checkout(SRC)
    figures = figures_fixture(SRC)                # (figures shown, in order; the notebook's namespace)

- `run_without_matplotlib(SRC, monkeypatch, capsys)`: the notebook with `import matplotlib`
  failing (no figure may be drawn); what it printed, where each figure cell says SKIP_NOTE.
- `run_in_fresh_python(SRC, before, after)`: the notebook run the same way in a new Python, for what
  this process's imports would hide (which modules a notebook imports, which engine it switches on).
"""
from pathlib import Path
import subprocess
import sys
import textwrap

import pytest

ROOT = Path(__file__).resolve().parents[2]
from tinytorch.figures import SKIP_NOTE  # noqa: E402, F401  (re-exported: the note every figure cell prints without matplotlib)


def reference_source(slug: str) -> Path:
    """src/<slug>/<slug>.py; the calling test file is skipped when tito (which builds the reference
    notebook) cannot be imported."""
    pytest.importorskip("tito.notebooks", reason="the tito package builds the reference notebook")
    return ROOT / "src" / slug / f"{slug}.py"


def in_this_checkout(src: Path):
    """The mark that skips a test file's tests when `src` is not in this checkout."""
    return pytest.mark.skipif(not src.is_file(), reason=f"{src} is not in this checkout")


def run_notebook(src: Path):
    """(figures shown, in order; the notebook's namespace)."""
    from tito import notebooks
    shown, namespace = [], {"__name__": "__main__"}
    for cell in notebooks.reference_notebook(src).cells:
        if cell.cell_type != "code":
            continue
        exec(compile(cell.source, str(src), "exec"), namespace)
        show = namespace.get("_show")
        if show is not None and not hasattr(show, "captured"):   # wrap it once, right after it is defined
            def capture(plt, fig, show=show):
                shown.append(fig)
                show(plt, fig)
                plt.close(fig)  # the tests read the Figure object; pyplot need not keep it open (20 at most)
            capture.captured = shown
            namespace["_show"] = capture
    return shown, namespace


def run_in_fresh_python(src: Path, before: str = "", after: str = "") -> subprocess.CompletedProcess:
    """The notebook run as Jupyter's Run All does, without matplotlib, in a new Python: `before` (code)
    runs first, `after` last, where `namespace` is the notebook's namespace and `src` its source."""
    script = "\n".join([
        "import sys", "from pathlib import Path", textwrap.dedent(before),
        "sys.modules['matplotlib'] = None   # no figures: each figure cell prints its note",
        "from tito import notebooks",
        "src = Path(sys.argv[1])",
        "namespace = {'__name__': '__main__'}",
        "for cell in notebooks.reference_notebook(src).cells:",
        "    if cell.cell_type == 'code':",
        "        exec(compile(cell.source, str(src), 'exec'), namespace)",
        textwrap.dedent(after)])
    return subprocess.run([sys.executable, "-c", script, str(src)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def figures_fixture(src: Path):
    """A module-scoped fixture `figures`: the notebook run once with matplotlib (Agg)."""
    @pytest.fixture(scope="module")
    def figures():
        pytest.importorskip("matplotlib")
        import matplotlib
        matplotlib.use("Agg")   # before the notebook's own use("Agg"): no window, whatever the environment
        return run_notebook(src)
    return figures


def run_without_matplotlib(src: Path, monkeypatch, capsys) -> str:
    """Run the notebook with `import matplotlib` failing; return what it printed."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)   # None in sys.modules: the import raises ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    shown, _ = run_notebook(src)
    assert shown == [], "a figure was drawn although matplotlib cannot be imported"
    return capsys.readouterr().out

"""`tito dev figures` (#24): one PNG per lesson, the first figure its reference notebook shows,
written deterministically into docs/figures/ (or --out DIR).

The command runs in a subprocess, as an instructor runs it: the reference notebooks patch
`tinytorch.figures.show` and set matplotlib's backend, which must not leak into this process.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tito import paths

ROOT = paths.repo_root(Path(__file__).parent)
COMMITTED = ROOT / "docs" / "figures"
LESSONS = [m for m in paths.all_modules(ROOT) if 1 <= int(m.number) <= 9]


def _tito(*args, cwd=ROOT, before: str = "") -> subprocess.CompletedProcess:
    """`tito ARGS` in a fresh interpreter; `before` runs first (e.g. to make an import fail)."""
    code = f"import sys\n{before}\nfrom tito.main import main\nsys.exit(main({list(args)!r}))"
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=600)


def _figures(out: Path, cwd=ROOT) -> Path:
    result = _tito("dev", "figures", "--out", str(out), cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def _pixels(path: Path):
    import matplotlib.image
    return matplotlib.image.imread(path)


def _difference(a: Path, b: Path) -> float:
    """Mean absolute difference of the decoded RGBA pixels; infinite when the sizes differ."""
    first, second = _pixels(a), _pixels(b)
    if first.shape != second.shape:
        return float("inf")
    return float(abs(first.astype("float64") - second.astype("float64")).mean())


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    pytest.importorskip("matplotlib")
    return _figures(tmp_path_factory.mktemp("figures"))


def test_the_course_has_lessons_01_to_09():
    assert [m.number for m in LESSONS] == [f"{n:02d}" for n in range(1, 10)]


def test_one_readable_png_per_lesson(fresh):
    """Catches: a lesson with no figure (or one that fails to run), a file name that is not NN_name.png,
    extra files, an empty, tiny or blank picture, a file that is not a PNG."""
    assert sorted(p.name for p in fresh.iterdir()) == sorted(["figures.json", *(f"{m.slug}.png" for m in LESSONS)])
    assert sorted(_manifest(fresh)) == [f"{m.slug}.png" for m in LESSONS]
    for module in LESSONS:
        path = fresh / f"{module.slug}.png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
        pixels = _pixels(path)
        assert pixels.ndim == 3 and pixels.shape[2] in (3, 4), (path, pixels.shape)
        assert pixels.shape[0] > 200 and pixels.shape[1] > 200, (path, pixels.shape)
        assert pixels[..., :3].std() > 0.02, f"{path} is (nearly) one flat colour"


@pytest.mark.slow
def test_two_runs_write_the_same_bytes(fresh, tmp_path):
    """Catches: a date or version in the PNG's metadata, an unseeded lesson, anything that varies run to run."""
    again = _figures(tmp_path / "again")
    for name in ["figures.json", *(f"{module.slug}.png" for module in LESSONS)]:
        assert (again / name).read_bytes() == (fresh / name).read_bytes(), f"{name} differs between two runs"


@pytest.mark.reference_only
def _manifest(folder: Path) -> dict:
    return json.loads((folder / "figures.json").read_text(encoding="utf-8"))


def test_committed_figures_match_the_lessons(fresh):
    """Catches: a lesson whose code up to its first figure changed without `tito dev figures` being
    rerun (or a committed file missing, or left over from a renamed lesson). What is compared is what
    any renderer computes alike: the sha256 of the code that drew each figure (figures.json) and the
    image's size; another matplotlib or freetype draws a few pixels differently (on Python 3.10 here,
    up to 0.03 mean difference), so pixels are not compared."""
    assert sorted(p.name for p in COMMITTED.iterdir()) == sorted(p.name for p in fresh.iterdir()), \
        "docs/figures/ holds other files than the command writes: run `tito dev figures` and commit"
    committed, now = _manifest(COMMITTED), _manifest(fresh)
    stale = sorted(name for name in now if committed.get(name, {}).get("code_sha256") != now[name]["code_sha256"])
    assert not stale, f"the code that draws {stale} changed: run `tito dev figures` and commit docs/figures/"
    for name in now:
        assert _pixels(COMMITTED / name).shape == _pixels(fresh / name).shape, name


def test_a_changed_lesson_figure_is_caught(tmp_path):
    """Catches: a manifest that does not follow the code. A scratch copy of the repository holds only
    module 09, its window stride changed from 2 to 1: its figure's code hash is no longer the committed one,
    and the picture itself differs."""
    pytest.importorskip("matplotlib")
    slug = "09_convolutions"
    shutil.copy(ROOT / "settings.ini", tmp_path / "settings.ini")
    shutil.copytree(ROOT / "src" / slug, tmp_path / "src" / slug)
    source = tmp_path / "src" / slug / f"{slug}.py"
    text = source.read_text(encoding="utf-8")
    line = "_h, _w, _k, _s, _p = 5, 6, 3, 2, 1"
    assert text.count(line) == 1, f"the first figure of {slug} no longer starts with {line!r}: update this test"
    source.write_text(text.replace(line, line[:-4] + "1, 1"), encoding="utf-8")
    out = _figures(tmp_path / "out", cwd=tmp_path)
    assert sorted(p.name for p in out.iterdir()) == sorted(["figures.json", f"{slug}.png"])
    name = f"{slug}.png"
    assert _manifest(out)[name]["code_sha256"] != _manifest(COMMITTED)[name]["code_sha256"]
    assert _difference(COMMITTED / name, out / name) > 0.04  # (what another renderer changes stays under 0.03)


def test_without_matplotlib_says_to_install_the_plot_extra(tmp_path):
    """Catches: a traceback (or a silent success with no figures) where matplotlib is missing."""
    result = _tito("dev", "figures", "--out", str(tmp_path / "out"),
                   before="sys.modules['matplotlib'] = None  # `import matplotlib` raises ImportError")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "matplotlib" in lines[0] and "plot extra" in lines[0], result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "out").exists(), "nothing is written without matplotlib"

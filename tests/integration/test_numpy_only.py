"""The library needs numpy and nothing else: installed into a fresh virtual environment that
holds only numpy, `tinytorch.core.spatial` imports and a Conv2d trains one step.

Offline on purpose: the venv is made without pip, numpy is linked in from the interpreter running
the tests, and tinytorch is built by that interpreter's pip and setuptools (`--no-index
--no-build-isolation --target` the venv's site-packages), so no index is asked. The install is a
real (non-editable) one of a copy of the repository, so a package or data file missing from
pyproject.toml fails here too.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy
import pytest

REPO = Path(__file__).resolve().parents[2]

FORWARD_BACKWARD = """
import sys
import numpy as np
from tinytorch.core.spatial import Conv2d
from tinytorch.core.tensor import Tensor, manual_seed

manual_seed(0)
conv = Conv2d(1, 2, kernel_size=3, padding=1)
x = Tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4), requires_grad=True)
out = conv(x)
out.sum().backward()
assert out.shape == (1, 2, 4, 4), out.shape
# d(sum)/d(bias) counts the output positions; d(sum)/d(x) is, per pixel, the sum of the weights
# that touch it: for an interior pixel, every weight of every output channel.
np.testing.assert_allclose(conv.bias.grad, [16.0, 16.0])
np.testing.assert_allclose(x.grad[0, 0, 1, 1], conv.weight.data.sum(), rtol=1e-5)
print("ok", sorted(m.split(".")[0] for m in sys.modules if m.split(".")[0] in ("torch", "nbdev", "pytest", "tito")))
"""


def _run(command, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=300, **kwargs)


def _site_packages(python: Path) -> Path:
    result = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip())


def _link_numpy(site: Path) -> None:
    """numpy (its package, bundled libraries and metadata) from the running interpreter."""
    here = Path(numpy.__file__).resolve().parent.parent
    for entry in here.iterdir():
        if entry.name == "numpy" or entry.name.startswith(("numpy-", "numpy.libs")):
            (site / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())


def _copy_of_the_repository(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, dest / name)
    for package in ("tinytorch", "tito"):
        shutil.copytree(REPO / package, dest / package, ignore=ignore)
    return dest


DISTRIBUTIONS = "import importlib.metadata as m; print(sorted(d.metadata['Name'].lower() for d in m.distributions()))"


@pytest.mark.slow
def test_spatial_imports_and_trains_in_a_fresh_venv_with_only_numpy(tmp_path):
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", venv])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = _site_packages(python)
    _link_numpy(site)
    source = _copy_of_the_repository(tmp_path / "repo")
    installed = _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--no-build-isolation",
                      "--disable-pip-version-check", "-q", "--target", site, source], cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    listed = _run([python, "-c", DISTRIBUTIONS], cwd=tmp_path)
    assert listed.stdout.strip() == "['numpy', 'tinytorch']", listed.stdout + listed.stderr

    ran = _run([python, "-c", "import tinytorch.core.spatial"], cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    trained = _run([python, "-c", FORWARD_BACKWARD], cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert trained.stdout.strip() == "ok []", trained.stdout  # nor torch, nor the pipeline, was imported
    where = _run([python, "-c", "import tinytorch; print(tinytorch.__file__)"], cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout  # the install, not the repository

"""Modules 01-08 each end with a "Systems questions" section (as module 09 does): a markdown cell
that asks about memory, operation counts or numerical range, and code cells that compute and print
the answers. Here each module's reference notebook runs up to the end of that section (matplotlib
blocked, so no figure is drawn), and a few printed numbers are checked against an independent
computation.
"""
from __future__ import annotations

import contextlib
import io
import re
import sys

import pytest

from figure_notebooks import ROOT, reference_source

HEADING = "Systems questions"


def _systems_output(slug: str, monkeypatch) -> str:
    """Run the reference notebook's code cells in one namespace, up to the last code cell of the
    "Systems questions" section; return what that section's code cells printed."""
    from tito import notebooks
    src = reference_source(slug)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    cells = notebooks.reference_notebook(src).cells
    starts = [i for i, c in enumerate(cells) if c.cell_type == "markdown"
              and any(line.startswith("#") and HEADING in line for line in c.source.splitlines())]
    assert len(starts) == 1, f"{slug}: expected one markdown cell headed '{HEADING}', found {len(starts)}"
    start = starts[0]
    end = start + 1
    while end < len(cells) and cells[end].cell_type == "code":
        end += 1
    assert end > start + 1, f"{slug}: no code cell follows the '{HEADING}' markdown cell"
    namespace, printed = {"__name__": "__main__"}, io.StringIO()
    for index, cell in enumerate(cells[:end]):
        if cell.cell_type != "code":
            continue
        if index > start:
            with contextlib.redirect_stdout(printed):
                exec(compile(cell.source, str(src), "exec"), namespace)
        else:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(cell.source, str(src), "exec"), namespace)
    return printed.getvalue()


def _has(out: str, value) -> bool:
    """`value` appears in the output, written with or without thousands separators."""
    if isinstance(value, int):
        return re.search(rf"(?<![\d,.]){value:,}(?![\d,])", out) is not None or \
            re.search(rf"(?<![\d,.]){value}(?![\d,])", out) is not None
    return str(value) in out


def _check_01(out):
    for itemsize in (4, 8):
        assert _has(out, 64 * 3 * 32 * 32 * itemsize)
    assert _has(out, 64 * 3 * 32 * 32 * 4)   # the copy of the transpose
    assert "reshape shares memory with x: True" in out
    for n in (16, 256, 4096):
        assert _has(out, f"{2 * n ** 3 / (3 * n * n * 4):,.1f} flops per byte")


def _check_02(out):
    assert _has(out, 64 * 4096 * 4) and _has(out, 64 * 4096)   # a float32 activation; a boolean mask
    import math
    assert f"x < -{math.log(3.4028234663852886e38):.2f}" in out              # float32's largest number
    assert f"x < -{math.log(1.7976931348623157e308):.2f}" in out             # float64's
    assert f"ln(2 / eps) = {math.log(2 / 2.0 ** -23):.2f}" in out


def _check_03(out):
    forward = 2 * 64 * 128 * 784 + 64 * 128
    assert _has(out, forward) and _has(out, 2 * forward - 64 * 128)
    assert _has(out, 784 * 128 + 128)
    per_sample = 4 * (128 + 128 + 64 + 64 + 10)
    weights = 4 * ((784 * 128 + 128) + (128 * 64 + 64) + (64 * 10 + 10))
    assert _has(out, 64 * per_sample) and _has(out, weights)
    assert _has(out, f"from batch {weights // per_sample + 1} on")


def _check_04(out):
    import math
    assert f"overflows above z = {math.log(3.4028234663852886e38):.2f}" in out
    assert f"below z = {math.log(2.0 ** -150):.2f}" in out          # half float32's smallest subnormal: exp rounds to 0 below it
    assert out.count("CrossEntropyLoss = ") == 3
    for classes in (10, 50257):
        assert _has(out, 64 * classes * 4)


def _check_05(out):
    n, image = 1438, 1 * 8 * 8 * 4        # the digits' training part; one float32 image
    for batch in (1, 32, 256):
        assert f"B = {batch}: {-(-n // batch)} batches of at most {batch * image:,} bytes" in out
    assert out.count(f"{n * image:,} bytes copied per epoch") == 3
    assert f"indices: {8 * n:,} bytes" in out and f"data: {n * (image + 8):,} bytes" in out
    assert "slower per sample" in out


def _check_06(out):
    a = 256 * 256 * 4
    assert _has(out, a) and f"keeps 51 distinct arrays = {51 * a:,} bytes" in out      # 50 ops: inputs + results
    assert f"at most 3 A = {3 * a:,} bytes are alive" in out     # under no_grad: the input, the last result, the new one
    flops = 2 * 256 ** 3
    assert _has(out, flops) and _has(out, 2 * flops)


def _check_07(out):
    params = (784 * 128 + 128) + (128 * 64 + 64) + (64 * 10 + 10)
    assert _has(out, params) and _has(out, 4 * params)
    for buffers in (0, 1, 2):                       # SGD, momentum, Adam: state, and weights + grads + state
        assert f"state {buffers * 4 * params:>9,} bytes" in out
        assert _has(out, (2 + buffers) * 4 * params)
        assert f"= {round((2 + buffers) * 7e9 * 4 / 1e9)} GB" in out


def _check_08(out):
    train = 1438                                   # the digits' training part, in batches of 32
    assert "one step of batch 32" in out and f"{-(-train // 32)} batches *" in out
    assert "train_epoch measured" in out
    assert f"the {256 * (64 + 64 + 10) * 4:,} bytes of hidden activations and logits" in out
    assert "under no_grad() 0 bytes" in out


CHECKS = {
    "01_tensor": _check_01,
    "02_activations": _check_02,
    "03_layers": _check_03,
    "04_losses": _check_04,
    "05_dataloader": _check_05,
    "06_autograd": _check_06,
    "07_optimizers": _check_07,
    "08_training": _check_08,
}


@pytest.fixture(autouse=True)
def package_autograd_afterwards():
    """Module 06's notebook calls its own enable_autograd(), which rewires Tensor to the notebook's
    grad mode (so the package's no_grad() no longer applies); put the package's back after each run."""
    yield
    from tinytorch.core import autograd
    autograd.enable_autograd()


@pytest.mark.parametrize("slug", sorted(CHECKS))
def test_systems_questions_print_the_numbers(slug, monkeypatch):
    if not (ROOT / "src" / slug / f"{slug}.py").is_file():
        pytest.skip(f"src/{slug} is not in this checkout")
    out = _systems_output(slug, monkeypatch)
    assert out.strip(), f"{slug}: the systems questions printed nothing"
    CHECKS[slug](out)

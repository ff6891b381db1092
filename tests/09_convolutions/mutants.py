"""Mutation check of tests/09_convolutions (issue #13): each wrong version below, applied alone to
a temporary copy of the tinytorch package, must make the suite fail.

    python tests/09_convolutions/mutants.py            # every mutant
    python tests/09_convolutions/mutants.py NAME ...   # only these
    python tests/09_convolutions/mutants.py --tests DIR [NAME ...]   # against another test directory

Not collected by pytest (the file name does not start with test_). For each mutant: copy
tinytorch/ to a temporary directory, replace `old` by `new` in `file` (`old` must occur exactly
once, otherwise the mutant is reported as an ERROR: it no longer matches the code and proves
nothing), run pytest on this directory with the copy first on the import path, and report
KILLED (pytest failed) or SURVIVED (pytest passed). The unmutated copy must pass first.
Exit status: 0 when every mutant is killed, 1 otherwise.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent.parent
PACKAGE = ROOT / "tinytorch"
SPATIAL = "core/spatial.py"

# (name, file under tinytorch/, old snippet, new snippet); grouped by the gap of issue #13 they probe.
MUTANTS = [
    # -- float64 through the backward passes: float32 buffers, or float32 math cast back to float64
    ("col2im buffer float32", SPATIAL,
     "grad = np.zeros((channels, batch, height + 2 * ph, width + 2 * pw), dtype=cols.dtype)",
     "grad = np.zeros((channels, batch, height + 2 * ph, width + 2 * pw), dtype=np.float32)"),
    ("col2im float32 then cast back", SPATIAL,
     "    return grad[:, :, ph:ph + height, pw:pw + width].transpose(1, 0, 2, 3)",
     "    return grad[:, :, ph:ph + height, pw:pw + width].transpose(1, 0, 2, 3).astype(np.float32).astype(cols.dtype)"),
    ("col2im channels-last buffer float32", SPATIAL,
     "grad = np.zeros((batch, height + 2 * ph, width + 2 * pw, channels), dtype=cols.dtype)",
     "grad = np.zeros((batch, height + 2 * ph, width + 2 * pw, channels), dtype=np.float32)"),
    ("grad_w float32", SPATIAL,
     "grad_w = (cols.T @ g).reshape(kh, kw, c_in, c_out)",
     "grad_w = (cols.T.astype(np.float32) @ g.astype(np.float32)).reshape(kh, kw, c_in, c_out)"),
    ("grad_w float32 then cast back", SPATIAL,
     "grad_w = (cols.T @ g).reshape(kh, kw, c_in, c_out)",
     "grad_w = (cols.T.astype(np.float32) @ g.astype(np.float32)).astype(dtype).reshape(kh, kw, c_in, c_out)"),
    ("conv backward grad_out float32", SPATIAL,
     "reshape(-1, c_out).astype(dtype, copy=False)",
     "reshape(-1, c_out).astype(np.float32, copy=False)"),
    ("maxpool backward buffer float32", SPATIAL,
     "grad = _padded_zeros(x, padding, np.result_type(grad_out, x))\n    batch, channels, h_out, w_out",
     "grad = _padded_zeros(x, padding, np.float32)\n    batch, channels, h_out, w_out"),
    ("avgpool backward buffer float32", SPATIAL,
     "np.result_type(grad_out, x))\n    share = grad_out / (kernel[0] * kernel[1])",
     "np.float32)\n    share = grad_out / (kernel[0] * kernel[1])"),
    ("avgpool backward share float32 cast back", SPATIAL,
     "    share = grad_out / (kernel[0] * kernel[1])\n",
     "    share = (grad_out / (kernel[0] * kernel[1])).astype(np.float32).astype(grad_out.dtype)\n"),
    # -- the fast paths of issue #14: each must be caught by a wrong number, not only by a crash
    ("input grad as a convolution without the flip", SPATIAL,
     "flipped = weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)",
     "flipped = weight.transpose(1, 0, 2, 3)"),
    ("input grad as a convolution padded by p", SPATIAL,
     "(kh - 1 - ph, kw - 1 - pw)",
     "(ph, pw)"),
    ("col2im offsets in the wrong order", SPATIAL,
     "grad[:, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] += cols[:, :, :, ki, kj]",
     "grad[:, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] += cols[:, :, :, kj % kh, ki % kw]"),
    ("channels-first columns in (c, ki, kj) order", SPATIAL,
     "return windows.transpose(4, 5, 0, 1, 2, 3).reshape(kh * kw * channels, -1).T",
     "return windows.transpose(0, 4, 5, 1, 2, 3).reshape(kh * kw * channels, -1).T"),
    ("maxpool the last maximum wins", SPATIAL,
     "for offset in reversed(range(len(candidates))):",
     "for offset in range(len(candidates)):"),
    ("maxpool backward overlapping windows overwrite", SPATIAL,
     "np.add.at(grad.ravel(order=\"K\"), positions.ravel(), grad_out.ravel())",
     "grad.ravel(order=\"K\")[positions.ravel()] = grad_out.ravel()"),
    ("maxpool backward rows and columns swapped", SPATIAL,
     "offset_steps = (np.arange(kh)[:, None] * row_step + np.arange(kw) * col_step).ravel()",
     "offset_steps = (np.arange(kh)[:, None] * col_step + np.arange(kw) * row_step).ravel()"),
    ("maxpool NaN wins", SPATIAL,
     "np.fmax(out, candidate, out=out)",
     "np.maximum(out, candidate, out=out)"),
    # -- float64 through the loops, forward and backward
    ("conv2d_loops output float32", SPATIAL,
     "out = np.zeros((batch, c_out, h_out, w_out), dtype=np.result_type(x, weight))",
     "out = np.zeros((batch, c_out, h_out, w_out), dtype=np.float32)"),
    ("conv2d_loops truncates float64 inputs", SPATIAL,
     "    x_pad = _pad(x, padding)\n    batch, c_in = x.shape[:2]",
     "    x_pad = _pad(x, padding).astype(np.float32)\n    batch, c_in = x.shape[:2]"),
    ("maxpool2d_loops output float32", SPATIAL,
     "    x_pad = _pad(x, padding, value=-np.inf)\n    batch, channels = x.shape[:2]\n"
     "    out = np.zeros((batch, channels, h_out, w_out), dtype=x.dtype)",
     "    x_pad = _pad(x, padding, value=-np.inf)\n    batch, channels = x.shape[:2]\n"
     "    out = np.zeros((batch, channels, h_out, w_out), dtype=np.float32)"),
    ("avgpool vectorized total float32", SPATIAL,
     "total = np.zeros((*x.shape[:2], *out_hw), dtype=x.dtype)",
     "total = np.zeros((*x.shape[:2], *out_hw), dtype=np.float32)"),
    ("conv2d_backward_loops float32 buffers", SPATIAL,
     "dtype = np.result_type(grad_out, x, weight)",
     "dtype = np.float32"),
    ("maxpool2d_backward_loops float32 buffer", SPATIAL,
     "grad_x_pad = np.zeros(x_pad.shape, dtype=np.result_type(grad_out, x))",
     "grad_x_pad = np.zeros(x_pad.shape, dtype=np.float32)"),
    ("avgpool2d_backward_loops float32 buffer", SPATIAL,
     "grad_x_pad = np.zeros((batch, channels, height + 2 * ph, width + 2 * pw), dtype=np.result_type(grad_out, x))",
     "grad_x_pad = np.zeros((batch, channels, height + 2 * ph, width + 2 * pw), dtype=np.float32)"),
    # -- integer input
    ("integers kept as integers", SPATIAL,
     "return arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float32)",
     "return arr"),
    ("integers become float64", SPATIAL,
     "return arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float32)",
     "return arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float64)"),
    # -- argument checks
    ("loops accept a longer bias", SPATIAL,
     "if bias.shape != (weight.shape[0],):",
     "if bias.ndim != 1 or bias.shape[0] < weight.shape[0]:"),
    ("vectorized broadcasts a (1,) bias", SPATIAL,
     "if bias.shape != (weight.shape[0],):",
     "if bias.ndim != 1 or bias.shape[0] not in (1, weight.shape[0]):"),
    ("weight rank unchecked", SPATIAL,
     "if weight.ndim != 4:",
     "if weight.ndim < 2:"),
    ("conv_output_size unchecked", SPATIAL,
     "    _check_output_size_args(size, kernel, stride, padding)\n",
     ""),
    ("conv_output_size misses a kernel that does not fit", SPATIAL,
     "if kernel > size + 2 * padding:",
     "if kernel > size + 2 * padding + 1:"),
    ("conv_output_size takes floats", SPATIAL,
     "if isinstance(value, bool) or not isinstance(value, numbers.Integral):",
     "if isinstance(value, bool) or not isinstance(value, numbers.Real):"),
    # -- errors name the layer/function
    ("AvgPool2d construction errors say MaxPool2d", SPATIAL,
     "        layer = type(self).__name__\n        self.kernel_size = _pair(kernel_size, \"kernel_size\", 1, layer)",
     "        layer = \"MaxPool2d\"\n        self.kernel_size = _pair(kernel_size, \"kernel_size\", 1, layer)"),
    ("AvgPool2d forward errors say MaxPool2d", SPATIAL,
     "use_loops=self.use_loops, layer=type(self).__name__)",
     "use_loops=self.use_loops, layer=\"MaxPool2d\")"),
    ("AvgPool2dFunction default name MaxPool2d", SPATIAL,
     "use_loops=False, layer=\"AvgPool2d\"):",
     "use_loops=False, layer=\"MaxPool2d\"):"),
    ("avgpool2d_loops errors say maxpool2d_loops", SPATIAL,
     "_check_pool_args(\"avgpool2d_loops\", x,",
     "_check_pool_args(\"maxpool2d_loops\", x,"),
    ("Conv2d errors say conv2d_vectorized", SPATIAL,
     "use_loops=self.use_loops, layer=\"Conv2d\")",
     "use_loops=self.use_loops, layer=\"conv2d_vectorized\")"),
    ("conv2d_backward_loops errors say conv2d_loops", SPATIAL,
     "layer = \"conv2d_backward_loops\"",
     "layer = \"conv2d_loops\""),
    # -- seeding
    ("Conv2d init from np.random", SPATIAL,
     "get_rng().normal(0.0, std, size=(self.out_channels, self.in_channels, kh, kw))",
     "np.random.normal(0.0, std, size=(self.out_channels, self.in_channels, kh, kw))"),
    ("Conv2d init from a fresh generator", SPATIAL,
     "get_rng().normal(0.0, std, size=(self.out_channels, self.in_channels, kh, kw))",
     "np.random.default_rng(0).normal(0.0, std, size=(self.out_channels, self.in_channels, kh, kw))"),
    # -- receptive_field with layers without a kernel
    ("receptive_field crashes on ReLU", SPATIAL,
     "        if not hasattr(layer, \"kernel_size\"):\n            continue\n",
     ""),
    ("receptive_field stops at the first ReLU", SPATIAL,
     "        if not hasattr(layer, \"kernel_size\"):\n            continue\n",
     "        if not hasattr(layer, \"kernel_size\"):\n            break\n"),
    # -- use_loops runs the loops, both ways
    # (the forward keeps what the fast backward needs, so the fast backward runs instead of crashing)
    ("Conv2d use_loops backward is the fast one", SPATIAL,
     "        if use_loops:\n            return conv2d_loops(x, weight, bias, self.stride, self.padding)\n"
     "        out, self.cols = _conv2d_forward(x, weight, bias, self.stride, self.padding, out_hw)\n"
     "        return out\n\n    def backward(self, grad_output):\n        if self.use_loops:",
     "        out, self.cols = _conv2d_forward(x, weight, bias, self.stride, self.padding, out_hw)\n"
     "        if use_loops:\n            return conv2d_loops(x, weight, bias, self.stride, self.padding)\n"
     "        return out\n\n    def backward(self, grad_output):\n        if False:"),
    ("MaxPool2d use_loops backward is the fast one", SPATIAL,
     "        if use_loops:\n            return maxpool2d_loops(self.x, self.kernel, self.stride, self.padding)\n"
     "        out, self.argmax = _maxpool2d_forward(self.x, self.kernel, self.stride, self.padding, out_hw)\n"
     "        return out\n\n    def backward(self, grad_output):\n        if self.use_loops:",
     "        out, self.argmax = _maxpool2d_forward(self.x, self.kernel, self.stride, self.padding, out_hw)\n"
     "        if use_loops:\n            return maxpool2d_loops(self.x, self.kernel, self.stride, self.padding)\n"
     "        return out\n\n    def backward(self, grad_output):\n        if False:"),
    ("AvgPool2d use_loops backward is the fast one", SPATIAL,
     "backward = avgpool2d_backward_loops if self.use_loops else _avgpool2d_backward",
     "backward = _avgpool2d_backward"),
    ("Conv2d use_loops forward is the fast one", SPATIAL,
     "        if use_loops:\n            return conv2d_loops(",
     "        if False:\n            return conv2d_loops("),
    ("MaxPool2d use_loops forward is the fast one", SPATIAL,
     "        if use_loops:\n            return maxpool2d_loops(",
     "        if False:\n            return maxpool2d_loops("),
    ("AvgPool2d use_loops forward is the fast one", SPATIAL,
     "        if use_loops:\n            return avgpool2d_loops(",
     "        if False:\n            return avgpool2d_loops("),
    # -- the backward loops themselves
    ("conv2d_backward_loops ignores the stride", SPATIAL,
     "                            for ci in range(c_in):\n                                row, col = i * sh + ki, j * sw + kj",
     "                            for ci in range(c_in):\n                                row, col = i + ki, j + kj"),
    ("conv2d_backward_loops swaps the strides", SPATIAL,
     "                            for ci in range(c_in):\n                                row, col = i * sh + ki, j * sw + kj",
     "                            for ci in range(c_in):\n                                row, col = i * sw + ki, j * sh + kj"),
    ("conv2d_backward_loops crops the wrong corner", SPATIAL,
     "    grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]\n    return grad_x, grad_w, grad_b",
     "    grad_x = grad_x_pad[:, :, :height, :width]\n    return grad_x, grad_w, grad_b"),
    ("conv2d_backward_loops grad_b overwritten", SPATIAL,
     "grad_b[co] += g",
     "grad_b[co] = g"),
    ("conv2d_backward_loops grad_w from the weight", SPATIAL,
     "grad_w[co, ci, ki, kj] += g * x_pad[n, ci, row, col]",
     "grad_w[co, ci, ki, kj] += g * x_pad[n, ci, ki, kj]"),
    ("maxpool2d_backward_loops last maximum wins", SPATIAL,
     "if x_pad[n, c, row, col] > best:",
     "if x_pad[n, c, row, col] >= best:"),
    ("maxpool2d_backward_loops overlapping windows overwrite", SPATIAL,
     "grad_x_pad[n, c, best_row, best_col] += grad_out[n, c, i, j]",
     "grad_x_pad[n, c, best_row, best_col] = grad_out[n, c, i, j]"),
    ("avgpool2d_backward_loops does not divide", SPATIAL,
     "share = grad_out[n, c, i, j] / (kh * kw)",
     "share = grad_out[n, c, i, j]"),
    ("avgpool2d_backward_loops swaps the strides", SPATIAL,
     "grad_x_pad[n, c, i * sh + ki, j * sw + kj] += share",
     "grad_x_pad[n, c, i * sw + ki, j * sh + kj] += share"),
    # -- count_loop_steps, the helper that tells loops from vectorized code
    ("count_loop_steps skips nested code", SPATIAL,
     "codes, steps = _code_objects(code), 0",
     "codes, steps = {code}, 0"),
    ("count_loop_steps drops the previous tracer", SPATIAL,
     "        sys.settrace(previous)",
     "        sys.settrace(None)"),
    ("count_loop_steps leaves its tracer on after an error", SPATIAL,
     "    try:\n        result = fn(*args, **kwargs)\n    finally:\n        sys.settrace(previous)",
     "    result = fn(*args, **kwargs)\n    sys.settrace(previous)"),
    # -- minor: repr, doctest
    ("Conv2d repr drops bias", SPATIAL,
     "f\"padding={self.padding}, bias={self.bias is not None}\")",
     "f\"padding={self.padding}\")"),
    ("pool repr drops padding", SPATIAL,
     "return f\"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}\"",
     "return f\"kernel_size={self.kernel_size}, stride={self.stride}\""),
    ("doctest example skipped", SPATIAL,
     "    >>> conv_output_size(7, 3, stride=2)\n",
     "    >>> conv_output_size(7, 3, stride=2)  # doctest: +SKIP\n"),
    ("doctest examples removed", SPATIAL,
     "    >>> conv_output_size(28, 5)\n    24\n",
     ""),
]


def copy_package(where):
    """tinytorch/ copied into `where` (no bytecode caches); returns the copy's path."""
    target = Path(where) / "tinytorch"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def run_suite(copy_root, tests):
    """pytest on `tests` against the package copy: (every test passed, what to print)."""
    env = dict(os.environ, PYTHONPATH=str(copy_root), PYTHONDONTWRITEBYTECODE="1")
    # cwd = the copy's root, so the copy (not the worktree's package) is what `import tinytorch` finds
    where = subprocess.run([sys.executable, "-c", "import tinytorch; print(tinytorch.__file__)"],
                           cwd=copy_root, env=env, capture_output=True, text=True)
    if not where.stdout.strip().startswith(str(copy_root)):
        raise RuntimeError(f"tinytorch imported from {where.stdout.strip() or where.stderr}, not from {copy_root}")
    result = subprocess.run([sys.executable, "-m", "pytest", str(tests), "-x", "-q", "-ra", "-p", "no:cacheprovider"],
                            cwd=copy_root, env=env, capture_output=True, text=True)
    lines = result.stdout.strip().splitlines() or [result.stderr.strip()]
    # the first failing test (pytest's -ra summary line) says which check caught the mutant
    first = next((line.split(" - ")[0] for line in lines if line.startswith(("FAILED ", "ERROR "))), "")
    if first:                            # "FAILED ../../x/test_a.py::test_b[...]" -> "FAILED test_a.py::test_b[...]"
        status, _, test_id = first.partition(" ")
        file, _, test = test_id.partition("::")
        first = f"{status} {Path(file).name}::{test}"
    return result.returncode == 0, f"{first}  ({lines[-1]})" if first else f"({lines[-1]})"


def run_mutant(name, file, old, new, tests):
    """('killed' | 'survived' | 'error', detail) for one mutant."""
    with tempfile.TemporaryDirectory(prefix="tinytorch-mutant-") as tmp:
        path = copy_package(tmp) / file
        source = path.read_text()
        count = source.count(old)
        if count != 1:
            return "error", f"the old snippet occurs {count} times in {file} (expected once): update the mutant"
        path.write_text(source.replace(old, new))
        passed, detail = run_suite(tmp, tests)
        return ("survived" if passed else "killed"), detail


def main(argv):
    tests = TESTS
    if argv[:1] == ["--tests"]:          # another test directory, e.g. an older version of this one
        tests, argv = Path(argv[1]).resolve(), argv[2:]
    unknown = set(argv) - {m[0] for m in MUTANTS}
    if unknown:
        sys.exit(f"unknown mutant(s): {sorted(unknown)}")
    mutants = [m for m in MUTANTS if not argv or m[0] in argv]
    with tempfile.TemporaryDirectory(prefix="tinytorch-baseline-") as tmp:
        copy_package(tmp)
        passed, detail = run_suite(tmp, tests)
        if not passed:
            sys.exit(f"the unmutated package fails the suite {detail}: fix that before mutating")
        print(f"baseline: the unmutated copy passes {detail}", flush=True)
    counts = {"killed": 0, "survived": 0, "error": 0}
    for name, file, old, new in mutants:
        outcome, detail = run_mutant(name, file, old, new, tests)
        counts[outcome] += 1
        print(f"{outcome.upper():8} {name}: {detail}", flush=True)
    print(f"summary: {len(mutants)} mutants, {counts['killed']} killed, {counts['survived']} survived, "
          f"{counts['error']} errors")
    return 0 if counts["killed"] == len(mutants) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

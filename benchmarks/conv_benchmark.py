"""Speed of tinytorch's Conv2d, MaxPool2d and AvgPool2d against PyTorch on the CPU, printed as tables.

Run by hand (not a test):  python benchmarks/conv_benchmark.py [--repeat 5] [--threads 1,2] [--quick]
(on these course machines, as a user runs it: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python ...)

Once with 1 thread and once with 2 by default, each in its own interpreter, the same count on
both sides: numpy's BLAS through OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS (set
before numpy is imported), torch through torch.set_num_threads. Each run's first lines say
which values were in effect and which BLAS kernel numpy uses.

For each convolution shape (issue #14's six, 3x3 with padding 1, then two 5x5 extras): MACs,
the best-of-N time of the vectorized forward and of forward + backward, PyTorch's times on
the same shapes, and the ratio tinytorch / torch. tinytorch and torch run interleaved (one
repeat of each in turn), so a burst of load on a shared machine hits both; a fast step is called
once untimed before each timed call, so that the other library's spinning threads do not count
against it (interleaved_best). Peak memory is
what numpy allocated at most during one tinytorch forward + backward of that row
(tracemalloc, measured in a separate untimed run), input and weights excluded. A summary line
gives the geometric means of the ratios over the six issue shapes; then the same for pooling
(2x2 stride 2, and 3x3 stride 2 padding 1, on (64, 32, 16, 16)). A table of Conv2d with the
options of module 09's going further (depthwise, groups, dilation, "same") comes between
them, not in any mean. Then the loops path on a
small shape, its MAC/s, and the time it would need on each big shape at that rate.
"""
from __future__ import annotations

import os
import sys

THREADS = "1,2"
if "--threads" in sys.argv[:-1]:
    THREADS = sys.argv[sys.argv.index("--threads") + 1]
if "," not in THREADS:
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, THREADS)    # must happen before numpy loads its BLAS

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

from tinytorch.core.spatial import AvgPool2d, Conv2d, MaxPool2d, conv2d_loops, conv2d_macs  # noqa: E402
from tinytorch.core.tensor import Tensor  # noqa: E402

CONV_SHAPES = [  # (name, input shape, out_channels, kernel, padding, in the geometric mean)
    ("ImageNet stem-ish", (32, 3, 224, 224), 64, 3, 1, True),
    ("ResNet stage 2", (16, 64, 56, 56), 128, 3, 1, True),
    ("MNIST conv1", (64, 1, 28, 28), 32, 3, 1, True),
    ("MNIST conv2", (64, 32, 14, 14), 64, 3, 1, True),
    ("digits conv1", (128, 1, 8, 8), 32, 3, 1, True),
    ("digits conv2", (128, 32, 8, 8), 32, 3, 1, True),
    ("LeNet conv1 (5x5)", (64, 1, 28, 28), 6, 5, 2, False),
    ("LeNet conv2 (5x5)", (64, 6, 14, 14), 16, 5, 0, False),
]
OPTION_SHAPES = [  # (name, input shape, out_channels, kernel, Conv2d options): module 09's going further
    ("depthwise 3x3", (128, 32, 8, 8), 32, 3, dict(padding=1, groups=32)),
    ("depthwise 3x3 x2", (128, 32, 8, 8), 64, 3, dict(padding=1, groups=32)),
    ("depthwise 3x3", (32, 64, 28, 28), 64, 3, dict(padding=1, groups=64)),
    ("pointwise 1x1", (32, 64, 28, 28), 128, 1, dict()),
    ("groups 4", (32, 64, 28, 28), 64, 3, dict(padding=1, groups=4)),
    ("dilation 2", (32, 64, 28, 28), 64, 3, dict(padding=2, dilation=2)),
    ("same, 4x4", (32, 64, 28, 28), 64, 4, dict(padding="same")),
]
POOL_INPUT = (64, 32, 16, 16)
POOL_CASES = [  # (tinytorch layer, torch function name, kernel, stride, padding)
    (MaxPool2d, "max_pool2d", 2, 2, 0),
    (MaxPool2d, "max_pool2d", 3, 2, 1),
    (AvgPool2d, "avg_pool2d", 2, 2, 0),
    (AvgPool2d, "avg_pool2d", 3, 2, 1),
]


def interleaved_best(fns, repeat, budget=1.0, most=50, settle_below=0.05):
    """Best time of each function in `fns`, calling them in turn (after one warm-up each).

    At least `repeat` rounds, more for fast steps: as many as fit in about `budget` seconds
    (judged by the warm-up round), at most `most`. On a shared machine a best of many is what filters the noise.

    A step faster than `settle_below` seconds is called once untimed before each timed call: with
    2 threads on 2 cores, the library that ran just before (OpenBLAS, or torch's OpenMP pool) keeps
    its worker threads spinning for a while after returning, and they take a core from the next
    step. A user who runs one library alone never pays that, and on a 1 ms step it can cost more
    than the step itself (on a 2-core machine, torch's forward of digits conv1, under 0.2 ms alone,
    measured over ten times that when timed right after numpy's).
    """
    start = time.perf_counter()
    warm_ups = []
    for fn in fns:
        step_start = time.perf_counter()
        fn()  # warm-up: first-touch allocations, BLAS buffers
        warm_ups.append(time.perf_counter() - step_start)
    warm_up = time.perf_counter() - start
    settles = [seconds < settle_below for seconds in warm_ups]
    rounds = max(repeat, min(most, int(budget / max(warm_up * (1 + any(settles)), 1e-9))))
    best = [math.inf] * len(fns)
    for _ in range(rounds):
        for index, fn in enumerate(fns):
            if settles[index]:
                fn()    # untimed: the other library's spinning threads settle while it runs
            start = time.perf_counter()
            fn()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def geo(values):
    return math.exp(sum(map(math.log, values)) / len(values))


def peak_mib(x, layer):
    """Most memory numpy held at once during one forward + backward, beyond what existed before."""
    xt = Tensor(x, requires_grad=True)
    tracemalloc.start()
    out = layer(xt)
    out.backward(np.ones(out.shape, dtype=np.float32))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    layer.zero_grad()
    return peak / 2**20


def tinytorch_steps(x, layer):
    """(forward, forward + backward) of a tinytorch layer; gradients are dropped after each backward."""
    xt = Tensor(x, requires_grad=True)

    def forward_backward():
        out = layer(xt)
        out.backward(np.ones(out.shape, dtype=np.float32))
        xt.grad = None
        layer.zero_grad()

    return (lambda: layer(Tensor(x))), forward_backward


def torch_steps(torch, x, function, params, **kwargs):
    """(forward, forward + backward) of torch.nn.functional.<function> on copies of the same arrays."""
    tx = torch.from_numpy(x)
    tparams = [torch.from_numpy(p.copy()) for p in params]
    leaves = [t.clone().requires_grad_() for t in (tx, *tparams)]

    def forward():
        with torch.no_grad():
            function(tx, *tparams, **kwargs)

    def forward_backward():
        out = function(*leaves, **kwargs)
        out.backward(torch.ones_like(out))
        for leaf in leaves:
            leaf.grad = None

    return forward, forward_backward


def torch_columns(times, decimals=2):
    """The torch times and the tinytorch/torch ratios of a row, or dashes when torch is missing (times has 2 entries)."""
    if len(times) < 4:
        return f"{'-':>9} {'-':>9} | {'-':>6} {'-':>6} | "
    return (f"{times[2] * 1e3:9.{decimals}f} {times[3] * 1e3:9.{decimals}f} | {times[0] / times[2]:6.2f} "
            f"{times[1] / times[3]:6.2f} | ")


def conv_table(torch, rng, repeat, shapes):
    header = (f"{'layer':<18} {'input':>18} {'out':>4} {'k':>2} {'MACs':>14} | {'fwd ms':>8} {'f+b ms':>8} | "
              f"{'torch fwd':>9} {'torch f+b':>9} | {'fwd x':>6} {'f+b x':>6} | {'peak MiB':>8}")
    print(header)
    print("-" * len(header))
    ratios_fwd, ratios_fb = [], []
    for name, shape, c_out, k, p, counted in shapes:
        x = rng.standard_normal(shape, dtype=np.float32)
        layer = Conv2d(shape[1], c_out, k, padding=p)
        macs = conv2d_macs(shape, c_out, k, padding=p)
        steps = list(tinytorch_steps(x, layer))
        if torch is not None:
            steps += torch_steps(torch, x, torch.nn.functional.conv2d, (layer.weight.data, layer.bias.data), padding=p)
        times = interleaved_best(steps, repeat)
        row = f"{name:<18} {str(shape):>18} {c_out:>4} {k:>2} {macs:>14,} | {times[0] * 1e3:8.2f} {times[1] * 1e3:8.2f} | "
        if torch is not None and counted:
            ratios_fwd.append(times[0] / times[2])
            ratios_fb.append(times[1] / times[3])
        row += torch_columns(times)
        print(row + f"{peak_mib(x, layer):8.1f}" + ("" if counted else "  (extra, not in the mean)"), flush=True)
    if ratios_fwd:
        print(f"Conv2d geometric mean tinytorch/torch over the {len(ratios_fwd)} issue shapes: forward "
              f"{geo(ratios_fwd):.2f}x, forward+backward {geo(ratios_fb):.2f}x; worst forward {max(ratios_fwd):.2f}x, "
              f"worst forward+backward {max(ratios_fb):.2f}x (below 1 means faster than torch)")


def options_table(torch, rng, repeat):
    """Conv2d with section 13's options (depthwise, groups, dilation, "same"), tinytorch against torch."""
    header = (f"{'layer':<18} {'input':>18} {'out':>4} {'k':>2} | {'fwd ms':>8} {'f+b ms':>8} | "
              f"{'torch fwd':>9} {'torch f+b':>9} | {'fwd x':>6} {'f+b x':>6} | {'peak MiB':>8}")
    print(header)
    print("-" * len(header))
    for name, shape, c_out, k, options in OPTION_SHAPES:
        x = rng.standard_normal(shape, dtype=np.float32)
        layer = Conv2d(shape[1], c_out, k, **options)
        steps = list(tinytorch_steps(x, layer))
        if torch is not None:
            steps += torch_steps(torch, x, torch.nn.functional.conv2d, (layer.weight.data, layer.bias.data), **options)
        times = interleaved_best(steps, repeat)
        row = f"{name:<18} {str(shape):>18} {c_out:>4} {k:>2} | {times[0] * 1e3:8.2f} {times[1] * 1e3:8.2f} | "
        row += torch_columns(times)
        print(row + f"{peak_mib(x, layer):8.1f}", flush=True)


def pool_table(torch, rng, repeat):
    header = (f"{'layer':<22} {'input':>18} | {'fwd ms':>8} {'f+b ms':>8} | {'torch fwd':>9} {'torch f+b':>9} | "
              f"{'fwd x':>6} {'f+b x':>6} | {'peak MiB':>8}")
    print(header)
    print("-" * len(header))
    x = rng.standard_normal(POOL_INPUT, dtype=np.float32)
    ratios_fb = []
    for layer_class, torch_name, k, s, p in POOL_CASES:
        layer = layer_class(k, stride=s, padding=p)
        steps = list(tinytorch_steps(x, layer))
        if torch is not None:
            steps += torch_steps(torch, x, getattr(torch.nn.functional, torch_name), (), kernel_size=k, stride=s, padding=p)
        times = interleaved_best(steps, repeat)
        label = f"{layer_class.__name__} {k}x{k} s{s} p{p}"
        row = f"{label:<22} {str(POOL_INPUT):>18} | {times[0] * 1e3:8.3f} {times[1] * 1e3:8.3f} | "
        if torch is not None:
            ratios_fb.append(times[1] / times[3])
        row += torch_columns(times, decimals=3)
        print(row + f"{peak_mib(x, layer):8.2f}", flush=True)
    if ratios_fb:
        print(f"pooling forward+backward tinytorch/torch: geometric mean {geo(ratios_fb):.2f}x, worst {max(ratios_fb):.2f}x")


def loops_estimate(rng):
    small, c_out, k = (2, 3, 16, 16), 8, 3
    x = rng.standard_normal(small, dtype=np.float32)
    w = rng.standard_normal((c_out, small[1], k, k), dtype=np.float32)
    macs = conv2d_macs(small, c_out, k, padding=1)
    loop_time = interleaved_best([lambda: conv2d_loops(x, w, None, 1, 1)], 1)[0]
    rate = macs / loop_time
    print(f"\nloops path on {small} -> {c_out}, k{k}: {macs:,} MACs in {loop_time * 1e3:.0f} ms = {rate / 1e6:.2f} million MAC/s")
    for name, shape, c_out, k, p, _ in CONV_SHAPES:
        seconds = conv2d_macs(shape, c_out, k, padding=p) / rate
        print(f"  {name:<18} would take {seconds:12,.0f} s ({seconds / 3600:8.1f} h) on the loops")


def blas_kernel() -> str:
    """The BLAS library numpy loaded and, for OpenBLAS, the CPU kernel it chose (openblas_get_corename):
    OPENBLAS_CORETYPE, if set, overrides the choice, and users do not set it."""
    import ctypes
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown (no /proc/self/maps on this system)"
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in ("openblas_get_corename", "openblas_get_corename64_", "scipy_openblas_get_corename64_",
                       "scipy_openblas_get_corename"):
            corename = getattr(library, symbol, None)
            if corename is not None:
                corename.restype = ctypes.c_char_p
                return (f"OpenBLAS, kernel {corename().decode()} ({os.path.basename(path)}; OPENBLAS_CORETYPE="
                        f"{os.environ.get('OPENBLAS_CORETYPE', 'unset')})")
    return ", ".join(os.path.basename(p) for p in sorted(paths)) or "none found"


def run_each_thread_count(counts: list[str]) -> None:
    """One run per thread count, each in its own interpreter (numpy reads its BLAS thread count once)."""
    import subprocess
    rest = [a for i, a in enumerate(sys.argv[1:], 1) if a != "--threads" and sys.argv[i - 1] != "--threads"]
    for count in counts:
        print(f"==================== {count} thread(s): torch and numpy's BLAS alike ====================", flush=True)
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
        subprocess.run([sys.executable, __file__, "--threads", count, *rest], env=env, check=True)
        print(flush=True)


def main():
    if "," in THREADS:
        run_each_thread_count([count.strip() for count in THREADS.split(",") if count.strip()])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds per step at least (best is kept); fast steps get up to 50 within about a second")
    parser.add_argument("--threads", default="1,2", help="threads for torch and numpy's BLAS; a comma list runs "
                        "the benchmark once per count (default 1,2)")
    parser.add_argument("--quick", action="store_true", help="skip the two largest conv shapes and the loops estimate")
    args = parser.parse_args()
    blas = {name: os.environ.get(name) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    try:
        import torch
        torch.set_num_threads(int(args.threads))
        print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); numpy {np.__version__}, BLAS threads "
              + ", ".join(f"{k}={v}" for k, v in blas.items()) + f"; best of at least {args.repeat} interleaved rounds (up to 50 for fast steps)")
    except ImportError:
        torch = None
        print("PyTorch not installed: torch columns left out (pip install torch==2.13.0)")

    print(f"BLAS: {blas_kernel()}")
    rng = np.random.default_rng(0)
    shapes = [row for row in CONV_SHAPES if not (args.quick and np.prod(row[1]) > 1e6)]
    conv_table(torch, rng, args.repeat, shapes)
    print()
    options_table(torch, rng, args.repeat)
    print()
    pool_table(torch, rng, args.repeat)
    if not args.quick:
        loops_estimate(rng)


if __name__ == "__main__":
    main()

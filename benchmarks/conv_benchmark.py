"""Speed of tinytorch's Conv2d against PyTorch on the CPU, printed as a table.

Run by hand (not a test):  python benchmarks/conv_benchmark.py [--repeat 5] [--threads 2]

For each layer shape: MACs, best-of-N time and GFLOP/s (2 FLOPs per MAC) of the
vectorized forward and of forward + backward, PyTorch's times on the same shapes in the
same run (when installed), and the ratio tinytorch / torch. Then the loops path on a
small shape, its MAC/s, and the time it would need on each big shape at that rate.
Peak memory is what numpy allocated at most during one tinytorch forward + backward of that
row (tracemalloc, measured in a separate untimed run), input and weights excluded.
"""
from __future__ import annotations

import argparse
import math
import tracemalloc
import time

import numpy as np

from tinytorch.core.spatial import Conv2d, conv2d_loops, conv2d_macs
from tinytorch.core.tensor import Tensor

SHAPES = [  # (name, input shape, out_channels, kernel, padding)
    ("ImageNet stem-ish", (32, 3, 224, 224), 64, 3, 1),
    ("ResNet stage 2", (16, 64, 56, 56), 128, 3, 1),
    ("LeNet conv1", (64, 1, 28, 28), 6, 5, 2),
    ("LeNet conv2", (64, 6, 14, 14), 16, 5, 0),
    ("digits conv 8x8", (128, 32, 8, 8), 32, 3, 1),
]


def best_time(fn, repeat):
    fn()  # warm-up: first-touch allocations, BLAS thread start
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


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


def tinytorch_times(x, layer, repeat):
    xt = Tensor(x, requires_grad=True)

    def forward_backward():
        out = layer(xt)
        out.backward(np.ones(out.shape, dtype=np.float32))

    return best_time(lambda: layer(Tensor(x)), repeat), best_time(forward_backward, repeat)


def torch_times(torch, x, layer, padding, repeat):
    tx = torch.from_numpy(x)
    tw = torch.from_numpy(layer.weight.data.copy())
    tb = torch.from_numpy(layer.bias.data.copy())
    fwd = best_time(lambda: torch.nn.functional.conv2d(tx, tw, tb, padding=padding), repeat)
    txg, twg, tbg = tx.clone().requires_grad_(), tw.clone().requires_grad_(), tb.clone().requires_grad_()

    def forward_backward():
        out = torch.nn.functional.conv2d(txg, twg, tbg, padding=padding)
        out.backward(torch.ones_like(out))
        txg.grad = twg.grad = tbg.grad = None

    return fwd, best_time(forward_backward, repeat)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's own)")
    args = parser.parse_args()
    try:
        import torch
        if args.threads:
            torch.set_num_threads(args.threads)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}")
    except ImportError:
        torch = None
        print("PyTorch not installed: torch columns left out (pip install torch==2.13.0)")

    rng = np.random.default_rng(0)
    header = (f"{'layer':<18} {'input':>18} {'out':>4} {'k':>2} {'MACs':>14} | {'fwd ms':>8} {'GFLOP/s':>8} "
              f"{'f+b ms':>8} | {'torch fwd':>9} {'torch f+b':>9} | {'fwd x':>6} {'f+b x':>6} | {'peak MiB':>8}")
    print(header)
    print("-" * len(header))
    ratios_fwd, ratios_fb = [], []
    for name, shape, c_out, k, p in SHAPES:
        x = rng.standard_normal(shape, dtype=np.float32)
        layer = Conv2d(shape[1], c_out, k, padding=p)
        macs = conv2d_macs(shape, c_out, k, padding=p)
        fwd, fb = tinytorch_times(x, layer, args.repeat)
        row = (f"{name:<18} {str(shape):>18} {c_out:>4} {k:>2} {macs:>14,} | {fwd * 1e3:8.2f} "
               f"{2 * macs / fwd / 1e9:8.1f} {fb * 1e3:8.2f} | ")
        if torch is not None:
            tfwd, tfb = torch_times(torch, x, layer, p, args.repeat)
            ratios_fwd.append(fwd / tfwd)
            ratios_fb.append(fb / tfb)
            row += f"{tfwd * 1e3:9.2f} {tfb * 1e3:9.2f} | {fwd / tfwd:6.2f} {fb / tfb:6.2f} | "
        else:
            row += f"{'-':>9} {'-':>9} | {'-':>6} {'-':>6} | "
        print(row + f"{peak_mib(x, layer):8.1f}", flush=True)
    if ratios_fwd:
        geo = lambda values: math.exp(sum(map(math.log, values)) / len(values))
        print(f"geometric mean tinytorch/torch: forward {geo(ratios_fwd):.2f}x, forward+backward {geo(ratios_fb):.2f}x "
              "(below 1 means faster than torch)")

    small, c_out, k = (2, 3, 16, 16), 8, 3
    x = rng.standard_normal(small, dtype=np.float32)
    w = rng.standard_normal((c_out, small[1], k, k), dtype=np.float32)
    macs = conv2d_macs(small, c_out, k, padding=1)
    loop_time = best_time(lambda: conv2d_loops(x, w, None, 1, 1), 1)
    rate = macs / loop_time
    print(f"\nloops path on {small} -> {c_out}, k{k}: {macs:,} MACs in {loop_time * 1e3:.0f} ms = {rate / 1e6:.2f} million MAC/s")
    for name, shape, c_out, k, p in SHAPES:
        seconds = conv2d_macs(shape, c_out, k, padding=p) / rate
        print(f"  {name:<18} would take {seconds:12,.0f} s ({seconds / 3600:8.1f} h) on the loops")


if __name__ == "__main__":
    main()

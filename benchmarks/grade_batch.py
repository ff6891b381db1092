"""Submissions per minute of `tito grade NN FOLDER --csv` (issue #25), one and two at a time.

Run by hand (not a test):  python benchmarks/grade_batch.py [NN] [--copies K] [--parallel 1,2]

Grades K copies of the module's reference notebook and K of its blank (student) notebook, in a
temporary folder, once per --parallel value (each run with a fresh reports folder: nothing is
reused), and prints the wall clock, submissions per minute and the mean total of each run. The
machine's other load counts: on a shared machine run it more than once.
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tito import notebooks, paths  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("module", nargs="?", default="09")
    parser.add_argument("--copies", type=int, default=3, help="copies of each notebook (default 3)")
    parser.add_argument("--parallel", default="1,2", help="submissions at a time, comma-separated (default 1,2)")
    args = parser.parse_args()
    module = paths.find_module(ROOT, args.module)
    print(f"module {module.slug}: {args.copies} reference + {args.copies} blank notebooks, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="grade-batch-") as tmp:
        folder = Path(tmp) / "submitted"
        folder.mkdir()
        for kind, nb in (("reference", notebooks.reference_notebook(module.src)),
                         ("blank", notebooks.student_notebook(module.src))):
            data = notebooks.notebook_bytes(nb)
            for index in range(args.copies):
                (folder / f"{kind}{index}.ipynb").write_bytes(data)
        count = 2 * args.copies
        print(f"{'parallel':>8}  {'seconds':>8}  {'per minute':>10}  mean total")
        for parallel in [int(p) for p in args.parallel.split(",")]:
            gradebook = Path(tmp) / f"gradebook{parallel}.csv"
            started = time.monotonic()
            subprocess.run([sys.executable, "-m", "tito", "grade", args.module, str(folder), "--csv", str(gradebook),
                            "--parallel", str(parallel)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            seconds = time.monotonic() - started
            rows = list(csv.DictReader(gradebook.open()))
            mean = sum(float(row["total"]) for row in rows) / len(rows)
            print(f"{parallel:>8}  {seconds:>8.1f}  {count / seconds * 60:>10.1f}  {mean:g}/{rows[0]['max']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

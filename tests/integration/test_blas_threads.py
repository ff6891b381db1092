"""The suite's processes use the BLAS thread count tests/conftest.py chose, because it chose it before
numpy loaded (OpenBLAS reads OPENBLAS_NUM_THREADS once, when it loads). With two BLAS threads per
pytest-xdist process on two cores, milestones/cnn_digits.py's --quick run took 94 s instead of 8 s
on a busy machine: the default that script sets for itself comes too late under pytest."""
from __future__ import annotations

import ctypes
import os
import sys

import numpy as np  # noqa: F401  (loaded, as in every test process: its OpenBLAS is what is asked)
import pytest

# What OpenBLAS calls its getter, as numpy's wheels build it (scipy-openblas, 64-bit ints) and plain.
GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads", "openblas_get_num_threads64_",
           "openblas_get_num_threads")


def openblas_threads() -> int | None:
    """How many threads the OpenBLAS numpy loaded uses (None: no OpenBLAS found in this process)."""
    if not sys.platform.startswith("linux"):
        return None
    with open("/proc/self/maps") as maps:
        libraries = sorted({line.split()[-1] for line in maps if "openblas" in line.lower() and line.split()[-1].startswith("/")})
    for path in libraries:
        library = ctypes.CDLL(path)
        for name in GETTERS:
            if hasattr(library, name):
                return getattr(library, name)()
    return None


def test_numpy_loaded_after_the_suite_chose_its_blas_threads():
    threads = openblas_threads()
    if threads is None:
        pytest.skip("numpy here does not use OpenBLAS (or this is not Linux): nothing to ask")
    wanted = os.environ.get("OPENBLAS_NUM_THREADS")
    assert wanted is not None, "tests/conftest.py sets OPENBLAS_NUM_THREADS (default 1) before numpy loads"
    assert threads == int(wanted), (f"OpenBLAS runs {threads} threads, OPENBLAS_NUM_THREADS says {wanted}: "
                                    "numpy was loaded before tests/conftest.py set it")

"""Data sets that ship with tinytorch: `from tinytorch.datasets import load_digits`.

Hand-written on purpose (the rest of the package is generated): it only re-exports what
module 05 defines, so the code lives, and is taught, in `src/05_dataloader/05_dataloader.py`.
nbdev 2 can export a cell to a second module (`#| export datasets`), but it then appends to an
existing file on every run, which breaks byte-identical regeneration; a re-export avoids that.
"""
from tinytorch.core.dataloader import (
    DIGITS_SPLIT_SEED,
    DIGITS_TEST_FRACTION,
    load_digits,
)

__all__ = ["load_digits", "DIGITS_SPLIT_SEED", "DIGITS_TEST_FRACTION"]

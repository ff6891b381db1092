"""The one table printer of tito: `tito status` and `tito grade` reports.

Plain text, readable in a terminal and in a notebook's output: every column is padded to its
widest cell except the last, which is free text (a message) and is never padded.
"""
from __future__ import annotations


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]], right: tuple[int, ...] = (),
                 footer: list[tuple[str, ...]] = ()) -> str:
    """`header`, a rule, `rows`; then, if given, a rule and the `footer` rows (e.g. a total).
    Columns whose index is in `right` are right-aligned (numbers, points)."""
    every = [header, *rows, *footer]
    if any(len(row) != len(header) for row in every):
        raise ValueError(f"format_table: every row needs {len(header)} cells like the header {header}, "
                         f"got lengths {sorted({len(row) for row in every})}")
    widths = [max(len(row[i]) for row in every) for i in range(len(header) - 1)]

    def line(row: tuple[str, ...]) -> str:
        cells = [cell.rjust(width) if i in right else cell.ljust(width)
                 for i, (cell, width) in enumerate(zip(row, widths))]
        return "  ".join([*cells, row[-1]]).rstrip()

    rule = line(tuple("-" * width for width in widths) + ("-" * len(header[-1]),))
    out = [line(header), rule, *map(line, rows)]
    if footer:
        out += [rule, *map(line, footer)]
    return "\n".join(out)

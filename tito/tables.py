"""The one table printer of tito: `tito status` and `tito grade` reports.

Plain text, readable in a terminal and in a notebook's output: every column is padded to its
widest cell except the last, which is free text (a message) and is never padded. Every cell is
printable() first: a student's exception message can hold escape sequences, NUL, BEL or carriage
returns that would otherwise erase lines of the table or print a fake total.
"""
from __future__ import annotations


def printable(text: str, newlines: bool = False) -> str:
    """`text`, safe to print in a terminal: every character that is not printable (control
    characters such as ESC, NUL, BEL, CR and tab; format characters such as a right-to-left
    override; lone surrogates, which no encoding can write; line and paragraph separators) is
    shown as its Python escape, e.g. \\x1b, \\x00, \\u202e, \\ud800. "\\n" is kept when
    `newlines`. Text in any script stays as it is; the result is printable() again, unchanged."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or (newlines and ch == "\n") else repr(ch)[1:-1] for ch in text)


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]], right: tuple[int, ...] = (),
                 footer: list[tuple[str, ...]] = ()) -> str:
    """`header`, a rule, `rows`; then, if given, a rule and the `footer` rows (e.g. a total).
    Columns whose index is in `right` are right-aligned (numbers, points)."""
    if any(len(row) != len(header) for row in [header, *rows, *footer]):
        raise ValueError(f"format_table: every row needs {len(header)} cells like the header {header}, "
                         f"got lengths {sorted({len(row) for row in [header, *rows, *footer]})}")
    header, rows, footer = (tuple(map(printable, header)), [tuple(map(printable, row)) for row in rows],
                            [tuple(map(printable, row)) for row in footer])
    every = [header, *rows, *footer]
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

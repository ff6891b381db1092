"""Every assert of a graded check says what it expected and what came, not only its own text.

A graded item's message is all a student sees of a failed check. An assert without a message, or
with the bare `'check failed: <expression>'` that an automatic rewrite once gave such asserts, shows
the condition but neither the expected value nor the student's. Round twenty-two rewrote the last of them.
"""
from __future__ import annotations

import ast

import pytest

from tito_helpers import MODULES
from tito import cells

BARE = "check failed: "


def _bare_asserts(source: str) -> list[str]:
    """The asserts of a cell whose failure would tell only the condition: no message, or a message
    that is the bare 'check failed: ...' text."""
    bare = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Assert):
            continue
        message = node.msg
        if message is None or isinstance(message, ast.Constant) and str(message.value).startswith(BARE):
            bare.append(f"line {node.lineno}: {ast.unparse(node)[:120]}")
    return bare


@pytest.mark.parametrize("module", MODULES, ids=[m.slug for m in MODULES])
def test_every_graded_assert_has_a_message_beyond_its_condition(module):
    found = {cell.cell_id: _bare_asserts(cell.source) for src in module.sources for cell in cells.graded_cells(src)}
    assert not {cell: bare for cell, bare in found.items() if bare}


def test_the_scan_finds_both_kinds_of_bare_assert():
    cell = ("def test_unit_x():\n"
            "    assert y.shape == (2, 2)\n"
            "    assert y.shape == (2, 2), 'check failed: y.shape == (2, 2)'\n"
            "    assert y.shape == (2, 2), f'expected (2, 2), got {y.shape}'\n")
    assert [line.split(":")[0] for line in _bare_asserts(cell)] == ["line 2", "line 3"]

"""What the loop rule's speed-ups (tito/grading/loops.py, windows.py) must not change.

The rule names the first offence it meets in ast.walk's order, so windows.walk, which the checks
now read instead, must give every node in that same order; and loops.check pauses Python's cycle
collector while it reads a module, which must be left as the caller had it.
"""
from __future__ import annotations

import ast
import gc
from pathlib import Path

import pytest

from tito.grading import loops, windows

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.glob("src/*/*.py"), *ROOT.glob("tito/grading/*.py")])


@pytest.mark.parametrize("path", SOURCES[:: max(1, len(SOURCES) // 12)], ids=lambda path: path.name)
def test_walk_gives_ast_walks_nodes_in_its_order(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    expected = list(ast.walk(tree))
    assert [id(node) for node in windows.walk(tree)] == [id(node) for node in expected]


def test_walk_of_a_node_with_a_field_unset():
    """A node made by hand may lack a field (iter_fields skips it); walk skips it too."""
    call = ast.Call(func=ast.Name(id="f", ctx=ast.Load()), args=[ast.Constant(1)])   # no keywords
    assert [type(node) for node in windows.walk(call)] == [type(node) for node in ast.walk(call)]


@pytest.mark.parametrize("enabled", [True, False])
def test_check_leaves_the_cycle_collector_as_it_found_it(enabled):
    src = ROOT / "src/09_convolutions/09_convolutions.py"
    if not src.exists():
        pytest.skip("src/09_convolutions does not exist")
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        loops.check("def conv2d_loops(:\n", src, "conv2d_loops")   # does not parse: a message, no exception
        loops.check("x = 1\n", src, "conv2d_loops")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_the_tampering_rules_cached_walk_is_that_very_trees_walk():
    """tampering._walked keeps the walks of a few recent trees: each tree gets its own nodes, in ast.walk's
    order, also once the cache has dropped it (more trees than it holds, each asked for twice)."""
    from tito.grading import tampering
    trees = [ast.parse(f"x{i} = {i}\n\ndef f{i}(a):\n    return a + {i}\n") for i in range(40)]
    for tree in [*trees, *reversed(trees), *trees]:
        assert [id(node) for node in tampering._walked(tree)] == [id(node) for node in ast.walk(tree)]

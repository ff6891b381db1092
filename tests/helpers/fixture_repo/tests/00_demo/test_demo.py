"""The demo module's pytest suite (fixture for `tito test`)."""
from tinytorch.core.demo import add, total_loops


def test_add_floats():
    assert add(0.5, 0.25) == 0.75


def test_total_loops_matches_sum():
    assert total_loops([1.0, 2.0, 3.0]) == 6.0

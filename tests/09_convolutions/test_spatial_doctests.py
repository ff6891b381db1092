"""The worked examples in tinytorch.core.spatial's docstrings are checked, not just printed."""
import doctest

import tinytorch.core.spatial as spatial


def test_docstring_examples_hold():
    result = doctest.testmod(spatial, verbose=False)
    assert result.attempted > 0, "spatial's docstrings should carry worked examples"
    assert result.failed == 0

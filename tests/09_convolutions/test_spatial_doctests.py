"""The worked examples in tinytorch.core.spatial's docstrings are checked, not just printed."""
import doctest
import inspect

import tinytorch.core.spatial as spatial


def test_docstring_examples_hold():
    # every '>>>' line of the module's source is an example doctest must run (and pass);
    # conv_output_size's docstring carries at least two of them
    examples = sum(line.lstrip().startswith(">>>") for line in inspect.getsource(spatial).splitlines())
    own = doctest.DocTestFinder().find(spatial.conv_output_size)
    assert sum(len(test.examples) for test in own) >= 2, "conv_output_size's docstring should carry its examples"
    result = doctest.testmod(spatial, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples failed"
    assert result.attempted == examples >= 2, f"doctest ran {result.attempted} examples, the source has {examples}"

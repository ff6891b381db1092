"""The library's public names are documented for someone who never opened the notebooks (issue 23:
`help(Conv2d)` said "dilation, groups and padding are section 13's options").

A later milestone, or a student a year on, imports `tinytorch.core.spatial` and reads `help()`. The
docstrings of the names in each module's `__all__`, and of their public methods, may say which module
teaches a thing, but not "section 13" or "exercise 1" alone: those numbers mean something only inside
one notebook. The lessons' prose and the private helpers' docstrings, read in the notebook, may.
"""
from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

import tinytorch.core

MODULES = sorted(m.stem for m in Path(tinytorch.core.__file__).parent.glob("*.py") if m.stem != "__init__")
# "section 13", "exercise 1", unless "module 09, Exercise 8" names the lesson it is in.
LESSON_PLACE = re.compile(r"(?<!module \d\d, )\b(?:section|exercise)\s+\d+", re.IGNORECASE)


def _public_docstrings(module):
    for name in module.__all__:
        obj = getattr(module, name)
        yield name, inspect.getdoc(obj) or ""
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and callable(member):
                    yield f"{name}.{attr}", inspect.getdoc(member) or ""


@pytest.mark.parametrize("module_name", MODULES)
def test_public_docstrings_do_not_point_into_a_notebook(module_name):
    module = importlib.import_module(f"tinytorch.core.{module_name}")
    found = [f"{name}: {match.group(0)!r}" for name, doc in _public_docstrings(module)
             for match in LESSON_PLACE.finditer(doc)]
    assert not found, f"tinytorch.core.{module_name}: public docstrings that point into a notebook: {found}"


def test_the_pattern_finds_what_it_is_for():
    assert LESSON_PLACE.search("dilation and ceil_mode are section 13's options")
    assert LESSON_PLACE.search("The formula of exercise 1, written here again")
    assert not LESSON_PLACE.search("in Conv2d.__init__ (module 09, Exercise 8), use in_channels // groups")
    assert not LESSON_PLACE.search("the intersection 3 of two sets")

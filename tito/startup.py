"""Start-up time: keep one slow import out of every tito process.

nbformat validates notebooks with jsonschema, and jsonschema (4.25 and later) imports
`rfc3987_syntax` when it is installed, to check the "iri" string format. That package builds an
Earley parser from its grammar at import time: 2-3 s of CPU, in every process that imports
nbformat, although no notebook schema has an "iri" field (jsonschema issue #1428). Jupyter
installs it (jupyter-events asks for jsonschema[format-nongpl]), so a student with JupyterLab pays
it on every `tito` command.

`defer_rfc3987_syntax()` puts a stand-in under that name before jsonschema is imported: it has the
one function jsonschema takes from the package, and the first call imports the real package and
answers with it. Nothing changes but when the grammar is built; when the package is not installed
the stand-in is not put in place, so jsonschema sees what it would have seen.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import types

NAME = "rfc3987_syntax"


def _real():
    """The real package: imported in place of the stand-in on first use, then the one imported."""
    module = sys.modules.get(NAME)
    if module is not None and not getattr(module, "_tito_stand_in", False):
        return module
    stand_in = sys.modules.pop(NAME, None)
    try:
        return importlib.import_module(NAME)
    except BaseException:
        if stand_in is not None:
            sys.modules.setdefault(NAME, stand_in)
        raise


def _is_valid_syntax(term: str, value: str) -> bool:
    return _real().is_valid_syntax(term, value)


def defer_rfc3987_syntax() -> None:
    """Put the stand-in in place, unless the package is imported already or not installed."""
    spec = None if NAME in sys.modules else importlib.util.find_spec(NAME)
    if spec is None:
        return
    stand_in = types.ModuleType(NAME, "tito's stand-in: the real package is imported on the first call (tito/startup.py)")
    stand_in._tito_stand_in = True
    stand_in.__spec__ = spec  # importlib.util.find_spec(NAME) answers as before: where the package is
    stand_in.is_valid_syntax = _is_valid_syntax
    sys.modules[NAME] = stand_in

"""Start-up time: keep two slow imports out of every tito process.

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

jupytext's `__init__` imports its Jupyter contents managers, and with them jupyter_server,
tornado and jinja2: 0.15-0.2 s of every tito process, for classes only a Jupyter server uses
(tito reads and writes notebooks with `jupytext.reads` / `writes`). jupytext already expects them
to be missing: it catches the ImportError and puts a stand-in that raises it again when used.
`skip_jupytext_contents_managers()` makes those two imports fail while jupytext's `__init__` runs,
and only then: an `import jupytext.sync_contentsmanager` afterwards imports the real module.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types

NAME = "rfc3987_syntax"
JUPYTEXT_CONTENTS_MANAGERS = ("jupytext.sync_contentsmanager", "jupytext.async_contentsmanager")


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


def _initializing(name: str) -> bool:
    """Whether the module `name` is being imported right now (its body is running)."""
    module = sys.modules.get(name)
    return bool(getattr(getattr(module, "__spec__", None), "_initializing", False))


class _SkipContentsManagers(importlib.abc.MetaPathFinder):
    """Fails the import of jupytext's contents managers while jupytext's __init__ runs."""

    def find_spec(self, name, path=None, target=None):
        if name in JUPYTEXT_CONTENTS_MANAGERS and _initializing("jupytext"):
            raise ImportError(f"{name} is not imported by tito (tito/startup.py): import it yourself if you need it",
                              name=name)
        return None


def skip_jupytext_contents_managers() -> None:
    """Put the finder first on sys.meta_path (once)."""
    if not any(isinstance(finder, _SkipContentsManagers) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SkipContentsManagers())

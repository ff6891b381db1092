"""A pytest plugin for `tito test`: which exported names of the module under test each test is about.

    python -m pytest tests/09_convolutions -p tito.grading.attribution \\
        --tito-module tinytorch.core.spatial --tito-calls CALLS.jsonl

How: before any test file (or conftest) is imported, the plugin imports the module under test and
replaces every function it exports (`__all__`) with a thin wrapper, in the module and in every
other loaded tinytorch module that imported it by name; for each exported class (and the module's
own classes it inherits from) it wraps `__init__`, `__call__` and the public methods (forward,
backward, ...) defined in this module. A method records the nearest exported class of its `self`
(MaxPool2d for a forward inherited from a private base class). A per-thread depth counter tells a
call from OUTSIDE the module (depth 0: the test called it) from one inside it (conv2d_loops
calling conv_output_size, Conv2d.forward calling conv2d_vectorized): the running test's "calls"
are the names at depth 0, its "reached" names those at any depth. Nothing is inferred from test
names or source text.

Why this is safe: the wrapper calls the original with the same arguments and returns or raises
what it does; `functools.update_wrapper` keeps the name, docstring, signature and `__wrapped__`;
the wrapper's globals are the module's own (doctest and `__globals__` see the module), and its
body reads only closure variables, so nothing a student names in their module can shadow it.
Measured on module 09's suite: no slowdown beyond run-to-run noise.

A failing test is charged to the first name it called whose code (an exported function, or a
method of an exported class) is on the failure's traceback, innermost frame first. When none is
(the test's own assertion failed on values it got back), `charged` is null and `tito test`
decides with what the whole run says (tito/test_report.py, assign_blame).

Output, one JSON object per line, appended as it happens (line-buffered, so that a run stopped at
its time limit still says what the running test had called):
    {"start": NODEID, "key": JUNIT_KEY}        a test starts
    {"call": NAME}                              the running test called NAME (depth 0; first time)
    {"reach": NAME}                             NAME ran inside the module (depth > 0; first time)
    {"end": NODEID, "charged": [NAME] | null, "where": TEXT | null, "message": TEXT | null}
`key` is the test's name in pytest's junit XML ("classname::name"), which is how `tito test`
joins this file to the XML report; `where` is the innermost frame of the failure in the module's
wrapped code; `message` the failure's whole exception text (the XML's message is cut after some
lines). Standard library only (and pytest); a module that fails to import is left alone: its
tests report that themselves.
"""
from __future__ import annotations

import functools
import importlib
import json
import re
import sys
import threading
import types

import pytest

# Methods that are wrapped besides the public ones: construction and the call of a layer.
WRAPPED_DUNDERS = ("__init__", "__call__")
MESSAGE_LIMIT = 100_000  # characters of a failure's message kept (`tito test` shows 40 lines of it)


def junit_key(nodeid: str) -> str:
    """'tests/09_x/test_a.py::TestK::test_b[1]' -> 'tests.09_x.test_a.TestK::test_b[1]', as pytest's
    junitxml names a test case (`mangle_test_address`: classname and name)."""
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return f"{'.'.join(names[:-1])}::{names[-1]}"


class _Depth(threading.local):
    depth = 0


class Recorder:
    """The running test, the names it called, and the output file."""

    def __init__(self, path: str):
        self.out = open(path, "a", encoding="utf-8", buffering=1)  # line-buffered: one write per event
        self.current: dict | None = None   # names called by the running test, in order (dict as ordered set)
        self.reached: dict = {}            # names run by the running test at any depth
        self.failed = False  # the running test failed already (setup, call or teardown): charged once
        self.charged = None
        self.where = None
        self.message = None

    def write(self, **event) -> None:
        self.out.write(json.dumps(event) + "\n")

    def record(self, name: str, depth: int) -> None:
        if self.current is None:
            return
        if depth == 0 and name not in self.current:
            self.current[name] = None
            self.write(call=name)
        if name not in self.reached:
            self.reached[name] = None
            if depth:
                self.write(reach=name)


def _with_module_globals(wrapper, module):
    """`wrapper` rebuilt with the module's globals (its body reads closure variables only)."""
    rebuilt = types.FunctionType(wrapper.__code__, module.__dict__, wrapper.__name__, wrapper.__defaults__,
                                 wrapper.__closure__)
    rebuilt.__kwdefaults__ = wrapper.__kwdefaults__
    return rebuilt


def _recording_wrapper(original, name_of, record, local):
    """original, recording the name `name_of(args)` gives (None: nothing) at the current call depth."""
    def wrapper(*args, **kwargs):
        depth = local.depth
        name = name_of(args)
        if name:
            record(name, depth)
        local.depth = depth + 1
        try:
            return original(*args, **kwargs)
        finally:
            local.depth = depth
    return wrapper


def _function_wrapper(original, name: str, record, local):
    return _recording_wrapper(original, lambda args: name, record, local)


def _method_wrapper(original, owner_of, record, local):
    """For methods: the name recorded is the nearest exported class of the first argument (self, or
    cls for a classmethod)."""
    return _recording_wrapper(original, lambda args: owner_of(args[0]) if args else None, record, local)


def _rebind_held(module, replaced: dict) -> None:
    """Where the module holds an exported function besides its globals, put the wrapper there too: a staticmethod
    of one of its classes or of their subclasses (module 06's node classes, made by enable_autograd(), hold their
    backward rules: without this, a test whose graph ran a wrong sub_backward never reached it, and its failure
    was charged to backward), and a tuple in one of its tables, a dict or list at module level (module 06's _OPS
    and _ACTIVATIONS, from which enable_autograd() makes the node classes again). `replaced`: id -> (original,
    wrapper)."""
    def swap(value):
        entry = replaced.get(id(value))
        return entry[1] if entry is not None and entry[0] is value else value

    def swap_tuple(row):
        new = [swap(value) for value in row]
        if all(a is b for a, b in zip(new, row)):
            return row
        return type(row)._make(new) if hasattr(type(row), "_make") else type(row)(new)

    classes, todo = set(), [value for value in vars(module).values()
                            if isinstance(value, type) and value.__module__ == module.__name__]
    while todo:
        cls = todo.pop()
        if cls in classes:
            continue
        classes.add(cls)
        try:
            todo += cls.__subclasses__()
        except TypeError:
            pass
    for cls in classes:
        for attr, value in list(vars(cls).items()):
            if isinstance(value, staticmethod) and swap(value.__func__) is not value.__func__:
                setattr(cls, attr, staticmethod(swap(value.__func__)))
    for name, table in list(vars(module).items()):
        if name.startswith("__"):   # __builtins__ is a dict
            continue
        if isinstance(table, dict):
            for key, row in list(table.items()):
                if type(row) is not str and isinstance(row, tuple):
                    table[key] = swap_tuple(row)
        elif isinstance(table, list):
            for index, row in enumerate(table):
                if isinstance(row, tuple):
                    table[index] = swap_tuple(row)


class Attribution:
    """The wrapped module: which code object belongs to which exported name, and the charge of a failure."""

    def __init__(self, module_name: str, recorder: Recorder):
        self.module_name, self.recorder = module_name, recorder
        self.local = _Depth()
        self.code_names: dict = {}     # code object of an original -> exported name, or None for a method
        self.owners: dict = {}         # type -> nearest exported class name (cache)
        self.classes: dict = {}        # exported class -> its name
        self.module_file = None

    # ---- wrapping

    def install(self) -> None:
        module = importlib.import_module(self.module_name)
        self.module_file = getattr(module, "__file__", None)
        exported = [(name, getattr(module, name, None)) for name in getattr(module, "__all__", ())]
        replaced = {}
        for name, obj in exported:
            if isinstance(obj, types.FunctionType) and obj.__globals__ is module.__dict__:
                wrapper = self._wrap(_function_wrapper(obj, name, self.recorder.record, self.local), obj, module)
                self.code_names[obj.__code__] = name
                replaced[id(obj)] = (obj, wrapper)
                setattr(module, name, wrapper)
            elif isinstance(obj, type) and obj.__module__ == module.__name__:
                self.classes[obj] = name
        done = set()
        for cls in self.classes:
            for base in cls.__mro__:
                if base.__module__ == module.__name__ and base not in done:
                    done.add(base)
                    self._wrap_methods(base, module)
        # Other loaded tinytorch modules that imported an exported function by name call it too.
        for other_name, other in list(sys.modules.items()):
            if other is module or not other_name.startswith("tinytorch") or not hasattr(other, "__dict__"):
                continue
            for key, value in list(vars(other).items()):
                if id(value) in replaced and replaced[id(value)][0] is value:
                    setattr(other, key, replaced[id(value)][1])
        _rebind_held(module, replaced)

    def _wrap(self, wrapper, original, module):
        wrapper = _with_module_globals(wrapper, module)
        return functools.update_wrapper(wrapper, original)

    def _wrap_methods(self, cls: type, module) -> None:
        for attr, value in list(vars(cls).items()):
            if not (attr in WRAPPED_DUNDERS or not attr.startswith("_")):
                continue
            kind = type(value) if isinstance(value, (staticmethod, classmethod)) else None
            function = value.__func__ if kind else value
            if not isinstance(function, types.FunctionType) or function.__globals__ is not module.__dict__:
                continue
            if kind is staticmethod:
                owner = self.classes.get(cls)
                if owner is None:
                    continue
                wrapper = _function_wrapper(function, owner, self.recorder.record, self.local)
                self.code_names[function.__code__] = owner
            else:
                owner_of = self.owner_of_class if kind is classmethod else self.owner_of_instance
                wrapper = _method_wrapper(function, owner_of, self.recorder.record, self.local)
                self.code_names[function.__code__] = None
            wrapper = self._wrap(wrapper, function, module)
            setattr(cls, attr, kind(wrapper) if kind else wrapper)

    def owner_of_class(self, cls) -> str | None:
        try:
            return self.owners[cls]
        except (KeyError, TypeError):
            pass
        name = next((self.classes[base] for base in getattr(cls, "__mro__", ()) if base in self.classes), None)
        try:
            self.owners[cls] = name
        except TypeError:
            pass
        return name

    def owner_of_instance(self, obj) -> str | None:
        return self.owner_of_class(type(obj))

    # ---- charging a failure

    def charge(self, called: list[str], tb) -> tuple[list[str] | None, str | None]:
        """([the name charged] or None when no frame of a name the test called is on the traceback; where:
        the innermost frame in the module's file) for a failure whose traceback is `tb`."""
        frames = []
        while tb is not None:
            frames.append((tb.tb_frame, tb.tb_lineno))
            tb = tb.tb_next
        charged = where = None
        for frame, lineno in reversed(frames):
            code = frame.f_code
            if where is None and code.co_filename == self.module_file:
                where = f"{getattr(code, 'co_qualname', code.co_name)}() ({code.co_filename.rsplit('/', 1)[-1]} line {lineno})"
            if code not in self.code_names:
                continue
            name = self.code_names[code]
            if name is None:  # a method: the class of its self (or cls)
                first = code.co_varnames[0] if code.co_argcount else None
                holder = frame.f_locals.get(first) if first else None
                name = self.owner_of_class(holder) if isinstance(holder, type) else self.owner_of_instance(holder)
            if name in called:
                charged = [name]
                break
        return charged, where


_attribution: Attribution | None = None


def pytest_addoption(parser):
    group = parser.getgroup("tito", "tito test: which exported name each test is about")
    group.addoption("--tito-module", default=None, help="the module under test, e.g. tinytorch.core.spatial")
    group.addoption("--tito-calls", default=None, help="file to append the JSON lines to")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Wrap before conftest.py files and test files import the module."""
    global _attribution
    options = early_config.known_args_namespace
    if not (options.tito_module and options.tito_calls) or _attribution is not None:
        return
    attribution = Attribution(options.tito_module, Recorder(options.tito_calls))
    try:
        attribution.install()
    except (Exception, SystemExit):  # the module does not import: its tests say so; attribute nothing
        return
    _attribution = attribution


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logstart(nodeid, location):
    if _attribution is not None:
        recorder = _attribution.recorder
        recorder.current, recorder.reached, recorder.failed = {}, {}, False
        recorder.charged = recorder.where = recorder.message = None
        recorder.write(start=nodeid, key=junit_key(nodeid))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    recorder = _attribution.recorder if _attribution is not None else None
    if recorder is None or recorder.current is None or recorder.failed:
        return
    report = outcome.get_result()
    if report.failed and call.excinfo is not None:
        recorder.failed = True
        recorder.charged, recorder.where = _attribution.charge(list(recorder.current), call.excinfo.tb)
        try:  # the whole message (junit XML's message attribute is cut after a few lines)
            recorder.message = call.excinfo.exconly()[:MESSAGE_LIMIT]
        except Exception:
            recorder.message = None


@pytest.hookimpl(trylast=True)
def pytest_runtest_logfinish(nodeid, location):
    if _attribution is not None:
        recorder = _attribution.recorder
        recorder.write(end=nodeid, charged=recorder.charged, where=recorder.where, message=recorder.message)
        recorder.current = None

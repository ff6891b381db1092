"""The loop rule: a loop exercise computes its output in loops over output positions, read from its source.

Module 09's six loop exercises (conv2d_loops, conv2d_backward_loops, maxpool2d_loops,
avgpool2d_loops, maxpool2d_backward_loops, avgpool2d_backward_loops) are graded on their numbers
and on being loops. A graded cell that carries `#| loop_rule NAME` (tito.cells.LOOP_RULE) loses its
item when NAME breaks the rule below, whatever its numbers. The verdict is static: the judge, and
`tito test`, read the student's exported module (the file in the package copy they test) and check
its text against the instructor's src, which holds the reference and marks its given lines. No
student code runs for it, and nothing a child process reports counts. The notebook states the rule
(src/09_convolutions, section 2, "The loop rule"); in short, for the function NAME:

  (1) loops over positions: inside a `for` nested (at any depth) in another `for`, or in one `for`
      over `np.ndindex(...)` / `itertools.product(...)` with two or more targets (or over
      `np.ndenumerate(...)` with two or more index targets), it writes into an
      array (`A[...] = ...`, `A[...] += ...`) with an index that uses the variables of both loops
      (directly, in arithmetic, in slice bounds, or through names computed from them), also through a
      name bound once, inside those loops, to a subscript of it (`gwin = grad_x_pad[n, c, rows, cols]`,
      then `gwin += share`: the subscript's index counts);
  (2) outside its `for` loops it only prepares and returns: its given lines, imports, `pass`, `if`s
      whose test calls nothing, assignments and returns that call nothing (but a number builtin on
      numbers, `float(kh * kw)`, `np.finfo(x.dtype)`, or `.copy()` of an array or a slice of one)
      and do arithmetic or comparisons only on numbers or in indices and slice bounds;
  (3) no whole-array shortcut: it uses no module name (a def, class or variable; numpy and
      standard-library imports aside) that the reference does not reach from it, directly or through
      the functions it calls, and the same holds for every function of the module it reaches; none
      of them mentions SHORTCUTS or imports anything but numpy and the standard library; it defines
      no function, lambda or class inside;
  (4) nothing in the whole module changes code behind the reader's back (FORBIDDEN_NAMES, also as
      attributes, FORBIDDEN_ATTRIBUTES and strings naming them, FORBIDDEN_MODULES, standard modules
      outside ALLOWED_STDLIB, imported or reached as attributes, private names of imported modules,
      a module of the package imported as an object, `getattr` with a computed name, `.modules`,
      `allow_pickle`, assigning `__class__` or an attribute of anything imported, of a computed
      object or of a name bound to what a call returned, `import *`, a module-level name that is
      one of the builtins the rule or the given code reads, READ_BUILTINS, or any builtin by `global`
      in a function), NAME keeps the reference's parameters, and NAME and every
      module name it reaches (in the reference or the student's module) is bound as the reference
      binds it: functions by one plain `def`, never rebound, never declared `global`; and each
      given function it reaches (one without a solution in the reference) has the reference's code.

  (5) one window at a time: inside its loops it reads the image (`x`, `grad_out`, and every array
      computed from one of them whole, such as `x_pad`) only through an index whose rows and columns
      are numbers or slices no longer than the window (tito.grading.windows), or through `.item(...)`
      with one number per axis (`x_pad.item(n, c, r, s)`, the same read as `x_pad[n, c, r, s]`; one flat
      index, a tuple, `*idx` or an alias `get = x_pad.item` is no such read); an array or list that
      collects values read from the image (by index, through an attribute or a view of it, as an
      argument of a call or the object of a method, by concatenation, as a `for` target) counts as the
      image unless it is made afresh inside the loops for each window; an index entry that is a tuple
      or list (or a name holding one), a starred entry and a slice with a step other than a positive
      number written in it are not one window; the sizes kh, kernel_size, ... count only while every
      binding keeps them sizes (and only as `root[k]` or `root.shape[k]`); the image held in a container
      or a view with other axes is not read at all; `.item()` is a number only of a number, and
      ndenumerate's element and a match capture are none; a comprehension's `for` over numbers
      steps over one window or over images and channels only.

The clauses are checked in the order 4, 3, 1, 2, 5; the message names the first that fails and where.
Clause 5 reads a few honest spellings as the exact equivalents it already reads (_spelled_plainly:
`w = x_pad[...].copy(); w.argmax()` as np.argmax(w), `vals.index(max(vals))` in two lines, a tuple of
names assigned one by one, `*_, kh, kw = weight.shape`, `grad_x_pad[...].flat[k] += g` through a view).
Entry points: `check(source, reference_src, function)` (the message, or None when the rule holds)
and, for the graders, `verdict(cell, package_parent, module_name)` and `merge(...)`.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import functools
import gc
import importlib.util
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .. import cells as notebook_cells
from .. import export, notebooks
from ..paths import continuations
from . import reach, windows

# Clause (3): words of names that compute many positions at once (as a whole word of an identifier
# or dotted path: `np.einsum`, `einsum_path`, `np.fft.fft2`; not `conv2d_vectorized`).
SHORTCUTS = ("einsum", "tensordot", "sliding_window_view", "as_strided", "stride_tricks", "convolve", "correlate",
             "fft", "vectorize", "apply_along_axis", "frompyfunc")
# Clause (3), as attributes only: a window's `.base` is the whole array the window is a view of (H23:
# `x_pad[n, c, rows, cols].base` handed the loops the whole image). As a plain name (`base = i * sh`) it is fine.
WHOLE_ARRAY_ATTRIBUTES = ("base",)
# Clause (3): what makes a class inside a function without a `class` statement. H24 built one with
# type("Whole", (), {"__array_interface__": ...}) around a window's address: numpy then made an array of
# the whole image, strided as im2col, from it. (type(x) with one argument only asks a type.)
CLASS_FACTORIES = ("make_dataclass", "namedtuple", "NamedTuple", "TypedDict", "new_class", "ABCMeta", "EnumMeta",
                   "EnumType", "Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum")
# ... and the standard modules whose business is making classes (H28 made one by enum.ReprEnum's functional
# form), and the builtins that tell where an object lies in memory: none of them in an exercise.
CLASS_MODULES = ("enum", "typing", "dataclasses", "abc")
ADDRESS_BUILTINS = ("id", "hash")
# Clause (4): numpy's array protocols (an object exposing these is read as an array at any address,
# shape and strides it names) and what tells a window's address (numpy's byte_bounds, and np.info, which
# prints it); __getattr__ would answer the protocols' names computed at run time.
RAW_MEMORY_NAMES = ("__array_interface__", "__array_struct__", "__array__", "__array_wrap__", "__array_finalize__",
                    "__array_prepare__", "__array_function__", "__array_ufunc__", "__array_priority__",
                    "__getattr__", "byte_bounds", "info")
# Clause (4), anywhere in the module.
FORBIDDEN_NAMES = (*reach.CODE_AS_TEXT, *reach.SETTERS, "vars")
FORBIDDEN_ATTRIBUTES = (*reach.FAR_REACHING_ATTRIBUTES, "__code__", "__dict__", "__subclasses__", "__setattr__",
                        "__delattr__", "__import__",
                        # tools of the allowed modules that change an object, or reach one, from afar
                        # (functools.update_wrapper(module, ...) rebinds a module's names without an
                        # assignment)
                        "update_wrapper", "wraps", "attrgetter", "methodcaller", "get_type_hints", "ForwardRef",
                        "builtins", "ctypeslib", "load", "read_array", *RAW_MEMORY_NAMES)
FORBIDDEN_MODULES = reach.FAR_REACHING_MODULES
# The standard library a module with loop exercises may import (numpy aside). The rest of it can run
# code given as a string (timeit, pdb, doctest), reach a module by its name (pydoc, pkgutil) or patch
# one (unittest.mock): none of which a reader of the source sees.
ALLOWED_STDLIB = ("__future__", "math", "cmath", "itertools", "functools", "collections", "numbers", "operator",
                  "copy", "warnings", "time", "random", "statistics", "typing", "dataclasses", "enum", "abc",
                  "fractions", "decimal", "array", "bisect", "heapq")
TRUSTED_TOP_LEVEL = set(sys.stdlib_module_names) | {"numpy"}
# Modules a module may not reach, not even as another module's attribute (`warnings.sys`, `np.os`,
# `dataclasses.inspect`): the standard library outside ALLOWED_STDLIB.
UNREACHABLE_MODULES = frozenset(sys.stdlib_module_names) - set(ALLOWED_STDLIB)
# Python's builtins (not the dunder ones, which FORBIDDEN_NAMES and FORBIDDEN_ATTRIBUTES cover): a module
# with loop exercises declares none of them `global` in a function.
BUILTIN_NAMES = frozenset(name for name in dir(builtins) if not name.startswith("__"))
# The builtins the rule and the given code read (windows.py's numbers and loops, the given helpers'
# isinstance and tuple): a module with loop exercises binds none of them at all. Another builtin's name
# may be taken by an import or a def (`from math import pow`).
READ_BUILTINS = frozenset((*windows.TRUSTED_BUILTINS, *windows.PURE_BUILTINS, "isinstance", "issubclass",
                           "hasattr", "getattr", "type", "tuple", "list", "dict", "set", "frozenset", "str", "repr",
                           "iter", "next", "reversed", "map", "filter", "callable", "super", "object", "print",
                           "id", "hash", "bytes", "complex",
                           *(name for name in BUILTIN_NAMES if name[:1].isupper())))   # ValueError, ...
TRY_STATEMENTS = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)   # except* from 3.11
# The loops the rule reads as over numbers, by name, where a module may bind that name by an import.
LOOP_SOURCES = {"arange": "numpy.arange", "ndindex": "numpy.ndindex", "ndenumerate": "numpy.ndenumerate",
                "product": "itertools.product"}
PRODUCTS = ("ndindex", "product")  # a `for` over np.ndindex(...) / itertools.product(...) loops over each target
SNIPPET = 70


@dataclass
class Broken(Exception):
    """One clause of the rule that does not hold: which, why, and the node it is about."""

    clause: int
    detail: str
    node: ast.AST | None = None


# ---------------------------------------------------------------- reading modules

@dataclass
class ModuleInfo:
    """Module-level facts of one module's source."""

    tree: ast.Module
    package: str                                   # e.g. "tinytorch.core", to resolve relative imports
    defs: dict = field(default_factory=dict)       # name -> the (last) module-level FunctionDef
    bindings: dict = field(default_factory=dict)   # name -> [(key, node)] of every module-level binding
    imports: dict = field(default_factory=dict)    # name -> absolute dotted path it is imported from
    nodes: list = field(default_factory=list)      # every node of tree, in ast.walk's order (read once)



def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
    return ".".join([*base, *([node.module] if node.module else [])])


def _scoped_walk(node):
    """Every node of `node` that runs in the enclosing scope: function, lambda and class bodies and
    comprehension targets are skipped (their decorators, defaults, annotations and bases are not:
    H15 bound a module name by a walrus in a def's default, `def f(a=(float := spy)): ...`)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        annotations = [a.annotation for a in windows.parameters(node) if a.annotation is not None]
        for child in [*args.defaults, *[d for d in args.kw_defaults if d is not None],
                      *getattr(node, "decorator_list", []), *annotations,
                      *([node.returns] if getattr(node, "returns", None) is not None else [])]:
            yield from _scoped_walk(child)
        return
    if isinstance(node, ast.ClassDef):
        for child in [*node.decorator_list, *node.bases, *node.keywords]:
            yield from _scoped_walk(child)
        return
    yield node
    for name, value in ast.iter_fields(node):
        if isinstance(node, ast.comprehension) and name == "target":
            continue
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ast.AST):
                yield from _scoped_walk(child)


def module_statements(body):
    """Statements run at module level: into if/try/for/while/with blocks, never into defs or classes."""
    for node in body:
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for name in ("body", "orelse", "finalbody"):
                yield from module_statements(getattr(node, name, []) or [])
            for handler in getattr(node, "handlers", []) or []:
                yield from module_statements(handler.body)
            for case in getattr(node, "cases", []) or []:
                yield from module_statements(case.body)


def _binding_key(node: ast.AST, info: ModuleInfo, name: str) -> str:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return "def" if not node.decorator_list else "decorated def"
    if isinstance(node, ast.ClassDef):
        return "class"
    if isinstance(node, ast.Import):
        alias = next(a for a in node.names if (a.asname or a.name.split(".")[0]) == name)
        return f"import {alias.name if alias.asname else alias.name.split('.')[0]}"
    if isinstance(node, ast.ImportFrom):
        alias = next(a for a in node.names if (a.asname or a.name) == name)
        return f"from {_absolute(node, info.package)} import {alias.name}"
    return type(node).__name__ + ": " + ast.dump(node)


def read_module(source: str, package: str) -> ModuleInfo:
    info = ModuleInfo(ast.parse(source), package)

    def bind(name, node):
        info.bindings.setdefault(name, []).append((_binding_key(node, info, name), node))

    for statement in module_statements(info.tree.body):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(statement.name, statement)
            if isinstance(statement, ast.FunctionDef):
                info.defs[statement.name] = statement
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                if alias.name == "*":
                    continue
                if isinstance(statement, ast.Import):
                    name = alias.asname or alias.name.split(".")[0]
                    info.imports[name] = alias.name if alias.asname else name
                else:
                    name = alias.asname or alias.name
                    info.imports[name] = f"{_absolute(statement, package)}.{alias.name}"
                bind(name, statement)
        elif isinstance(statement, TRY_STATEMENTS):
            for handler in statement.handlers:
                if handler.name:
                    bind(handler.name, statement)
        # names this statement stores itself (not in the blocks module_statements visits on its own)
        own = [statement] if not hasattr(statement, "body") or \
            isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else \
            [getattr(statement, f) for f in ("target", "test", "iter", "items", "subject")
             if getattr(statement, f, None) is not None]
        for part in own:
            for piece in part if isinstance(part, list) else [part]:
                for node in _scoped_walk(piece):
                    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                        # in a def's or class's header (a walrus in a default), the binding is the name's own
                        bind(node.id, node if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                     ast.ClassDef)) else statement)
                    elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                        bind(node.name, statement)
                    elif isinstance(node, ast.MatchMapping) and node.rest:    # case {**name}
                        bind(node.rest, statement)
    # `global X` in a function binds X at module level when the function runs (H13: `global float`).
    info.nodes = windows.walk(info.tree)
    for node in info.nodes:
        if isinstance(node, ast.Global):
            for name in node.names:
                bind(name, node)
    return info


def _segment(source: str, node: ast.AST | None) -> str:
    text = (_source_segment(source, node) if node is not None else None) or ""
    text = " ".join(text.split("\n")[0].split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 3] + "..."


# The line breaks str.splitlines knows beyond \r and \n, which Python's parser (and so ast's line
# numbers) does not: where none is in the text, str.splitlines(keepends=True) splits it as the parser does.
OTHER_LINE_BREAKS = re.compile("[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


@dataclass
class _Span:
    """The four positions ast.get_source_segment reads of a node."""

    lineno: int
    end_lineno: int
    col_offset: int
    end_col_offset: int


def _source_segment(source: str, node: ast.AST) -> str | None:
    """ast.get_source_segment(source, node), the same text, without splitting all of source one character
    at a time in Python (ast's splitter: ~10 ms on a student's module, once per refused verdict): the
    node's own lines are cut out by str.splitlines and handed to ast.get_source_segment with the node's
    positions moved to them. Any other case goes to ast.get_source_segment as it is."""
    position = [getattr(node, name, None) for name in ("lineno", "end_lineno", "col_offset", "end_col_offset")]
    if not all(type(value) is int for value in position) or OTHER_LINE_BREAKS.search(source):
        return ast.get_source_segment(source, node)
    lineno, end_lineno, col_offset, end_col_offset = position
    lines = source.splitlines(keepends=True)
    if not 1 <= lineno <= end_lineno <= len(lines):
        return ast.get_source_segment(source, node)
    own = "".join(lines[lineno - 1:end_lineno])
    return ast.get_source_segment(own, _Span(1, end_lineno - lineno + 1, col_offset, end_col_offset))


# ---------------------------------------------------------------- the reference (instructor's src)

@dataclass
class Reference:
    module: ModuleInfo
    given: dict       # exercise -> set of ast.dump of its statements above the solution (its given lines)
    example: dict     # exercise -> its first write that satisfies clause (1), as source text
    begins: tuple = ()  # the line numbers of the module's `### BEGIN SOLUTION` markers (tampering.py)
    # computed once per reference (each check asks them; they depend on the reference alone):
    scalars: frozenset = frozenset()                 # _scalar_exercises
    codes: dict = field(default_factory=dict)        # def name -> _code_of its (last) module-level def


def _export_cells(text: str):
    chunks = re.split(r"^(# %%.*)$", text, flags=re.MULTILINE)
    for header, source in zip(chunks[1::2], chunks[2::2]):
        if "[markdown]" not in header:
            yield source


@functools.lru_cache(maxsize=8)
def _reference(path: str, stamp: tuple) -> Reference:
    target, exported = None, []
    # The lesson, then the sources that continue it (module 09's going further): one package module,
    # whose given functions (pool_output_size, ...) an exercise must not hand its work to either.
    for part in [Path(path), *continuations(Path(path))]:
        for source in _export_cells(part.read_text(encoding="utf-8")):
            found = notebook_cells.directives(source)
            target = target or found.get("default_exp")
            if notebook_cells.EXPORT_DIRECTIVES & found.keys():
                exported.append(source)
    module_name = f"tinytorch.{target}"
    joined = "\n".join(exported)
    info = read_module(joined, module_name.rpartition(".")[0])
    lines = joined.split("\n")
    begins = [i + 1 for i, line in enumerate(lines) if line.strip() == notebooks.BEGIN]  # 1-based line numbers
    given, example = {}, {}
    for name, node in info.defs.items():
        begin = next((b for b in begins if node.lineno <= b <= node.end_lineno), None)
        if begin is None:
            continue
        given[name] = {ast.dump(s) for s in node.body if s.end_lineno < begin}
        write = _position_write(node)
        if write is not None:
            example[name] = _segment(joined, write)
    ref = Reference(info, given, example, tuple(begins), codes={name: _code_of(node) for name, node in info.defs.items()})
    ref.scalars = frozenset(_scalar_exercises(ref))
    return ref


def reference(src: Path | str) -> Reference:
    path = Path(src).resolve()
    stamp = tuple((part.name, part.stat().st_mtime_ns, part.stat().st_size) for part in [path, *continuations(path)])
    return _reference(str(path), stamp)


# ---------------------------------------------------------------- names a function uses

# The two below are asked of the same function many times in one verdict (once per function that
# reaches it); each walks its whole body. Cached on the node (ASTs are never edited once parsed here).
@functools.lru_cache(maxsize=256)
def _local_names(fn: ast.FunctionDef) -> frozenset[str]:
    """Parameters and names bound anywhere inside fn (nested scopes included), minus `global` ones."""
    found, declared = set(), set()
    for node in windows.walk(fn):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            found |= windows.parameter_names(node)
            if node is not fn and not isinstance(node, ast.Lambda):
                found.add(node.name)
        elif isinstance(node, ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            found.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found |= {a.asname or a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared |= set(node.names)
    return frozenset(found - declared)


@functools.lru_cache(maxsize=256)
def _free_names(fn: ast.FunctionDef) -> tuple[ast.Name, ...]:
    """The Name nodes of fn (defaults and decorators included) that are not its own locals."""
    local = _local_names(fn)
    return tuple(n for n in windows.walk(fn) if isinstance(n, ast.Name) and n.id not in local)


def _module_names_used(fn: ast.FunctionDef, info: ModuleInfo) -> set[str]:
    return {n.id for n in _free_names(fn) if n.id in info.bindings}


def _reachable(function: str, info: ModuleInfo) -> set[str]:
    """function and the module names it uses, directly or through the module's functions it uses."""
    todo, seen = [function], set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            if name in info.defs:
                todo.extend(_module_names_used(info.defs[name], info))
    return seen


def _shortcut(identifier: str) -> str | None:
    """The shortcut word in an identifier or dotted path (as a whole word: `einsum_path`, `fft2`, not `conv2d_vectorized`)."""
    return next((word for word in SHORTCUTS if re.search(rf"(?<![A-Za-z]){word}(?![A-Za-z])", identifier)), None)


def _trusted_import(info: ModuleInfo, name: str) -> bool:
    """Bound only by imports from numpy or the standard library (not a forbidden module)."""
    entries = info.bindings.get(name, [])
    return bool(entries) and all(isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0)
                                 and info.imports.get(name, "").split(".")[0] in TRUSTED_TOP_LEVEL
                                 and info.imports.get(name, "").split(".")[0] not in FORBIDDEN_MODULES
                                 for _, node in entries)


# ---------------------------------------------------------------- clause (1): loops over positions

def _is_product(expr: ast.AST) -> bool:
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in PRODUCTS


def _independent(loop: ast.For | ast.AsyncFor) -> set[str]:
    """The variables of loop that each step over positions on their own: all of them in a `for` over
    np.ndindex / itertools.product with two or more; the index of `for (n, c, i, j), v in
    np.ndenumerate(out)` when it has two or more (v, the element, is not a position); else none."""
    index = windows.enumerated_index(loop)
    names = windows.stored_names(loop.target if index is None else index)
    if len(names) < 2 or index is None and not _is_product(loop.iter):
        return set()
    return names


def _assigned_targets(statement) -> list[ast.AST]:
    """The targets an assignment statement writes (`=`, `+=`, an annotated one); none for other statements."""
    if isinstance(statement, ast.Assign):
        return list(statement.targets)
    if isinstance(statement, (ast.AugAssign, ast.AnnAssign)):
        return [statement.target]
    return []


def _written_subscripts(statement) -> list[ast.Subscript]:
    found = []
    for target in _assigned_targets(statement):
        stack = [target]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Subscript):
                found.append(node)
            elif isinstance(node, (ast.Tuple, ast.List)):
                stack.extend(node.elts)
            elif isinstance(node, ast.Starred):
                stack.append(node.value)
    return found


def _index_names(subscript: ast.Subscript) -> set[str]:
    """Names in every index of a subscript chain: out[n][c, i, j] gives n, c, i, j."""
    names, node = set(), subscript
    while isinstance(node, ast.Subscript):
        names |= {n.id for n in ast.walk(node.slice) if isinstance(n, ast.Name)}
        node = node.value
    return names


def _chain_root(node: ast.AST) -> ast.AST:
    """The object a chain of subscripts and attributes starts from (`gwin` of `gwin.flat[k]`)."""
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node


def _window_views(fn: ast.FunctionDef) -> dict[str, ast.Subscript]:
    """name -> the subscript it names, for each name fn binds once, by `gwin = grad_x_pad[n, c, rows, cols]` (a
    subscript of a plain name), and otherwise only by augmented assignments to it (`gwin += share`, which adds
    into the array gwin is a view of). A write through such a name (`gwin += share`, `gwin[:, :] += share`) is a
    write into that array with the index the view was made with (round 28: refused as no write at all). A name
    bound in any other way too (a second assignment, a `for`, a parameter, `global`) is none; of attributes, a
    write may go through `.flat` only (`gwin.flat[k] += g`)."""
    once: dict[str, list] = {}
    other: set[str] = set(windows.parameter_names(fn))
    augmented = {id(node.target) for node in ast.walk(fn) if isinstance(node, ast.AugAssign)
                 and isinstance(node.target, ast.Name)}
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and \
                isinstance(node.value, ast.Subscript) and isinstance(_chain_root(node.value), ast.Name) and \
                all(isinstance(part, ast.Subscript) for part in _subscript_chain(node.value)) and \
                _chain_root(node.value).id != node.targets[0].id:
            once.setdefault(node.targets[0].id, []).append(node)
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load) and id(node) not in augmented and \
                not any(node is binding.targets[0] for binding in once.get(node.id, [])):
            other.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            other.update(node.names)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            other.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            other.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            other.add(node.name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not fn:
            other.add(node.name)
    return {name: nodes[0].value for name, nodes in once.items() if len(nodes) == 1 and name not in other}


def _subscript_chain(node: ast.AST) -> list[ast.AST]:
    """The subscripts and attributes of a chain, outermost first (`a[i][j]`: `a[i][j]`, `a[i]`)."""
    found = []
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        found.append(node)
        node = node.value
    return found


def _position_write(fn: ast.FunctionDef) -> ast.AST | None:
    """The first statement satisfying clause (1), or None."""
    deps = windows.dependencies(fn)
    views = _window_views(fn)
    made = {}   # view name -> the loops around its one binding, once it is visited

    def units_of(used, loops):
        units = set()
        for loop_id, names, independent in loops:
            units |= {(loop_id, name) for name in independent & used}
            if used & (names - independent):
                units.add((loop_id,))
        return units

    def through_views(statement, loops):
        """The units of the writes `statement` makes through a view: the view's index, read in the loops around
        its binding, and the write's own (`gwin += share`, `gwin[:, :] += share`, `gwin.flat[k] += g`)."""
        found, stack = [], _assigned_targets(statement)
        while stack:
            target = stack.pop()
            if isinstance(target, (ast.Tuple, ast.List)):
                stack.extend(target.elts)
                continue
            if isinstance(target, ast.Starred):
                stack.append(target.value)
                continue
            root = _chain_root(target)
            bare = isinstance(target, ast.Name)
            if not (isinstance(root, ast.Name) and root.id in made) or bare and not isinstance(statement, ast.AugAssign) \
                    or any(isinstance(part, ast.Attribute) and part.attr != "flat" for part in _subscript_chain(target)):
                continue
            view_loops = made[root.id]
            if [loop[0] for loop in loops[:len(view_loops)]] != [loop[0] for loop in view_loops]:
                continue   # bound in other loops than those around the write
            own = set()
            for part in _subscript_chain(target):
                if isinstance(part, ast.Subscript):
                    own |= {n.id for n in ast.walk(part.slice) if isinstance(n, ast.Name)}
            found.append(units_of(windows.closure(_index_names(views[root.id]), deps), view_loops) |
                         units_of(windows.closure(own, deps), loops))
        return found

    def visit(statements, loops):
        for statement in statements:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(statement, (ast.For, ast.AsyncFor)):
                names = windows.stored_names(statement.target)
                found = visit(statement.body, [*loops, (id(statement), names, _independent(statement))]) or \
                    visit(statement.orelse, loops)
                if found is not None:
                    return found
                continue
            if loops:
                for subscript in _written_subscripts(statement):
                    used = windows.closure(_index_names(subscript), deps)
                    if len(units_of(used, loops)) >= 2:
                        return statement
                if any(len(units) >= 2 for units in through_views(statement, loops)):
                    return statement
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and \
                    isinstance(statement.targets[0], ast.Name) and views.get(statement.targets[0].id) is statement.value:
                made[statement.targets[0].id] = list(loops)
            for name in ("body", "orelse", "finalbody"):
                found = visit(getattr(statement, name, []) or [], loops)
                if found is not None:
                    return found
            for handler in getattr(statement, "handlers", []) or []:
                found = visit(handler.body, loops)
                if found is not None:
                    return found
            for case in getattr(statement, "cases", []) or []:
                found = visit(case.body, loops)
                if found is not None:
                    return found
        return None

    return visit(fn.body, [])


# ---------------------------------------------------------------- clause (2): outside the loops

SIZE_ATTRIBUTES = ("shape", "ndim", "size", "dtype", "itemsize")
NUMBER_MODULES = ("np", "numpy", "math")


def _scalar_arithmetic(expr: ast.AST, numbers: set[str]) -> bool:
    """Arithmetic or comparisons on numbers only (`kh * kw`, `-np.inf`, `x.shape[2] + 2 * ph`): names
    that hold numbers, sizes of arrays and constants of numpy or math. No element of an array is read,
    so it cannot compute an answer, only a number to use in the loops (`cand > out` or `a + b` on two
    arrays computes one)."""
    if isinstance(expr, (ast.BinOp, ast.BoolOp, ast.UnaryOp, ast.Compare)):
        parts = [expr.left, expr.right] if isinstance(expr, ast.BinOp) else expr.values \
            if isinstance(expr, ast.BoolOp) else [expr.operand] if isinstance(expr, ast.UnaryOp) \
            else [expr.left, *expr.comparators]
        return all(_scalar_arithmetic(part, numbers) for part in parts)
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, (ast.Tuple, ast.List)) and isinstance(expr.ctx, ast.Load):  # out.shape != (n, c, h, w)
        return all(_scalar_arithmetic(element, numbers) for element in expr.elts)
    if isinstance(expr, ast.Name):
        return expr.id in numbers
    if isinstance(expr, ast.Attribute):
        return expr.attr in SIZE_ATTRIBUTES or isinstance(expr.value, ast.Name) and expr.value.id in NUMBER_MODULES
    if isinstance(expr, ast.Subscript):  # x.shape[2]
        return isinstance(expr.value, ast.Attribute) and expr.value.attr == "shape" and \
            _scalar_arithmetic(expr.slice, numbers)
    return False


# Builtins that turn numbers into a number (`area = float(kh * kw)`): on numbers, no computation of an answer.
NUMBER_BUILTINS = ("int", "float", "abs", "round", "min", "max")


def _harmless_call(expr: ast.Call, numbers: set[str]) -> bool:
    """A call outside the loops that computes no answer (H14, honest habits): a number builtin on numbers
    (`float(kh * kw)`), `len` of an array (`n_images = len(x)`), or `.copy()` of an array or a slice of one
    (`grad_x_pad[:, :, ph:ph + h].copy()`), which only the plain slice, already allowed, could give."""
    if _fresh_constant_array(expr, numbers):
        return True
    if expr.keywords:
        return False
    if isinstance(expr.func, ast.Name) and expr.func.id == "isinstance" and len(expr.args) == 2:
        # isinstance(stride, int): a kind, no value computed (H31); the rule reads isinstance as the builtin
        value, kinds = expr.args
        names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
        return _computes(value, numbers) is None and all(
            isinstance(n, ast.Name) or isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) for n in names)
    if isinstance(expr.func, ast.Name) and expr.func.id in NUMBER_BUILTINS:
        return bool(expr.args) and all(_scalar_arithmetic(arg, numbers) for arg in expr.args)
    if isinstance(expr.func, ast.Name) and expr.func.id == "len" and len(expr.args) == 1:
        # `n_images = len(x)`: a count of rows, no value of the array read (clause 5 already counts len a number)
        counted = expr.args[0]
        return not isinstance(counted, ast.Starred) and _computes(counted, numbers) is None
    if isinstance(expr.func, ast.Attribute) and expr.func.attr == "copy" and not expr.args:
        held = expr.func.value
        return isinstance(held, (ast.Name, ast.Subscript)) and _computes(held, numbers) is None
    return _dtype_limits(expr)


def _dtype_limits(expr: ast.Call) -> bool:
    """np.finfo or np.iinfo of a dtype: an array's (`np.finfo(x.dtype)`, of a plain name) or numpy's own
    (`np.finfo(np.float32)`). Its .min starts a running maximum, a number of the dtype, no value of the
    array read (round twenty-six: `lowest = np.finfo(x.dtype).min` before the loops lost its exercise)."""
    func = expr.func
    if not (isinstance(func, ast.Attribute) and func.attr in ("finfo", "iinfo") and isinstance(func.value, ast.Name)
            and func.value.id in ("np", "numpy") and len(expr.args) == 1 and not expr.keywords):
        return False
    kind = expr.args[0]
    return isinstance(kind, ast.Attribute) and isinstance(kind.value, ast.Name) and (
        kind.attr == "dtype" or kind.value.id in ("np", "numpy"))


def _fresh_constant_array(expr: ast.Call, numbers: set[str]) -> bool:
    """np.zeros(...) or np.ones(...) of a shape of numbers, or np.zeros_like / np.ones_like of an array, with
    at most a dtype= that calls nothing: a new array of one value, no answer in it (H25: `b = bias if bias
    is not None else np.zeros(c_out)`; H31: `grad_x = np.zeros_like(x)`)."""
    func = expr.func
    if not (isinstance(func, ast.Attribute) and func.attr in ("zeros", "ones", "zeros_like", "ones_like")
            and isinstance(func.value, ast.Name) and func.value.id in ("np", "numpy")):
        return False
    if func.attr.endswith("_like"):   # np.zeros_like(x): x's shape and dtype, none of its values (H31)
        like = expr.args[0] if len(expr.args) == 1 else None
        return isinstance(like, (ast.Name, ast.Subscript, ast.Attribute)) and _computes(like, numbers) is None and \
            all(k.arg == "dtype" and _computes(k.value, numbers) is None for k in expr.keywords)
    given = dict(zip(("shape", "dtype"), expr.args)) if len(expr.args) <= 2 else {}
    for keyword in expr.keywords:
        if keyword.arg not in ("shape", "dtype") or keyword.arg in given:
            return False
        given[keyword.arg] = keyword.value
    shape = given.get("shape")
    parts = shape.elts if isinstance(shape, ast.Tuple) else [shape]
    return shape is not None and all(_scalar_arithmetic(part, numbers) for part in parts) and (
        _computes(given.get("dtype"), numbers) is None)


def _computes(expr: ast.AST | None, numbers: set[str], in_index: bool = False) -> ast.AST | None:
    """The first node of expr that calls or (outside indices and slice bounds) does arithmetic or
    compares on anything but numbers."""
    if expr is None:
        return None
    if isinstance(expr, ast.Call) and _harmless_call(expr, numbers):
        return None
    if isinstance(expr, (ast.Call, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
                         ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom, ast.JoinedStr)):
        return expr
    if not in_index and isinstance(expr, (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp)) and \
            not _scalar_arithmetic(expr, numbers) and not _none_test(expr) and not _plain_choice(expr):
        return expr
    if isinstance(expr, ast.Subscript):
        return _computes(expr.value, numbers, in_index) or _computes(expr.slice, numbers, True)
    for child in ast.iter_child_nodes(expr):
        found = _computes(child, numbers, in_index)
        if found is not None:
            return found
    return None


def _plain_choice(expr: ast.AST) -> bool:
    """`stride or kernel_size`: one of plain names or constants, chosen by their truth, computes nothing (H36)."""
    return isinstance(expr, ast.BoolOp) and all(isinstance(v, (ast.Name, ast.Constant)) for v in expr.values)


def _none_test(expr: ast.AST) -> bool:
    """`stride is None`, `bias is not None`: an identity test against None computes nothing (H31)."""
    return isinstance(expr, ast.Compare) and all(isinstance(op, (ast.Is, ast.IsNot)) for op in expr.ops) and \
        any(isinstance(side, ast.Constant) and side.value is None for side in [expr.left, *expr.comparators])


def _calls(expr: ast.AST | None, numbers: set[str]) -> ast.AST | None:
    """The first node of expr that could change something: a call (but _harmless_call's), a walrus, a
    lambda, a comprehension. What an assert or a print outside the loops reads is thrown away, so
    arithmetic on arrays and f-strings are fine there (H25: `assert out.shape == (...), "..."`)."""
    if expr is None:
        return None
    for node in ast.walk(expr):
        counted = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" \
            and len(node.args) == 1 and not node.keywords     # assert len(weight) == c_out
        if isinstance(node, ast.Call) and not (counted or _harmless_call(node, numbers)) or isinstance(
                node, (ast.NamedExpr, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
                       ast.Await, ast.Yield, ast.YieldFrom)):
            return node
    return None


def _printed(statement: ast.AST) -> list | None:
    """What a statement `print(...)` prints (its arguments, and sep= and end=), or None for any other
    statement. print is the builtin: a module with loop exercises may not bind the name (and
    _outside_loops asks whether the function does)."""
    call = statement.value if isinstance(statement, ast.Expr) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print"):
        return None
    if any(k.arg not in ("sep", "end", "flush") for k in call.keywords):
        return None
    return [*call.args, *(k.value for k in call.keywords)]


def _as_load(target: ast.AST) -> ast.AST:
    """An augmented assignment's target as the value it reads (`area` of `area *= kw`)."""
    node = copy.copy(target)
    node.ctx = ast.Load()
    return node


def _one_target_tip(fn: ast.FunctionDef) -> str:
    """A hint for `for idx in np.ndindex(...)` with one loop variable (H31): clause 1 reads the loop's own
    variables, so they go in the for itself."""
    for node in ast.walk(fn):
        if isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.target, ast.Name) and \
                isinstance(node.iter, ast.Call) and windows._called(node.iter) in ("ndindex", "product"):
            return (f". Your `for {node.target.id} in {windows._called(node.iter)}(...)` has one loop variable: name "
                    "the positions in the for itself, `for n, c, i, j in np.ndindex(out.shape)`")
    return ""


def _outside_loops(fn: ast.FunctionDef, given: set[str]) -> ast.AST | None:
    """The first statement outside fn's for loops that clause (2) does not allow, or None."""
    params = windows.parameter_names(fn, starred=False)
    numbers = windows.numbers_of(fn, given, set(windows.IMAGES) & params)
    own_print = "print" in _local_names(fn)   # `print = np.add.at` in the function: not the builtin

    def visit(statements, top):
        for index, statement in enumerate(statements):
            if isinstance(statement, (ast.For, ast.AsyncFor)):
                found = visit(statement.orelse, False)
            elif top and index == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
                    and isinstance(statement.value.value, str):
                found = None  # the docstring
            elif ast.dump(statement) in given or isinstance(statement, (ast.Pass, ast.Import, ast.ImportFrom)):
                found = None
            elif isinstance(statement, ast.If):   # its test only steers: like an assert's, it may call nothing (H31)
                found = _calls(statement.test, numbers) or visit(statement.body, False) or visit(statement.orelse, False)
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                found = statement if _computes(statement.value, numbers) or any(
                    _computes(t, numbers, True) for t in targets) else None
            elif isinstance(statement, ast.AugAssign):   # `area *= kw`: the arithmetic `area * kw`, on numbers only
                whole = ast.BinOp(left=_as_load(statement.target), op=statement.op, right=statement.value)
                found = statement if _computes(whole, numbers) or _computes(statement.target, numbers, True) else None
            elif isinstance(statement, ast.Return):
                found = statement if _computes(statement.value, numbers) else None
            elif isinstance(statement, ast.Raise):
                found = None   # the function ends there: nothing it computed reaches a check (H25)
            elif isinstance(statement, ast.Assert):
                found = _calls(statement.test, numbers) or _calls(statement.msg, numbers)
            elif (printed := _printed(statement)) is not None and not own_print:
                found = next(filter(None, (_calls(arg, numbers) for arg in printed)), None)
            else:
                found = statement
            if found is not None:
                return found
        return None

    return visit(fn.body, True)


# ---------------------------------------------------------------- clause (3): no whole-array shortcut

def _shortcuts_in(fn: ast.FunctionDef, student: ModuleInfo, allowed: set,
                  exercise: bool = False) -> tuple[str, ast.AST] | None:
    """A shortcut fn refers to: (what, node), or None. `allowed`: module names its given version uses;
    `exercise`: fn is one the student writes (not a given helper the loops call)."""
    local = _local_names(fn) | allowed
    for node in windows.walk(fn):     # the same order as ast.walk: the first shortcut found is the one named
        shortcut = ("a whole-array shortcut, refused even on one window (the rule cannot tell how much it is "
                    "given); on a window, elementwise numpy and a reduction do it: `(window * weight[co]).sum()`, "
                    "`window.max()` (H31)")
        if isinstance(node, ast.Attribute) and _shortcut(node.attr):
            return f"uses `{node.attr}`, {shortcut}", node
        if isinstance(node, ast.Attribute) and node.attr in WHOLE_ARRAY_ATTRIBUTES:
            return f"uses `.{node.attr}`, the whole array a view is made from", node
        made = _makes_a_class(node, exercise)
        if made:
            return f"{made}; write the computation without one", node
        if exercise and isinstance(node, ast.Name) and node.id not in local and \
                student.imports.get(node.id, "").split(".")[0] in CLASS_MODULES:
            return f"uses `{node.id}` ({student.imports[node.id]}), whose module makes classes; write the " \
                   "computation without it", node
        if exercise and isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                (module or "").split(".")[0] in CLASS_MODULES for module in
                ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module])):
            return f"imports {ast.unparse(node).split()[1]}, a module that makes classes; write the computation " \
                   "without it", node
        if exercise and isinstance(node, ast.Name) and node.id in ADDRESS_BUILTINS and node.id not in local:
            return f"uses `{node.id}`, which tells where an object lies in memory", node
        if isinstance(node, ast.Name) and node.id not in local:
            word = _shortcut(node.id) or _shortcut(student.imports.get(node.id, ""))
            if word:
                origin = f" ({student.imports[node.id]})" if node.id in student.imports else ""
                return f"uses `{node.id}`{origin}, {shortcut}", node
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            dotted = [getattr(node, "module", None) or "", *[a.name for a in node.names]]
            if any(_shortcut(part) for part in dotted):
                return f"imports {', '.join(filter(None, dotted))}, {shortcut}", node
            tops = [a.name.split(".")[0] for a in node.names] if isinstance(node, ast.Import) else \
                [None if node.level else (node.module or "").split(".")[0]]
            if any(top not in TRUSTED_TOP_LEVEL or top in FORBIDDEN_MODULES for top in tops):
                return "imports something other than numpy and the standard library", node
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                and isinstance(node.args[1].value, str) and (_shortcut(node.args[1].value)
                                                             or node.args[1].value in WHOLE_ARRAY_ATTRIBUTES):
            return f"uses `{node.args[1].value}`, {shortcut}", node
    return None


def _makes_a_class(node: ast.AST, exercise: bool) -> str | None:
    """How node makes a class without a class statement (type with three arguments, a factory, __class__),
    or None. In an exercise `type` is refused whatever it is given: type(type) is type, and so is a name
    bound to it; the given helpers' type(x).__name__ is fine."""
    if isinstance(node, ast.Attribute) and node.attr in ("__class__", *CLASS_FACTORIES):
        return f"makes a class (`.{node.attr}`)"
    if isinstance(node, ast.Name) and node.id in CLASS_FACTORIES:
        return f"makes a class (`{node.id}`)"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "type" \
            and (len(node.args) != 1 or node.keywords):
        return "makes a class (`type` with three arguments)"
    if isinstance(node, ast.Name) and node.id == "type" and exercise:
        return "uses `type`, which makes classes (type(type) is type; to check a value's kind use isinstance)"
    return None


def _scalar_exercises(ref: Reference) -> set[str]:
    """The module's exercises without a loop (conv_output_size): a student may call their own answer
    from the loops (its body is held to the same limits, as every function the loops use)."""
    return {name for name in ref.given if name in ref.module.defs
            and not any(isinstance(node, (ast.For, ast.While)) for node in ast.walk(ref.module.defs[name]))}


def _check_shortcuts(function: str, student: ModuleInfo, ref: Reference) -> None:
    scalars = ref.scalars   # once: each name the function reaches asks it
    here = "in the function itself" if function in scalars else "in your loops"
    queue, seen = [function], set()
    while queue:
        name = queue.pop(0)
        if name in seen or name not in student.defs:
            continue
        seen.add(name)
        fn = student.defs[name]
        via = "" if name == function else f"{name} (which {function} uses) "
        allowed = _reachable(name, ref.module) - {name} if name in ref.module.defs else set()
        allowed |= scalars - {name}
        if name == function and function in scalars:
            allowed.add(name)   # a recursive conv_output_size computes its answer itself (H23)
        for node in _free_names(fn):
            if node.id not in student.bindings or _trusted_import(student, node.id):
                continue
            if node.id not in allowed:
                what = "the function" if node.id in student.defs else "the name"
                raise Broken(3, f"{via}uses {node.id}, {what.replace('the ', 'a ')} of your module that the given "
                                f"{name} does not use (nor the functions it calls); compute {here} instead", node)
            queue.append(node.id)
        found = _shortcuts_in(fn, student, allowed, exercise=name == function or name in scalars)
        if found:
            raise Broken(3, f"{via}{found[0]}", found[1])
        if name == function:
            inner = next((n for n in ast.walk(fn) if n is not fn and isinstance(
                n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))), None)
            if inner is not None:
                kind = "a lambda" if isinstance(inner, ast.Lambda) else f"`{inner.name}`"
                raise Broken(3, f"defines {kind} inside; write the computation {here}", inner)


# ---------------------------------------------------------------- clause (4): module-wide

def _mentioned(expr: ast.AST) -> set[str]:
    """The names expr refers to as objects, not inside a call (getattr calls excepted) or a lambda."""
    found, todo = set(), [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif not (isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id == "getattr")
                  or isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))):
            todo.extend(windows.children(node))   # ast.iter_child_nodes's, without its generators
    return found


def _holds_a_call(expr: ast.AST) -> bool:
    """Whether expr is or holds an ast.Call. Depth first, stopping at the first call: most values that
    hold one are one (`m = f()`), and the module has a few thousand values to ask."""
    todo = [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Call):
            return True
        todo.extend(windows.children(node))
    return False


def _shared_objects(nodes: list, seeds: set[str]) -> set[str]:
    """`seeds` (names of shared objects: the module's functions and classes), the names of imports,
    the names bound to one of them anywhere in the module (`m = np`, `for f in (_pad,)`), and the names
    bound to what a call returns (`m = f()`, which may hand back a module); _new_instance_stores says
    which stores on such names set a new instance's attributes (`weight = Tensor(...)`)."""
    aliases, feeds = set(seeds), {}
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            aliases |= {a.asname or a.name.split(".")[0] for a in node.names if a.name != "*"}
            continue
        if isinstance(node, ast.Assign):
            pairs = [(t, node.value) for t in node.targets]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            pairs = [(node.target, node.value)]
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            pairs = [(node.target, node.iter)]
        elif isinstance(node, ast.NamedExpr):
            pairs = [(node.target, node.value)]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            pairs = [(node.optional_vars, node.context_expr)]
        else:
            continue
        for target, value in pairs:
            stored = windows.stored_names(target)
            for name in _mentioned(value):
                feeds.setdefault(name, set()).update(stored)
            if _holds_a_call(value):
                aliases |= stored          # what a call returns may be anything: a module, a function
    todo = list(aliases)
    while todo:  # everything bound from a shared object is one too
        for name in feeds.get(todo.pop(), ()):
            if name not in aliases:
                aliases.add(name)
                todo.append(name)
    return aliases


def _constructors(student: ModuleInfo) -> frozenset[str]:
    """Names whose call makes a new instance: classes of the package imported by name, and the module's
    own classes that define no __new__ and no metaclass (whose bases are such classes or the package's)."""
    package_classes = _package_classes(student.package.split(".")[0])
    known = {name for name, path in student.imports.items()
             if path.split(".")[0] == student.package.split(".")[0] and path.rsplit(".", 1)[-1] in package_classes}
    own = {node.name: node for node in student.tree.body if isinstance(node, ast.ClassDef)}
    grown = True
    while grown:
        more = {name for name, node in own.items() if name not in known and not node.keywords
                and not any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "__new__" for s in node.body)
                and all(isinstance(b, ast.Name) and b.id in known | {"object"} for b in node.bases)
                and len(student.bindings.get(name, [])) == 1}
        known |= more
        grown = bool(more)
    return frozenset(known)


def _new_instance_stores(student: ModuleInfo, makers: frozenset[str], nodes: list) -> set[int]:
    """ids of the attribute stores `name.attr = ...` in a scope (a function, or the module's top level)
    where every binding of `name` (not a parameter) is a call of one of `makers`: `weight = Tensor(...);
    weight.requires_grad = True`, a new instance's attribute. (`nodes`: the module's Attribute and Assign
    nodes, or all of its nodes.)"""
    stored_on = {node.value.id for node in nodes if isinstance(node, ast.Attribute)
                 and isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name)}
    made_anywhere = {node.targets[0].id for node in nodes if isinstance(node, ast.Assign) and len(node.targets) == 1
                     and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call)
                     and isinstance(node.value.func, ast.Name) and node.value.func.id in makers}
    if not stored_on & made_anywhere:
        return set()    # no name is both made by a constructor and stored on: skip the per-scope walk below
    found = set()
    for fn in [student.tree, *(student.nodes or ast.walk(student.tree))]:
        if not isinstance(fn, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        own = [n for statement in fn.body for n in _scoped_walk(statement)]
        params = windows.parameter_names(fn) if hasattr(fn, "args") else set()  # a module has none
        bindings: dict[str, list] = {}
        for node in own:
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                bindings.setdefault(node.id, []).append(node)
        made = {id(target) for node in own if isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name) and node.value.func.id in makers for target in node.targets}
        fresh = {name for name, stores in bindings.items()
                 if name not in params and all(id(store) in made for store in stores)}
        found |= {id(node) for node in own if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                  and isinstance(node.value, ast.Name) and node.value.id in fresh}
    return found


@functools.lru_cache(maxsize=4)
def package_trees(top: str) -> tuple[ast.Module, ...]:
    """The parsed modules of the installed package `top` (the reference the judge grades against), read
    once per process: the class names here, the method names tampering.py protects."""
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.origin:
        return ()
    trees = []
    for path in sorted(Path(spec.origin).parent.rglob("*.py")):
        try:
            with PARSING:
                trees.append(ast.parse(path.read_text(encoding="utf-8")))
        except (OSError, SyntaxError, ValueError):
            continue
    return tuple(trees)


def _package_classes(top: str) -> frozenset[str]:
    """The class names defined at the top level of the installed package's modules."""
    return frozenset(node.name for tree in package_trees(top) for node in tree.body if isinstance(node, ast.ClassDef))


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node


def _protected(function: str, student: ModuleInfo, ref: Reference) -> set[str]:
    """function and every module name it uses, transitively through functions, in either module."""
    return _reachable(function, student) | _reachable(function, ref.module)


@dataclass
class Student:
    """A student's exported module, read once for all the loop exercises of a grading."""

    module: ModuleInfo
    broken: Broken | None     # clause (4)'s module-wide part, which does not depend on the exercise
    declared: list            # its `global` / `nonlocal` statements


@functools.lru_cache(maxsize=8)
def _student(source: str, package: str) -> Student:
    info = read_module(source, package)
    nodes = info.nodes
    declared = [node for node in nodes if isinstance(node, (ast.Global, ast.Nonlocal))]
    try:
        _module_wide(info, nodes)
    except Broken as broken:
        return Student(info, broken, declared)
    return Student(info, None, declared)


# The node types _module_wide's checks read: one pass sorts the module's nodes by type, and each check
# reads only its own (a check that reports the first offence gets them in ast.walk's order).
BINDING_NODES = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor,
                 ast.comprehension, ast.NamedExpr, ast.withitem)            # _shared_objects'
ANNOTATED_NODES = frozenset((ast.arg, ast.FunctionDef, ast.AsyncFunctionDef, ast.AnnAssign))  # reach._annotations'
OFFENCE_NODES = frozenset((ast.Constant, ast.keyword, ast.Name, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                           ast.Call, ast.Attribute, ast.Import, ast.ImportFrom))   # the per-node loop's


def _sorted_by_type(nodes: list) -> tuple[dict, list, list]:
    """(type -> its nodes, the ANNOTATED_NODES and the OFFENCE_NODES among nodes), each in nodes' order.
    ast.parse makes only the concrete node types, so type(node) is what isinstance asks of these."""
    by_type, annotated, offences = {}, [], []
    for node in nodes:
        kind = type(node)
        by_type.setdefault(kind, []).append(node)
        if kind in ANNOTATED_NODES:
            annotated.append(node)
        if kind in OFFENCE_NODES:
            offences.append(node)
    return by_type, annotated, offences


def _module_wide(student: ModuleInfo, nodes: list) -> None:
    by_type, annotated, offences = _sorted_by_type(nodes)

    def of(*kinds):
        return [node for kind in kinds for node in by_type.get(kind, ())]

    # `from numpy import maximum as min`, or `global float; float = spy` in a function: the loops' min(...)
    # and float(...), and the given code's isinstance(...), would not be the builtins the rule reads.
    declared = {name for node in of(ast.Global) for name in node.names}
    for name, source in LOOP_SOURCES.items():   # the rule reads a loop over arange(...) by that name (H28)
        if name in student.bindings and (student.imports.get(name) != source or len(student.bindings[name]) > 1):
            raise Broken(4, f"your module binds the name `{name}` to something other than {source}, which the rule "
                            f"reads {name}(...) as; give yours another name", student.bindings[name][0][1])
    hidden = sorted(set(student.bindings) & READ_BUILTINS | declared & BUILTIN_NAMES)
    if hidden:
        raise Broken(4, f"your module binds the name `{hidden[0]}`, one of Python's builtins, which the rule and the "
                        "given code read as Python's own; give yours another name", student.bindings[hidden[0]][0][1])
    annotation = reach.code_in_annotation(student.tree, annotated)
    if annotation is not None:
        raise Broken(4, f"your module writes more than a type in an annotation (`{ast.unparse(annotation)}`): "
                        "code that reads annotations (typing.get_type_hints, functools.singledispatch) runs "
                        "what they hold, also when written as text; an annotation may only name types", annotation)
    aliases = _shared_objects(of(*BINDING_NODES), {name for name, entries in student.bindings.items()
                                                   if any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                         ast.ClassDef)) for _, n in entries)})
    new_instance_stores = _new_instance_stores(student, _constructors(student), of(ast.Attribute, ast.Assign))
    calls = of(ast.Call)
    call_funcs = {id(node.func) for node in calls}
    no_argument_calls = {id(node.func) for node in calls if not node.args
                         and not node.keywords}   # model.eval() is a Module's, not builtins' eval
    module_names = {alias.asname or alias.name.split(".")[0] for node in of(ast.Import) for alias in node.names}
    # Names of imports from outside numpy and the standard library (`scipy.signal`): clause 3 answers for
    # those (and the student's process has none to import); their attribute names are theirs, not stdlib's.
    outside_imports = {alias.asname or alias.name.split(".")[0] for node in of(ast.Import)
                       for alias in node.names if alias.name.split(".")[0] not in TRUSTED_TOP_LEVEL}
    for node in offences:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _names_a_forbidden_attribute(node.value):
            raise Broken(4, f"your module names {node.value!r} in a string (an attribute the rule forbids)", node)
        if isinstance(node, ast.keyword) and node.arg == "allow_pickle":
            raise Broken(4, "your module passes allow_pickle (unpickling runs code)", node)
        named = node.arg if isinstance(node, ast.keyword) else node.id if isinstance(node, ast.Name) else \
            node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else None
        if named == "__getattr__":
            raise Broken(4, "your module defines or names `__getattr__`: it answers for names looked up at run time "
                            "(a module's for every name the module does not bind, a deleted loop function's too; "
                            "a class's for any attribute, numpy's array protocols too), past the loop rule", node)
        if named in RAW_MEMORY_NAMES and not (named == "info" and isinstance(node, ast.Name)):
            raise Broken(4, f"your module defines or names `{named}`: numpy reads an object with the array "
                            "protocols as an array at whatever address it gives, past the loop rule", node)
        if isinstance(node, ast.Name):
            if node.id in FORBIDDEN_NAMES:
                raise Broken(4, f"your module uses `{node.id}`", node)
            if node.id == "getattr" and id(node) not in call_funcs:
                raise Broken(4, "your module passes `getattr` around (only getattr(obj, \"name\") is allowed)", node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
            name = node.args[1] if len(node.args) >= 2 else None
            if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
                raise Broken(4, "your module calls getattr with a computed name", node)
            if name.value in FORBIDDEN_ATTRIBUTES or name.value == "modules" or name.value in UNREACHABLE_MODULES:
                raise Broken(4, f"your module gets the attribute {name.value!r}", node)
        elif isinstance(node, ast.Attribute):
            if node.attr in FORBIDDEN_ATTRIBUTES or node.attr == "getattr" or \
                    node.attr in FORBIDDEN_NAMES and not (node.attr == "eval" and id(node) in no_argument_calls):
                raise Broken(4, f"your module uses `.{node.attr}`", node)
            root = _root(node.value)
            if isinstance(root, ast.Name) and root.id in module_names and _private(node.attr):
                raise Broken(4, f"your module uses `.{node.attr}`, a private name of a module it imports", node)
            if node.attr == "__class__" and isinstance(node.ctx, ast.Store):
                raise Broken(4, "your module assigns `__class__`", node)
            if node.attr == "modules":
                raise Broken(4, "your module uses `.modules` (sys.modules, however it is reached)", node)
            root = _root(node.value)
            if node.attr in UNREACHABLE_MODULES and not (isinstance(root, ast.Name) and root.id in outside_imports):
                raise Broken(4, f"your module reaches the module {node.attr} as an attribute (`.{node.attr}`)", node)
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                if not isinstance(root, ast.Name):
                    raise Broken(4, "your module assigns an attribute of a computed object (`f().name = ...`): "
                                    "assign attributes of plain names only (`self.weight = ...`)", node)
                if root.id in aliases and id(node) not in new_instance_stores:
                    raise Broken(4, "your module assigns an attribute of something it imported or of one of its "
                                    "functions or classes, or of what a call returned (that changes code the "
                                    "grader does not read)", node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(m.split(".")[0] in FORBIDDEN_MODULES for m in modules if m) and not getattr(node, "level", 0):
                raise Broken(4, f"your module imports {', '.join(modules)}", node)
            refused = _refused_import(node, modules)
            if refused:
                raise Broken(4, refused, node)
            for alias in node.names:
                if alias.name == "*":
                    raise Broken(4, "your module uses `import *`", node)
                if isinstance(node, ast.ImportFrom) and (alias.name in FORBIDDEN_ATTRIBUTES or alias.name in FORBIDDEN_NAMES
                                                         or node.module == "sys" and alias.name == "modules"):
                    raise Broken(4, f"your module imports {alias.name}", node)


def _names_a_forbidden_attribute(text: str) -> bool:
    """Whether `text` is a dotted path ("x.__globals__", "0.__dict__") through a forbidden attribute: what
    a resolver of names in strings (operator.attrgetter, pydoc.locate, str.format's fields) would reach."""
    if not re.fullmatch(r"[\w.\[\]:]+", text):
        return False
    return any(part in FORBIDDEN_ATTRIBUTES for part in re.split(r"[.\[\]:]", text))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _refused_import(node: ast.Import | ast.ImportFrom, modules: list) -> str | None:
    """Why clause (4) refuses this import, or None: only numpy, ALLOWED_STDLIB and names from the
    package's modules (`from .tensor import Tensor`), never a module of the package itself as an object
    (`import tinytorch.core.spatial`, `from . import spatial`), which could be patched from afar."""
    level = getattr(node, "level", 0)
    reached = [alias.name for alias in node.names if alias.name in UNREACHABLE_MODULES]
    if isinstance(node, ast.ImportFrom) and reached:
        return f"your module imports the module {reached[0]} from {node.module or '.'} (a module it may not import)"
    if level:
        if level > 1 or node.module is None:
            return "your module imports a module of the package as an object (import names from it: " \
                   "`from .tensor import Tensor`)"
        return None
    for module in modules:
        top = module.split(".")[0]
        if top == "tinytorch" and (isinstance(node, ast.Import) or module in ("tinytorch", "tinytorch.core")):
            return "your module imports a module of the package as an object (import names from it: " \
                   "`from tinytorch.core.tensor import Tensor`)"
        if top in sys.stdlib_module_names and top not in ALLOWED_STDLIB or _private(top):
            return (f"your module imports {module}: a module with loop exercises may import numpy and, of the "
                    f"standard library, {', '.join(ALLOWED_STDLIB[1:])}")
    return None


def _check_bindings(function: str, student: Student, ref: Reference) -> None:
    """Clause (4)'s part about the function and the names it uses: bound as the reference binds them."""
    protected = _protected(function, student.module, ref)
    for node in student.declared:
        hit = sorted(set(node.names) & protected)
        if hit:
            raise Broken(4, f"your module declares `global {hit[0]}`, which rebinds a name the rule reads", node)
    student = student.module
    for name in sorted(protected):
        mine = student.bindings.get(name, [])
        theirs = ref.module.bindings.get(name, [])
        if not mine:
            continue
        keys, given = [key for key, _ in mine], [key for key, _ in theirs]
        imports = all(isinstance(node, (ast.Import, ast.ImportFrom)) for _, node in [*mine, *theirs])
        if not theirs:  # a name of the student's own: one import (a def of theirs breaks clause 3 instead)
            ok = _trusted_import(student, name) and len(set(keys)) == 1 or keys == ["def"]
        elif given == ["def"]:
            ok = keys == ["def"]
        elif imports:  # the same import again is harmless
            ok = set(keys) == set(given)
        else:
            ok = sorted(keys) == sorted(given)
        if not ok:
            node = next((n for key, n in mine if key != "def"), mine[-1][1])
            how = "by one plain `def` (no decorator)" if given == ["def"] else \
                "exactly as the given code binds it" if theirs else "by one import from numpy or the standard library"
            raise Broken(4, f"your module binds {name} {len(mine)} time{'s' * (len(mine) > 1)} "
                            f"({', '.join(key.split(':')[0] for key, _ in mine)}); it must be bound {how}", node)
    for name in sorted(protected):
        # A given function the loops use is the instructor's code: edited, it could compute every
        # position itself and hand the loops a 1x1 window to copy (clauses 1, 2 and 5 read the loops).
        theirs, mine = ref.module.defs.get(name), student.defs.get(name)
        if theirs is None or mine is None or name in ref.given or name == function:
            continue
        if _code_of(mine) != ref.codes[name]:
            uses = "it" if name == function else f"{function} uses"
            raise Broken(4, f"your module changes the given function {name} (which {uses}): given code must stay "
                            "as the notebook gives it (docstring and comments aside); restore it from a fresh "
                            "copy of the notebook", mine)


def _signature(fn: ast.FunctionDef) -> str:
    """fn's parameters and their defaults (annotations aside)."""
    args = fn.args
    names = [[a.arg for a in group] for group in (args.posonlyargs, args.args, args.kwonlyargs)]
    rest = [a.arg if a else None for a in (args.vararg, args.kwarg)]
    defaults = [ast.dump(d) if d is not None else None for d in [*args.defaults, *args.kw_defaults]]
    return repr((names, rest, defaults))


def _check_signature(fn: ast.FunctionDef, theirs: ast.FunctionDef) -> None:
    """Clause (4): the loop function keeps the given signature. The rule finds the image by the parameters'
    names (x, grad_out): `def maxpool2d_loops(X, ...)` with `x = X` would hide it."""
    if _signature(fn) != _signature(theirs):
        raise Broken(4, f"your module changes the parameters of {fn.name}: keep the given signature, "
                        f"def {fn.name}({ast.unparse(theirs.args)})", fn)


def _code_of(fn: ast.FunctionDef) -> str:
    """fn's code as a dump of its tree without its docstring: what runs, not how it is laid out."""
    body = fn.body[1:] if fn.body and isinstance(fn.body[0], ast.Expr) and \
        isinstance(fn.body[0].value, ast.Constant) and isinstance(fn.body[0].value.value, str) else fn.body
    bare = copy.copy(fn)
    bare.body = body
    return ast.dump(bare)


# ---------------------------------------------------------------- honest spellings clause (5) reads as others

# `.argmax()` of a name bound to an array made from a window (`.copy()`, `.ravel()`, ...) is numpy's own, as
# np.argmax(name) is.
ARG_METHODS = ("argmax", "argmin")


def _spelled_plainly(fn: ast.FunctionDef, given: set[str], numpy_name: str | None) -> ast.FunctionDef:
    """fn with a few honest spellings written as the equivalent ones clause (5) already reads (round 28; each is
    exact, so the rewritten function does what fn does and clause 5 judges it as fn):

    - `k = window.argmax()`, where every binding of `window` in fn is one assignment of an array made from a
      subscript (`x_pad[...].copy()`, `.ravel()`, `.flatten()`, `.reshape(-1)`, `np.asarray(x_pad[...])`, or
      `window == window.max()`), as `k = np.argmax(window)` (which calls window.argmax() itself);
    - `k = vals.index(max(vals))` as `k_max = max(vals)` then `k = vals.index(k_max)`;
    - `plane, dest = x_pad[n, c], out[n, c]` (names only, as many values as names, no value reading a name
      it binds) as `plane = x_pad[n, c]` then `dest = out[n, c]`;
    - `*_, KH, KW = weight.shape` (of a parameter holding the four axes of an image or a weight; `_` read
      nowhere) as `_, _, KH, KW = weight.shape`;
    - `grad_x_pad[n, c, rows, cols].flat[k] += g` as `window_view = grad_x_pad[n, c, rows, cols]` then
      `window_view.flat[k] += g`.

    Given statements are left as they are."""
    counts = windows._bound_anyhow(fn)
    images = set(windows.IMAGES) | {"weight"}
    params = windows.parameter_names(fn)
    given_bound = {name for statement in fn.body if ast.dump(statement) in given
                   for node in ast.walk(statement) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
                   for name in [node.id]}
    bases = (images & params) | given_bound

    def base(node: ast.AST) -> str | None:
        if not isinstance(node, ast.Subscript):
            return None
        while isinstance(node, ast.Subscript):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    # names bound only to subscripts of the image, a given array or the weight (windows._subscripts_only)
    assigns: dict[str, list] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigns.setdefault(node.targets[0].id, []).append(node.value)
    views = {name for name, values in assigns.items() if name not in bases and len(values) == counts.get(name)
             and all(base(value) in bases for value in values)}

    def window_read(node: ast.AST) -> bool:
        return base(node) in bases or isinstance(node, ast.Name) and node.id in views

    def array_made(value: ast.AST) -> bool:
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and not value.keywords:
            method, args = value.func.attr, value.args
            if method in ("copy", "ravel", "flatten") and not args or method == "reshape" and len(args) == 1 and \
                    isinstance(args[0], ast.UnaryOp) and isinstance(args[0].op, ast.USub) and \
                    isinstance(args[0].operand, ast.Constant) and args[0].operand.value == 1:
                return window_read(value.func.value)
            return method == "asarray" and isinstance(value.func.value, ast.Name) and \
                value.func.value.id == numpy_name and len(args) == 1 and window_read(args[0])
        if isinstance(value, ast.Compare) and len(value.ops) == 1 and isinstance(value.ops[0], ast.Eq):
            left, right = value.left, value.comparators[0]
            return window_read(left) and isinstance(right, ast.Call) and not right.args and not right.keywords and \
                isinstance(right.func, ast.Attribute) and right.func.attr in ("max", "min") and \
                ast.dump(right.func.value) == ast.dump(left)
        return False

    arrays = {name for name, values in assigns.items() if name not in params and len(values) == counts.get(name)
              and all(array_made(value) for value in values)} if numpy_name else set()
    taken = set(counts) | {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
    read = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}

    def fresh(stem: str) -> str:
        name = stem
        while name in taken:
            name += "_"
        taken.add(name)
        return name

    def split(statement: ast.stmt) -> list[ast.stmt]:
        if ast.dump(statement) in given:
            return [statement]
        written = statement.target if isinstance(statement, ast.AugAssign) else statement.targets[0] \
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 else None
        # Only an augmented assignment evaluates its target's subscript before its value (a plain `=` runs the
        # value first: hoisting the subscript there let a walrus in it feed the value stale bounds, round 28's
        # second hunt), and only without a walrus anywhere in it.
        if isinstance(statement, ast.AugAssign) and not any(isinstance(node, ast.NamedExpr) for node in ast.walk(statement)) and \
                isinstance(written, ast.Subscript) and isinstance(written.value, ast.Attribute) and \
                written.value.attr == "flat" and isinstance(written.value.value, ast.Subscript) and \
                isinstance(_chain_root(written.value.value), ast.Name) and \
                all(isinstance(part, ast.Subscript) for part in _subscript_chain(written.value.value)):
            # `grad_x_pad[n, c, rows, cols].flat[k] += g` as `view = grad_x_pad[n, c, rows, cols]`, then
            # `view.flat[k] += g` (the same subscript, evaluated first in both)
            name = fresh("window_view")
            view = written.value.value
            first = ast.copy_location(ast.Assign(targets=[ast.copy_location(ast.Name(name, ast.Store()), view)],
                                                 value=view), statement)
            written.value.value = ast.copy_location(ast.Name(name, ast.Load()), view)
            return [first, statement]
        if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
            return [statement]
        target, value = statement.targets[0], statement.value
        if isinstance(target, ast.Name) and isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr == "index" and isinstance(value.func.value, ast.Name) and len(value.args) == 1 \
                and not value.keywords:
            inner = value.args[0]
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id in ("max", "min") \
                    and len(inner.args) == 1 and not inner.keywords and isinstance(inner.args[0], ast.Name) \
                    and inner.args[0].id == value.func.value.id:
                name = fresh(f"{target.id}_{inner.func.id}")
                first = ast.copy_location(ast.Assign(targets=[ast.copy_location(ast.Name(name, ast.Store()), inner)],
                                                     value=inner), statement)
                value.args = [ast.copy_location(ast.Name(name, ast.Load()), inner)]
                return [first, statement]
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) and \
                len(target.elts) == len(value.elts) > 1 and all(isinstance(t, ast.Name) for t in target.elts):
            names = [t.id for t in target.elts]
            if len(set(names)) == len(names) and not any(isinstance(v, ast.Starred) for v in value.elts) and \
                    not any(isinstance(n, ast.Name) and n.id in names for v in value.elts for n in ast.walk(v)):
                return [ast.copy_location(ast.Assign(targets=[t], value=v), statement)
                        for t, v in zip(target.elts, value.elts)]
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, ast.Attribute) and value.attr == "shape" \
                and isinstance(value.value, ast.Name) and value.value.id in images & params:
            starred = [t for t in target.elts if isinstance(t, ast.Starred)]
            if len(starred) == 1 and isinstance(starred[0].value, ast.Name) and starred[0].value.id == "_" and \
                    len(target.elts) <= windows.IMAGE_NDIM and "_" not in read:   # `_` a list, read, is no number
                at = target.elts.index(starred[0])
                filler = [ast.copy_location(ast.Name("_", ast.Store()), starred[0])
                          for _ in range(windows.IMAGE_NDIM - len(target.elts) + 1)]
                target.elts[at:at + 1] = filler
                return [statement]
        return [statement]

    class Rewrite(ast.NodeTransformer):
        def generic_visit(self, node: ast.AST) -> ast.AST:
            super().generic_visit(node)
            for field_name in ("body", "orelse", "finalbody"):
                block = getattr(node, field_name, None)
                if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                    setattr(node, field_name, [new for statement in block for new in split(statement)])
            return node

        def visit_Call(self, node: ast.Call) -> ast.AST:
            self.generic_visit(node)
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ARG_METHODS and isinstance(func.value, ast.Name) and \
                    func.value.id in arrays and not node.args and not node.keywords:
                held = func.value
                return ast.copy_location(ast.Call(
                    func=ast.copy_location(ast.Attribute(ast.copy_location(ast.Name(numpy_name, ast.Load()), func),
                                                         func.attr, ast.Load()), func),
                    args=[held], keywords=[]), node)
            return node

    # the rewrite copies fn: only when it changes something (the rule's caches know fn itself)
    needed = any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ARG_METHODS
                 and isinstance(node.func.value, ast.Name) and node.func.value.id in arrays and not node.args
                 and not node.keywords for node in ast.walk(fn)) or any(
        isinstance(node, (ast.Assign, ast.AugAssign)) and len(split(copy.deepcopy(node))) > 1 or
        isinstance(node, ast.Assign) and ast.dump(split(copy.deepcopy(node))[0]) != ast.dump(node)
        for node in ast.walk(fn))
    if not needed:
        return fn
    rewritten = Rewrite().visit(copy.deepcopy(fn))
    ast.fix_missing_locations(rewritten)
    return rewritten


def _method_not_call(detail: str, fn: ast.FunctionDef) -> str:
    """windows' "it binds the name `w` and calls it" for a name fn never calls but calls a method of that the rule
    reads as numpy's (`k = w.argmax()`): said as what it is (round 28: the message was false)."""
    found = re.match(r"it binds the name `(\w+)` and calls it", detail)
    if not found:
        return detail
    name = found.group(1)
    if any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name for node in ast.walk(fn)):
        return detail
    methods = {node.func.attr for node in ast.walk(fn) if isinstance(node, ast.Call)
               and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
               and node.func.value.id == name}
    read_by_name = methods & {*windows.LOOP_READERS, *windows.NUMPY_READ}   # what windows reads by the method's name
    method = next((m for m in ARG_METHODS if m in read_by_name), None)
    if method is None or read_by_name - set(ARG_METHODS):
        return detail
    return (f"it binds the name `{name}` to something the rule cannot read as one window's numpy array and calls "
            f"`{name}.{method}()`, which the rule reads as numpy's own only there: bind {name} (once) to the window "
            f"read by a subscript, `{name} = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]`, or to its .copy(), "
            f".ravel(), .flatten() or .reshape(-1), or np.asarray(...) of it")


# ---------------------------------------------------------------- the verdict

# What clause 4's module-wide part refuses most often in code that is no loop exercise (round 28: vars(layer) in
# receptive_field, a setattr loop in Conv2d.__init__ cost all seven loop items), and the spelling it allows.
MODULE_WIDE_TIPS = (
    (("`vars`", "`.__dict__`"), "to ask whether a layer has an attribute write hasattr(layer, \"kernel_size\") or "
                                "isinstance(layer, Conv2d), and read it as layer.kernel_size or getattr(layer, "
                                "\"kernel_size\") with the name written as a constant"),
    (("getattr with a computed name",), "write the attribute's name as a constant, getattr(layer, \"kernel_size\") "
                                        "(or layer.kernel_size), once per attribute"),
    (("`setattr`", "`delattr`"), "assign each attribute in a line of its own (`self.weight = ...`, then `self.bias = ...`)"),
    (("imports sys", "module sys"), "for a number below every value write float(\"-inf\") or -np.inf "
                                    "(np.finfo(x.dtype).min for the dtype's lowest)"),
)


def _module_wide_note(detail: str) -> str:
    """What a refusal by clause 4's module-wide part adds: the allowed spelling of a common case, and that this part
    reads the whole module, so one such line anywhere (in a function that is no loop exercise too) costs every
    loop item."""
    tip = next((tip for words, tip in MODULE_WIDE_TIPS if any(word in detail for word in words)), None)
    return (f"; {tip}" if tip else "") + (
        ". This part of the rule reads your whole module, not only this function: one such line anywhere in it "
        "(in receptive_field or Conv2d.__init__ too) costs every loop item; `tito test 09` shows it before you submit")


# Calls that write into an array they are given, which clause (1) does not count as a write (it reads `A[...] = ...`).
WRITING_CALLS = ("at", "put", "place", "putmask", "copyto", "fill", "itemset", "put_along_axis")


def _no_position_write(fn: ast.FunctionDef) -> str:
    """Why clause (1) found no write: none at all, or none by an assignment (a `while` loop, np.add.at(...))."""
    base = "no array is written inside two nested for loops with an index that uses both loop variables"
    if any(isinstance(node, ast.While) for node in ast.walk(fn)):
        return (f"{base}: the rule counts `for` loops only, and this function loops with `while` (write the loops "
                "as `for i in range(h_out):`)")
    writer = next((node for node in ast.walk(fn) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                   and node.func.attr in WRITING_CALLS), None)
    if writer is not None:
        return (f"no array is written by an assignment inside two nested for loops with an index that uses both loop "
                f"variables: the rule counts writes written as `A[...] = ...` or `A[...] += ...`, not through a call "
                f"such as `{ast.unparse(writer.func)}(...)`")
    return base


def where(source: str, node: ast.AST | None) -> str:
    if node is None or not hasattr(node, "lineno"):
        return ""
    cell = export.cell_of_line(source, node.lineno)
    place = f"notebook cell {cell + 1}" if cell is not None else f"line {node.lineno}"
    snippet = _segment(source, node)
    return f" ({place}: `{snippet}`)" if snippet else f" ({place})"


@contextlib.contextmanager
def _collector_paused():
    """Python's cycle collector off for the block, as it was after. A check makes ~17,000 nodes of the
    student's module (and the lru caches keep a few trees): each full collection the parse sets off
    walks every live object again, a quarter of a check's time (test_loop_rule.py: 52 of 223 s). Trees
    hold no cycles: reference counting frees them. Threads: gc is per process; a thread that finds it
    off leaves it off, and the one that turned it off turns it back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check(source: str, reference_src: Path | str, function: str) -> str | None:
    """Why `function` of the exported module `source` breaks the loop rule, or None when it keeps it.

    reference_src: the instructor's src (percent format, with its solution markers)."""
    with _collector_paused():
        return _check(source, reference_src, function)


def _check(source: str, reference_src: Path | str, function: str) -> str | None:
    ref = reference(reference_src)
    if function not in ref.given:
        raise ValueError(f"`#| loop_rule {function}`: {reference_src} defines no function {function} with a solution")
    # An exercise without a loop (conv_output_size) keeps clauses 3 and 4: its answer is its own
    # computation, not a given function that computes the same (`return pool_output_size(...)`, H21).
    scalar = function in ref.scalars
    lead = f"{function} must compute its answer itself (loop rule " if scalar else \
        f"{function} must loop over output positions (loop rule "
    try:
        read = _student(source, ref.module.package)
    except SyntaxError as error:
        return f"{lead}): your exported module does not parse ({error.msg}, line {error.lineno})"
    student = read.module
    try:
        fn = student.defs.get(function)
        if fn is None:
            raise Broken(1, f"your module defines no function {function} (a `def` at the top level)")
        if read.broken is not None:
            raise Broken(read.broken.clause, read.broken.detail + _module_wide_note(read.broken.detail), read.broken.node)
        _check_bindings(function, read, ref)
        _check_signature(fn, ref.module.defs[function])
        _check_shortcuts(function, student, ref)
        if scalar:
            return None
        if _position_write(fn) is None:
            example = ref.example.get(function, "out[n, c, i, j] = ...")
            raise Broken(1, _no_position_write(fn) + "; loop over the output positions i and j and write, e.g., "
                            f"{example}" + _one_target_tip(fn))
        outside = _outside_loops(fn, ref.given.get(function, set()))
        if outside is not None:
            raise Broken(2, "it computes outside its for loops; move that into the loops (outside them only the "
                            "given lines, and ifs, assignments and returns that call nothing (but float, int, "
                            "abs, round, min or max of numbers, len of an array, isinstance, np.finfo of a dtype, np.zeros or np.ones of a shape, "
                            "np.zeros_like of an array, or .copy()) and do arithmetic only on plain "
                            "names and numbers or in indices; raise, and assert and print that call nothing)",
                         outside)
        modules = frozenset(name for name, entries in student.bindings.items()
                            if all(isinstance(node, ast.Import) for _, node in entries))
        numpy_name = next((name for name in ("np", "numpy") if name in modules and student.imports.get(name) == "numpy"
                           and name not in _local_names(fn)), None)
        plain = _spelled_plainly(fn, ref.given.get(function, set()), numpy_name)
        too_much = windows.first_whole_read(plain, ref.given.get(function, set()), modules | {"np", "numpy"})
        if too_much is not None:
            raise Broken(5, _method_not_call(too_much.detail, fn), too_much.node)
    except Broken as broken:
        return f"{lead}{broken.clause}): {broken.detail}{where(source, broken.node)}"
    return None


# ---------------------------------------------------------------- for the graders

# CPython before 3.11.8 / 3.12.1 can fail ast.parse in two threads at once (gh-106905): the check
# holds the one lock every ast.parse of tito takes (tito.cells.parse).
PARSING = notebook_cells.PARSING


def read_as_imported(path: Path) -> str:
    """The text of a module file as Python's import reads it: decoded by its PEP 263 declaration, if any,
    not as UTF-8 regardless (the rules must read the code the child runs; tito's export refuses such a
    declaration too, tito.export.check_utf8_module)."""
    return importlib.util.decode_source(path.read_bytes())


def verdict(cell, package_parent: Path, module_name: str) -> str | None:
    """The loop rule's message for a test cell marked `#| loop_rule NAME`; None when unmarked or kept.
    Reads the module file of the package under test (package_parent/tinytorch/...) itself."""
    function, src = getattr(cell, "loop_rule", ""), getattr(cell, "src", None)
    if not function or src is None:
        return None
    path = Path(package_parent, *module_name.split(".")).with_suffix(".py")
    try:
        source = read_as_imported(path)
    except (OSError, SyntaxError, LookupError, UnicodeDecodeError) as error:
        return f"{function} must loop over output positions (loop rule): {path.name} could not be read ({error})"
    try:
        with PARSING:
            return check(source, src, function)
    except Exception as error:  # a bug here must cost the item with a reason, never the whole grading
        return (f"{function} must loop over output positions (loop rule): the rule could not be checked "
                f"({type(error).__name__}: {error}); please report this to your instructor")


def merge(status: str, message: str, tests: list, rule: str | None) -> tuple[str, str, list]:
    """An item's outcome with the loop rule's verdict: a passing item fails; the rule's message comes first."""
    if not rule:
        return status, message, tests
    return ("fail" if status == "pass" else status), rule + (f"; {message}" if message else ""), \
        [*tests, {"name": "loop rule", "status": "fail", "message": rule}]


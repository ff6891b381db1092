"""Clause (5) of the loop rule: inside its loops, a loop exercise reads the image one window at a time.

Clauses (1)-(4) (loops.py) make sure a loop exercise writes at output positions inside nested
`for` loops and calls no shortcut. They cannot see how much one statement computes: without this
clause, `out[n, c] = np.mean([x_pad[n, c, a:a + sh * (h_out - 1) + 1:sh, ...] for a ...])` inside
loops over n and c, or the whole answer computed at the first position and copied at every
other, kept the rule. This clause reads every use, inside the loops, of the arrays that hold the
image's positions (the parameters `x` and `grad_out`, and every name computed from one of them
whole, such as `x_pad`): each one must be

  - metadata: `x.shape`, `x.ndim`, `x.dtype`, `x.size`, `len(x)`; or
  - a read through an index whose last two entries (the rows and columns) are each
      * a number: arithmetic on numbers, loop variables, the given sizes and `.shape`, through
        `int`, `min`, `max`, `abs`, `round`, `divmod`, `len`, `np.argmax` / `np.argmin` /
        `.argmax()` / `.argmin()` (no axis), `.item()`, `np.unravel_index`; or
      * a slice whose length (stop - start) does not change with the image's size: it may use
        the kernel and stride sizes (`kh`, `kw`, `sh`, `sw`, `ph`, `pw`), e.g.
        `i * sh:i * sh + kh`, written in the index or built by `slice(...)` (in the index or
        bound once to a name: `rows = slice(i * sh, i * sh + kh)`); a window clipped at the
        image's border, `max(top, 0):min(top + kh, height)`, is no longer than the window; or
  - numpy's `.item(...)` with one number per axis, no more, no fewer (`x_pad.item(n, c, r, s)`: the same
    read as `x_pad[n, c, r, s]`, and the same check; after subscripts of numbers, `x_pad[n, c].item(r, s)`,
    the subscripts' entries and the arguments together); one argument is a flat index (or a tuple of indices)
    that reaches any element, so it, a starred or keyword argument, and any other way to reach the method
    (`get = x_pad.item`, `np.ndarray.item(x_pad, ...)`) count as using the image whole.

An index entry that adds an axis instead of picking one (`None`, `np.newaxis`, a bool or a
comparison, also through a name) is refused: it moves the rows and columns away from where the
index seems to pick them (`x_pad[n, c, None, None][0, 0]` is the whole plane).

A name bound once to one window's rows (or columns) with the other axis whole, a band
(`band = x_pad[n, c, i * sh:i * sh + kh]`, also of every channel, `x_pad[n, :, i * sh:i * sh + kh]`), is read
the same way, except that along the axis the band already bounds any slice or number is one window's:
`band[:, j * sw:j * sw + kw]`; so is one row or column picked by a number, a line (`row = x_pad[n, c, r]`, read
`row[j * sw + kj]`). What a band's reads give is no image; a collector filled through a band bound in its loop
counts the band's own binding among its reads (`band = x[n, c, r:r + kh]` for r over every row is many windows).

Chained subscripts are read as numpy reads them: after a slice, the next subscript indexes the
dimensions the slice kept (`x_pad[n, c][rows][:, cols]` is `x_pad[n, c, rows, cols]`;
`x_pad[n:n + 1, c:c + 1][0, 0]` is the whole plane).

An entry that is a tuple or list of positions (a literal, a name bound to one, `x.shape[:2]`), or a
starred entry, is refused: numpy reads the first as many positions, the second moves the rows and
columns. The sizes in FIXED and FIXED_ROOTS count as a window's only while every binding of them
keeps them sizes (_fixed); a loop function that binds a name of TRUSTED_BUILTINS and calls it is
refused (the rule reads min(...), int(...) as Python's).

So each step of the loops handles at most one window. Like the other clauses it is read from the
exported text: no student code runs for it.
"""
from __future__ import annotations

import ast
import copy
import functools
import itertools
import math
import random
from dataclasses import dataclass, field as dataclass_field, replace

import numpy as np

IMAGES = ("x", "grad_out")                  # the parameters that hold positions
OPAQUE = -1  # the lead of a name holding the image in a container or a view with other axes: never read
FIXED = ("kh", "kw", "sh", "sw", "ph", "pw")  # the window's sizes: a slice's length may depend on these
FIXED_ROOTS = ("weight", "kernel_size", "stride", "padding")  # and on expressions of these (`weight.shape[2]`)
METADATA = ("shape", "ndim", "dtype", "size")
SCALAR_OF_SCALARS = ("int", "float", "abs", "round", "min", "max", "divmod")   # a number when every argument is one
SCALAR_OF_ANYTHING = ("len", "argmax", "argmin", "item")             # a number whatever the argument (no axis)
POSITION_ITERABLES = ("range", "ndindex", "product", "arange")       # loops whose variables are numbers
# The names the rule reads loops by (POSITION_ITERABLES, and what _loop_pairs opens): a loop function
# that binds one of them, or a name it calls them on (`np` of np.arange), and calls it is refused (H28:
# `arange = list`, `enumerate = dict.items` in the function made any loop variable a number).
LOOP_READERS = ("range", "ndindex", "ndenumerate", "product", "arange", "enumerate", "zip", "reversed")
# numpy's functions the rule reads by name elsewhere (np.zeros before the loops, np.argmax(window) a number)
NUMPY_READ = ("zeros", "ones", "argmax", "argmin", "unravel_index")
# The builtins the rule reads by their names (a call of one is a number, a clip, a slice or a loop over numbers):
# a module or a loop function that binds one of these names and calls it is refused.
TRUSTED_BUILTINS = ("int", "float", "abs", "round", "min", "max", "divmod", "len", "slice", "range")
EXAMPLES = "x_pad[n, ci, i * sh + ki, j * sw + kj] or x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]"
# For reads of grad_out, whose windows are single positions (H31: `grad_b[co] += grad_out[n, co].sum()`).
GRAD_EXAMPLES = ("grad_out[n, co, i, j], one position at a time (a bias gradient adds it to grad_b[co] inside the "
                 "loops over i and j)")


def examples(name: str) -> str:
    """How to read `name` one window at a time, as the rule's messages suggest it."""
    return GRAD_EXAMPLES if name == "grad_out" else EXAMPLES


class TooMuch(Exception):
    """A read of the image beyond one window: what it reads, why, and where."""

    def __init__(self, detail: str, node: ast.AST):
        super().__init__(detail)
        self.detail, self.node = detail, node


def _called(call: ast.AST) -> str:
    """The name a call calls (`np.add(...)` -> "add"); "" for anything that is not a call."""
    if not isinstance(call, ast.Call):
        return ""
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _parents(fn: ast.FunctionDef) -> dict[int, ast.AST]:
    return {id(child): node for node in walk(fn) for child in children(node)}


# ---------------------------------------------------------------- bindings

def given_statements(fn: ast.FunctionDef, given) -> list[ast.stmt]:
    """The statements of fn's body written as one of its given lines (a repeated one too: H36; what a
    given line reads is checked by _fixed)."""
    # ast.dump's text starts with the node's type name and "(": a statement of a type no given line has
    # (a `for`, which holds most of fn) is none of them, and is not dumped to find out.
    kinds = {text.partition("(")[0] for text in given}
    return [statement for statement in fn.body if type(statement).__name__ in kinds and ast.dump(statement) in given]


def _bindings(fn: ast.FunctionDef, given: set[str]) -> list[tuple[ast.AST, ast.AST | None, str]]:
    """(target, value, how) of every binding in fn; how is 'given', 'loop', 'index', 'element', 'assign'
    or 'other'. Tuple targets with a tuple value of the same length are paired element by element; in
    `for (n, c, i, j), v in np.ndenumerate(out)` the index `(n, c, i, j)` is bound as 'index' with
    value None (numbers) and `v` as 'element' (no number: an object array's element may be a slice).
    (A `for` over `np.ndenumerate(x_pad)` reads one element per step (_whole_use); what collects those
    elements counts as the image (_fills).) A match statement's captures bind as 'other'."""
    found = []
    tuples = _tuple_only(fn)

    def add(target, value, how):
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
                and len(target.elts) == len(value.elts) and how == "assign":
            for t, v in zip(target.elts, value.elts):
                add(t, v, how)
            return
        if how == "assign" and isinstance(value, ast.Name) and isinstance(target, (ast.Tuple, ast.List)) and \
                value.id in tuples and all(len(literal.elts) == len(target.elts) for literal in tuples[value.id]):
            for literal in tuples[value.id]:      # `_, r, q = best`, every `best = (v, r, q)`: position by position
                add(target, literal, how)
            return
        element = _tuple_element(value, tuples) if how == "assign" else None
        if element is not None:                   # `r = best[1]`: the element of each tuple `best` is bound to
            for literal in element:
                add(target, literal, how)
            return
        found.append((target, value, how))

    given_nodes = {id(node) for statement in given_statements(fn, given) for node in ast.walk(statement)}
    for node in walk(fn):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                add(target, node.value, "given" if id(node) in given_nodes else "assign")
        elif isinstance(node, ast.AugAssign):   # `K += K` binds K to K + K, not to K (H37)
            read = copy.copy(node.target)
            read.ctx = ast.Load()
            add(node.target, ast.BinOp(left=read, op=node.op, right=node.value),
                "given" if id(node) in given_nodes else "assign")
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            add(node.target, node.value, "given" if id(node) in given_nodes else "assign")
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            index = enumerated_index(node)
            if index is not None:
                add(index, None, "index")
                add(node.target.elts[1], node.iter, "element")  # an object array's element may be a slice
            else:
                for target, iterable in _loop_pairs(node.target, node.iter):
                    add(target, iterable, "loop")
        elif isinstance(node, ast.NamedExpr):
            add(node.target, node.value, "assign")
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            add(node.optional_vars, node.context_expr, "other")
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.append((_named_at(node.name, node), None, "other"))
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name or \
                isinstance(node, ast.MatchMapping) and node.rest:  # `case every:` binds every
            found.append((_named_at(node.name if not isinstance(node, ast.MatchMapping) else node.rest, node),
                           None, "other"))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):  # `from numpy import maximum as min` binds min
            found += [(_named_at(alias.asname or alias.name.split(".")[0], alias), None, "other")
                      for alias in node.names]
    return found


def _named_at(name: str, origin: ast.AST) -> ast.Name:
    """The target of a binding that writes no Name node (`except E as e`, `case top:`, `import numpy as np`), standing
    where its origin stands: _places puts it there, so a name so bound between a value's binding and its read is
    bound again in between (H46: `match 0: case top: pass` after `bottom = top + kh` made `top:bottom` the plane)."""
    target = ast.Name(id=name, ctx=ast.Store())
    target.origin = origin
    return target


def _loop_pairs(target: ast.AST, iterable: ast.AST) -> list:
    """(target, iterable) pairs of a for loop, opened up where Python's own iterators pair them:
    `for i, top in enumerate(range(...))` binds i to a count (a number) and top to range's items;
    `for i, top in zip(range(...), range(...))` binds each to its own range; `reversed(range(...))`
    yields range's items; `for (i, top), (j, left) in itertools.product(enumerate(...), enumerate(...))`
    binds each pair to its own iterable. (The names are Python's and numpy's: first_whole_read refuses a
    function that binds them.)"""
    if not isinstance(iterable, ast.Call) or any(isinstance(a, ast.Starred) for a in iterable.args):
        return [(target, iterable)]
    name, args, keywords = _called(iterable), iterable.args, [k.arg for k in iterable.keywords]
    plain = isinstance(iterable.func, ast.Name)
    if plain and name == "reversed" and len(args) == 1 and not keywords:
        return _loop_pairs(target, args[0])
    if not isinstance(target, (ast.Tuple, ast.List)):
        return [(target, iterable)]
    if plain and name == "enumerate" and len(target.elts) == 2 and (
            len(args) == 1 and keywords in ([], ["start"]) or len(args) == 2 and not keywords):
        count = ast.Call(func=ast.Name(id="range", ctx=ast.Load()), args=[], keywords=[])  # an int, whatever start
        return [(target.elts[0], count), *_loop_pairs(target.elts[1], args[0])]
    if (plain and name == "zip" or name == "product") and not keywords and len(args) == len(target.elts):
        return [pair for t, a in zip(target.elts, args) for pair in _loop_pairs(t, a)]
    return [(target, iterable)]


def _tuple_only(fn: ast.FunctionDef) -> dict[str, list[ast.Tuple]]:
    """The names fn binds only to tuple literals (`best = (-np.inf, i * sh, j * sw)`, then `best = (v, r, q)`),
    each with those literals: a tuple does not change, so its elements can be read position by position
    (H16: the row and column kept next to the best value were taken for arrays)."""
    literals: dict[str, list] = {}
    nodes = walk(fn)
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Tuple) and not any(isinstance(e, ast.Starred) for e in node.value.elts):
            literals.setdefault(node.targets[0].id, []).append(node.value)
    stores: dict[str, int] = {}
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            stores[node.id] = stores.get(node.id, 0) + 1
    params = parameter_names(fn)
    return {name: found for name, found in literals.items() if stores.get(name) == len(found) and name not in params}


def _tuple_element(value: ast.AST, tuples: dict) -> list | None:
    """For `best[k]` (k a whole number) with `best` in tuples, the k-th element of each of its literals."""
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and value.value.id in tuples \
            and isinstance(value.slice, ast.Constant) and type(value.slice.value) is int:
        k = value.slice.value
        literals = tuples[value.value.id]
        if all(-len(literal.elts) <= k < len(literal.elts) for literal in literals):
            return [literal.elts[k] for literal in literals]
    return None


def enumerated_index(loop: ast.For | ast.AsyncFor | ast.comprehension) -> ast.AST | None:
    """The index part of `for index, value in np.ndenumerate(...)` (loops.py uses it too), or None."""
    target, iterable = loop.target, loop.iter
    if isinstance(iterable, ast.Call) and _called(iterable) == "ndenumerate" \
            and isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == 2:
        return target.elts[0]
    return None


def parameters(fn: ast.AST, starred: bool = True) -> list[ast.arg]:
    """The parameters of a def or lambda, in order; `*args` and `**kwargs` too unless starred is False
    (some callers look only for parameters a caller can hand one value by name or position)."""
    args = fn.args
    named = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    return [*named, *(a for a in (args.vararg, args.kwarg) if a is not None)] if starred else named


def parameter_names(fn: ast.AST, starred: bool = True) -> set[str]:
    """The names of fn's parameters (see parameters; loops.py and tampering.py use it too)."""
    return {a.arg for a in parameters(fn, starred)}


def stored_names(target: ast.AST) -> set[str]:
    """The names `target` binds or deletes (loops.py uses it too)."""
    if isinstance(target, ast.Name):   # most targets: the walk below would find the name alone
        return {target.id} if isinstance(target.ctx, (ast.Store, ast.Del)) else set()
    return {n.id for n in walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}


def walk(tree: ast.AST) -> list:
    """ast.walk(tree) as a list, in the same (breadth-first) order. About three times faster: no
    generator per node; loops.py's check walks the student's whole module (~17,000 nodes) several times."""
    nodes = [tree]
    for node in nodes:     # a list's iterator also visits what is appended while it runs
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                nodes.append(value)
            elif isinstance(value, list):
                nodes.extend([item for item in value if isinstance(item, ast.AST)])
    return nodes


def children(node: ast.AST) -> list:
    """ast.iter_child_nodes(node) as a list, in its order (without its generators). walk repeats its
    loop inline: a call per node would slow walk, the hottest loop of the check."""
    found = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            found.append(value)
        elif isinstance(value, list):
            found.extend([item for item in value if isinstance(item, ast.AST)])
    return found


def dependencies(fn: ast.FunctionDef) -> dict[str, set[str]]:
    """name -> the names its values are computed from, anywhere in fn (flow-insensitive)."""
    deps: dict[str, set[str]] = {}

    def add(target, value):
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
                and len(target.elts) == len(value.elts):
            for t, v in zip(target.elts, value.elts):
                add(t, v)
            return
        used = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)} if value is not None else set()
        for name in stored_names(target):
            deps.setdefault(name, set()).update(used)

    for node in walk(fn):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                add(target, node.value)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
            add(node.target, node.value)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            add(node.target, node.iter)
        elif isinstance(node, ast.NamedExpr):
            add(node.target, node.value)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            add(node.optional_vars, node.context_expr)
    return deps


def closure(names: set[str], deps: dict[str, set[str]]) -> set[str]:
    """names and every name they are computed from, directly or through others."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(deps.get(name, ()))
    return seen


# ---------------------------------------------------------------- numbers

def _position_loop(iterable: ast.AST, numbers: set[str] | None = None) -> bool:
    """A loop over iterable steps over numbers. np.arange only of numbers (given `numbers`), with no
    dtype (H28: np.arange(1, 2, dtype=bool) yields True, which indexes as a mask of the whole plane)."""
    if not (isinstance(iterable, ast.Call) and _called(iterable) in POSITION_ITERABLES):
        return False
    if _called(iterable) == "arange":
        return not iterable.keywords and 1 <= len(iterable.args) <= 3 and (
            numbers is None or all(_is_number(a, numbers) for a in iterable.args))
    if _called(iterable) == "product":  # itertools.product of ranges (or of shapes) yields numbers
        return all(isinstance(a, ast.Call) and _called(a) == "range" or
                   isinstance(a, ast.Attribute) and a.attr == "shape" for a in iterable.args)
    return True


def _is_number(expr: ast.AST | None, numbers: set[str]) -> bool:
    """expr is a number (or a tuple of numbers) whatever the arrays hold, given the names in numbers."""
    if expr is None:
        return False
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, (int, float, bool)) or expr.value is None
    if isinstance(expr, ast.Name):
        return expr.id in numbers
    if isinstance(expr, (ast.Tuple, ast.List)) and isinstance(expr.ctx, ast.Load):
        return all(_is_number(e, numbers) for e in expr.elts)
    if isinstance(expr, ast.BinOp):
        return _is_number(expr.left, numbers) and _is_number(expr.right, numbers)
    if isinstance(expr, ast.UnaryOp):
        return _is_number(expr.operand, numbers)
    if isinstance(expr, ast.BoolOp):
        return all(_is_number(v, numbers) for v in expr.values)
    if isinstance(expr, ast.Compare):
        return all(_is_number(v, numbers) for v in [expr.left, *expr.comparators])
    if isinstance(expr, ast.IfExp):
        return _is_number(expr.body, numbers) and _is_number(expr.orelse, numbers)
    if isinstance(expr, ast.Attribute):  # x.shape (a tuple of numbers), x.ndim, x.size
        return expr.attr in ("shape", "ndim", "size")
    if isinstance(expr, ast.Subscript):  # x.shape[2], x.shape[:2], pos[0] of a tuple of numbers
        return _is_number(expr.value, numbers) and not isinstance(expr.value, ast.Constant)
    if isinstance(expr, ast.Call):
        name, args = _called(expr), [*expr.args, *(k.value for k in expr.keywords)]
        if name in SCALAR_OF_SCALARS and isinstance(expr.func, ast.Name):
            return all(_is_number(a, numbers) for a in args)
        if name in SCALAR_OF_ANYTHING and not any(k.arg in ("axis", "out") for k in expr.keywords):
            on_numpy = isinstance(expr.func, ast.Attribute) and isinstance(expr.func.value, ast.Name) \
                and expr.func.value.id in ("np", "numpy")
            if isinstance(expr.func, ast.Name) or on_numpy:  # len(a), np.argmax(a)
                return len(expr.args) == 1
            if name == "item":  # np.argmax(w).item(); of another array it may be anything (a slice, None)
                return not expr.args and _is_number(expr.func.value, numbers)
            return not expr.args                            # a.argmax()
        if name == "unravel_index":
            return bool(expr.args) and _is_number(expr.args[0], numbers)
    return False


def numbers_of(fn: ast.FunctionDef, given: set[str], images: set[str]) -> set[str]:
    """The names of fn that only ever hold numbers (loops.py's clause 2 uses it)."""
    return _numbers(_bindings(fn, given), images, parameter_names(fn, starred=False))


def _top_level_names(target: ast.AST) -> set[str]:
    """The names a tuple target binds at its top level: `x, weight, _, (sh, sw), padding, ... = f(...)` binds
    x, weight, _ and padding whole (an array, None, a pair: H38 made `_` of the bias None an index entry),
    sh and sw as the elements of a pair."""
    return {element.id for element in target.elts if isinstance(element, ast.Name)}


def _unpacks_sizes(value: ast.AST | None, fixed) -> bool:
    """value is a trusted size or a pair of them (_bare_sizes), never the weight itself: unpacked, it gives
    numbers (`kh, kw = kernel_size`, `k_h, k_w = weight.shape[2:]`; not `a, b = weight`, two arrays)."""
    return _bare_sizes(value, set(fixed)) and not any(
        isinstance(node, ast.Name) and node.id == "weight" for node in _bare_leaves(value))


def _bare_leaves(expr: ast.AST) -> list[ast.AST]:
    """The values a bare size expression may take: the branches of an IfExp or a BoolOp, the elements of a tuple."""
    if isinstance(expr, ast.IfExp):
        return _bare_leaves(expr.body) + _bare_leaves(expr.orelse)
    if isinstance(expr, ast.BoolOp):
        return [leaf for value in expr.values for leaf in _bare_leaves(value)]
    if isinstance(expr, (ast.Tuple, ast.List)):
        return [leaf for element in expr.elts for leaf in _bare_leaves(element)]
    return [expr]


def _numbers(bindings, images: set[str], params: frozenset[str] | set[str] = frozenset(),
             fixed: frozenset[str] | None = None) -> set[str]:
    """The names that only ever hold numbers (the greatest set closed under their bindings); `fixed`, _fixed's
    names when the caller has them."""
    if fixed is None:
        fixed = _fixed(bindings, params)
    candidates = {name for target, _, _ in bindings for name in stored_names(target)} - images
    while True:
        numbers = set(candidates)
        for target, value, how in bindings:
            if not stored_names(target) & candidates:
                continue
            if how == "loop":
                ok = _position_loop(value, candidates)
            elif how == "index":  # np.ndenumerate's index and element: numbers
                ok = True
            elif how == "given":  # the given lines: a name unpacked from a tuple is a size; one bound alone may be an array
                ok = isinstance(target, (ast.Tuple, ast.List)) or _is_number(value, candidates)
            elif how == "assign":
                # `sh, sw = (stride, stride) if isinstance(stride, int) else stride`: the given check let only an
                # int or a pair of ints through, so what unpacks a size is numbers (H36)
                ok = _is_number(value, candidates) or isinstance(target, (ast.Tuple, ast.List)) and \
                    _unpacks_sizes(value, fixed)
            else:
                ok = False
            if not ok:
                numbers -= stored_names(target)
        if numbers == candidates:
            return numbers
        candidates = numbers


# ---------------------------------------------------------------- slice lengths

class _Unknown(Exception):
    pass


@dataclass(frozen=True)
class _Scope:
    """What a function's names hold: `values`, the names bound once by a plain assignment, each with
    its value; `rebound`, the builtins `slice`, `min`, `max`, `abs` and `int` that the function binds
    (then they are not the builtins, and a slice, a clip or a length written with them is not read);
    `bands`, the names bound once to a band of an image, each with the axis it bounds (0 rows, 1 columns), and
    `lines`, those of them that pick that axis by a number, so that it is gone from the name's own axes;
    `flags`, the names that may hold None or a bool (see _adds_axis); `fixed`, the names of FIXED and
    FIXED_ROOTS that hold the kernel's, stride's and padding's sizes (see _fixed); `sequences`, the names
    that may hold a tuple or list, and `flat`, those of them whose elements are numbers (see _sequences)."""
    values: dict[str, ast.AST]
    rebound: frozenset[str]
    bands: dict[str, frozenset[int]] = dataclass_field(default_factory=dict)
    # the bands whose bounded axis is picked by a number (`row = x_pad[n, c, r]`), each with that axis (see _bands)
    lines: dict[str, int] = dataclass_field(default_factory=dict)
    flags: frozenset[str] = frozenset()
    fixed: frozenset[str] = frozenset(FIXED + FIXED_ROOTS)
    sequences: frozenset[str] = frozenset()
    flat: frozenset[str] = frozenset()
    modules: frozenset[str] = frozenset(("np", "numpy"))    # names of imported modules (first_whole_read)
    given_calls: frozenset[int] = frozenset()   # ids of the calls in the function's given lines (see _fills)
    collectors: frozenset[str] = frozenset()    # names that collect values read from the image (see _fills)
    # for _wraps: the names that hold numbers never below 0 (shapes, sizes, loop variables over ranges from 0 up),
    # and the sizes the student binds (`k = kh`, `kh = pw`), whose kind (kernel, stride, padding) is not their name's
    nonneg: frozenset[str] = frozenset()
    # and the names every binding of which holds a Python int (never a NaN, never an int64 that wraps: H59)
    exact: frozenset[str] = frozenset()
    aliases: dict[str, str] = dataclass_field(default_factory=dict)
    # for a name bound once and then only clipped (`if top < 0: top = 0`): each read's value there and the target of
    # the name's first binding, where that value was computed (_clip_values)
    clip_reads: dict[int, tuple[ast.AST, ast.Name]] = dataclass_field(default_factory=dict)
    # where the function's statements and bindings lie (_Places): a slice's names read as of the read (_closed)
    places: _Places | None = None

    def resolve(self, node: ast.AST | None) -> ast.AST | None:
        """node, followed through names bound once (at most 8 steps)."""
        for _ in range(8):
            if not (isinstance(node, ast.Name) and node.id in self.values):
                break
            node = self.values[node.id]
        return node

    def builtin_call(self, node: ast.AST | None, name: str) -> bool:
        """Whether node calls the builtin `name` with positional arguments only."""
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
                and name not in self.rebound and not node.keywords
                and not any(isinstance(a, ast.Starred) for a in node.args))


# what changes an array's shape in place: `a.resize(...)` (also `np.ndarray.resize(a, ...)`), the descriptors' and
# pickling's setters, and assignments to `a.shape`, `a.dtype` (a view of other item sizes changes the last axis) or
# `a.strides`
RESHAPERS = ("resize", "__set__", "__setstate__")
RESHAPED = ("shape", "dtype", "strides")


def _reshapes(fn: ast.FunctionDef, modules: frozenset[str] = frozenset()) -> bool:
    """Whether fn may change an array's shape in place (H46: `weight.resize((c_out, c_in, 512, 512),
    refcheck=False)` made `x_pad[n, :, 0:weight.shape[2]]` read as one window the whole padded plane); then the
    weight's shape is no window's size (_fixed's `untrusted`). A scratch array of fn's own changes only itself
    (_scratch: `buf = np.zeros(0)`, then `buf.resize(kh * kw, refcheck=False)`, H56: the weight's sizes were no
    window's then, and conv2d_loops so written graded 44 of 48)."""
    scratch = _scratch(fn, modules)

    def own(node: ast.Attribute) -> bool:
        return isinstance(node.value, ast.Name) and node.value.id in scratch

    # also named by a string (`getattr(weight, "resize")`: getattr with a written name is allowed)
    return any(isinstance(node, ast.Attribute) and (node.attr in RESHAPERS or
                                                    isinstance(node.ctx, ast.Store) and node.attr in RESHAPED)
               and not own(node)
               or isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in RESHAPERS
               for node in ast.walk(fn))


FRESH_ARRAYS = ("zeros", "ones", "empty", "full")


def _scratch(fn: ast.FunctionDef, modules: frozenset[str]) -> frozenset[str]:
    """The names fn binds only to new arrays, `buf = np.zeros(0)` (numpy's np.zeros, np.ones, np.empty or np.full,
    np neither bound in fn nor declared global there), by plain assignments and in no other way (no parameter, no
    `for`, walrus, `global`, ...): such a name never holds the weight (nor any array the caller gave), so changing
    its shape in place changes no size the rule reads."""
    bound = _bound_anyhow(fn)
    numpy_names = {name for name in ("np", "numpy") if name in modules and name not in bound}
    fresh: dict[str, int] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and \
                isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute) and \
                node.value.func.attr in FRESH_ARRAYS and isinstance(node.value.func.value, ast.Name) and \
                node.value.func.value.id in numpy_names and \
                all(keyword.arg in ("dtype", "order") for keyword in node.value.keywords):
            fresh[node.targets[0].id] = fresh.get(node.targets[0].id, 0) + 1
    return frozenset(name for name, count in fresh.items() if bound.get(name) == count)


def _fixed(bindings, params: frozenset[str] | set[str] = frozenset(), untrusted: frozenset[str] = frozenset()
           ) -> frozenset[str]:
    """The names of FIXED and FIXED_ROOTS that every binding in fn keeps sizes: a given line, or an
    assignment of such a size as it is (`kh, kw = weight.shape[2:]`, `sh = stride[0]`, `kh = int(kh)`).
    Bound to anything else (`kernel_size = x_pad.shape`, `kh = x_pad.shape[2]`), or to arithmetic on a
    size (`kh = kh * 1000000`: bound twice, its value is not followed, and `x_pad[n, c, 0:kh]` would
    count as one window: held-out hunt H30), a name is no window size the rule can trust; nor are `untrusted`
    (FIXED_ROOTS whose sizes may change in place: _reshapes) and what reads them."""
    # and the student's own names bound only to such sizes as they are (`k_h, k_w = weight.shape[2:]`: H36):
    # names bound by plain assignments only, none a given line binds (H37: `x_pad = x_pad` made the image a
    # size, so `x_pad.shape[2]` was a window's length), none an image parameter
    other = {name for target, _, how in bindings if how != "assign" for name in stored_names(target)}
    own = {name for target, _, how in bindings if how == "assign" for name in stored_names(target)} - other - set(IMAGES)
    # a size the function neither takes nor binds is whatever the module binds it to (H38: `from numpy import
    # newaxis as ph` made `x_pad[n, c, 0:ph]` the whole plane)
    present = set(params) | {name for target, _, _ in bindings for name in stored_names(target)}
    # what the student unpacks from a whole shape at its first two places counts channels (`co, ci, k_h, k_w =
    # weight.shape`: co is no window's size, H39)
    channels = {name for target, value, how in bindings if how == "assign" and isinstance(target, (ast.Tuple, ast.List))
                and value is not None and any(isinstance(leaf, ast.Attribute) and not _kernel_shape(leaf, FIXED_ROOTS)
                                              for leaf in _bare_leaves(value))
                for element in target.elts[:2] for name in stored_names(element)}
    trusted = (set(FIXED + FIXED_ROOTS) & present | own) - channels - untrusted
    while True:
        kept = set(trusted)
        for target, value, how in bindings:
            names = stored_names(target) & kept
            if not names:
                continue
            if how == "given":   # the given line's sizes are the window's while the sizes it reads are (H34)
                read = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)} & set(FIXED + FIXED_ROOTS) \
                    if value is not None else set()
                if read - trusted:
                    kept -= names
            elif not (how == "assign" and _bare_sizes(value, trusted)) or names - set(FIXED_ROOTS) and (
                    isinstance(target, ast.Name) and any(isinstance(leaf, ast.Name) and leaf.id == "stride"
                                                         for leaf in _bare_leaves(value))
                    or names - set(FIXED) and any(isinstance(leaf, ast.Name) and leaf.id == "weight"
                                                  for leaf in _bare_leaves(value))):
                # a name bound to the stride itself (`sh = stride`, `K = stride`) holds what the caller gave, None
                # for a pool's default, and `0:None` is the whole axis (H38); unpacked (`sh, sw = stride`) it gives
                # the pair's ints. A name of the student's bound to the weight holds arrays.
                kept -= names
        if kept == trusted:
            return frozenset(trusted)
        trusted = kept


SEQUENCE_NODES = (ast.Tuple, ast.List, ast.Set, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp, ast.Dict,
                  ast.Starred)


def _sequences(bindings) -> tuple[frozenset[str], frozenset[str]]:
    """The names a line of the student's binds, whole, to a tuple or list (a `for` binds elements: its
    target is no number unless it steps over numbers, _numbers) (a literal, `x.shape`,
    `np.unravel_index(...)`, a slice of one, a comprehension, `tuple(...)`, arithmetic on one), and of
    those the flat ones (each element a number): numpy reads a sequence in an index as an array of
    positions, so `x_pad[n, c, rows, cols]` with `rows = ((0,), (1,), ...)` is many windows at once."""
    def kind(value, sequences, flat) -> str | None:  # "flat", "nested" or None (not a sequence)
        if isinstance(value, (ast.Tuple, ast.List)):
            scalar = all(isinstance(e, ast.Constant) or isinstance(e, ast.Name) and e.id not in sequences
                         or isinstance(e, (ast.BinOp, ast.UnaryOp)) and not _mentions(e, sequences)
                         for e in value.elts)
            return "flat" if scalar else "nested"
        if isinstance(value, ast.Attribute) and value.attr == "shape" or \
                isinstance(value, ast.Call) and _called(value) in ("unravel_index", "divmod"):
            return "flat"   # divmod(a, b) is the pair (a // b, a % b): `divmod(r, 1)[:1]` is the 1-tuple (r,) (H30)
        if isinstance(value, ast.Call) and _called(value) in SCALAR_OF_SCALARS:
            # max(rows + (r,), ()): a number of numbers, but of sequences the largest sequence (H30)
            inner = [kind(a, sequences, flat) for a in [*value.args, *(k.value for k in value.keywords)]]
            return "nested" if any(inner) else None
        if isinstance(value, ast.Name) and value.id in sequences:
            return "flat" if value.id in flat else "nested"
        if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice):
            inner = kind(value.value, sequences, flat)
            return inner if inner else None
        if isinstance(value, SEQUENCE_NODES) or isinstance(value, ast.Call) and _called(value) in (
                "tuple", "list", "range", "sorted", "reversed", "zip", "enumerate", "map", "filter"):
            return "nested"
        parts = [value.left, value.right] if isinstance(value, ast.BinOp) else \
            [value.body, value.orelse] if isinstance(value, ast.IfExp) else \
            value.values if isinstance(value, ast.BoolOp) else []
        return "nested" if any(kind(part, sequences, flat) for part in parts) else None

    named = [(target.id, value) for target, value, how in bindings
             if isinstance(target, ast.Name) and how not in ("given", "index", "loop") and value is not None]
    # `_, *rows = None, (0,), (1,), ...`: a starred target always holds a list
    starred = frozenset(n.id for target, _, how in bindings if how != "given" for part in ast.walk(target)
                        if isinstance(part, ast.Starred) for n in ast.walk(part.value) if isinstance(n, ast.Name))
    sequences: frozenset[str] = starred
    flat: frozenset[str] = frozenset()
    while True:
        kinds = [(name, kind(value, sequences, flat)) for name, value in named]
        grown = frozenset(name for name, found in kinds if found) | starred
        grown_flat = grown - {name for name, found in kinds if found == "nested"} - starred
        if grown == sequences and grown_flat == flat:
            return sequences, flat
        sequences, flat = grown, grown_flat


def _mentions(node: ast.AST, names) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _sequence_use(entry: ast.AST, scope) -> str | None:
    """Why an index entry may be a tuple or list of positions (None: it is not): a literal or a name
    holding one, `x.shape`, a slice of one, or an element of a nested one; `shape[2]` and
    `idx[0]` of `idx = np.unravel_index(...)` are numbers."""
    local_parents = {id(child): node for node in ast.walk(entry) for child in ast.iter_child_nodes(node)}

    def picked(node) -> bool:  # node[number]: one element
        parent = local_parents.get(id(node))
        return isinstance(parent, ast.Subscript) and parent.value is node and \
            not isinstance(parent.slice, (ast.Slice, ast.Tuple))

    for node in ast.walk(entry):
        if isinstance(node, SEQUENCE_NODES):
            return f"the index `{ast.unparse(entry)}` holds a tuple or list, which numpy reads as many positions"
        if isinstance(node, ast.Subscript) and node is not entry and isinstance(node.slice, ast.Slice):
            return f"the index `{ast.unparse(entry)}` slices a sequence, which numpy reads as many positions"
        if isinstance(node, ast.Name) and node.id in scope.sequences and not (node.id in scope.flat and picked(node)):
            return (f"the index `{ast.unparse(entry)}` uses `{node.id}`, which holds a tuple or list: numpy reads "
                    "it as many positions")
        if isinstance(node, ast.Attribute) and node.attr == "shape" and not picked(node):
            return f"the index `{ast.unparse(entry)}` uses a whole shape, which numpy reads as many positions"
        if isinstance(node, ast.Call) and _called(node) == "divmod" and not picked(node):
            return (f"the index `{ast.unparse(entry)}` uses the pair divmod(...) returns, which numpy reads as "
                    "two positions; unpack it first: `q, r = divmod(k, kw)`")
    return None


def _size_form(node: ast.AST) -> bool:
    """node reads a size: a name (`kh`), an element of one (`kernel_size[0]`) or of a shape
    (`weight.shape[2]`); not `weight.nbytes` or `weight.size`, which count more than a window."""
    if isinstance(node, ast.Name):
        return True
    if not isinstance(node, ast.Subscript) or isinstance(node.slice, ast.Slice):
        return False
    holder, index = node.value, node.slice
    # a kernel's or a pair's element, by a whole number (`weight.shape[0]` counts output channels, no window's
    # size, and `weight.shape[2 + 0 * 7]` is worth what its text hashes to: H39)
    picked = index.value if isinstance(index, ast.Constant) and type(index.value) is int else \
        -index.operand.value if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub) and \
        isinstance(index.operand, ast.Constant) and type(index.operand.value) is int else None
    if isinstance(holder, ast.Name):
        return picked in (0, 1, -1, -2)
    return isinstance(holder, ast.Attribute) and holder.attr == "shape" and isinstance(holder.value, ast.Name) and \
        picked in (2, 3, -1, -2)


def _bare_sizes(expr: ast.AST | None, trusted: set[str]) -> bool:
    """expr is a trusted size as it is, or a tuple of them: a name (`kh`), an element or a slice of one
    (`kernel_size[0]`, `weight.shape[2:]`) with whole-number bounds, `int(...)` of one. No arithmetic,
    no min or max: the value of a name bound twice is not followed, so only a bare size keeps it one."""
    def whole(bound):
        return bound is None or isinstance(bound, ast.Constant) and type(bound.value) is int or \
            isinstance(bound, ast.UnaryOp) and isinstance(bound.op, ast.USub) and whole(bound.operand)

    if isinstance(expr, (ast.Tuple, ast.List)):
        return bool(expr.elts) and all(_bare_sizes(e, trusted) for e in expr.elts)
    if isinstance(expr, ast.IfExp):   # `kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)`
        return _bare_sizes(expr.body, trusted) and _bare_sizes(expr.orelse, trusted)
    if isinstance(expr, ast.BoolOp):  # `stride or kernel_size`: one of them
        return all(_bare_sizes(value, trusted) for value in expr.values)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "int" and \
            len(expr.args) == 1 and not expr.keywords:
        return _bare_sizes(expr.args[0], trusted)
    if isinstance(expr, ast.Name):
        return expr.id in trusted
    if _kernel_shape(expr, trusted):   # one kernel's shape, `weight[0, 0].shape`: (kh, kw) (H43)
        return True
    if isinstance(expr, ast.Attribute):   # the weight's shape; a name of the student's has none worth trusting (H37)
        return expr.attr == "shape" and isinstance(expr.value, ast.Name) and expr.value.id in trusted and \
            expr.value.id in FIXED_ROOTS
    if isinstance(expr, ast.Subscript):
        index = expr.slice
        bounded = whole(index) and index is not None if not isinstance(index, ast.Slice) else \
            whole(index.lower) and whole(index.upper) and index.step is None
        if isinstance(expr.value, ast.Attribute):   # of the weight's shape, the kernel's axes only (not the channels)
            bounded = bounded and (_size_form(expr) if not isinstance(index, ast.Slice) else
                                   index.lower is not None and ast.literal_eval(index.lower) in (2, -2, -1))
        return bounded and _bare_sizes(expr.value, trusted)
    return False


def _kernel_shape(expr: ast.AST | None, trusted) -> bool:
    """expr is the shape of one kernel of the weight, `weight[co, ci].shape` with two whole numbers written
    in the index: (kh, kw), no channels (`KH, KW = weight[0, 0].shape`: H43)."""
    def whole(entry):
        return isinstance(entry, ast.Constant) and type(entry.value) is int or \
            isinstance(entry, ast.UnaryOp) and isinstance(entry.op, ast.USub) and whole(entry.operand)

    if not (isinstance(expr, ast.Attribute) and expr.attr == "shape" and isinstance(expr.value, ast.Subscript)):
        return False
    picked, index = expr.value.value, expr.value.slice
    return isinstance(picked, ast.Name) and picked.id == "weight" and picked.id in trusted and \
        isinstance(index, ast.Tuple) and len(index.elts) == 2 and all(whole(entry) for entry in index.elts)


def _adds_axis(entry: ast.AST, flags: frozenset[str] | set[str]) -> bool:
    """Whether an index entry may add an axis instead of picking one: None, np.newaxis, a bool (numpy
    reads `a[True]` as a mask of one element, a new axis), a comparison, `not`, `and`/`or`, or a
    name in `flags` (one that may hold any of these)."""
    if isinstance(entry, ast.Constant):
        return entry.value is None or isinstance(entry.value, bool)
    if isinstance(entry, ast.Name):
        return entry.id in flags
    if isinstance(entry, ast.IfExp):
        return _adds_axis(entry.body, flags) or _adds_axis(entry.orelse, flags)
    if isinstance(entry, ast.Attribute):
        return entry.attr == "newaxis"
    return isinstance(entry, (ast.Compare, ast.BoolOp)) or isinstance(entry, ast.UnaryOp) and isinstance(entry.op, ast.Not)


def _flags(bindings) -> frozenset[str]:
    """The names with a binding whose value may add an axis (`t = True`, `keep = i > 0`), closed under
    plain copies (`u = t`); and what a given line binds whole from a call (`x, weight, bias, (sh, sw),
    padding, ... = _check_conv_args(...)`): bias may be None (H38: `_` bound there made
    `x_pad[n, ci, _, _]` the whole plane), and none of them is an index."""
    flags: set[str] = {name for target, value, how in bindings if how == "given" and isinstance(value, ast.Call)
                       and isinstance(target, (ast.Tuple, ast.List)) for name in _top_level_names(target)}
    while True:
        grown = flags | {name for target, value, _ in bindings if value is not None and _adds_axis(value, flags)
                         for name in stored_names(target)}
        if grown == flags:
            return frozenset(flags)
        flags = grown


def _clip_choices(bound: ast.AST | None, scope: _Scope, clip: str) -> list[ast.AST | None]:
    """The expressions a bound is clipped by: the arguments of `min(...)` for a stop (`clip` 'min'),
    of `max(...)` for a start ('max'), also through a name bound once; else the bound alone."""
    node = scope.resolve(bound)
    if scope.builtin_call(node, clip) and len(node.args) >= 2:
        return list(node.args)
    return [bound]


def _slice_length(piece: ast.Slice, scope: _Scope) -> str | None:
    """_slice_length_here, with the reads of names bound once and then clipped (`if bottom > height: bottom =
    height`) holding their clipped values, also inside the values of names bound once (H44)."""
    if scope.places is not None:
        piece = _closed(piece, scope)
        scope = replace(scope, values={})
    return _slice_length_here(_numpy_clips(piece, scope), scope)


def _conditional_clip(expr: ast.IfExp) -> ast.Call | None:
    """`a if a < b else b` as min(a, b), `b if a < b else a` as max(a, b) (and so on for <=, >, >=), when a and b
    are read the same both times (_same_twice); else None."""
    test = expr.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _CLIP_FLIP):
        return None
    left, right = test.left, test.comparators[0]
    if not (_same_twice(left) and _same_twice(right)):
        return None
    dumps = [ast.dump(node) for node in (left, right, expr.body, expr.orelse)]
    if dumps[2:] not in (dumps[:2], dumps[1::-1]):
        return None
    picks_left = dumps[2] == dumps[0]     # the left one when the test holds: the smaller for < and <=
    smaller = picks_left == isinstance(test.ops[0], (ast.Lt, ast.LtE))
    return ast.Call(func=ast.Name(id="min" if smaller else "max", ctx=ast.Load()), args=[left, right], keywords=[])


def _chained_clip(expr: ast.IfExp, scope: _Scope) -> ast.Call | None:
    """A border clip written as a chain of two choices, `0 if top < 0 else (height if top > height else top)` (an
    `elif`, or an `if` inside an `else`, read as one: _branch_choices), its inner choice already read as
    min(top, height) (_conditional_clip), as the clip min(max(top, 0), height) it is (H56). The chain picks the
    outer bound on one side of it and the inner clip elsewhere, which is that clip only when the lower bound is no
    greater than the upper (else it picks the lower bound below it and the upper above: no min or max of the
    three); so only when the rule knows so: a whole number no greater than 0 below a number never below 0 (a
    shape, a size, a loop variable over a range from 0), or two whole numbers in order. Else None."""
    for chained in (expr.body, expr.orelse):
        kind = next((k for k in ("min", "max") if scope.builtin_call(chained, k)), None)
        if kind is None or len(chained.args) != 2:
            continue
        for k in (0, 1):
            value, inner = chained.args[k], chained.args[1 - k]
            trial = ast.IfExp(test=expr.test, body=value if chained is expr.body else expr.body,
                              orelse=value if chained is expr.orelse else expr.orelse)
            outer = _conditional_clip(trial)   # the chain with the value itself where the inner clip is
            if outer is None or outer.func.id == kind:
                continue
            dumps = [ast.dump(a) for a in outer.args]
            if ast.dump(value) not in dumps:
                continue
            bound = outer.args[1 - dumps.index(ast.dump(value))]
            lower, upper = (bound, inner) if outer.func.id == "max" else (inner, bound)
            if not _ordered(lower, upper, scope):
                continue
            return ast.Call(func=ast.Name(id="min", ctx=ast.Load()), keywords=[],
                            args=[ast.Call(func=ast.Name(id="max", ctx=ast.Load()), args=[value, lower], keywords=[]),
                                  upper])
    return None


def _ordered(lower: ast.AST, upper: ast.AST, scope: _Scope) -> bool:
    """lower <= upper whatever the caller gives: a whole number written in the code no greater than 0 below a number
    never below 0 (_nonnegative_expr), or two whole numbers written in order."""
    def whole(node: ast.AST) -> int | None:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
                and type(node.operand.value) is int:
            return -node.operand.value
        return None

    low, high = whole(lower), whole(upper)
    if low is not None and high is not None:
        return low <= high
    return low is not None and low <= 0 and _nonnegative_expr(upper, scope.nonneg, scope.exact) and \
        not any(isinstance(node, ast.Call) for node in ast.walk(upper))


def _numpy_clips(node: ast.AST, scope: _Scope) -> ast.AST:
    """node with numpy's clips of numbers written as the builtins they equal (H46): `np.clip(v, lo, hi)` as
    `min(max(v, lo), hi)` (numpy's clip is the minimum of the maximum, also when lo > hi), `np.maximum(a, b)` as
    `max(a, b)`, `np.minimum(a, b)` as `min(a, b)`, a choice between two numbers by comparing them as the min or
    max it is (`0 if top < 0 else top`: _conditional_clip), and an element of a tuple written out (`(kh, kw)[0]`,
    of `k = (kh, kw)` bound once: a tuple's elements never change) as that element; other calls stay as they are."""
    def builtin(name: str, args: list) -> ast.Call:
        return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=args, keywords=[])

    def rewrite(expr: ast.AST) -> ast.AST:
        expr = _rebuilt(expr, rewrite)
        if isinstance(expr, ast.IfExp):   # `0 if top < 0 else top` is max(top, 0)
            return _conditional_clip(expr) or _chained_clip(expr, scope) or expr
        if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Tuple) and \
                not any(isinstance(e, ast.Starred) for e in expr.value.elts):
            index = expr.slice.value if isinstance(expr.slice, ast.Constant) else \
                -expr.slice.operand.value if isinstance(expr.slice, ast.UnaryOp) and \
                isinstance(expr.slice.op, ast.USub) and isinstance(expr.slice.operand, ast.Constant) and \
                type(expr.slice.operand.value) is int else None
            if type(index) is int and -len(expr.value.elts) <= index < len(expr.value.elts):
                return expr.value.elts[index]   # `k = (kh, kw)`, then `k[0]`: a tuple's element is kh (H46)
        if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and
                isinstance(expr.func.value, ast.Name) and expr.func.value.id in ("np", "numpy") and
                expr.func.value.id in scope.modules and not any(isinstance(a, ast.Starred) for a in expr.args)):
            return expr
        if expr.func.attr in ("maximum", "minimum") and len(expr.args) == 2 and not expr.keywords:
            return builtin(expr.func.attr[:3], list(expr.args))
        if expr.func.attr == "clip" and 1 <= len(expr.args) <= 3:   # a fourth is `out`
            names = ("a", "a_min", "a_max")
            given = dict(zip(names, expr.args))
            for keyword in expr.keywords:
                name = {"min": "a_min", "max": "a_max"}.get(keyword.arg, keyword.arg)
                if name not in names[1:] or name in given:
                    return expr
                given[name] = keyword.value
            if len(given) != 3:
                return expr
            value = given["a"]
            for name, kind in (("a_min", "max"), ("a_max", "min")):
                bound = given[name]
                if not (isinstance(bound, ast.Constant) and bound.value is None):
                    value = builtin(kind, [value, bound])
            return value
        return expr

    return rewrite(node)


def _slice_length_here(piece: ast.Slice, scope: _Scope) -> str | None:
    """'window' when stop - start is fixed whatever the image's size and no longer than a window
    and its step, if any, is a positive number written in it ('step' when it is another)
    (twice the largest kernel or stride size it uses, plus 2), 'grows' when it changes with the
    image's size, 'long' when it is fixed but longer, None when it cannot be told.

    A window clipped at the image's border, `x[n, c, max(top, 0):min(top + kh, height)]`, is no
    longer than `(top + kh) - top`: min(a, b) <= a and max(c, d) >= c, so the length is bounded by
    any stop argument minus any start argument, and one such bound that is a window is enough."""
    if piece.upper is None:
        return "grows"
    verdicts = [_pair_length(lower, upper, scope)
                for start, stop in [(piece.lower, piece.upper), *_peeled(piece.lower, piece.upper, scope)]
                for upper in _clip_choices(stop, scope, "min")
                for lower in _clip_choices(start, scope, "max")]
    verdict = next((v for v in ("window", "grows", "long") if v in verdicts), None)
    if verdict is None and "wraps" in verdicts:
        return "wraps"
    if verdict == "window" and piece.step is not None and not (
            isinstance(piece.step, ast.Constant) and type(piece.step.value) is int and piece.step.value > 0):
        return "step"  # a negative step reads from the other end: `a[big:-big:-1]` is all of a, reversed
    wraps = _wraps(piece, scope) if verdict == "window" else False
    if wraps:
        return "many" if wraps == "many" else "wraps"
    return verdict


def _peeled(lower: ast.AST | None, upper: ast.AST, scope: _Scope) -> list[tuple[ast.AST, ast.AST]]:
    """The pairs inside a slice's bounds clipped alike, each of which is no shorter than the slice: `f(a):f(b)`, with
    f a min or a max whose other arguments are the same on both sides, is no longer than `a:b` (min and max with a
    number move no two numbers further apart), so `min(max(top, 0), height):min(max(top + kh, 0), height)` (and
    np.clip, _numpy_clips) is no longer than `top:top + kh` (H46). Bounds that read a call but min, max, abs, int or
    len, or a walrus, are none: each side must read the same other arguments."""
    pairs: list[tuple[ast.AST, ast.AST]] = []
    if lower is None:
        return pairs
    for _ in range(8):
        lower, upper = scope.resolve(lower), scope.resolve(upper)
        if not (_same_twice(lower) and _same_twice(upper)):
            return pairs
        if scope.builtin_call(lower, "int") and scope.builtin_call(upper, "int") and \
                len(lower.args) == len(upper.args) == 1:   # int of a number is that number
            lower, upper = lower.args[0], upper.args[0]
            pairs.append((lower, upper))
            continue
        kind = next((k for k in ("min", "max") if scope.builtin_call(lower, k) and scope.builtin_call(upper, k)), None)
        if kind is None or len(lower.args) != len(upper.args) or len(lower.args) < 2:
            return pairs
        differ = [k for k, (a, b) in enumerate(zip(lower.args, upper.args)) if ast.dump(a) != ast.dump(b)]
        if len(differ) != 1:
            return pairs
        lower, upper = lower.args[differ[0]], upper.args[differ[0]]
        pairs.append((lower, upper))
    return pairs


def _pair_length(lower: ast.AST | None, upper: ast.AST, scope: _Scope) -> str | None:
    """upper - lower as _slice_length judges it, with the window sizes (kh, stride[0], ...) standing for
    large numbers and then for small ones (1 to 3): `800 // kh` is 8 windows long with kh = 99 but
    400 with kh = 2 (held-out hunt H9), so a length counts as a window's only when it is one for both.
    Those numbers come from the sizes' text, which the student chooses (a name of their own, `aaa = kh`
    bound twice, is worth 3 when large and 1 when small; `0 * vzzz` with vzzz worth 99 raised the longest
    window: `0:aaa * aaa * aaa * aaa + 2 + 0 * vzzz` was a window's and read 18 rows or more: H39), so the
    sizes also all stand for 1 and all for 50: then a length that multiplies sizes is longer than a window,
    and nothing raises the longest one."""
    verdicts = {_pair_length_with(lower, upper, scope, small) for small in (False, True, 1, 50)}
    return next((v for v in (None, "grows", "wraps", "long") if v in verdicts), "window")


def _pair_length_with(lower: ast.AST | None, upper: ast.AST, scope: _Scope, small: bool | int) -> str | None:
    values, fixed_sizes = [], [1]
    for seed in range(3):
        rng = random.Random(seed)
        env: dict[str, int] = {}

        def value(node, depth=0):
            if depth > 8:
                raise _Unknown
            if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
                return node.value
            if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
                key = ast.unparse(node)
                if isinstance(node, ast.Name) and key in scope.values:
                    return value(scope.values[key], depth + 1)
                # a parameter itself (`stride`, which a pool's caller may leave None) is no length: its elements are
                fixed = key.split(".")[0].split("[")[0] in scope.fixed and _size_form(node) and \
                    not (isinstance(node, ast.Name) and node.id in FIXED_ROOTS)
                if key not in env:
                    size = small if type(small) is int else sum(map(ord, key)) % 3 + 1 if small else \
                        sum(map(ord, key)) % 97 + 3
                    env[key] = size if fixed else rng.randrange(10, 10_000)
                    if fixed:
                        fixed_sizes.append(env[key])
                return env[key]
            if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
                operand = value(node.operand, depth + 1)
                return -operand if isinstance(node.op, ast.USub) else operand
            if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)):
                left, right = value(node.left, depth + 1), value(node.right, depth + 1)
                if isinstance(node.op, (ast.FloorDiv, ast.Mod)) and right == 0:
                    raise _Unknown
                return {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right,
                        ast.FloorDiv: left // right if isinstance(node.op, ast.FloorDiv) else 0,
                        ast.Mod: left % right if isinstance(node.op, ast.Mod) else 0}[type(node.op)]
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max", "abs", "int") \
                    and scope.builtin_call(node, node.func.id) and _arity_fits(node):
                args = [value(a, depth + 1) for a in node.args]
                return {"min": min, "max": max, "abs": lambda v: abs(v), "int": lambda v: v}[node.func.id](*args)
            raise _Unknown

        try:
            start = 0 if lower is None else value(lower)
            values.append(value(upper) - start)
        except _Unknown:
            return None
    if len(set(values)) > 1:
        return "grows"
    if values[0] < 0:  # a stop before its start: numpy reads a negative stop from the end (`0:-1`: H39)
        return "wraps"
    return "window" if values[0] <= 2 * max(fixed_sizes) + 2 else "long"


SIZE_KINDS = {"kh": "K", "kw": "K", "weight": "K", "kernel_size": "K", "sh": "S", "sw": "S", "stride": "S",
              "ph": "P", "pw": "P", "padding": "P"}
# (kernel, stride, padding) as a caller may give them: a pool's padding is at most half its kernel (the given
# check says so), and an honest clip `max(top, 0):min(top + kh, height)` with `top = i * sh - ph` relies on it
KIND_VALUES = ((1, 1, 0), (2, 1, 0), (2, 2, 0), (2, 2, 1), (3, 1, 1), (3, 2, 1), (3, 3, 1), (4, 2, 2), (5, 3, 2),
               (2, 3, 1), (3, 5, 1), (7, 2, 3))
NUMBER_VALUES = (0, 1, 2, 3, 5, 997)      # what a loop variable over a range from 0 (or a shape) may hold
ANY_VALUES = (-1, -2, -997, math.nan)     # and what a number of unknown sign may hold besides (`np.nan` too, H59)
INT64 = 2 ** 63                           # numpy's integers wrap past it


# At most this many cases (a caller's sizes, the kinds of the student's own sizes and the values of the numbers, all
# at once) are tried for a slice's bounds; a slice with more is refused (_wraps).
WRAP_CASES = 300_000


def _wraps(piece: ast.Slice, scope: _Scope) -> bool | str:
    """Whether the slice's stop may be negative while its start is not: numpy counts a negative stop from
    the end of the axis, so `x_pad[n, c, 0:-1]` is every row but the last, whatever the image (H39: with the
    image copied into an array one row and one column larger, `big[n, c, 0:-1, 0:-1]` was the whole plane),
    and so is `max(top, 0):min(top + kh, height)` with `top = -1 - kh`. The bounds are read as numpy gets
    them (min and max as written), with the sizes standing for a caller's kernels, strides and paddings
    (KIND_VALUES; a size the student binds may be any of the three), the names that hold numbers never below
    0 for small and large ones, and every other name for negative ones too: every name, attribute or subscript
    on its own, all their combinations tried (H43: with one value for all of them at once, `0:min(kh, u - t)`
    with t = 1, u = 0 was never negative, nor `a5 - a1` with a fifth size of the student's taking the first's
    kind). A slice whose bounds need more than WRAP_CASES cases is refused: the rule cannot read it ("many", whose
    message says so, not that the slice may end at a negative position: H44)."""
    keys: dict[str, ast.AST] = {}
    constants: list[int] = []

    def collect(node, depth=0):
        if depth > 8:
            return
        if isinstance(node, ast.Constant) and type(node.value) is int:
            constants.append(abs(node.value))
        if isinstance(node, ast.Name) and node.id in scope.values:
            collect(scope.values[node.id], depth + 1)
            return
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
            keys.setdefault(ast.unparse(node), node)
            return
        for child in ast.iter_child_nodes(node):
            # a call's function (`min`, `int`) is no number: _evaluate reads it by name (H46: as one it multiplied the
            # cases by 9, and `int(min(max(top, 0), height))` needed too many)
            if not (isinstance(node, ast.Call) and child is node.func and isinstance(child, ast.Name)):
                collect(child, depth + 1)

    for bound in (piece.lower, piece.upper):
        if bound is not None:
            collect(bound)
    sizes, aliases, numbers = [], [], []
    for key, node in keys.items():
        root = key.split(".")[0].split("[")[0]
        if root in scope.fixed and _size_form(node) and not (isinstance(node, ast.Name) and node.id in FIXED_ROOTS):
            (aliases if root in scope.aliases or root not in SIZE_KINDS else sizes).append((key, SIZE_KINDS.get(root)))
        else:
            numbers.append((key, root in scope.nonneg or isinstance(node, ast.Attribute) and node.attr in METADATA
                            or isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
                            and node.value.attr == "shape"))
    # a number larger than any the bounds' whole numbers can make a threshold of (H59: `0:min(kh, 1000 - t)` with
    # `t` over range(1001, 1002) is `0:-1`, and 997, the largest number tried, left it positive)
    large = 2 * math.prod(c + 1 for c in constants) + 1
    extra = (large,) if large > NUMBER_VALUES[-1] else ()
    axes = [range(len(KIND_VALUES))]
    axes += [scope.aliases.get(key.split(".")[0].split("[")[0], "KSP") for key, _ in aliases]
    axes += [NUMBER_VALUES + extra if nonneg else NUMBER_VALUES + extra + ANY_VALUES + tuple(-v for v in extra)
             for _, nonneg in numbers]
    if np.prod([len(axis) for axis in axes], dtype=object) > WRAP_CASES:
        return "many"
    cases = list(zip(*itertools.product(*axes)))
    kinds = np.array(KIND_VALUES, dtype=object)[list(cases[0])]
    env = {key: kinds[:, "KSP".index(kind)] for key, kind in sizes}
    env.update({key: np.array([values["KSP".index(kind)] for values, kind in zip(kinds, cases[1 + a])], dtype=object)
                for a, (key, _) in enumerate(aliases)})
    env.update({key: np.array(cases[1 + len(aliases) + a], dtype=object) for a, (key, _) in enumerate(numbers)})
    count = len(cases[0])
    # min(a, b) <= a and max(c, d) >= c: an argument read bounds the stop from above and the start from below, but
    # an argument the rule cannot read may be the one numpy takes: `0:min(kh, np.int64(-1))` is `0:-1` and
    # `max(-kh, np.int64(0)):-1` is too (H52: with np.minimum and np.clip read as min and max, H46, these hid a
    # whole plane). A stop with such an argument may be negative (but `len(...)`, which is not), a start with one
    # may be 0 or more; so does a bound none of whose arguments it reads.
    everywhere = np.ones(count, dtype=bool)
    with np.errstate(all="ignore"):   # NaN compares false, quietly
        stop_choices = _clip_choices(piece.upper, scope, "min")
        stops, stop_read = _extreme(stop_choices, scope, env, count, _builtin_min) or \
            (np.zeros(count, dtype=object), everywhere)
        start_choices = [] if piece.lower is None else _clip_choices(piece.lower, scope, "max")
        starts, start_read = _extreme(start_choices, scope, env, count, _builtin_max) or \
            (np.zeros(count, dtype=object), everywhere)
        negative = np.asarray(stops < 0, dtype=bool)
        if any(not _readable(node, scope, env, count) and not scope.builtin_call(node, "len") for node in stop_choices):
            negative = everywhere
        nonnegative = np.asarray(starts >= 0, dtype=bool)
        if any(not _readable(node, scope, env, count) for node in start_choices):
            nonnegative = everywhere
        return bool(np.any(stop_read & start_read & nonnegative & negative))


def _builtin_min(best, values):
    """Python's min(best, value), case by case: the first unless the second is smaller (H59: with a NaN, min and
    max keep whichever comes first, `max(-1, nan)` is -1, where numpy's minimum and maximum give NaN)."""
    return np.where(np.asarray(values < best, dtype=bool), values, best)


def _builtin_max(best, values):
    """Python's max(best, value), case by case (_builtin_min)."""
    return np.where(np.asarray(values > best, dtype=bool), values, best)


def _int64(values):
    """values, or _Unknown where one lies past numpy's integers, which wrap there (H59: `t * 9223372036854775807 * 2
    + 1` is -1 for `t` of `np.arange(1, 2)`, where the rule's Python ints made it 2**64 - 1)."""
    if np.any(np.asarray((values >= INT64) | (values < -INT64), dtype=bool)):
        raise _Unknown
    return values


def _readable(node: ast.AST, scope: _Scope, env: dict, count: int) -> bool:
    """Whether _evaluate reads node (H52)."""
    try:
        _evaluate(node, scope, env, count)
    except _Unknown:
        return False
    return True


def _extreme(nodes: list, scope: _Scope, env: dict, count: int, pick):
    """The smallest (pick _builtin_min) or largest (_builtin_max) value, case by case, of those of nodes that
    _evaluate can read there, with where any could be read; None when none can ever be read."""
    found = None
    for node in nodes:
        try:
            values, read = _evaluate(node, scope, env, count)
        except _Unknown:
            continue
        if found is None:
            found = (values, read)
            continue
        best, seen = found
        found = (np.where(read & seen, pick(best, values), np.where(read, values, best)), read | seen)
    return found


def _arity_fits(call: ast.Call) -> bool:
    """min and max of two numbers or more, abs and int of one: `min(k)` of a pair bound twice (k = kernel_size
    if ... else (kernel_size, kernel_size)) is the pair's smaller element, which the rule cannot read (it
    stopped the check with a TypeError)."""
    return len(call.args) >= 2 if call.func.id in ("min", "max") else len(call.args) == 1


def _evaluate(node: ast.AST, scope: _Scope, env: dict, count: int, depth: int = 0):
    """node's values in every case of _wraps, with every name, attribute or subscript read from env by its text
    (each an array of Python ints, one per case), and where they can be read (not after a division by 0)."""
    if depth > 8:
        raise _Unknown
    everywhere = np.ones(count, dtype=bool)
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return np.full(count, node.value, dtype=object), everywhere
    if isinstance(node, ast.Name) and node.id in scope.values:
        return _evaluate(scope.values[node.id], scope, env, count, depth + 1)
    if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
        if ast.unparse(node) not in env:
            raise _Unknown
        return env[ast.unparse(node)], everywhere
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand, read = _evaluate(node.operand, scope, env, count, depth + 1)
        return _int64(-operand if isinstance(node.op, ast.USub) else operand), read
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)):
        (left, left_read), (right, right_read) = (_evaluate(node.left, scope, env, count, depth + 1),
                                                  _evaluate(node.right, scope, env, count, depth + 1))
        read = left_read & right_read
        if isinstance(node.op, (ast.FloorDiv, ast.Mod)):
            zero = np.array([value == 0 for value in right], dtype=bool)
            right = np.where(zero, 1, right)
            return _int64(left // right if isinstance(node.op, ast.FloorDiv) else left % right), read & ~zero
        return _int64(left + right if isinstance(node.op, ast.Add) else left - right if isinstance(node.op, ast.Sub)
                      else left * right), read
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max", "abs", "int") \
            and scope.builtin_call(node, node.func.id) and _arity_fits(node):
        args = [_evaluate(a, scope, env, count, depth + 1) for a in node.args]
        read = functools.reduce(np.logical_and, [r for _, r in args])
        values = [v for v, _ in args]
        if node.func.id in ("min", "max"):
            return functools.reduce(_builtin_min if node.func.id == "min" else _builtin_max, values), read
        return (_int64(np.array([abs(v) for v in values[0]], dtype=object)) if node.func.id == "abs" else values[0]), read
    raise _Unknown


def _size_kinds(bindings, fixed: frozenset[str]) -> dict[str, str]:
    """The sizes the student binds (own names, or kh, sh, ... bound again), each with the kinds it may hold
    ("K" kernel, "S" stride, "P" padding): those of the sizes it is bound to (`ph, pw = padding`: "P";
    `k = kh if isinstance(kh, int) else kw`: "K"), of its own name for a given line's binding; "KSP" when
    unknown (_wraps)."""
    def root(node):
        while isinstance(node, (ast.Subscript, ast.Attribute)):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    names = {name for target, _, how in bindings if how == "assign" for name in stored_names(target) & fixed}
    kinds = dict.fromkeys(names, "")
    while True:
        grown = {}
        for name in names:
            found = set()
            for target, value, how in bindings:
                if name not in stored_names(target):
                    continue
                if how != "assign":
                    found.update(SIZE_KINDS.get(name, "KSP"))
                    continue
                for leaf in _bare_leaves(value) if value is not None else [None]:
                    base = root(leaf.args[0] if isinstance(leaf, ast.Call) and leaf.args else leaf)
                    found.update(kinds.get(base, "") if base in kinds else SIZE_KINDS.get(base, "KSP"))
            grown[name] = "".join(sorted(found)) or "KSP"
        if grown == kinds:
            return kinds
        kinds = grown


def _nonnegative(bindings, fixed: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The names every binding of which holds a number never below 0 (_wraps): a given line's (shapes, sizes,
    output sizes), a loop variable over a range from 0 or more up (`range(h_out)`, `range(top, top + kh)` with
    top such a number, np.ndindex, enumerate's count), arithmetic without subtraction on such numbers; and the names
    every binding of which holds a Python int (_exact_expr). A NaN is no number never below 0 (`max(-1, abs(np.nan))`
    is -1, H59), nor is arithmetic on numpy's integers, which wrap (`t * 9223372036854775807 * 2 + 1` is -1 for
    `t` of `np.arange(1, 2)`, H59): np.arange's loop variables are numpy integers, never below 0 only over a range
    of the given sizes and small whole numbers (`np.arange(h_out)`), whose arithmetic is none of these numbers'."""
    # the names only the given lines bind (`h_out = 4611686018427387903` after them makes h_out no size)
    given = frozenset(name for target, _, how in bindings if how == "given" for name in stored_names(target)) - \
        frozenset(name for target, _, how in bindings if how != "given" for name in stored_names(target))

    def small(arg) -> bool:   # an np.arange's bound that cannot be near 2**63: given sizes, small whole numbers
        if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add):
            return small(arg.left) and small(arg.right)
        return isinstance(arg, ast.Name) and arg.id in given or \
            isinstance(arg, ast.Constant) and type(arg.value) is int and 0 <= arg.value < 2 ** 31

    def ranged(iterable, names, exact, numpy_ints: bool = True) -> bool:
        if not isinstance(iterable, ast.Call) or iterable.keywords or any(isinstance(a, ast.Starred) for a in iterable.args):
            return False
        name, args = _called(iterable), iterable.args
        if name == "arange" and not (numpy_ints and all(small(a) for a in args)):
            return False
        if name in ("range", "arange"):
            step = args[2] if len(args) == 3 else None
            return len(args) <= 3 and (len(args) < 2 or _nonnegative_expr(args[0], names, exact)) and (
                step is None or isinstance(step, ast.Constant) and type(step.value) is int and step.value > 0)
        if name == "ndindex":
            return True
        if name == "product":
            return all(ranged(a, names, exact, numpy_ints) or isinstance(a, ast.Attribute) and a.attr == "shape"
                       for a in args)
        return False

    def python_ints(iterable) -> bool:   # a loop over range, np.ndindex or itertools.product of those
        if not isinstance(iterable, ast.Call) or iterable.keywords or any(isinstance(a, ast.Starred) for a in iterable.args):
            return False
        name = _called(iterable)
        return name in ("range", "ndindex") or name == "product" and all(
            python_ints(a) or isinstance(a, ast.Attribute) and a.attr == "shape" for a in iterable.args)

    def fixpoint(keeps) -> frozenset[str]:
        candidates = {name for target, _, _ in bindings for name in stored_names(target)}
        while True:
            kept = set(candidates)
            for target, value, how in bindings:
                if not keeps(target, value, how, set(candidates) | set(fixed)):
                    kept -= stored_names(target)
            if kept == candidates:
                return frozenset(kept)
            candidates = kept

    exact = fixpoint(lambda target, value, how, names: how in ("given", "index") or
                     how == "loop" and python_ints(value) or how == "assign" and _exact_expr(value, names))
    exact_names = exact | frozenset(fixed)
    nonneg = fixpoint(lambda target, value, how, names: how in ("given", "index") or
                      how == "loop" and ranged(value, names, exact_names) or
                      how == "assign" and _nonnegative_expr(value, names, exact_names))
    return nonneg, exact


def _exact_expr(expr: ast.AST | None, exact) -> bool:
    """Whether expr holds a Python int whatever the names in `exact` hold (Python ints): whole numbers, arithmetic on
    them, a shape's element, `len`, `int`, and abs, min and max of such (H59: no NaN, which min and max skip or
    keep by their arguments' order, and no numpy integer, which wraps)."""
    if isinstance(expr, ast.Constant):
        return type(expr.value) in (int, bool)
    if isinstance(expr, ast.Name):
        return expr.id in exact
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)):
        return _exact_expr(expr.left, exact) and _exact_expr(expr.right, exact)
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
        return _exact_expr(expr.operand, exact)
    if isinstance(expr, ast.IfExp):
        return _exact_expr(expr.body, exact) and _exact_expr(expr.orelse, exact)
    if isinstance(expr, ast.Attribute):
        return expr.attr in ("ndim", "size")
    if isinstance(expr, ast.Subscript):   # an element of a shape
        return isinstance(expr.value, ast.Attribute) and expr.value.attr == "shape" and \
            not isinstance(expr.slice, ast.Slice)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and not expr.keywords and expr.args and \
            not any(isinstance(a, ast.Starred) for a in expr.args):
        if expr.func.id in ("len", "int"):
            return True
        if expr.func.id in ("abs", "min", "max"):
            return all(_exact_expr(a, exact) for a in expr.args)
    return False


def _nonnegative_expr(expr: ast.AST | None, names, exact=frozenset()) -> bool:
    """Whether expr holds a number never below 0 (and no NaN) when the names in `names` do; `exact`: the names that
    hold Python ints (_exact_expr). A sum or product is one only of Python ints (numpy's wrap past 2**63), abs only
    of a Python int (`abs(np.nan)` is NaN), max only with no argument that may be NaN (`max(-1, np.nan % 5)` is -1:
    max keeps its first argument when the others compare false, H59)."""
    if isinstance(expr, ast.Constant):
        return type(expr.value) is int and expr.value >= 0
    if isinstance(expr, ast.Name):
        return expr.id in names
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mult, ast.FloorDiv, ast.Mod)):
        return _nonnegative_expr(expr.left, names, exact) and _nonnegative_expr(expr.right, names, exact) and (
            isinstance(expr.op, (ast.FloorDiv, ast.Mod)) or _exact_expr(expr, exact))
    if isinstance(expr, ast.IfExp):
        return _nonnegative_expr(expr.body, names, exact) and _nonnegative_expr(expr.orelse, names, exact)
    if isinstance(expr, ast.Attribute):   # a whole shape unpacked: `N, C, H, W = x.shape` (H43)
        return expr.attr in ("ndim", "size", "shape")
    if isinstance(expr, ast.Subscript):   # an element of a shape
        return isinstance(expr.value, ast.Attribute) and expr.value.attr == "shape"
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and not expr.keywords:
        if expr.func.id == "len":
            return True
        if expr.func.id == "abs":
            return len(expr.args) == 1 and _exact_expr(expr.args[0], exact)
        if expr.func.id == "max":
            return any(_nonnegative_expr(a, names, exact) for a in expr.args) and \
                all(_nonnegative_expr(a, names, exact) or _exact_expr(a, exact) for a in expr.args)
        if expr.func.id in ("min", "int"):
            return bool(expr.args) and all(_nonnegative_expr(a, names, exact) for a in expr.args)
    return False


def _definitions(bindings) -> dict[str, ast.AST]:
    """name -> its one value, for the names bound exactly once by a plain assignment."""
    counts: dict[str, int] = {}
    for target, _, _ in bindings:
        for name in stored_names(target):
            counts[name] = counts.get(name, 0) + 1
    return {target.id: value for target, value, how in bindings
            if isinstance(target, ast.Name) and how == "assign" and counts[target.id] == 1 and value is not None}


# ---------------------------------------------------------------- border clips written as re-assignments (H44)

_CLIP_FLIP = {ast.Gt: "min", ast.GtE: "min", ast.Lt: "max", ast.LtE: "max"}


def _clip_of(statement: ast.stmt, scope: _Scope | None = None) -> list[tuple[ast.Name, str, ast.AST]]:
    """The clips a statement writes, each (target, 'min' or 'max', bound): `if bottom > height: bottom = height`
    (min), `if top < 0: top = 0` (max), `bottom = min(bottom, height)`, `r0, r1 = max(r0, 0), min(r1, H)`, with
    `scope` numpy's too (`top = np.clip(top, 0, height)`: max and then min, _numpy_clips); a bound that mentions the
    clipped name is none."""
    found = []
    if isinstance(statement, ast.If) and not statement.orelse and len(statement.body) == 1 and \
            isinstance(statement.test, ast.Compare) and len(statement.test.ops) == 1 and \
            type(statement.test.ops[0]) in _CLIP_FLIP:
        inner = statement.body[0]
        if isinstance(inner, ast.Assign) and len(inner.targets) == 1 and isinstance(inner.targets[0], ast.Name):
            target, value = inner.targets[0], inner.value
            left, right, kind = statement.test.left, statement.test.comparators[0], _CLIP_FLIP[type(statement.test.ops[0])]
            if isinstance(right, ast.Name) and right.id == target.id:   # `if height < bottom: bottom = height`
                left, right, kind = right, left, "min" if kind == "max" else "max"
            if isinstance(left, ast.Name) and left.id == target.id and ast.dump(right) == ast.dump(value) and \
                    not _mentions(value, {target.id}) and _same_twice(value):
                found.append((target, kind, value))
        return found
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target, value = statement.targets[0], statement.value
        pairs = list(zip(target.elts, value.elts)) if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) \
            and len(target.elts) == len(value.elts) else [(target, value)]
        for element, bound in pairs:
            if isinstance(element, ast.Name) and isinstance(bound, ast.IfExp):   # `top = 0 if top < 0 else top`
                found.extend(_clip_of(ast.If(test=bound.test, body=[ast.Assign(targets=[element], value=bound.body)],
                                             orelse=[])) if _is_name(bound.orelse, element.id) else
                             [(element, "min" if kind == "max" else "max", value) for _, kind, value in _clip_of(
                                 ast.If(test=bound.test, body=[ast.Assign(targets=[element], value=bound.orelse)],
                                        orelse=[]))] if _is_name(bound.body, element.id) else [])
                continue
            if isinstance(element, ast.Name) and isinstance(bound, ast.Call):
                found.extend(_call_clips(element, _numpy_clips(bound, scope) if scope is not None else bound))
    return found


def _call_clips(element: ast.Name, bound: ast.Call) -> list[tuple[ast.Name, str, ast.AST]]:
    """The clips of `element = bound` written with min and max, innermost first: `top = max(top, 0)`, also nested,
    `top = min(max(top, 0), height)` (max, then min: H46), and numpy's written as those (`top = np.clip(top, 0,
    height)`, _numpy_clips); none when an argument but the one that leads to element mentions it."""
    steps, node = [], bound
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max") and \
            not node.keywords and len(node.args) >= 2 and not any(isinstance(a, ast.Starred) for a in node.args):
        inner = [a for a in node.args if _mentions(a, {element.id})]
        if len(inner) != 1:
            return []
        rest = [a for a in node.args if a is not inner[0]]
        steps.append((element, node.func.id, rest[0] if len(rest) == 1 else
                      ast.Call(func=ast.Name(id=node.func.id, ctx=ast.Load()), args=rest, keywords=[])))
        if _is_name(inner[0], element.id):
            return steps[::-1]
        node = inner[0]
    return []


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _same_twice(bound: ast.AST) -> bool:
    """bound, written twice (`if bottom > B: bottom = B`), is the same number both times: no call but min, max,
    abs, int or len, no walrus (H45: `if bottom > next(it): bottom = next(it)` compared with -1 and then set
    bottom to 1000000)."""
    return not any(isinstance(node, ast.NamedExpr) or isinstance(node, ast.Call) and not (
        isinstance(node.func, ast.Name) and node.func.id in ("min", "max", "abs", "int", "len"))
        for node in ast.walk(bound))


def _statement_lists(fn: ast.FunctionDef) -> list[list[ast.stmt]]:
    return [block for node in ast.walk(fn) for field in ("body", "orelse", "finalbody")
            for block in [getattr(node, field, None)] if isinstance(block, list) and block
            and all(isinstance(s, ast.stmt) for s in block)]


def _clip_values(fn: ast.FunctionDef, bindings, parents, rebound: frozenset[str],
                 scope: _Scope | None = None) -> dict[int, tuple[ast.AST, ast.Name]]:
    """For every read of a name bound once by a plain assignment and then only clipped in the same block
    (`top = i * sh - ph`, then `if top < 0: top = 0`; `bottom = top + kh`, then `bottom = min(bottom, height)`),
    the value it holds there: its first value clipped by the clips before the read (`max(i * sh - ph, 0)`), read
    again in its own terms. A read the rule cannot place (outside that block, or before the first value in it)
    holds an unknown name. Keys: ids of the Name nodes read (also those inside other names' values); values: (that
    value, the target of the name's first binding)."""
    if rebound & {"min", "max"}:
        return {}
    clips: dict[int, list[tuple[str, str, ast.AST, ast.stmt]]] = {}   # one target may clip twice: np.clip
    for block in _statement_lists(fn):
        for statement in block:
            for target, kind, bound in _clip_of(statement, scope):
                clips.setdefault(id(target), []).append((target.id, kind, bound, statement))
    if not clips:
        return {}
    by_name: dict[str, list] = {}
    for target, value, how in bindings:
        for name in stored_names(target):
            by_name.setdefault(name, []).append((target, value, how))
    lists = _statement_lists(fn)

    def statement_of(node):
        while not isinstance(node, ast.stmt):
            node = parents[id(node)]
        return node

    def place(node, block):
        """The index in block of the statement holding node, or None."""
        ids = {id(s): k for k, s in enumerate(block)}
        while node is not None and id(node) not in ids:
            node = parents.get(id(node))
        return None if node is None else ids[id(node)]

    plans: dict[str, tuple[list, ast.AST, int, list, ast.Name]] = {}   # name -> (block, first value, its index,
    # clips, its target)
    for name, found in by_name.items():
        own = [clip for t, _, _ in found for clip in clips.get(id(t), ())]
        first = [(t, v) for t, v, how in found if id(t) not in clips]
        if not own or len(first) != 1 or not isinstance(first[0][0], ast.Name) or first[0][1] is None or \
                not any(how == "assign" for t, _, how in found if t is first[0][0]):
            continue
        statement = statement_of(first[0][0])
        block = next((b for b in lists if any(s is statement for s in b)), None)
        if block is None:
            continue
        start = next(k for k, s in enumerate(block) if s is statement)
        # a clip is one statement of that block itself: one nested under an `if` may not run
        at = {id(s): k for k, s in enumerate(block)}
        steps = sorted(((at.get(id(clip_statement)), kind, bound) for _, kind, bound, clip_statement in own),
                       key=lambda step: -1 if step[0] is None else step[0])
        if any(k is None or k <= start for k, _, _ in steps):
            continue
        plans[name] = (block, first[0][1], start, steps, first[0][0])
    if not plans:
        return {}
    def unknown():   # each its own name: two reads the rule cannot place may hold different values
        return ast.Name(id=f"<unplaced clip {len(cache)}-{next(counter)}>", ctx=ast.Load())

    counter = itertools.count()
    cache: dict[tuple[str, int], ast.AST] = {}

    def version(name: str, count: int, depth: int) -> ast.AST:
        """name's value after its first `count` clips."""
        if depth > 8:
            return unknown()
        if (name, count) not in cache:
            block, first, start, steps, _ = plans[name]
            value = close(first, depth + 1)
            for _, kind, bound in steps[:count]:
                bound = close(bound, depth + 1)
                args = value.args if isinstance(value, ast.Call) and getattr(value, "_clip", None) == kind else [value]
                value = ast.Call(func=ast.Name(id=kind, ctx=ast.Load()), args=[*args, bound], keywords=[])
                value._clip = kind
            cache[(name, count)] = value
        return cache[(name, count)]

    def held(node: ast.Name, depth: int) -> ast.AST:
        block, _, start, steps, _ = plans[node.id]
        at = place(node, block)
        if at is None or at <= start:
            return unknown()
        return version(node.id, sum(k < at for k, _, _ in steps), depth)

    def close(node: ast.AST, depth: int) -> ast.AST:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in plans:
            return held(node, depth)
        return _rebuilt(node, lambda child: close(child, depth))

    return {id(node): (held(node, 0), plans[node.id][4]) for node in ast.walk(fn)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in plans}


def _rebuilt(node: ast.AST, child_of) -> ast.AST:
    """A shallow copy of node with every child node replaced by child_of(child)."""
    changed = {}
    for name, value in ast.iter_fields(node):
        if isinstance(value, list):
            values = [child_of(v) if isinstance(v, ast.AST) else v for v in value]
            if any(a is not b for a, b in zip(values, value)):
                changed[name] = values
        elif isinstance(value, ast.AST):
            child = child_of(value)
            if child is not value:
                changed[name] = child
    if not changed:
        return node   # the node itself: its place in the function stays known (_Places)
    new = copy.copy(node)
    for name, value in changed.items():
        setattr(new, name, value)
    return new




@dataclass(frozen=True)
class _Places:
    """Where a function's statements and bindings lie: `parents` (id -> parent node), `blocks` (id of a statement
    -> (the statement list holding it, its index there)), `bound` (name -> the target nodes that bind it)."""
    parents: dict[int, ast.AST]
    blocks: dict[int, tuple[list, int]]
    bound: dict[str, list[ast.AST]]

    def statement(self, node: ast.AST) -> ast.stmt | None:
        while node is not None and not isinstance(node, ast.stmt):
            node = self.parents.get(id(node))
        return node

    def place(self, node: ast.AST, block: list) -> int | None:
        """The index in block of the statement that holds node, or None."""
        while node is not None:
            found = self.blocks.get(id(node))
            if found is not None and found[0] is block:
                return found[1]
            node = self.parents.get(id(node))
        return None


def _places(fn: ast.FunctionDef, bindings, parents) -> _Places:
    blocks = {id(statement): (block, k) for block in _statement_lists(fn) for k, statement in enumerate(block)}
    bound: dict[str, list[ast.AST]] = {}
    for target, _, _ in bindings:
        for name in stored_names(target):
            bound.setdefault(name, []).append(target)
    # a target no tree holds (_named_at) stands where its origin does
    origins = {id(target): target.origin for target, _, _ in bindings if hasattr(target, "origin")}
    return _Places({**parents, **origins} if origins else parents, blocks, bound)


def _shape_element(node: ast.AST) -> bool:
    """node is `name.shape[k]` for a whole number k: a size its array's name alone can change."""
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and \
        node.value.attr == "shape" and isinstance(node.value.value, ast.Name) and (
            isinstance(node.slice, ast.Constant) and type(node.slice.value) is int or
            isinstance(node.slice, ast.UnaryOp) and isinstance(node.slice.op, ast.USub) and
            isinstance(node.slice.operand, ast.Constant) and type(node.slice.operand.value) is int)


_CONSUMERS = ("sum", "min", "max", "any", "all", "list", "tuple", "sorted", "set")


def _deferred(node: ast.AST, places: _Places, scope: _Scope) -> bool:
    """node lies where a generator expression runs it later, when it is drawn from (H45): `g = (x_pad[n, c,
    top:bottom] for _ in range(1))`, then `top = 0`, then `next(g)` reads `top:bottom` with top's new value and
    bottom's old one. Not so a generator that a builtin drains at once (`sum(... for ci in range(c_in))`), nor
    its first `in`, which runs where it is written."""
    below, child, parent = None, node, places.parents.get(id(node))
    while parent is not None and not isinstance(parent, ast.stmt):
        if isinstance(parent, ast.GeneratorExp) and not (child is parent.generators[0] and below is child.iter):
            holder = places.parents.get(id(parent))
            if not (any(scope.builtin_call(holder, name) for name in _CONSUMERS) and holder.args == [parent]):
                return True
        below, child, parent = child, parent, places.parents.get(id(parent))
    return False


def _closed(node: ast.AST, scope: _Scope) -> ast.AST:
    """node (a slice's bounds) with each name bound once written out as its value as of the read, and each read
    the rule cannot place given a name of its own (H44). A name's value is its value at the read only when its
    binding ran before the read in the same run of the block that holds it (`r1 = r0 + kh`, then, later in that
    block, `x_pad[n, c, r0:r1]`), and when no name its value reads was bound again in between: `top = 1000000`,
    `bottom = top + kh`, `top = 0` made `top:bottom` the whole plane with `top` read as one number, and
    `bottom = i * sh + kh` bound under an `if` in an earlier step of `for i in reversed(...)` made `i * sh:bottom`
    every row up to the last. A name bound once and then clipped reads as _clip_values gives it."""
    places = scope.places
    counter = itertools.count()
    deferred = _deferred(node, places, scope)

    def unknown(name: str) -> ast.Name:
        return ast.Name(id=f"<{name} read before {next(counter)}>", ctx=ast.Load())

    def guarded(name: str, guards) -> bool:
        """Whether a binding of name lies where it may run between a value's binding and the read."""
        return any(first <= place <= last for target in places.bound.get(name, ()) for block, first, last in guards
                   for place in [places.place(target, block)] if place is not None)

    def interval(target: ast.AST, read: ast.AST):
        """(block, index of target's statement, index of the read's) when the read follows in target's block."""
        found = places.blocks.get(id(places.statement(target)))
        if found is None:
            return None
        block, start = found
        at = places.place(read, block)
        return None if at is None or at <= start else (block, start, at)

    def close(expr: ast.AST, guards: tuple, depth: int) -> ast.AST:
        if depth > 8:
            return unknown("deep")
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and \
                isinstance(expr.func.value, ast.Name) and expr.func.value.id in ("np", "numpy"):
            # numpy's function is numpy's wherever it is read (`r0 = np.clip(top, 0, height)`: _numpy_clips)
            func = expr.func
            rebuilt = _rebuilt(expr, lambda child: child if child is func else close(child, guards, depth))
            return rebuilt
        # an element or attribute read by a value bound before the read (`bottom = pos[0] + kh`) is the number it
        # held then: `pos[0] = 0` between changes `pos[0]` at the read but binds no name (H45). A shape's element
        # (`weight.shape[2]`, `x.shape[-1]`) changes only with its array's name, which guarded follows.
        if guards and isinstance(expr, (ast.Subscript, ast.Attribute)):
            root = expr.value.value if _shape_element(expr) else expr.value if isinstance(expr, ast.Subscript) and \
                isinstance(expr.value, ast.Name) and expr.value.id in scope.fixed and _size_form(expr) else None
            if root is None:   # a kernel's size given as a pair (`kernel_size[0]`) is a tuple's, or an int's
                return unknown(ast.unparse(expr))
            return unknown(root.id) if guarded(root.id, guards) else expr
        if isinstance(expr, ast.Name) and isinstance(expr.ctx, ast.Load):
            name = expr.id
            # a name bound once, or once and then clipped, is written out as its value there; another name (bound
            # twice, a loop's variable) is one number only where it is not bound again between
            if deferred and (id(expr) in scope.clip_reads or name in scope.values):
                return expr   # read when the generator runs: its value then is not known here (_deferred)
            if id(expr) in scope.clip_reads:
                # from the first binding of _clip_values's plan (H46: the first target ast.walk met was a clip's when
                # the first binding's lay deeper, `(top := a * a)`, and `a = 1000` between it and the clip was missed)
                value, first = scope.clip_reads[id(expr)]
                span = interval(first, expr)
                if span is None:
                    return unknown(name)
                return close(value, (*guards, span), depth + 1)
            if name in scope.values:
                target = places.bound[name][0]
                span = interval(target, expr)
                if span is None:
                    return unknown(name)
                return close(scope.values[name], (*guards, span), depth + 1)
            return unknown(name) if guarded(name, guards) else expr
        return _rebuilt(expr, lambda child: close(child, guards, depth))

    return close(node, (), 0)


# ---------------------------------------------------------------- reads of the image

def _chain(node: ast.Name, parents: dict) -> tuple[ast.AST, list[ast.AST]]:
    """The outermost subscript over node (or node) and the index entries of the chain, in order."""
    top, groups = _chain_groups(node, parents)
    return top, [entry for group in groups for entry in group]


def _chain_groups(node: ast.Name, parents: dict) -> tuple[ast.AST, list[list[ast.AST]]]:
    """The outermost subscript over node (or node) and the entries of each subscript of the chain
    apart: `img[rows][:, cols]` gives [[rows], [:, cols]]."""
    groups, top = [], node
    parent = parents.get(id(top))
    while isinstance(parent, ast.Subscript) and parent.value is top:
        index = parent.slice
        groups.append(list(index.elts) if isinstance(index, ast.Tuple) else [index])
        top, parent = parent, parents.get(id(parent))
    return top, groups


def _is_whole(entry: ast.AST) -> bool:
    return isinstance(entry, ast.Slice) and entry.lower is entry.upper is entry.step is None


def _spread(groups: list[list[ast.AST]], axes: int, keeps) -> tuple[list[list[ast.AST]], int] | None:
    """The entries of a chain of subscripts of an array with `axes` dimensions, per dimension in order, and how
    many dimensions the chain leaves; None when that cannot be told (an Ellipsis, an unpacked entry, more entries
    than dimensions, or an entry `keeps` cannot place). `keeps(entry)`: True when the entry keeps its dimension
    (a slice: the next subscript indexes it again), False when it picks one element (a number), None when it is
    neither. So `x_pad[n, c, :, :][r, s]` gives the rows `:` and `r`, the columns `:` and `s`."""
    got: list[list[ast.AST]] = [[] for _ in range(axes)]  # per dimension of the array, its entries
    alive = list(range(axes))                              # the dimensions the view still has
    for group in groups:
        if len(group) > len(alive):
            return None
        for position, entry in reversed(list(enumerate(group))):
            kept = None if isinstance(entry, ast.Starred) or isinstance(entry, ast.Constant) and \
                entry.value is Ellipsis else keeps(entry)
            if kept is None:
                return None
            got[alive[position]].append(entry)
            if not kept:
                del alive[position]
    return got, len(alive)


def _regroup(groups: list[list[ast.AST]], axes: int, numbers: set[str], scope: _Scope) -> list[ast.AST] | None:
    """A chain of subscripts of an array with `axes` dimensions as one index of it, or None when that
    cannot be told (an Ellipsis, an array, more entries than dimensions). A number drops its
    dimension; a slice keeps it, and the next subscript indexes it again. Each dimension's entry is
    the one that bounds it most (_narrowest): after a slice, whatever follows stays inside it, so
    `img[i * sh:i * sh + kh][:, j * sw:j * sw + kw]` is `img[i * sh:i * sh + kh, j * sw:j * sw + kw]`,
    `x_pad[n, c, i * sh:][:kh]` reads at most kh rows, and `x_pad[n:n + 1, c:c + 1][0, 0]` picks one
    image and one channel."""
    spread = _spread(groups, axes, _number_or_slice(numbers, scope))
    return None if spread is None else [_narrowest(entries, numbers, scope) for entries in spread[0]]


def _number_or_slice(numbers: set[str], scope: _Scope):
    """For _spread: a number picks its dimension, a slice keeps it; anything else cannot be placed."""
    def keeps(entry: ast.AST) -> bool | None:
        if _is_number(entry, numbers):
            return False
        return True if isinstance(entry, ast.Slice) or _as_slice(entry, scope) else None
    return keeps


def _slice_or_else(scope: _Scope):
    """For _spread where numbers are not known (which loops move an index): a slice keeps its dimension,
    anything else is taken to pick one (a name that is no number is refused where the read is checked)."""
    def keeps(entry: ast.AST) -> bool | None:
        if _adds_axis(scope.resolve(entry), scope.flags):
            return None
        return isinstance(entry, ast.Slice) or _as_slice(entry, scope) is not None
    return keeps


def _narrowest(entries: list[ast.AST], numbers: set[str], scope: _Scope) -> ast.AST:
    """The entry that bounds one dimension of a chain most: each later entry indexes inside the
    earlier ones, so the dimension is no longer than any of them. A number picks one element
    (`img[i * sh:][ki]`); else a window's slice anywhere in the chain bounds it
    (`x_pad[n, c, i * sh:][:kh]`: at most kh rows); else the first entry that is not `:`."""
    for entry in entries:
        if _is_number(entry, numbers):
            return entry
    for entry in entries:
        piece = _as_slice(entry, scope) or entry
        if isinstance(piece, ast.Slice) and not _is_whole(piece) and _slice_length(piece, scope) == "window":
            return entry
    return next((e for e in entries if not _is_whole(e)), ast.Slice(lower=None, upper=None, step=None))


def _as_slice(entry: ast.AST, scope: _Scope) -> ast.Slice | None:
    """The slice that `slice(start, stop[, step])` (or `np.s_[start:stop]`) builds, written in the index or bound once to a name
    (`rows = slice(i * sh, i * sh + kh)`; `x_pad[n, c, rows, cols]`), or None. Only the builtin
    `slice`, and only through names bound once: a name bound twice has no one value."""
    entry = scope.resolve(entry)
    if isinstance(entry, ast.Subscript) and isinstance(entry.slice, ast.Slice) and \
            isinstance(entry.value, ast.Attribute) and entry.value.attr == "s_" and \
            isinstance(entry.value.value, ast.Name) and entry.value.value.id in ("np", "numpy") and \
            entry.value.value.id in scope.modules:
        return entry.slice   # numpy's `np.s_[a:b]` is the slice a:b (H46)
    if not (scope.builtin_call(entry, "slice") and 1 <= len(entry.args) <= 3):
        return None
    args = entry.args
    if len(args) == 1:
        return ast.Slice(lower=None, upper=args[0], step=None)
    return ast.Slice(lower=args[0], upper=args[1], step=args[2] if len(args) == 3 else None)


def _axis_adder(entries: list[ast.AST], scope: _Scope) -> str | None:
    """Why one of these index entries adds an axis instead of picking one (None: none does)."""
    for entry in entries:
        if _adds_axis(scope.resolve(entry), scope.flags):
            what = "may hold None or a bool (a value it is bound to is one), which adds" if isinstance(
                entry, ast.Name) else "adds"
            return (f"the index `{ast.unparse(entry)}` {what} an axis instead of picking one (None, np.newaxis or a "
                    "bool), so the rows and columns are not where the index seems to pick them")
    return None


def _window_problem(entries: list[ast.AST], lead: int, numbers: set[str], scope: _Scope,
                    bounded: frozenset[int] = frozenset()) -> str | None:
    """Why an index with these entries reads more than one window (None: it does not). `lead`: how
    many dimensions come before the rows and columns (2 for x: batch and channels; 0 for x_pad[n, c]);
    `bounded`: the axes (0 rows, 1 columns) that a band already bounds to one window."""
    adder = _axis_adder(entries, scope)
    if adder:
        return adder
    starred = next((e for e in entries if isinstance(e, ast.Starred)), None)
    if starred is not None:  # `x_pad[*e, *e, n, c]` with e = (): the rows and columns are n and c
        return (f"its index unpacks `{ast.unparse(starred)}`, so the rows and columns are not where the index seems "
                "to pick them")
    ellipsis = [i for i, e in enumerate(entries) if isinstance(e, ast.Constant) and e.value is Ellipsis]
    spatial = entries[ellipsis[0] + 1:][-2:] if ellipsis else entries[lead:lead + 2]
    if bounded and not ellipsis:  # an entry left out of a band's index leaves its axis whole: `band[i * sh:...]`
        spatial = spatial + [ast.Slice(lower=None, upper=None, step=None)] * (2 - len(spatial))
    if len(spatial) < 2:
        return "its index leaves the rows or columns whole"
    for axis, entry in enumerate(spatial):
        entry = _as_slice(entry, scope) or entry
        if axis in bounded and (isinstance(entry, ast.Slice) or _is_number(entry, numbers)):
            continue  # within the band's window along this axis, whatever it picks
        if isinstance(entry, ast.Slice):
            length = _slice_length(entry, scope)
            if length is None:
                return (f"the slice `{ast.unparse(entry)}` has bounds that are not plain arithmetic on numbers, so its "
                        "length cannot be read")
            if length == "grows":
                return f"the slice `{ast.unparse(entry)}` grows with the image (a window's slice has the kernel's length)"
            if length == "step":
                return (f"the slice `{ast.unparse(entry)}` has a step that is not a positive number written in it "
                        "(a window's slice needs none)")
            if length == "many":
                return (f"the slice `{ast.unparse(entry)}` has bounds with too many names and sizes for the rule to "
                        f"read (more than {WRAP_CASES:,} cases to try); a window's slice runs from its first row to its "
                        "last, `i * sh:i * sh + kh`")
            if length == "wraps":
                return (f"the slice `{ast.unparse(entry)}` may end at a negative position, which numpy counts from the "
                        "end of the axis (`0:-1` is every row but the last); a window's slice runs from its first "
                        "row to its last, `i * sh:i * sh + kh`")
            if length == "long":
                return (f"the slice `{ast.unparse(entry)}` is longer than a window, whatever the image (a window's "
                        "slice has the kernel's length)")
        elif not _is_number(entry, numbers):
            return (f"the index `{ast.unparse(entry)}` may be an array of positions (an index must be a number "
                    "computed from the loop variables and sizes)")
        elif _sequence_use(entry, scope):
            return _sequence_use(entry, scope)
    return None


def _reads_size_only(node: ast.Name, parents) -> bool:
    """`x.shape`, `x.ndim`, `len(x)`, `np.result_type(x, w)`: this load of a name reads its sizes or dtype only."""
    parent = parents.get(id(node))
    return isinstance(parent, ast.Attribute) and parent.value is node and parent.attr in METADATA or \
        isinstance(parent, ast.Call) and _called(parent) in ("len", "result_type") and node in parent.args


def _item_call(node: ast.AST, parents) -> ast.Call | None:
    """The call when node (a name, or the outermost subscript of a chain over one) is the object of a method
    call `node.item(...)`, else None (`get = x_pad.item`, `x_pad.itemset(...)`, `np.ndarray.item(x_pad, ...)`
    are no such call)."""
    method = parents.get(id(node))
    call = parents.get(id(method))
    if isinstance(method, ast.Attribute) and method.value is node and method.attr == "item" and \
            isinstance(call, ast.Call) and call.func is method:
        return call
    return None


def _position_entries(node: ast.Name, parents, lead: int, scope: _Scope) -> list[list[ast.AST]] | None:
    """The entries that index the rows and the columns of the array this load names (after its `lead` leading
    dimensions), each axis's apart: all those of its chain of subscripts and of `.item(...)` called on it that
    fall on that axis (`x_pad[n, c, r, s]`, `x_pad.item(n, c, r, s)`: [[r], [s]]; after a slice, what follows
    indexes inside it, `x_pad[n, c, :, :][r, s]` or `x_pad[n, c, rows, cols].item(ki, kj)`: [[:, r], [:, s]] and
    [[rows, ki], [cols, kj]]). None when the chain cannot be read so."""
    top, groups = _chain_groups(node, parents)
    call = _item_call(top, parents)
    if call is not None:
        groups = [*groups, list(call.args)]
    spread = _spread(_line_groups(node.id, groups, lead, scope), lead + 2, _slice_or_else(scope))
    return None if spread is None else spread[0][lead:lead + 2]


def _item_problem(node: ast.Name, call: ast.Call, images: dict, numbers, scope,
                  groups: list[list[ast.AST]] = ()) -> str | None:
    """Why `node.item(...)` reads more than one element (None: it reads one). numpy's `a.item(i0, ..., ik)`
    with one whole number per axis is `a[i0, ..., ik]`, one element (H62); with one argument it is a
    flat index (or a tuple of them), which reaches any element (`x_pad.item(k)` for k in
    range(x_pad.size) is the whole image), and with none it is the array's only element or an error.
    So the rule takes the call as a read of one element only when it gives as many indices as the
    array it is called on has axes, each a number that is no sequence, none unpacked or given by keyword,
    and the rows and columns entries are read as a subscript's. `groups`: the entries of the subscripts it
    is called on, each a number or a slice: a number picks its axis (`x_pad[n, c].item(r, s)` is
    `x_pad[n, c, r, s]`), a slice keeps it and .item indexes inside it (`x_pad[n, c, rows, cols].item(ki, kj)`
    is element (ki, kj) of that window: H67), as chained subscripts are read (_regroup)."""
    lead = images[node.id]
    if lead == OPAQUE:
        return ("it holds the image in a container or a view whose axes the rule cannot follow (`[[x_pad]]`, "
                "`x_pad[None]`, `x_pad.T`); index the image itself")
    groups = _line_groups(node.id, list(groups), lead, scope)
    args, picked = call.args, [entry for group in groups for entry in group]
    adder = _axis_adder(picked, scope)
    if adder:
        return adder
    spread = _spread(list(groups), lead + 2, _number_or_slice(numbers, scope))
    if spread is None:
        entry = next((e for e in picked if _number_or_slice(numbers, scope)(e) is None), picked[-1])
        return (f"the index `{ast.unparse(entry)}` before `.item(...)` in `{ast.unparse(call)}` may be neither a "
                "number nor a slice (index the image by numbers or a window's slices before .item, or by none: "
                "`x_pad.item(n, c, r, s)`)")
    axes = spread[1]
    if call.keywords or any(isinstance(a, ast.Starred) for a in args):
        return (f"`{ast.unparse(call)}` unpacks or names its indices, so the rule cannot tell which element it "
                f"reads; give one index per axis, `{node.id}.item({', '.join(['n', 'c', 'r', 's'][-lead - 2:])})`"
                if lead + 2 <= 4 else f"`{ast.unparse(call)}` unpacks or names its indices")
    if len(args) != axes:
        flat = (": with one, .item() reads a flat index (or a tuple of them), which reaches any element of the "
                "array" if len(args) == 1 else "")
        return (f"`{ast.unparse(call)}` gives {len(args)} {'index' if len(args) == 1 else 'indices'} for its "
                f"{axes} axes{flat}; give one index per axis (the same read as `{node.id}[...]` with them)")
    for arg in [*(e for e in picked if _is_number(e, numbers)), *args]:
        if not _is_number(arg, numbers):
            return (f"the index `{ast.unparse(arg)}` of `{ast.unparse(call)}` may not be a number (an index "
                    "must be a number computed from the loop variables and sizes)")
        problem = _axis_adder([arg], scope) or _sequence_use(arg, scope)
        if problem:
            return problem
    entries = _regroup([*groups, list(args)], lead + 2, numbers, scope)
    return _window_problem(entries, lead, numbers, scope, scope.bands.get(node.id, frozenset()))


def _whole_use(node: ast.Name, images: dict, parents, numbers, scope) -> str | None:
    """Why this load of an image name reads more than one window (None: metadata or one window)."""
    if _reads_size_only(node, parents):
        return None  # x.shape, len(x), np.result_type(x, weight): numbers and a dtype
    item = _item_call(node, parents)
    if item is not None:
        return _item_problem(node, item, images, numbers, scope)  # `x_pad.item(n, c, r, s)`: x_pad[n, c, r, s]
    parent = parents.get(id(node))
    loop = parents.get(id(parent))
    if isinstance(parent, ast.Call) and parent.args == [node] and not parent.keywords and \
            isinstance(loop, (ast.For, ast.AsyncFor)) and loop.iter is parent and enumerated_index(loop) is not None:
        return None  # `for (n, c, i, j), g in np.ndenumerate(grad_out)`: one element per step (what collects them is an image too)
    top, groups = _chain_groups(node, parents)
    item = _item_call(top, parents) if top is not node else None
    if item is not None:  # `x_pad[n, c].item(r, s)`: x_pad[n, c, r, s]
        return _item_problem(node, item, images, numbers, scope, groups)
    maker = parents.get(id(top))
    if isinstance(maker, ast.Call) and maker.args and maker.args[0] is top and isinstance(maker.func, ast.Attribute) \
            and maker.func.attr in LIKE_MAKERS and isinstance(maker.func.value, ast.Name) \
            and maker.func.value.id in scope.modules:
        return None  # np.zeros_like(out[n, c]): its shape and dtype only (H44)
    if top is node:
        return "uses it whole"
    if isinstance(top.ctx, (ast.Store, ast.Del)) and not _mixed_in_place(top, parents):
        return None  # writing into it is clause (1)'s business
    if images[node.id] == OPAQUE:
        return ("it holds the image in a container or a view whose axes the rule cannot follow (`[[x_pad]]`, "
                "`x_pad[None]`, `x_pad.T`); index the image itself")
    lead, bounded = images[node.id], scope.bands.get(node.id, frozenset())
    groups = _line_groups(node.id, groups, lead, scope)
    entries = [entry for group in groups for entry in group]
    if node.id in scope.collectors and any(not _is_number(e, numbers) for e in entries[:lead]):
        # its leading axes are where the writes put them, not images and channels (H34: `acc[i, j, ki, kj] =
        # x_pad[...]`, then `acc[:, :, ki, kj]`, every output position's value at once)
        return ("it collects values read from the image, and its index takes whole ranges of the axes before its "
                "last two; read it one element or one window at a time")
    if any(not _is_number(e, numbers) for group in groups[:-1] for e in group):
        # a slice before the last subscript keeps a dimension that the next subscript indexes again
        problem = _axis_adder(entries, scope)
        if problem:
            return problem
        entries = _regroup(groups, lead + 2, numbers, scope)
        if entries is None:
            return ("its chained subscripts cannot be read as one index (an Ellipsis, an array or too many entries "
                    "after a slice); index the image once")
        if any(_is_whole(entries[lead + axis]) and axis not in bounded for axis in (0, 1)):
            return ("its chained subscripts leave the rows or columns whole: after a slice, the next subscript "
                    "indexes the dimensions the slice kept again, not the ones after them; index the image once")
    return _window_problem(entries, lead, numbers, scope, bounded)


def _mixed_in_place(target: ast.AST, parents) -> bool:
    """target is what `@=` updates: `A[n, c] @= M` reads every position of A[n, c] to write each (H30)."""
    statement = parents.get(id(target))
    return isinstance(statement, ast.AugAssign) and statement.target is target and isinstance(statement.op, ast.MatMult)


def _lead_after(value: ast.AST, images: dict, parents, numbers, scope: _Scope) -> int | None:
    """The lead of `value` when it picks among an image's leading dimensions only (`x_pad[n]`,
    `x_pad[n, c]`, `x_pad[n, :]`), else None."""
    if not isinstance(value, ast.Subscript):
        return None
    base = value
    while isinstance(base, ast.Subscript):
        base = base.value
    if not (isinstance(base, ast.Name) and base.id in images) or images[base.id] == OPAQUE:
        return None
    top, entries = _chain(base, parents)
    lead = images[base.id]
    if top is not value or len(entries) > lead or any(
            not (_is_whole(e) or _is_number(e, numbers))
            or _adds_axis(scope.resolve(e), scope.flags) for e in entries):
        return None
    return sum(isinstance(e, ast.Slice) for e in entries) + lead - len(entries)


def _images(fn: ast.FunctionDef, bindings, parents, numbers, scope) -> tuple[dict[str, int], dict[str, int]]:
    """IMAGES and every name computed from one of them used whole (`x_pad = _pad(x, ...)`, `y = x_pad`,
    `plane = x_pad[n, c]`), each with its lead (see _window_problem); and what _fills finds for those images and
    numbers (the last pass's: every pass only adds names or changes leads, so in the last, which changes nothing,
    _fills read the images returned)."""
    params = parameter_names(fn, starred=False)
    images = {name: 2 for name in IMAGES if name in params}
    while True:
        grown = dict(images)
        # a band (`band = x_pad[n, c, i * sh:i * sh + kh]`) keeps its axes, and what is computed from a window read
        # through it is no image (H67: `total += band[ki, j * sw + kj]` made total one, a view the rule cannot follow)
        bands = _bands(bindings, images, parents, numbers, scope)
        seen = _with_bands(scope, bands)
        for target, value, how in bindings:
            # `x, (kh, kw), ... = _check_pool_args(..., x, ...)`: what a given line unpacks is x and sizes (also
            # when the student binds a size again: H36); bound again by the student (`x = x_pad.T`: H34), x takes
            # that value's lead too
            if how == "given" and isinstance(target, (ast.Tuple, ast.List)):
                continue
            new = stored_names(target) - numbers - (set(IMAGES) & params if how == "given" else set())
            if value is None or not new:
                continue
            used = [n for n in ast.walk(value) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                    and n.id in images and _whole_use(n, images, parents, numbers, seen)]
            if not used:
                continue
            lead = _lead_after(value, images, parents, numbers, scope)
            if lead is None and isinstance(target, ast.Name) and target.id in bands and \
                    scope.values.get(target.id) is value:
                lead = bands[target.id][1]   # the band's own binding: its rows and columns follow what it keeps
            if lead is None:
                lead = min(images[n.id] for n in used)
                # an alias or a call keeps the axes (`y = x_pad`, the given `x_pad = _pad(x, ...)`; a call that
                # reads the image whole breaks the rule anyway); a container, a new axis or a transpose does not
                if not (isinstance(value, (ast.Name, ast.Call)) or how == "loop") or \
                        any(images[n.id] == OPAQUE for n in used):
                    lead = OPAQUE
            if how == "loop" and lead != OPAQUE:  # `for plane in x_pad[n]`: each step drops the first dimension
                lead = max(lead - 1, 0)
            grown.update({name: _either_lead(grown.get(name), lead) for name in new})
        filled = _fills(fn, grown, numbers, parents, seen)
        for name, lead in filled.items():
            grown[name] = _either_lead(grown.get(name), lead)
        for view, array, picked in _views(bindings, numbers, scope):  # filling `view = big[:]` fills big
            if view in grown and array not in grown and array not in numbers and (picked != OPAQUE or view in filled):
                # with the axes the view's index picks before its own (H39: `view = big[n, c]` filled made big's
                # lead 0, and `big[n, c]` one window); a filled name bound to anything else that names an array
                # (`view = np.asarray(big[n, c])`) may share its memory in a way the rule does not follow
                grown[array] = OPAQUE if OPAQUE in (grown[view], picked) else grown[view] + picked
        if grown == images:
            return images, filled
        images = grown


def _either_lead(known: int | None, lead: int) -> int:
    """The lead of a name bound or filled in two ways (`work = x_pad.copy()`, then `work[n, c] = ...`): the
    larger, so that a read is one window under both (H30: the fill's lead 0 made `work[n, c]` one element);
    OPAQUE if either is."""
    if known is None:
        return lead
    return OPAQUE if OPAQUE in (known, lead) else max(known, lead)


def _views(bindings, numbers: set[str] | None = None, scope: _Scope | None = None) -> list[tuple[str, str, int]]:
    """(view, array, picked) for each name bound to a view of another (`view = big[:]`, `flat = big.reshape(-1)`,
    `t = big.T`), also by a loop (`for row in big[n, c]`, `for plane in [big[n, c]]`): both share memory, so
    what fills one fills the other. `picked`: how many axes of the array the view's index picks by a number
    (a loop over an array picks one more), all before the view's own (`view = big[n, c]`: 2), or OPAQUE when
    that cannot be told: a method, an index that is neither a number nor a slice, one that adds an axis, or
    any other value that names an array (`np.asarray(big[n, c])`: H39)."""
    numbers = numbers or set()
    pairs = []
    for target, value, how in bindings:
        if how not in ("assign", "loop") or not isinstance(target, ast.Name) or value is None:
            continue
        listed = how == "loop" and isinstance(value, (ast.List, ast.Tuple))
        for one in value.elts if listed else [value]:
            node, picked = one, 1 if how == "loop" and not listed else 0
            while isinstance(node, ast.Subscript) or isinstance(node, ast.Attribute) and node.attr in VIEW_METHODS or \
                    isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in VIEW_METHODS:
                if isinstance(node, ast.Subscript):
                    entries = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
                    for entry in entries:
                        if picked == OPAQUE or isinstance(entry, ast.Slice):
                            continue   # a slice keeps its axis
                        adds = _adds_axis(scope.resolve(entry), scope.flags) if scope is not None else \
                            _adds_axis(entry, frozenset())
                        picked = picked + 1 if _is_number(entry, numbers) and not adds else OPAQUE
                else:
                    picked = OPAQUE
                node = node.func.value if isinstance(node, ast.Call) else node.value
            if isinstance(node, ast.Name) and (node is not one or how == "loop"):
                pairs.append((target.id, node.id, picked))
            elif how == "assign" or listed:
                called = {id(call.func) for call in ast.walk(one) if isinstance(call, ast.Call)} | {
                    id(call.func.value) for call in ast.walk(one) if isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)}   # np of np.asarray(...), a function's name
                # np.zeros_like(out[n, c]) makes a new array of that shape and dtype: no view of out (H44)
                called |= {id(name) for call in ast.walk(one) if isinstance(call, ast.Call) and call.args
                           and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)
                           and call.func.value.id in (scope.modules if scope is not None else ("np", "numpy"))
                           and call.func.attr in LIKE_MAKERS for name in ast.walk(call.args[0])}
                pairs += [(target.id, name.id, OPAQUE) for name in ast.walk(one) if isinstance(name, ast.Name)
                          and isinstance(name.ctx, ast.Load) and name.id not in numbers and id(name) not in called
                          and (scope is None or name.id not in scope.modules)]
    return pairs


LIKE_MAKERS = ("zeros_like", "ones_like", "empty_like", "full_like")   # a new array shaped like their first argument

GATHERERS = ("concatenate", "append", "stack", "vstack", "hstack", "dstack", "column_stack", "block", "array", "asarray",
             "list", "tuple")
INDEX_GATHERERS = ("r_", "c_")  # np.r_[acc, v] concatenates what its index lists
# Builtins that never change their arguments; any other call that reads the image may fill every
# name it is given (np.positive(window, copy), operator.setitem(copy, ...), heapq.heappush(acc, ...)).
PURE_BUILTINS = ("min", "max", "abs", "sum", "len", "int", "float", "round", "divmod", "range", "enumerate", "zip",
                 "sorted", "isinstance", "any", "all", "bool")
# numpy functions that write into none of their first K positional arguments, with K: given at most K
# and no `out=`, they fill nothing (np.vdot(window, kernel); np.positive(window, copy) fills copy, a ufunc's
# output after its inputs). H14: an honest `kernel = weight[co].ravel()` passed to np.vdot was a collector.
# Every ufunc is one, with K its number of inputs (np.add: 2, np.exp: 1): a ufunc writes only into its
# outputs, which follow the inputs or come as out=. Read from numpy's namespace (vars, so that no lazy
# attribute is imported); np.add.at and the other ufunc methods are no `np.f(...)` call, so never match.
PURE_UFUNCS = {name: value.nin for name, value in vars(np).items() if isinstance(value, np.ufunc)}
PURE_NUMPY = {**PURE_UFUNCS, "vdot": 2, "dot": 2, "inner": 2, "outer": 2, "sum": 1, "mean": 1, "max": 1, "amax": 1,
              "min": 1, "amin": 1, "prod": 1, "argmax": 1, "argmin": 1, "ravel": 1, "isclose": 2, "allclose": 2,
              "array_equal": 2, "count_nonzero": 1, "unravel_index": 2}
# Methods that do not change the object they are called on (their arguments may still be filled).
PURE_METHODS = ("max", "min", "sum", "mean", "argmax", "argmin", "item", "copy", "tolist", "astype", "reshape", "ravel",
                "flatten", "transpose", "squeeze", "any", "all", "prod")
# What a view of an array is made with: the name it is bound to shares the array's memory.
VIEW_METHODS = ("reshape", "ravel", "view", "transpose", "swapaxes", "squeeze", "T")


def _fills(fn: ast.FunctionDef, images: dict, numbers: set[str], parents, scope) -> dict[str, int]:
    """The arrays and lists that collect values read from an image, element by element or window by
    window, each with its lead: they hold what the image holds, so clause 5 reads them as images
    (otherwise a loop could copy x_pad into `copy` one element at a time, then reduce `copy` whole).
    A name collects when a statement anywhere in fn, with a value that reads an image or a name
    holding values read from one (`window = x_pad[...]`, `v` in `for index, v in np.ndenumerate(x_pad)`),
    - writes into it by index: `copy[a, b, r, s] = x_pad[a, b, r, s]` (lead: its index entries after
      the last two); `out[n, c, i, j] = window.max()` too, harmlessly (writes are clause 1's business);
    - calls a filling method on it or passes it to one: `vals.append(x_pad[n, c, r, s])`,
      `np.copyto(copy, ...)`, or names it as `out=`;
    - rebinds it in a container: `vals = vals + [x_pad[...]]`, `vals += [v]`, `acc = np.concatenate([acc, ...])`.
    A collector made afresh for each window is not one (_fresh_each_window): `values = []`, then
    `values.append(x_pad[n, c, i * sh + ki, j * sw + kj])` in loops over ki and kj, then `max(values)`."""
    readers = _holding_image_values(fn, images, numbers, parents)

    def reads(node) -> bool:   # x.shape and len(x) read sizes, no values (H20: product(range(x.shape[0]), ...))
        return any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in readers
                   and not _reads_size_only(n, parents) for n in ast.walk(node))

    def gathers(node) -> bool:
        if isinstance(node, (ast.List, ast.Set, ast.Tuple, ast.ListComp, ast.SetComp, ast.GeneratorExp)) or \
                isinstance(node, ast.Call) and _called(node) in GATHERERS or \
                isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and \
                node.value.attr in INDEX_GATHERERS:
            return True
        children = [node.value] if isinstance(node, ast.Subscript) else ast.iter_child_nodes(node)  # an index is no container
        return any(gathers(child) for child in children)

    def base(node):  # the name a target writes into, through subscripts, attributes and calls: copy.T[s, r]
        entries = 0
        while isinstance(node, (ast.Subscript, ast.Attribute, ast.Call)):
            if isinstance(node, ast.Subscript):
                entries += len(node.slice.elts) if isinstance(node.slice, ast.Tuple) else 1
            node = node.func if isinstance(node, ast.Call) else node.value
        return (node.id, entries) if isinstance(node, ast.Name) else (None, entries)

    found: dict[str, list[tuple[ast.AST, int]]] = {}
    for node in ast.walk(fn):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)) and reads(node.iter):
            for target in _outermost_subscripts(node.target):  # for copy[r, s] in (x_pad[n, c, r, s],)
                name, entries = base(target)
                if name:
                    found.setdefault(name, []).append((node, max(entries - 2, 0)))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value is not None and \
                reads(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            outermost = [t for target in targets for t in _outermost_subscripts(target)]
            for target in outermost:
                name, entries = base(target)
                if name:
                    found.setdefault(name, []).append((node, max(entries - 2, 0)))
            mentioned = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
            for target in targets:
                if isinstance(target, ast.Name) and gathers(node.value) and (
                        isinstance(node, ast.AugAssign) or target.id in mentioned):
                    found.setdefault(target.id, []).append((node, 0))
        elif isinstance(node, ast.Call) and reads(node) and id(node) not in scope.given_calls:
            # the given lines' calls (`_check_pool_args(..., x, kernel_size, stride, padding)`) fill nothing:
            # clause 4 keeps the given functions as the notebook gives them (H31: `s_h, s_w = stride` was a copy)
            named = [node.func.value] if isinstance(node.func, ast.Attribute) and _called(node) not in PURE_METHODS \
                and not _pure_numpy(node) else []
            if not (isinstance(node.func, ast.Name) and node.func.id in PURE_BUILTINS or _pure_numpy(node)
                    or _pure_map(node)):
                # a pure builtin handed on (functools.reduce(max, window.flat)) is a function, not a collector
                named += [a.value if isinstance(a, ast.Starred) else a for a in node.args
                          if not (isinstance(a, ast.Name) and a.id in PURE_BUILTINS and a.id not in scope.rebound)]
                named += [k.value for k in node.keywords]
            for holder in named:
                name, _ = base(holder)
                if name and name not in scope.modules and (name not in numbers or name in scope.sequences):
                    found.setdefault(name, []).append((node, 0))
    # a fill may write a whole plane at once (`big[n, c] = np.where(mask, x_pad[n, c, r, s], big[n, c])`,
    # `np.copyto(big[n, c], ..., where=mask)`), so an array whose dimensions are known (np.zeros of a shape of
    # 4) has its rows and columns last whatever its fills' indices (H39: lead 0 made `big[n, c]` one window), and
    # one whose dimensions are not known (made otherwise: `np.zeros(x_pad.shape) + 0`, `.copy()`) has the image's (H43)
    ndims = _known_ndims(fn, images, scope)
    return {name: max(max(lead for _, lead in fills), ndims.get(name, IMAGE_NDIM) - 2) for name, fills in found.items()
            if not all(_fresh_each_window(name, fill, fn, parents, images, readers, scope) for fill, _ in fills)}


IMAGE_NDIM = 4   # an array made of a shape whose length cannot be read counts as many dimensions as the image (H43)


def _known_ndims(fn: ast.FunctionDef, images: dict, scope) -> dict[str, int]:
    """name -> the most dimensions of an array it is bound to by np.zeros, np.ones, np.empty or np.full of a
    shape whose length is known (a tuple or list, an image's shape, a name bound to such shapes, also more than
    once: H43), or by their _like of an image. A shape whose length cannot be read (a name bound to itself, a
    starred tuple) counts IMAGE_NDIM: a fill may write a whole plane at once, so the array's rows and columns
    are its last two, not the last two its fills index (`shp = x_pad.shape` bound twice, then `big =
    np.zeros(shp)` filled by `big[n, c] = np.where(mask, x_pad[n, c, r, s], big[n, c])`: big[n, c] was one
    window's read, and avgpool2d_loops so written scored 48 of 48, 44 deserved)."""
    plain: dict[str, list[ast.AST]] = {}   # names bound only by plain assignments, with their values
    other: set[str] = set()
    looped: set[str] = set()   # bound by a loop over anything but positions, or otherwise unread
    for target, value, how in _bindings(fn, set()):
        if how == "assign" and isinstance(target, ast.Name) and value is not None:
            plain.setdefault(target.id, []).append(value)
        else:
            other |= stored_names(target)
            if how != "assign" and not (how == "loop" and _position_loop(value)):
                looped |= stored_names(target)

    def length(shape, depth=0) -> int | None:   # 0: no tuple's (a number, a call); None: cannot be read
        if depth > 8:
            return None
        shape = scope.resolve(shape)
        if isinstance(shape, (ast.Tuple, ast.List)):
            return None if any(isinstance(e, ast.Starred) for e in shape.elts) else len(shape.elts)
        if isinstance(shape, ast.Attribute) and shape.attr == "shape" and isinstance(shape.value, ast.Name) and \
                images.get(shape.value.id, OPAQUE) != OPAQUE:
            return images[shape.value.id] + 2
        if isinstance(shape, ast.Name) and shape.id in plain and shape.id not in other:
            lengths = [length(value, depth + 1) for value in plain[shape.id]]
            return None if None in lengths else max(lengths)
        if isinstance(shape, ast.BinOp) and isinstance(shape.op, ast.Add):   # (batch, channels) + (hp, wp)
            left, right = length(shape.left, depth + 1), length(shape.right, depth + 1)
            return None if None in (left, right) else left + right
        if isinstance(shape, (ast.IfExp, ast.BoolOp)):
            choices = [length(c, depth + 1) for c in ([shape.body, shape.orelse] if isinstance(shape, ast.IfExp)
                                                       else shape.values)]
            return None if None in choices else max(choices)
        if isinstance(shape, ast.Call):   # a number's (`np.zeros(len(x))`), else unread: `np.zeros(tuple(x_pad.shape))`
            return 1 if isinstance(shape.func, ast.Name) and shape.func.id in ("len", "int", "round", "abs", "min", "max") \
                and shape.func.id not in scope.rebound else None
        if isinstance(shape, ast.Subscript):   # an element of a shape (`x.shape[0]`), else unread (`[...][0:4]`)
            return 1 if not isinstance(shape.slice, ast.Slice) and isinstance(shape.value, ast.Attribute) and \
                shape.value.attr == "shape" else None
        if isinstance(shape, ast.Name) and shape.id in looped:   # `for shp in [x_pad.shape]:`
            return None
        return 0

    found: dict[str, int] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and node.value.args:
            name = _called(node.value)
            arg = node.value.args[0]
            ndim = length(arg) if name in ("zeros", "ones", "empty", "full") else \
                length(ast.Attribute(value=arg, attr="shape")) if name in ("zeros_like", "ones_like", "empty_like",
                                                                         "full_like") else 0
            ndim = IMAGE_NDIM if ndim is None else ndim
            for target in node.targets:
                if isinstance(target, ast.Name) and name in ("zeros", "ones", "empty", "full", "zeros_like", "ones_like",
                                                             "empty_like", "full_like"):
                    found[target.id] = max(found.get(target.id, 0), ndim or 1)
    return found


def _pure_map(call: ast.Call) -> bool:
    """map(max, window): a pure builtin mapped over what it is given fills none of it (H18: `max(map(max,
    window))` took max itself for a copy of the image)."""
    return isinstance(call.func, ast.Name) and call.func.id == "map" and bool(call.args) and \
        isinstance(call.args[0], ast.Name) and call.args[0].id in PURE_BUILTINS and not call.keywords


def _pure_numpy(call: ast.Call) -> bool:
    """np.f(a, b) for f in PURE_NUMPY given at most its pure inputs, without out=: it fills none of them."""
    func = call.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("np", "numpy") \
        and func.attr in PURE_NUMPY and len(call.args) <= PURE_NUMPY[func.attr] \
        and not any(isinstance(a, ast.Starred) for a in call.args) \
        and all(k.arg not in ("out", None) for k in call.keywords)


def _fresh_each_window(name: str, fill: ast.AST, fn: ast.FunctionDef, parents, images: dict, readers: set[str],
                       scope) -> bool:
    """fill puts at most one window of the image into `name` before `name` is made afresh: a plain
    assignment that does not read it (`values = []`, `window = np.zeros((kh, kw))`), inside fn's loops,
    comes earlier in a block that encloses fill, and every loop between that block and fill steps over a window
    (`range(kh)`) or over images and channels only (_within_window)."""
    child, node, loops = fill, parents.get(id(fill)), []
    while node is not None:
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and any(statement is child for statement in block):
                earlier = block[:[id(statement) for statement in block].index(id(child))]
                inside = _inside_loop_ids(fn)  # made once before the loops, it lives through them all
                if any(_made_afresh(statement, name) and id(statement) in inside for statement in earlier):
                    return all(_within_window(loop, fill, fn, images, readers, scope) for loop in loops) and \
                        _one_loop_per_axis(loops, fill, fn, images, readers, scope)
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and any(statement is child for statement in node.body):
            loops.append(node)
        child, node = node, parents.get(id(node))
    return False


def _one_loop_per_axis(loops: list[ast.AST], fill: ast.AST, fn: ast.FunctionDef, images: dict, readers: set[str],
                       scope) -> bool:
    """Each row and column index fill reads the image at (directly or through a view bound to a read of it) moves
    with one of the loops between the collector's fresh start and fill at most: with its variables or a name it
    carries from pass to pass (_carried). Each loop over a window's range steps kh (or kw) times, but two of
    them combined (`r = a * kh + b` for a and b in range(kh)), or a counter both move (`r += 1`), step over
    more rows than one window has (a counter one moves, `s = j * sw` then `s += 1` in the loop over kj, is fine): five loops over range(kh) and five over range(kw) copied a whole plane one
    element at a time into a collector made afresh at each output position (H63)."""
    fors = [loop for loop in loops if isinstance(loop, (ast.For, ast.AsyncFor))]
    steps = [stored_names(loop.target) | _carried(loop, fill, fn, scope) for loop in fors]
    deps = dependencies(fn)
    reads = [fill] + [node.value for node in ast.walk(fn) if isinstance(node, ast.Assign) and len(node.targets) == 1
                      and isinstance(node.targets[0], ast.Name) and node.targets[0].id in readers
                      and (node.targets[0].id not in images or node.targets[0].id in scope.bands)
                      and any(isinstance(n, ast.Name) and n.id == node.targets[0].id for n in ast.walk(fill))]
    for axes in _image_read_axes(reads, images, scope):
        if axes is None:
            return False
        for entries in axes:  # a row moves with every entry on its axis: `x_pad[n, c, :, :][r, s]` (H67)
            used = closure({n.id for entry in entries for n in ast.walk(entry) if isinstance(n, ast.Name)}, deps)
            if sum(bool(used & names) for names in steps) > 1:
                return False
    return True


def _image_read_axes(reads: list[ast.AST], images: dict, scope):
    """For each load of an image in reads, in order: its position's entries per axis (_position_entries), or None
    when that load is not read at a position (what both the window and the one-loop-per-axis checks refuse)."""
    for read in reads:
        read_parents = {id(child): node for node in ast.walk(read) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(read):
            if isinstance(node, ast.Name) and node.id in images and isinstance(node.ctx, ast.Load):
                yield _position_entries(node, read_parents, max(images[node.id], 0), scope)


def _made_afresh(statement: ast.AST, name: str) -> bool:
    value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
    targets = statement.targets if isinstance(statement, ast.Assign) else \
        [statement.target] if isinstance(statement, ast.AnnAssign) else []
    return value is not None and len(targets) == 1 and isinstance(targets[0], ast.Name) and targets[0].id == name \
        and not any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(value))


def _within_window(loop: ast.AST, fill: ast.AST, fn: ast.FunctionDef, images: dict, readers: set[str],
                   scope) -> bool:
    """loop, between a collector's fresh start and a fill of it, adds at most one window's worth:
    it steps over numbers (range, np.ndindex, itertools.product) and either its range is a window's
    (`range(kh)`, `range(i * sh, i * sh + kh)`) or fill reads the image only directly (no name
    holding values read from it) and the loop's variables (and names computed from them, and names the loop
    moves from pass to pass, _carried: `r += 1`) index it only in its leading dimensions (`for ci in
    range(c_in)`: x_pad[n, ci, ...])."""
    if not isinstance(loop, (ast.For, ast.AsyncFor, ast.comprehension)) or not _position_loop(loop.iter):
        return False
    args = loop.iter.args
    if _called(loop.iter) == "range" and 1 <= len(args) <= 3 and not loop.iter.keywords:
        lower, upper = (None, args[0]) if len(args) == 1 else (args[0], args[1])
        if _pair_length(lower, upper, scope) == "window":
            return True
    # fill reads the image directly, or through a view made inside the loop from the image read directly (H59:
    # `window = x_pad[n, ci, i * sh:i * sh + kh, j * sw:j * sw + kw]` in the loop over ci, then
    # `products[k] = window[ki, kj] * weight[co, ci, ki, kj]`): each pass of the loop adds what one pass reads
    reads = [fill]
    bound = _bound_anyhow(fn)
    inside = {id(node) for node in ast.walk(loop) if node is not loop}
    for name in {n.id for n in ast.walk(fill) if isinstance(n, ast.Name) and n.id in readers and n.id not in images}:
        views = [node for node in ast.walk(fn) if isinstance(node, ast.Assign) and len(node.targets) == 1 and
                 isinstance(node.targets[0], ast.Name) and node.targets[0].id == name]
        if not views or len(views) != bound.get(name) or any(id(view) not in inside for view in views) or any(
                isinstance(n, ast.Name) and n.id in readers and n.id not in images
                for view in views for n in ast.walk(view.value)):
            return False
        reads += [view.value for view in views]
    # a band bound inside the loop (`band = x[n, c, r:r + kh]` for r over every row) is a new part of the image at
    # each pass, so what its binding reads counts as the fill's (H67); one bound outside is the same at every pass
    reads += [scope.values[name] for name in {n.id for n in ast.walk(fill) if isinstance(n, ast.Name)
                                              and n.id in scope.bands} if id(scope.values[name]) in inside]
    # the loop's variables, the names that carry a value from one pass to the next (H63), and the names computed
    # from them, anywhere in fn
    steps = stored_names(loop.target) | _carried(loop, fill, fn, scope)
    deps = dependencies(fn)
    derived = steps | {name for name in deps if closure({name}, deps) & steps}
    for axes in _image_read_axes(reads, images, scope):
        if axes is None:
            return False
        for entry in (entry for entries in axes for entry in entries):
            if any(isinstance(n, ast.Name) and n.id in derived for n in ast.walk(entry)):
                return False
    return True


# Builtins that change none of their arguments (what _carried reads as no update of a name).
READ_ONLY_BUILTINS = (*PURE_BUILTINS, "slice", "tuple", "list", "print", "str", "repr")


def _carried(loop: ast.AST, fill: ast.AST, fn: ast.FunctionDef, scope) -> set[str]:
    """The names whose value may move with the passes of loop although no loop variable is in it (H63): a name
    updated from itself inside the loop (`r += 1`, `r = r + 1`, also through names bound there), and one whose
    contents a statement inside it changes (`seen[k] = 1`, `rows_seen.append(1)`, `np.put(seen, k, 1)`,
    `del seen[0]`), so that a position read from it (`len(rows_seen) - 1`, `np.argmax(seen)`) counts the
    passes as the loop variable does: `r = -1`, then `r += 1` in `for _ in range(height)`, steps over every
    row. The function's parameters
    (which the given lines unpack into sizes) and modules aside; a pure builtin's, pure numpy function's or
    pure method's operands are read, not changed (`max(best, v)`, `np.argmax(window)`, `x_pad.item(...)`)."""
    region = [fill] if isinstance(loop, ast.comprehension) else [*loop.body, *loop.orelse]
    deps = dependencies(ast.Module(body=region, type_ignores=[]))  # by the bindings inside the loop only
    changed: set[str] = set()

    def base(node: ast.AST) -> str | None:   # the name a subscript, attribute or call chain starts from
        while isinstance(node, (ast.Subscript, ast.Attribute, ast.Call, ast.Starred)):
            node = node.func if isinstance(node, ast.Call) else node.value
        return node.id if isinstance(node, ast.Name) else None

    def written(target: ast.AST) -> None:
        for part in ast.walk(target):
            if isinstance(part, (ast.Subscript, ast.Attribute)) and isinstance(part.ctx, (ast.Store, ast.Del)):
                changed.add(base(part))

    keyed: set[str] = set()   # containers written with names (`seen[k] = 1`): what they hold moves with those names

    def written_with(node: ast.AST, names_from: list) -> None:
        if any(isinstance(n, ast.Name) for part in names_from for n in ast.walk(part)):
            keyed.add(base(node))

    for node in (n for part in region for n in ast.walk(part)):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value is not None:
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                for part in ast.walk(target):
                    if isinstance(part, ast.Subscript) and isinstance(part.ctx, ast.Store):
                        written_with(part, [part.slice, node.value])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _called(node) not in PURE_METHODS:
            written_with(node.func.value, [*node.args, *(k.value for k in node.keywords)])
    for node in (n for part in region for n in ast.walk(part)):
        if isinstance(node, ast.AugAssign):
            changed |= stored_names(node.target)
            written(node.target)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.For, ast.AsyncFor, ast.comprehension,
                               ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                written(target)
                changed |= {name for name in stored_names(target) if name in closure(deps.get(name, set()), deps)}
        elif isinstance(node, ast.Call):
            on_module = isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and \
                node.func.value.id in scope.modules
            if isinstance(node.func, ast.Name) and node.func.id in READ_ONLY_BUILTINS or _pure_numpy(node) or \
                    _pure_map(node) or on_module and node.func.attr == "clip" and len(node.args) <= 3 and \
                    not node.keywords:
                continue
            if isinstance(node.func, ast.Attribute) and not on_module and _called(node) in PURE_METHODS:
                # `a.max(0, buf)`, `a.sum(out=buf)` fill buf; `.item(...)` only reads
                changed |= {base(a) for a in ([] if _called(node) == "item" else
                                              [*node.args[1:], *(k.value for k in node.keywords)])}
                continue
            changed.add(base(node.func.value) if isinstance(node.func, ast.Attribute) else None)
            changed |= {base(a) for a in [*node.args, *(k.value for k in node.keywords)]}
    # a name made afresh at the top of each pass, before anything updates it (`s = j * sw`, then `s += 1` in the
    # loop over kj inside), carries nothing from the pass before, unless what it holds was written with names
    body = [] if isinstance(loop, ast.comprehension) else loop.body
    for name in changed - keyed - {None}:
        for statement in body:
            if _made_afresh(statement, name):
                changed.discard(name)
                break
            if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(statement)):
                break
    return (changed | keyed) - {None} - parameter_names(fn, starred=False) - set(scope.modules)


def _holding_image_values(fn: ast.FunctionDef, images: dict, numbers: set[str], parents) -> set[str]:
    """The images and every name bound, anywhere in fn, to a value computed from what one holds (in
    any way: `window = x_pad[n, c, rows, cols]`, `best = max(best, x_pad[n, c, r, s])`; the element
    `v` of `for index, v in np.ndenumerate(x_pad)`), sizes and positions (numbers) aside."""
    pairs, elements = [], []
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign):
            pairs += [(target, node.value) for target in node.targets]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            pairs.append((node.target, node.value))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            pairs.append((node.target, node.iter))
            if enumerated_index(node) is not None:
                elements.append((node.target.elts[1], node.iter))

    def holds(n) -> bool:  # x.shape and len(x) are sizes, not what x holds
        parent = parents.get(id(n))
        return isinstance(n, ast.Name) and n.id in holding and not (
            isinstance(parent, ast.Attribute) and parent.attr in METADATA or
            isinstance(parent, ast.Call) and _called(parent) in ("len", "result_type") and n in parent.args)

    def launders(value) -> bool:  # `v = x_pad[n, c, r, s].item()`: a number, but one the image holds
        return any(isinstance(n, ast.Call) and _called(n) in ("item", "float") and any(holds(m) for m in ast.walk(n))
                   for n in ast.walk(value))

    holding = set(images)
    while True:
        grown = holding | {name for target, value in pairs if any(holds(n) for n in ast.walk(value))
                           for name in stored_names(target) - (set() if launders(value) else numbers)} | {
            name for target, value in elements if any(holds(n) for n in ast.walk(value)) for name in stored_names(target)}
        if grown == holding:
            return holding
        holding = grown


def _outermost_subscripts(target: ast.AST) -> list[ast.Subscript]:
    """The subscripts a target writes through: `copy[a][b]` once, each of `a[i], b[j] = ...`."""
    if isinstance(target, ast.Subscript):
        return [target]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [s for element in target.elts for s in _outermost_subscripts(element)]
    if isinstance(target, ast.Starred):
        return _outermost_subscripts(target.value)
    return []


def _bands(bindings, images: dict, parents, numbers, scope) -> dict[str, tuple[frozenset[int], int]]:
    """The names bound once, by a plain assignment, to a band: one subscript of an image that picks
    each leading dimension by a number or keeps it whole and bounds one axis to one window, the other left whole
    (`band = x_pad[n, c, i * sh:i * sh + kh]`, `x_pad[n, c, :, j * sw:j * sw + kw]`, all channels of kh rows
    `x_pad[n, :, i * sh:i * sh + kh]`), or picks it by a number, a line (`row = x_pad[n, c, i * sh + ki]`, whose
    reads `row[j * sw + kj]` index the columns: H67); each with the axis it bounds, its lead (the leading
    dimensions it keeps: 1 for the channels' band, whose reads are `band[ci, ki, j * sw + kj]`), and that axis
    again for a line (None for a band). A part of a band is none: `g = g_row[j]` of the line `g_row = grad_out[n,
    co, i]` is one element, read through g_row as a line's reads are."""
    bands, bases = {}, {}
    for target, value, how in bindings:
        if not (how == "assign" and isinstance(target, ast.Name) and scope.values.get(target.id) is value
                and isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and value.value.id in images):
            continue
        top, entries = _chain(value.value, parents)
        lead = images[value.value.id]
        if lead == OPAQUE:
            continue
        spatial = entries[lead:]
        if top is not value or not 1 <= len(spatial) <= 2 or \
                not all(_is_number(e, numbers) or _is_whole(e) for e in entries[:lead]):
            continue
        whole = [_is_whole(e) for e in spatial] + [True]
        axis = whole.index(False) if whole[:2].count(False) == 1 else None
        if axis is not None and _window_problem(entries, lead, numbers, scope, frozenset({1 - axis})) is None:
            bands[target.id] = (frozenset({axis}), sum(_is_whole(e) for e in entries[:lead]),
                                axis if _is_number(spatial[axis], numbers) else None)
            bases[target.id] = value.value.id
    return {name: band for name, band in bands.items() if bases[name] not in bands}


def _with_bands(scope, bands: dict[str, tuple[frozenset[int], int, int | None]]):
    """scope knowing these bands (_bands), each with the axis it bounds, and which of them are lines."""
    return replace(scope, bands={name: axes for name, (axes, _, _) in bands.items()},
                   lines={name: axis for name, (_, _, axis) in bands.items() if axis is not None})


def _line_groups(name: str, groups: list[list[ast.AST]], lead: int, scope: _Scope) -> list[list[ast.AST]]:
    """The subscripts a read of `name` is made with, as reads of the band it would be if the line kept its
    picked axis: a 0 there (`row[e]` of `row = x_pad[n, c, r]` as `band[0, e]`; `col[e]` of `col = x_pad[n, c,
    :, s]` as `band[e, 0]`), so that its rows and columns are where the rule reads them. Other names as they are."""
    if name not in scope.lines or lead == OPAQUE:
        return groups
    first, at = list(groups[0]) if groups else [], lead + scope.lines[name]
    first += [ast.Slice(lower=None, upper=None, step=None)] * (at - len(first))  # left out: the axis kept whole
    first.insert(at, ast.Constant(value=0))
    return [first, *groups[1:]]


@functools.lru_cache(maxsize=8)  # asked once per collector fill; a function's tree does not change while checked
def _inside_loop_ids(fn: ast.FunctionDef) -> frozenset[int]:
    return frozenset(id(n) for n in _inside_loops(fn))


def _inside_loops(fn: ast.FunctionDef) -> list[ast.AST]:
    """Every node inside fn's for loops (their `in ...` parts included, their else blocks not)."""
    inside = []

    def visit(node, looping):
        for field, value in ast.iter_fields(node):
            children = value if isinstance(value, list) else [value]
            for child in children:
                if not isinstance(child, ast.AST) or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                        ast.ClassDef, ast.Lambda)):
                    continue
                here = looping or isinstance(node, (ast.For, ast.AsyncFor)) and field in ("body", "iter", "target")
                if here:
                    inside.append(child)
                visit(child, here)

    visit(fn, False)
    return inside


def _updates_in_place(read: ast.AST, parents) -> bool:
    """read is an operand of arithmetic assigned back to the same place: `out[n, co] = out[n, co] + bias[co]`."""
    holder = parents.get(id(read))
    statement = parents.get(id(holder))
    if not (isinstance(read, ast.Subscript) and isinstance(holder, ast.BinOp) and isinstance(statement, ast.Assign)
            and statement.value is holder and not isinstance(holder.op, ast.MatMult)):
        return False   # `A[p] = A[p] @ M` mixes every position of A[p] (H30): that is a read of all of it
    def place(node):
        return ast.dump(node).replace("ctx=Load()", "").replace("ctx=Store()", "")
    return any(place(target) == place(read) for target in statement.targets)


def _subscripts_only(bindings, given_bound: set[str]) -> frozenset[str]:
    """The names the function binds only to subscripts of the image, of an array a given line makes (given_bound:
    the names the given lines bind) or of the weight (`window = x_pad[n, c, ...]`): numpy arrays (or numpy
    scalars), whose methods are numpy's."""
    bases = set(IMAGES) | given_bound | {"weight"}

    def base(node):
        while isinstance(node, ast.Subscript):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    bound: dict[str, bool] = {}
    for target, value, how in bindings:
        for name in stored_names(target):
            ok = how == "assign" and isinstance(target, ast.Name) and isinstance(value, ast.Subscript) and \
                base(value) in bases
            bound[name] = bound.get(name, True) and ok
    return frozenset(name for name, ok in bound.items() if ok and name not in bases)


def _imports_its_own(fn: ast.FunctionDef, name: str) -> bool:
    """Whether fn binds `name` by importing that very function from numpy or itertools, under its own name
    (`from itertools import product`), and in no other way: only the message differs (the rule refuses it)."""
    sources = {"product": ("itertools",), "arange": ("numpy",), "ndindex": ("numpy",), "ndenumerate": ("numpy",)}
    imports = [alias for node in ast.walk(fn) if isinstance(node, ast.ImportFrom) for alias in node.names
               if (alias.asname or alias.name) == name]
    others = [node for node in ast.walk(fn) if isinstance(node, ast.Name) and node.id == name
              and not isinstance(node.ctx, ast.Load)]
    return bool(imports) and not others and all(
        alias.name == name and node.module in sources.get(name, ()) and not node.level
        for node in ast.walk(fn) if isinstance(node, ast.ImportFrom) for alias in node.names
        if (alias.asname or alias.name) == name)


def local_modules(fn: ast.FunctionDef) -> frozenset[str]:
    """Names fn binds by `import m` (clause 2 allows it there) and in no other way: modules, no copies of
    the image (`import math` in the function, then `math.fsum(window.ravel())`: H22)."""
    imported = {(alias.asname or alias.name).split(".")[0] for node in ast.walk(fn) if isinstance(node, ast.Import)
                for alias in node.names}
    bound_otherwise = {node.id for node in ast.walk(fn) if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)}
    bound_otherwise |= parameter_names(fn)
    bound_otherwise |= {alias.asname or alias.name for node in ast.walk(fn) if isinstance(node, ast.ImportFrom)
                        for alias in node.names}
    return frozenset(imported - bound_otherwise)


def _branch_choices(fn: ast.FunctionDef) -> ast.FunctionDef:
    """fn with each `if` inside its loops that binds one name in both branches and does nothing else, `if top < 0:
    r0 = 0` / `else: r0 = top`, written as the one assignment it is, `r0 = 0 if top < 0 else top` (the test runs
    once, then one branch: H52, a border clip written as a full if/else block was refused); fn itself when there
    is none."""
    def single(block: list) -> str | None:
        """The one name the block binds when it is one assignment to it, or one such `if` (an `elif`, or an `if`
        inside an `else`, H56: `if top < 0: r0 = 0` / `elif top > height: r0 = height` / `else: r0 = top`)."""
        if len(block) == 1 and isinstance(block[0], ast.Assign) and len(block[0].targets) == 1 and \
                isinstance(block[0].targets[0], ast.Name):
            return block[0].targets[0].id
        if len(block) == 1 and isinstance(block[0], ast.If):
            body, orelse = single(block[0].body), single(block[0].orelse)
            return body if body is not None and body == orelse else None
        return None

    def choices(node: ast.AST, looped: bool) -> list[ast.If]:
        found = []
        for child in ast.iter_child_nodes(node):
            if looped and isinstance(child, ast.If) and single([child]) is not None:
                found.append(child)
            inner = looped or isinstance(child, (ast.For, ast.AsyncFor, ast.While))
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                found += choices(child, inner)
        return found

    if not choices(fn, False):
        return fn
    fn = copy.deepcopy(fn)
    wanted = {id(node) for node in choices(fn, False)}

    class Rewrite(ast.NodeTransformer):
        def visit_If(self, node: ast.If) -> ast.AST:
            self.generic_visit(node)
            if id(node) not in wanted:
                return node
            body, orelse = node.body[0], node.orelse[0]   # an inner choice is an assignment by now
            if not (isinstance(body, ast.Assign) and isinstance(orelse, ast.Assign)):
                return node
            value = ast.copy_location(ast.IfExp(test=node.test, body=body.value, orelse=orelse.value), node)
            return ast.copy_location(ast.Assign(targets=[body.targets[0]], value=value), node)

    fn = Rewrite().visit(fn)
    ast.fix_missing_locations(fn)
    return fn


def _index_expressions(fn: ast.FunctionDef, modules: frozenset[str]) -> ast.FunctionDef:
    """fn with each index written whole by numpy's np.s_, `x_pad[np.s_[n, c, a:b, d:e]]`, written as the index it
    builds, `x_pad[n, c, a:b, d:e]` (np.s_[...] is what its brackets hold: H52, such an index was refused as one
    that leaves the rows and columns whole); fn itself when there is none, or when fn binds np."""
    bound = {node.id for node in ast.walk(fn) if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)}
    names = {name for name in ("np", "numpy") if name in modules and name not in bound}

    def made(node: ast.AST) -> bool:
        return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and \
            node.value.attr == "s_" and isinstance(node.value.value, ast.Name) and node.value.value.id in names

    if not any(isinstance(node, ast.Subscript) and made(node.slice) for node in ast.walk(fn)):
        return fn

    class Rewrite(ast.NodeTransformer):
        def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
            self.generic_visit(node)
            while made(node.slice):
                node.slice = node.slice.slice
            return node

    return Rewrite().visit(copy.deepcopy(fn))


def _bound_anyhow(fn: ast.AST) -> dict[str, int]:
    """name -> how many places in fn bind it in any way (an assignment, a `for`, a walrus, a comprehension, `with ...
    as`, `except ... as`, an import, a `match` capture, `del`, a parameter, a def or a class), a `global` or
    `nonlocal` declaration counting twice (the module binds it too)."""
    counts: dict[str, int] = {}

    def add(name: str | None, times: int = 1) -> None:
        if name:
            counts[name] = counts.get(name, 0) + times

    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            add(node.id)
        elif isinstance(node, ast.arg):
            add(node.arg)
        elif isinstance(node, ast.ExceptHandler):
            add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)):
            add(node.name)
        elif isinstance(node, ast.MatchMapping):
            add(node.rest)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                add(name, 2)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not fn:
            add(node.name)
    return counts


def _named_indices(fn: ast.FunctionDef, modules: frozenset[str]) -> ast.FunctionDef:
    """fn with each whole index named once and read only as a whole index, `win = np.s_[n, c, a:b, d:e]` (or the
    tuple `win = (n, c, slice(a, b), slice(d, e))`), then `x_pad[win]` and `grad_x_pad[win] += ...`, written with
    a name for each of its elements: `win_0, win_1, win_2, win_3 = n, c, np.s_[a:b], np.s_[d:e]`, then
    `x_pad[win_0, win_1, win_2, win_3]` (H56: such an index was refused as one that leaves the rows and columns
    whole). The rewrite is exact: `win` is bound by that one statement and read nowhere but as a whole index, and
    the new names are bound together by the statement that replaces it, once every element is computed, so at
    every read they hold its elements; each is then read as any named slice is (_closed). A list (many positions
    to numpy), an unpacked `*e`, a name bound twice or read another way (`win[2]`, `f(win)`) is left as it is,
    and so is fn when there is none."""
    bound = _bound_anyhow(fn)
    numpy_names = {name for name in ("np", "numpy") if name in modules and name not in bound}

    def made(node: ast.AST) -> bool:   # numpy's np.s_[...]
        return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and \
            node.value.attr == "s_" and isinstance(node.value.value, ast.Name) and node.value.value.id in numpy_names

    def elements(value: ast.AST) -> list[ast.AST] | None:
        elts = value.elts if isinstance(value, ast.Tuple) else \
            value.slice.elts if made(value) and isinstance(value.slice, ast.Tuple) else None
        return elts if elts and not any(isinstance(e, ast.Starred) for e in elts) else None

    def named(fn: ast.AST) -> dict[int, str]:   # id of the binding -> the name it binds
        whole = {id(node.slice) for node in ast.walk(fn) if isinstance(node, ast.Subscript)}
        reads: dict[str, list[ast.AST]] = {}
        for node in ast.walk(fn):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                reads.setdefault(node.id, []).append(node)
        return {id(node): node.targets[0].id for node in ast.walk(fn)
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and elements(node.value) is not None and bound.get(node.targets[0].id) == 1
                and all(id(read) in whole for read in reads.get(node.targets[0].id, [None]))}

    if not named(fn):
        return fn
    fn = copy.deepcopy(fn)
    wanted = named(fn)
    taken = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} | set(bound)
    entries: dict[str, list[str]] = {}
    for node in ast.walk(fn):
        if id(node) in wanted:
            name = wanted[id(node)]
            entries[name] = []
            for k in range(len(elements(node.value))):
                new = f"{name}_{k}"
                while new in taken:
                    new += "_"
                taken.add(new)
                entries[name].append(new)

    class Rewrite(ast.NodeTransformer):
        def visit_Assign(self, node: ast.Assign) -> ast.AST:
            if id(node) not in wanted:
                return self.generic_visit(node)
            names = entries[wanted[id(node)]]
            values = [ast.copy_location(ast.Subscript(value=copy.deepcopy(node.value.value), slice=e, ctx=ast.Load()), e)
                      if isinstance(e, ast.Slice) else e for e in elements(node.value)]
            target = ast.Tuple(elts=[ast.Name(id=n, ctx=ast.Store()) for n in names], ctx=ast.Store())
            node = ast.Assign(targets=[ast.copy_location(target, node.targets[0])],
                              value=ast.copy_location(ast.Tuple(elts=values, ctx=ast.Load()), node.value),
                              lineno=node.lineno, col_offset=node.col_offset)
            return self.generic_visit(node)

        def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
            self.generic_visit(node)
            if isinstance(node.slice, ast.Name) and node.slice.id in entries:
                node.slice = ast.copy_location(ast.Tuple(elts=[ast.Name(id=n, ctx=ast.Load())
                                                               for n in entries[node.slice.id]], ctx=ast.Load()),
                                               node.slice)
            return node

    fn = Rewrite().visit(fn)
    ast.fix_missing_locations(fn)
    return fn


def first_whole_read(fn: ast.FunctionDef, given: set[str], modules: frozenset[str] = frozenset()) -> TooMuch | None:
    """The first read inside fn's loops of more than one window of the image, or None. `modules`: the
    module's names bound only to imported modules (`statistics`, `functools`), whose functions fill none
    of the module (`statistics.fmean(window.flat)` does not make `statistics` a copy of the image); so
    are the names fn itself binds only by `import` (local_modules)."""
    fn = _index_expressions(_named_indices(_branch_choices(fn), modules), modules)
    bindings = _bindings(fn, given)
    parents = _parents(fn)
    params = parameter_names(fn, starred=False)
    fixed = _fixed(bindings, params)
    numbers = _numbers(bindings, set(IMAGES) & params, params, fixed)
    bound_here = set().union(*(stored_names(target) for target, _, _ in bindings))
    called = {_called(n) for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    imported_here = local_modules(fn)
    # np.arange(...), itertools.product(...): the rule reads them by name, so the name they are called on
    # is numpy's or itertools' (bound here only by an import of a module, if at all)
    # (`window.argmax()` of a window the function reads from an array is numpy's own method: H36)
    given_bound = {name for target, _, how in bindings if how == "given" for name in stored_names(target)}
    views = _subscripts_only(bindings, given_bound)
    roots = {n.func.value.id for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr in (*LOOP_READERS, *NUMPY_READ) and isinstance(n.func.value, ast.Name)
             and not (n.func.value.id in views and n.func.attr in ("argmax", "argmin") and not n.args and not n.keywords)}
    hidden = sorted(bound_here & called & {*TRUSTED_BUILTINS, *LOOP_READERS} | (roots & bound_here) - imported_here)
    if hidden:  # `from numpy import arange as int`: int(0, 200) would read as a number
        node = next(target for target, _, _ in bindings if hidden[0] in stored_names(target))
        if _imports_its_own(fn, hidden[0]):  # `from itertools import product` inside the function (H58)
            return TooMuch(f"it imports `{hidden[0]}` inside the function, and a function binds none of the names the "
                           f"rule reads loops by (clause 5); import it at the top of the module, outside the function, "
                           f"or import the module and call it by the module's name ("
                           f"{'itertools' if hidden[0] == 'product' else 'np'}.{hidden[0]}(...))", node)
        return TooMuch(f"it binds the name `{hidden[0]}` and calls it: the rule reads {hidden[0]}(...) as Python's "
                       f"or numpy's own; give your own {hidden[0]} another name", node)
    scope = _Scope(_definitions(bindings), frozenset({"slice", "min", "max", "abs", "int", "float"} & bound_here),
                   flags=_flags(bindings),
                   fixed=_fixed(bindings, params, frozenset({"weight"})) if _reshapes(fn, modules) else fixed,
                   modules=(frozenset(modules) | imported_here) - (bound_here - imported_here),
                   given_calls=frozenset(id(node) for statement in given_statements(fn, given)
                                         for node in ast.walk(statement) if isinstance(node, ast.Call)))
    scope = replace(scope, **dict(zip(("sequences", "flat"), _sequences(bindings))))
    nonneg, exact = _nonnegative(bindings, scope.fixed)
    scope = replace(scope, nonneg=nonneg, exact=exact, aliases=_size_kinds(bindings, scope.fixed),
                    clip_reads=_clip_values(fn, bindings, parents, scope.rebound, scope),
                    places=_places(fn, bindings, parents))
    images, filled = _images(fn, bindings, parents, numbers, scope)
    if images.keys() & numbers:   # _images's fills read these as numbers
        numbers -= images.keys()
        filled = _fills(fn, images, numbers, parents, _with_bands(scope, _bands(bindings, images, parents, numbers,
                                                                                scope)))
    # what the student's writes shape: not the image, nor an array a given line makes (x_pad, out, grad_x_pad),
    # whose leading axes are images and channels
    scope = replace(scope, collectors=frozenset(filled) - set(IMAGES) - given_bound)
    bands = _bands(bindings, images, parents, numbers, scope)
    scope = _with_bands(scope, bands)
    images.update({name: lead for name, (_, lead, _) in bands.items()})  # its rows and columns follow what it keeps
    for node in sorted(_inside_loops(fn), key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id in images and \
                _mixed_in_place(node, parents):
            return TooMuch(f"inside its loops it reads {node.id} beyond one window: `@=` multiplies all of it by a "
                           f"matrix, mixing its positions; read one window per output position, e.g. {EXAMPLES}", node)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in images:
            why = _whole_use(node, images, parents, numbers, scope)
            top, _ = _chain(node, parents)
            holder = parents.get(id(top))
            if why is not None and _lead_after(top, images, parents, numbers, scope) is not None and (
                    isinstance(holder, ast.Assign) and holder.value is top or
                    isinstance(holder, (ast.For, ast.comprehension)) and holder.iter is top):
                why = None  # `plane = x_pad[n, c]` only names a part; what is read through plane is checked
            if why is not None and isinstance(holder, ast.Assign) and holder.value is top and any(
                    scope.values.get(band) is top for band in scope.bands):
                why = None  # `band = x_pad[n, c, i * sh:i * sh + kh]`: what is read through band is checked
            if why is not None and _updates_in_place(top, parents):
                why = None  # `out[n, co] = out[n, co] + bias[co]`: as `out[n, co] += bias[co]`, no read beyond it
            if why is not None:
                tip = (f" ({node.id} holds values read from the image, so it counts as the image; one made afresh "
                       f"inside the loops for each window is fine: move `{node.id} = ...` into them)"
                       if node.id in scope.collectors else "")
                return TooMuch(f"inside its loops it reads {node.id} beyond one window: {why}{tip}; read one window "
                               f"per output position, e.g. {examples(node.id)}", top)
    return _comprehension_beyond_a_window(fn, images, numbers, parents, scope)


def _enumerates_a_window(call: ast.Call, readers: set[str], images: dict) -> bool:
    """`np.ndenumerate(window)` over a name holding one window's values (not the image itself): its
    indices stay inside the window. Over anything else (`np.zeros(x_pad.shape[3])`) they may run
    over the whole image."""
    return len(call.args) == 1 and isinstance(call.args[0], ast.Name) and call.args[0].id in readers \
        and call.args[0].id not in images


def _comprehension_beyond_a_window(fn: ast.FunctionDef, images: dict, numbers: set[str], parents,
                                   scope) -> TooMuch | None:
    """A comprehension inside fn's loops whose elements read the image at positions beyond one window:
    `[[x_pad[n, c, r, s] for s in range(width)] for r in range(height)]` copies the whole plane one
    element at a time. Each generator over numbers must step over a window (`for ki in range(kh)`)
    or over images and channels only (_within_window); one over an array is read by the rule above."""
    readers = _holding_image_values(fn, images, numbers, parents)
    kinds = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
    for node in sorted((n for n in _inside_loops(fn) if isinstance(n, kinds)), key=lambda n: (n.lineno, n.col_offset)):
        if not any(isinstance(n, ast.Name) and n.id in readers for n in ast.walk(node)):
            continue
        # a name bound outside holds the same value at every step; one bound inside (`for w in [x_pad[...]]`,
        # `(w := x_pad[...])`) may hold a new part of the image at each
        inside = {name for n in ast.walk(node) if isinstance(n, (ast.comprehension, ast.NamedExpr))
                  for name in stored_names(n.target)}
        for generator in node.generators:
            over_positions = isinstance(generator.iter, ast.Call) and _called(generator.iter) == "ndenumerate" and \
                not _enumerates_a_window(generator.iter, readers, images)
            if over_positions or _position_loop(generator.iter) and \
                    not _within_window(generator, node, fn, images, readers & inside | set(images), scope):
                return TooMuch(f"inside its loops it reads the image beyond one window: the comprehension's "
                               f"`for {ast.unparse(generator.target)} in {ast.unparse(generator.iter)}` steps over "
                               f"more than one window; read one window per output position, e.g. {EXAMPLES}", node)
    return None

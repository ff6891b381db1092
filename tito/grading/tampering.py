"""Code the checks rely on stays as given: a graded module may not patch it when it is imported.

Every check runs the student's exported module in a child process, where that module's code can
change the package the check uses behind its back. Held-out hunts did: `Tensor.dtype = property(...)`
(a dtype that answers what the check wants), `Recorder.forward = ...` (module 08's given fixture made
to record what the check looks for), module 01's `manual_seed` and `get_rng` replaced from module
03, `DataLoader.batch_indices` replaced once a check's dataset was built, `SGD.step = ...`. Read from
the exported source before any child starts (as the loop rule is), and outside the top-level
statements that are exactly the instructor's given code, this refuses:

  - assigning or deleting an attribute of a protected name: an import, a given class or function,
    or a name bound to one (a local alias, a parameter's default, a class body's name, what an except
    clause or a match case captures), outside its own definition: `Tensor.dtype = ...`,
    `Recorder.forward = ...`; also through `setattr`, `delattr`, `object.__setattr__`, `vars(X)` /
    `X.__dict__`, or functools' update_wrapper, wraps and dataclass applied to it; and `globals()`.
    The module's own classes are the student's (module 05's `DataLoader.x = ...`), and so are the
    names the given code itself extends (module 01's Tensor: `Tensor.__rpow__ = ...`); a given class
    may gain attributes the package does not define;
  - setting a method or function name of the package (`forward`, `step`, `manual_seed`, ...) to a
    function on any object but a method's own self or cls (`def f(cls): cls.forward = ...; f(Recorder)`),
    also by setattr, literal or computed name; data stays fine (`moments.step += 1`, `obj.sum = 0.0`);
  - setattr or vars passed around as a value; getattr of a protected name by a computed name (but
    `getattr(np, name)(...)`); operator.attrgetter or methodcaller other than called with names written
    as text (H54); strings and attributes that reach frames, code, namespaces or
    sys.modules (`.f_globals`, `.modules`, `"__dict__"`, `__getattribute__`, ...); importing
    importlib, inspect, gc, ctypes, pickle, timeit and the like (REFUSED_MODULES; but `from timeit import
    default_timer`, HARMLESS_NAMES) unless the given code does,
    or a module of the package as an object (`import tinytorch.core.tensor as t`);
  - binding a name of the given code that a check or the given code uses other than as the given
    code binds it (`Recorder = MyRecorder`, `from x import y as Tensor`, `global Recorder`, H13's
    `global is_grad_enabled` in a function), or a builtin the given code reads (`isinstance = spy`);
  - a given class or function that a graded cell names (one without a solution in the instructor's
    src) that is not the given code: edited, it could do what the check is meant to find out;
  - a write into data that a protected object holds (`Recorder.check_reports[k] = ...`, `.update(...)`,
    `.append(...)`, also through an alias or type(x)), and a given or imported class's private
    attribute named outside that class (`_Recorder__report`): H15 rewrote what the check was told.

Held-out hunts H9, H10 and H11 found ways past each point, and H11 honest code each point refused
once, now kept in tests/grading/test_tampering.py's HONEST: `sys.setrecursionlimit`, a dataclass with a
`step` field, class counters (`type(self).made += 1`), `getattr(np, name)(x)`, `setattr(self, name,
v)`, `super().__setattr__`, `optimizer.lr = ...` on a parameter, `grad.shape = ...`. The verdict
fails every graded item with a message that says what to remove. Entry points: `check(source,
reference_src, graded_sources)` and, for the judge, `verdict(graded, package_parent, module_name)`
and `merge(...)`.
"""
from __future__ import annotations

import ast
import copy
import functools
import re
import sys
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import loops, reach, windows

PATCHERS = reach.SETTERS
SETTERS = (*PATCHERS, "__setattr__", "__delattr__")  # by name or as attributes: they change other objects' attributes
# Code given as text runs unread: a patch inside exec("Tensor.dtype = ...") would not be seen.
HIDDEN = reach.CODE_AS_TEXT
MUTATORS = ("update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__")
CONTAINER_MUTATORS = ("append", "extend", "insert", "remove", "add", "discard")   # lists and sets
# Functions that write into their first argument, and the container types whose methods do when called unbound.
WRITER_FUNCTIONS = ("setitem", "delitem", "iadd", "iconcat", "ior", "iand", "isub", "imul")
CONTAINER_TYPES = ("dict", "list", "set")
ALIAS_CALLS = ("getattr", "type")
PRIVATE = re.compile(r"_([A-Za-z][A-Za-z0-9_]*?)__[A-Za-z0-9_]*[A-Za-z0-9]")   # `_Recorder__report`, mangled  # a local bound to getattr(Tensor, ...) or type(t) stands for a module object
LEAD = "your module changes code the checks rely on"


# Writable attributes of numpy arrays (`grad.shape = x.shape`): no method of the package, whatever its classes name.
ARRAY_ATTRIBUTES = ("shape", "strides", "flags", "real", "imag", "data", "dtype")
# Attributes that reach frames, code or the import machinery (reach.py): a graded module never needs them.
# Here also inspect's currentframe: where the given code imports inspect (module 06), so may the student.
FAR_REACHING = (*reach.FAR_REACHING_ATTRIBUTES, "currentframe")
# Attributes that lead to classes or code: reading them is fine (a registry of __subclasses__()), setting
# anything through them is not (`type(self).__mro__[1].forward = ...`, `f.__code__ = g.__code__`).
CLASS_REACHING = ("__class__", "__subclasses__", "__mro__", "__bases__", "__base__", "__code__", "__func__")
# Calls that copy attributes onto their first argument, or (wraps) onto what their result is applied to.
ATTRIBUTE_COPIERS = ("update_wrapper", "dataclass", "total_ordering")
# Calls that read an attribute, or call a method, named by their text (H54): `operator.attrgetter(name)(len)` is
# getattr(len, name) in other words, so a name spelled at run time (bytes, chr) reached `__self__` (len's owner,
# builtins, hence __import__ and setattr) past the getattr rule. Each may be called with literal names only.
NAME_RESOLVERS = {"attrgetter": "every argument", "methodcaller": "the first argument"}


# Modules that reach or rewrite other modules, frames or objects from afar, or run code given as data:
# a graded module imports none of them unless its given code does (module 06's imports inspect).
KNOWN_TOP_LEVEL = frozenset(sys.stdlib_module_names) | {"numpy", "matplotlib"}   # what a graded module may import
PLAIN_MODULES = frozenset(("numpy", *loops.ALLOWED_STDLIB))   # getattr(np, name)(...) calls a function of theirs
REFUSED_MODULES = frozenset(reach.FAR_REACHING_MODULES) | {
    "unittest", "pydoc", "pkgutil", "site", "timeit", "pdb", "doctest", "trace", "atexit",
    "signal", "threading", "_thread", "multiprocessing", "concurrent", "asyncio", "weakref", "shelve", "dill",
    "cloudpickle", "tito"}
# Names from a refused module that run no code given as text and reach nothing (H53): `from timeit import
# default_timer` is time.perf_counter under another name, the timing idiom of many a tutorial; timeit's
# Timer and timeit() run statements written as text, so `import timeit` and those names stay refused.
HARMLESS_NAMES = {"timeit": frozenset({"default_timer"})}


class Tampered(Exception):
    def __init__(self, detail: str, node: ast.AST | None):
        super().__init__(detail)
        self.detail, self.node = detail, node


def _without_docstring(node: ast.AST) -> str:
    """A def's or class's code as a dump, without its docstring (what runs, not how it reads).

    The docstrings are taken out of `node` for the dump and put back after it (a deep copy of each
    statement took half of a module 09 verdict): only for a tree no one else reads meanwhile."""
    stripped = []
    for part in windows.walk(node):
        body = getattr(part, "body", None)
        if isinstance(part, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body and \
                isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and \
                isinstance(body[0].value.value, str):
            stripped.append((part, body))
            part.body = body[1:] or [ast.Pass()]
    try:
        return ast.dump(node)
    finally:
        for part, body in stripped:
            part.body = body


_GIVEN_DUMPS: dict[int, tuple[ast.AST, dict]] = {}   # id(reference tree) -> (the tree, its dumps by statement)
_GIVEN_DUMPS_LOCK = threading.Lock()


_WALKED: dict[int, tuple[ast.AST, list]] = {}   # id(module tree) -> (the tree, windows.walk of it): a few recent
_WALKED_LOCK = threading.Lock()


def _walked(tree: ast.AST) -> list:
    """windows.walk(tree) (ast.walk's nodes, in its order), made once per module tree: check walks the student's
    module and the reference's several times (a tree is never changed once parsed here)."""
    with _WALKED_LOCK:
        cached = _WALKED.get(id(tree))
        if cached is not None and cached[0] is tree:
            return cached[1]
    nodes = windows.walk(tree)
    with _WALKED_LOCK:
        if len(_WALKED) >= 16:
            _WALKED.pop(next(iter(_WALKED)))
        _WALKED[id(tree)] = (tree, nodes)
    return nodes


def _given_dumps(ref: loops.Reference) -> dict[int, str]:
    """_without_docstring of every top-level statement of the reference, made once per reference, on
    copies (a cached reference's tree is shared: other readers may walk it meanwhile)."""
    tree = ref.module.tree
    with _GIVEN_DUMPS_LOCK:
        cached = _GIVEN_DUMPS.get(id(tree))
        if cached is None or cached[0] is not tree:
            cached = _GIVEN_DUMPS[id(tree)] = (tree, {id(s): _without_docstring(copy.deepcopy(s)) for s in tree.body})
        return cached[1]


def _local_names(fn: ast.AST, module_names: set[str]) -> tuple[set[str], set[str]]:
    """The names a function binds itself to objects of its own (its parameters, and names assigned
    something other than an alias of a module-level object: `T = Tensor` or `T = type(t)` is no local)."""
    args = fn.args
    names = windows.parameter_names(fn)
    declared = {n for node in windows.walk(fn) if isinstance(node, (ast.Global, ast.Nonlocal)) for n in node.names}
    stored = {node.id for node in windows.walk(fn) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    # A parameter whose default is a module-level object stands for it (`def f(R=Recorder): R.forward = ...`).
    positional = [*args.posonlyargs, *args.args]
    defaulted = [*zip(positional[len(positional) - len(args.defaults):], args.defaults),
                 *((a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None)]
    alias_parameters = {a.arg for a, default in defaulted if _is_alias(default, module_names)}
    aliases = set(alias_parameters)
    body = fn.body if isinstance(fn.body, list) else [fn.body]
    first = positional[0].arg if positional and positional[0].arg in ("self", "cls") else None
    for node in (n for statement in body for n in windows.walk(statement)):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if _is_alias(node.value, module_names) and not (first and _own_class_of(node.value, frozenset((first,)))):
                aliases |= {n.id for t in targets for n in windows.walk(t) if isinstance(n, ast.Name)}
    # What an except clause captures can carry anything (`Exception(Recorder)`); what a match case
    # captures, anything the subject holds when it names a module-level object (H16: not otherwise).
    aliases |= {n.name for statement in body for n in windows.walk(statement) if isinstance(n, ast.ExceptHandler) and n.name}
    aliases |= {n.name for statement in body for match in windows.walk(statement) if isinstance(match, ast.Match)
                and any(isinstance(m, ast.Name) and m.id in module_names | aliases for m in windows.walk(match.subject))
                for n in windows.walk(match) if isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name}
    aliases -= names - alias_parameters
    return (names | stored) - declared - aliases, aliases


def _is_alias(value: ast.AST, module_names: set[str]) -> bool:
    """Whether value stands for a module-level object: a name of one, an attribute or item of one,
    or getattr(...) / type(x) (`T = Tensor`, `f = Tensor.dtype`, `T = type(t)`)."""
    root = value
    while isinstance(root, (ast.Attribute, ast.Subscript)):
        root = root.value
    if isinstance(root, ast.Call) and isinstance(root.func, ast.Name) and root.func.id == "getattr":
        return bool(root.args) and _root_name(root.args[0]) in module_names    # getattr(self, name) is self's
    return isinstance(root, ast.Name) and root.id in module_names or \
        isinstance(root, ast.Call) and isinstance(root.func, ast.Name) and root.func.id in ALIAS_CALLS \
        and not (root.func.id == "type" and len(root.args) != 1)   # type(name, bases, dict) makes a class


def _class_aliases(cls: ast.ClassDef, module_names: set[str]) -> set[str]:
    """Names a class body binds to module-level objects (`class C: R = Recorder`): in the body, R is Recorder."""
    found = set()
    for statement in cls.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None \
                and _is_alias(statement.value, module_names):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            found |= {n.id for t in targets for n in windows.walk(t) if isinstance(n, ast.Name)}
    return found


def _defined_names(trees) -> set[str]:
    """The module-level functions of `trees` and the methods of their classes (`forward`, `step`,
    `manual_seed`, ...): what a patch replaces to change what a check runs."""
    names = set()
    for tree in trees:
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
            elif isinstance(node, ast.ClassDef):
                names |= {s.name for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return names


def _setter(call: ast.Call, class_names: set[str]) -> tuple[str | None, ast.AST | None, ast.AST | None] | None:
    """For a call that sets or deletes an attribute: the root name of the object it changes, the
    attribute's name node and the value (None for delattr); None for any other call.
    setattr(obj, name, v) and object.__setattr__(obj, name, v) name the object first; a bound
    obj.__setattr__(name, v) changes obj, and super().__setattr__(name, v) the method's own object."""
    func = call.func
    if isinstance(func, ast.Name) and func.id in PATCHERS:
        unbound = True
    elif isinstance(func, ast.Attribute) and func.attr in SETTERS:
        unbound = isinstance(func.value, ast.Name) and (func.value.id in ("object", "type") or func.value.id in class_names)
    else:
        return None
    args = call.args if unbound else [None, *call.args]
    if unbound:
        root = _root_name(args[0]) if args else None
    else:
        holder = func.value
        root = "super" if isinstance(holder, ast.Call) and isinstance(holder.func, ast.Name) and holder.func.id == "super" \
            else _root_name(holder)
    return root, (args[1] if len(args) > 1 else None), (args[2] if len(args) > 2 else None)


def _is_static(fn: ast.AST) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in getattr(fn, "decorator_list", []))


def _passed_around(node: ast.AST, parent: ast.AST | None) -> bool:
    """setattr, delattr, vars or X.__setattr__ used as a value, not called right there (`_put = setattr`, then
    `_put(Recorder, "forward", f)`): what they change is then out of the grader's sight."""
    setter = isinstance(node, ast.Name) and node.id in (*PATCHERS, "vars") or \
        isinstance(node, ast.Attribute) and node.attr in SETTERS
    return setter and not (isinstance(parent, ast.Call) and parent.func is node)


def _called_name(func: ast.AST | None) -> str:
    """The name a call is made by: `f` of f(...) and of obj.f(...), "" for anything else."""
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _copier_target(call: ast.Call) -> ast.AST | None:
    """What update_wrapper(X, ...), dataclass(X), total_ordering(X) or wraps(...)(X) writes attributes onto."""
    if _called_name(call.func) in ATTRIBUTE_COPIERS and call.args:
        return call.args[0]
    inner = call.func.func if isinstance(call.func, ast.Call) else None
    return call.args[0] if _called_name(inner) in ("wraps", *ATTRIBUTE_COPIERS) and call.args else None


def _function_like(value: ast.AST | None, functions: set[str]) -> bool:
    """Whether value is a function or class to install (what a patch sets): a lambda, a name bound by
    def or class (`functions`), or property(...), staticmethod(...), classmethod(...), partial(...),
    MethodType(...). Anything else is taken for data (`moments.step = t`, `stats.mean = v.mean()`)."""
    if isinstance(value, ast.Lambda):
        return True
    if isinstance(value, ast.Name):
        return value.id in functions
    if isinstance(value, ast.IfExp):
        return _function_like(value.body, functions) or _function_like(value.orelse, functions)
    if isinstance(value, ast.Call):
        return _called_name(value.func) in ("property", "staticmethod", "classmethod", "partial", "MethodType")
    return False


def _carries(iterable: ast.AST, names: set[str]) -> bool:
    """Whether a loop over `iterable` hands out one of `names` itself: `for c in (Recorder,)`, `for c in
    CLASSES` (a protected name), not `for inp in zip(node.inputs, f(node))` (what calls return is data)."""
    if isinstance(iterable, ast.Name):
        return iterable.id in names
    if isinstance(iterable, (ast.List, ast.Tuple, ast.Set)):
        return any(isinstance(e, ast.Name) and e.id in names or isinstance(e, ast.Starred) and _carries(e.value, names)
                   for e in iterable.elts)
    return False


def _attribute_setting_parameters(tree: ast.AST, class_names: set[str]) -> dict[str, dict]:
    """function or method name -> {position or keyword: parameter name} of the parameters on which it
    sets attributes (`p.x = ...`, `p[k].x = ...`, setattr(p, ...), update_wrapper(p, ...)); a method's
    positions count from after self. Lambdas are read where they are called (_handed)."""
    found: dict[str, dict] = {}
    for fn in _walked(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.setdefault(fn.name, {}).update(_setting_parameters(fn, class_names))
    return found


def _setting_parameters(fn: ast.AST, class_names: set[str]) -> dict:
    args = fn.args
    positional = [a.arg for a in [*args.posonlyargs, *args.args]]
    names = windows.parameter_names(fn, starred=False)
    set_on = set()
    for node in windows.walk(fn):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
            set_on.add(_root_name(node.value))
        elif isinstance(node, ast.Call):
            setter = _setter(node, class_names)
            if setter is not None:
                set_on.add(setter[0])
            if _copier_target(node) is not None:
                set_on.add(_root_name(_copier_target(node)))
    set_on &= names
    method = isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and bool(positional) and positional[0] in ("self", "cls")
    where = {}
    for index, name in enumerate(positional):
        if name in set_on:
            where[index - 1 if method else index] = name
            where[name] = name
    where.update({a.arg: a.arg for a in args.kwonlyargs if a.arg in set_on})
    return where


def _handed(call: ast.Call, setters: dict):
    """(argument, parameter, function) for each argument of `call` that lands on a parameter the called
    function sets attributes of: an own function or method by name, or a lambda called where it stands."""
    func = call.func
    if isinstance(func, ast.Lambda):
        where, name = _setting_parameters(func, set()), "a lambda"
    elif isinstance(func, (ast.Name, ast.Attribute)):
        name = _called_name(func)
        where = setters.get(name, {})
    else:
        return
    for index, argument in enumerate(call.args):
        if index in where:
            yield argument, where[index], name
    for keyword in call.keywords:
        if keyword.arg in where:
            yield keyword.value, where[keyword.arg], name


def _own_class_of(node: ast.AST, own: frozenset) -> bool:
    """Whether node is type(self) or self.__class__ for a method's own self (its own class or a subclass)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "type" and len(node.args) == 1:
        return isinstance(node.args[0], ast.Name) and node.args[0].id in own
    return isinstance(node, ast.Attribute) and node.attr == "__class__" and isinstance(node.value, ast.Name) \
        and node.value.id in own


def _through_sys(node: ast.Attribute, imports: dict) -> bool:
    """Whether `x.modules` is sys.modules: x is the sys module (by its import) or a chain through `.sys`."""
    value = node.value
    if isinstance(value, ast.Name):
        return imports.get(value.id) == "sys"
    return any(isinstance(n, ast.Attribute) and n.attr == "sys" for n in windows.walk(value))


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


@dataclass(frozen=True)
class _Reading:
    """What the whole module's reading knows, for the checks of each of its nodes."""

    module_names: set[str]            # the protected names (_protected_names)
    imports: dict                     # local name -> the module it imports
    members: frozenset[str] = frozenset()      # the package's method and function names
    class_names: set[str] = frozenset()        # names that hold classes (own or imported)
    functions: set[str] = frozenset()          # module-level names bound to functions or classes
    own_classes: set[str] = frozenset()        # classes the module defines itself
    open_classes: set[str] = frozenset()       # names the given code itself patches (module 01's Tensor)
    setters: dict = field(default_factory=dict)    # own functions -> the parameters they set attributes of
    given: frozenset[str] = frozenset()        # the given classes and functions (module 08's Recorder)
    given_data: dict = field(default_factory=dict)  # class-level data of a given class -> the class (Recorder.check_reports)

    def what(self, name: str) -> str:
        return _what(name, set(self.imports))


@dataclass(frozen=True)
class _Scope:
    """Where a node stands: local, the names its functions bind to objects of their own; aliased, names
    bound to a protected object (`R = Recorder`); owner, the class whose body it is in; own, the enclosing
    methods' first parameters (self, cls), still unshadowed; local_functions, names the enclosing
    functions bind to functions or receive as parameters."""

    local: frozenset = frozenset()
    aliased: frozenset = frozenset()
    owner: str | None = None
    own: frozenset = frozenset()
    local_functions: frozenset = frozenset()
    caught: frozenset = frozenset()     # the names the enclosing functions' except clauses capture

    def outside(self, name: str, reading: _Reading) -> bool:
        """Whether name stands for a module-level object that this definition does not own."""
        return (name in reading.module_names or name in self.aliased) and name not in self.local \
            and name != self.owner and name not in reading.open_classes


def _inner_scope(node: ast.AST, parent: ast.AST | None, scope: _Scope, reading: _Reading) -> _Scope | None:
    """The scope node opens for its children (a function, a loop over protected objects, a class), or None."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        inner, aliases = _local_names(node, reading.module_names)
        mine = scope.own - inner - aliases
        if isinstance(parent, ast.ClassDef) and node.args.args and not _is_static(node):
            mine |= {node.args.args[0].arg}
        body = node.body if isinstance(node.body, list) else [node.body]
        made = {n.name for s in body for n in windows.walk(s) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                           ast.ClassDef))}
        made |= {tgt.id for s in body for n in windows.walk(s) if isinstance(n, ast.Assign) and isinstance(n.value, ast.Lambda)
                 for tgt in n.targets if isinstance(tgt, ast.Name)}
        caught = {n.name for s in body for n in windows.walk(s) if isinstance(n, ast.ExceptHandler) and n.name}
        return replace(scope, local=frozenset((scope.local - aliases) | inner), aliased=scope.aliased | aliases,
                       own=frozenset(mine), local_functions=frozenset(scope.local_functions | (made - mine)),
                       caught=frozenset(scope.caught | caught))
    if isinstance(node, (ast.For, ast.AsyncFor, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        loops_ = [node] if isinstance(node, (ast.For, ast.AsyncFor)) else node.generators
        carried = {n.id for loop in loops_ if _carries(loop.iter, (reading.module_names | scope.aliased) - scope.local)
                   for n in windows.walk(loop.target) if isinstance(n, ast.Name)}
        if carried:     # `for c in (Recorder,)`, `[... for c in [Recorder]]`: c stands for Recorder
            return replace(scope, local=scope.local - carried, aliased=scope.aliased | carried, own=scope.own - carried)
        return None
    if isinstance(node, ast.ClassDef):
        aliases = _class_aliases(node, reading.module_names)
        return replace(scope, local=scope.local - aliases, aliased=scope.aliased | aliases, owner=node.name)
    return None


def _check_name(node: ast.Name, parent, scope: _Scope, reading: _Reading) -> None:
    if node.id in HIDDEN and node.id not in scope.local:
        raise Tampered(f"it uses {node.id}, which runs or reaches code the grader cannot read", node)
    _check_passed_around(node, parent)


def _check_passed_around(node: ast.AST, parent) -> None:
    if _passed_around(node, parent):
        raise Tampered(f"it uses `{ast.unparse(node)}` other than by calling it, where the grader cannot follow "
                       "what it changes", node)


def _check_constant(node: ast.Constant, parent, scope: _Scope, reading: _Reading) -> None:
    if isinstance(node.value, str) and node.value in (*SETTERS, *FAR_REACHING, "__dict__"):
        raise Tampered(f"it names {node.value!r}, an attribute that changes or reaches other objects from afar", node)
    if isinstance(node.value, str):
        _check_private(node.value, node, scope, reading)


def _check_given_data(name: str, node: ast.AST, scope: _Scope, reading: _Reading) -> None:
    """`type(model).check_reports`: data a given class keeps at class level for the checks (module 08's table of
    what each Recorder reports), read or written outside that class by any spelling (H17: a Trainer
    called the check's report itself, in the mode the check wanted, and ran the model around it)."""
    owner = reading.given_data.get(name)
    if owner is not None and scope.owner != owner:      # self.check_reports too: a method's self may be handed a Recorder
        raise Tampered(f"it reaches `{name}`, data the given {owner} keeps for the checks, outside {owner} (an "
                       f"attribute of your own needs another name)", node)


def _given_class_data(ref: loops.Reference, checks_read: set[str]) -> dict[str, str]:
    """Names a given class binds in its own body to data (not methods) that the graded checks read and
    nothing in the reference module outside that class does (module 08's Recorder.check_reports; not module
    09's use_loops, which the module's functions read): name -> the class. Only the class and the
    checks use those."""
    data = {target.id: name for name, node in _given_definitions(ref).items() if isinstance(node, ast.ClassDef)
            for statement in node.body if isinstance(statement, (ast.Assign, ast.AnnAssign))
            for target in (statement.targets if isinstance(statement, ast.Assign) else [statement.target])
            if isinstance(target, ast.Name) and not target.id.startswith("__") and target.id in checks_read}
    read_elsewhere = {(node.attr, getattr(statement, "name", None)) for statement in ref.module.tree.body
                      for node in windows.walk(statement) if isinstance(node, ast.Attribute) and node.attr in data}
    return {attr: owner for attr, owner in data.items()
            if not any(name == attr and where != owner for name, where in read_elsewhere)}


def _check_private(name: str, node: ast.AST, scope: _Scope, reading: _Reading) -> None:
    """`_Recorder__report`: a given or imported class's private attribute, named outside that class (H15:
    evaluate replaced the Recorder's report so that the check heard what it chose)."""
    match = PRIVATE.fullmatch(name)
    if match and match.group(1) in reading.module_names and match.group(1) != scope.owner:
        raise Tampered(f"it names {name}, a private attribute of {match.group(1)}, outside that class", node)


def _check_attribute(node: ast.Attribute, parent, scope: _Scope, reading: _Reading) -> None:
    """Reads that reach far (`X.__dict__` of anything but self, sys.path, sys.modules, frames), then stores."""
    _check_passed_around(node, parent)
    _check_given_data(node.attr, node, scope, reading)
    _check_private(node.attr, node, scope, reading)
    _check_reach(node, scope, reading)
    counter = isinstance(parent, ast.AugAssign) and parent.target is node    # `type(self).made += 1`
    if isinstance(node.ctx, (ast.Store, ast.Del)) and not counter:
        _check_attribute_store(node, parent, scope, reading)


def _check_reach(node: ast.AST, scope: _Scope, reading: _Reading) -> None:
    """A read that reaches far: another object's namespace (`X.__dict__`, `vars(X)`; self's is its own),
    sys.path, sys.modules, frames or a function's insides. _check_data_write runs it on the parts of
    what a write goes into before its own check, so that these, which say more, are reported first."""
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id == "vars" and not node.args and "vars" not in scope.local:
            raise Tampered("it calls vars() without an argument, which at module level is globals(): it can rebind "
                           "the module's names from anywhere", node)
        if isinstance(node.func, ast.Name) and node.func.id == "vars" and node.args:
            name = _root_name(node.args[0])
            if name and scope.outside(name, reading):
                raise Tampered(f"it reaches the namespace of {reading.what(name)} (`{ast.unparse(node)}`)", node)
        return
    if not isinstance(node, ast.Attribute):
        return
    name = _root_name(node.value)
    if node.attr == "__dict__" and name and scope.outside(name, reading):
        raise Tampered(f"it reaches the namespace of {reading.what(name)} (`{ast.unparse(node)}`)", node)
    if node.attr == "path" and isinstance(node.value, ast.Name) and reading.imports.get(node.value.id) == "sys":
        raise Tampered(f"it uses `{ast.unparse(node)}`, which decides what an import runs", node)
    if node.attr == "sys" or node.attr == "modules" and _through_sys(node, reading.imports):
        raise Tampered(f"it uses `{ast.unparse(node)}`, which reaches the table of loaded modules", node)
    if node.attr in FAR_REACHING:
        raise Tampered(f"it uses `.{node.attr}`, which reaches frames, code or the table of loaded modules", node)


def _same_scope_parts(node: ast.AST):
    """node and its parts, in the order the visitor meets them, without the parts of a lambda or a
    comprehension (the visitor checks those in their own scope)."""
    yield node
    if not isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        for child in ast.iter_child_nodes(node):
            yield from _same_scope_parts(child)


def _check_attribute_store(node: ast.Attribute, parent, scope: _Scope, reading: _Reading) -> None:
    """`X.attr = ...` or `del X.attr`: X may not be protected, reached through a class, or a call's result;
    a package method name may be set to a function only on a method's own self or cls."""
    name = _root_name(node.value)
    if isinstance(node.value, ast.Name) and node.value.id in scope.caught:
        return      # `err.layer_name = ...`: an attribute of the exception itself, never a module-level object
    extends = name in reading.own_classes and node.attr not in reading.members   # Tensor.__rpow__ = ... in module 01
    if name and scope.outside(name, reading) and not extends:
        raise Tampered(f"it assigns `{ast.unparse(node)}`, an attribute of {reading.what(name)}", node)
    if node.attr in ("__code__", "__func__"):
        raise Tampered(f"it assigns `{ast.unparse(node)}`, which replaces what a function runs", node)
    if node.attr == "__class__":    # a check's own object (the Recorder it hands over) would run another class's code
        raise Tampered(f"it assigns `{ast.unparse(node)}`, which replaces what an object's methods run", node)
    chain = node.value
    own_class = _own_class_of(chain, scope.own)    # type(self).made = ..., self.__class__.made = ...
    while isinstance(chain, (ast.Attribute, ast.Subscript)) and not own_class:
        if isinstance(chain, ast.Attribute) and chain.attr in CLASS_REACHING:
            raise Tampered(f"it assigns `{ast.unparse(node)}`, an attribute of a class reached through "
                           f"{chain.attr}", node)
        chain = chain.value
    if isinstance(chain, ast.Call) and not own_class:  # type(t).dtype = ..., f().x = ...
        raise Tampered(f"it assigns `{ast.unparse(node)}`, an attribute of what a call returned", node)
    value = parent.value if isinstance(parent, (ast.Assign, ast.AnnAssign)) else None
    if node.attr in reading.members and name not in scope.own and name not in reading.own_classes and \
            (value is None or _function_like(value, reading.functions | scope.local_functions)):
        raise Tampered(f"it assigns `{ast.unparse(node)}`: {node.attr} is a method or function of the "
                       "package, set only where its class or module defines it", node)


def _namespace_of(node: ast.AST) -> ast.AST | None:
    """For vars(X) or X.__dict__, the node naming X; None for anything else."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "vars":
        return node.args[0] if node.args else node
    return node.value if isinstance(node, ast.Attribute) and node.attr == "__dict__" else None


def _check_subscript(node: ast.Subscript, parent, scope: _Scope, reading: _Reading) -> None:
    if isinstance(node.ctx, (ast.Store, ast.Del)) and _namespace_of(node.value) is not None:
        name = _root_name(_namespace_of(node.value))
        if name and scope.outside(name, reading):
            raise Tampered(f"`{ast.unparse(node)}` writes into the attributes of {reading.what(name)}", node)
    if isinstance(node.ctx, (ast.Store, ast.Del)):
        _check_data_write(node.value, node, scope, reading)


def _check_data_write(holder: ast.AST, node: ast.AST, scope: _Scope, reading: _Reading) -> None:
    """A write into a container (`X[k] = v`, `X.update(...)`) held by a protected object or reached through
    a class: the given code's data is the checks' (H15: the Recorder's record of what the model saw)."""
    for part in _same_scope_parts(holder):    # sys.modules, sys.path, a namespace: those checks say more
        _check_reach(part, scope, reading)
    name = _root_name(holder)
    if name and scope.outside(name, reading) and (name not in reading.own_classes or name in reading.given):
        raise Tampered(f"`{ast.unparse(node)}` writes into data of {reading.what(name)}", node)
    chain = holder
    while isinstance(chain, (ast.Attribute, ast.Subscript)) and not _own_class_of(chain, scope.own):
        if isinstance(chain, ast.Attribute) and chain.attr in CLASS_REACHING:
            raise Tampered(f"`{ast.unparse(node)}` writes into data of a class reached through {chain.attr}", node)
        chain = chain.value
    if isinstance(chain, ast.Call) and _called_name(chain.func) == "type" and not _own_class_of(chain, scope.own):
        raise Tampered(f"`{ast.unparse(node)}` writes into data of a class reached through type()", node)


def _check_call(node: ast.Call, parent, scope: _Scope, reading: _Reading) -> None:
    """Calls that reach or change other objects: getattr by a computed name, attribute copiers, vars(),
    a namespace's update(), an own function handed a protected object, globals(), setattr and its kin."""
    called = _called_name(node.func)
    if isinstance(node.func, ast.Name) and called == "getattr" and len(node.args) > 1:
        _check_getattr(node, scope, reading)
    if _copier_target(node) is not None:
        name = _root_name(_copier_target(node))
        if name and scope.outside(name, reading):
            raise Tampered(f"`{ast.unparse(node)}` copies attributes onto {reading.what(name)}", node)
    _check_reach(node, scope, reading)
    if isinstance(node.func, ast.Attribute) and called in MUTATORS and _namespace_of(node.func.value) is not None:
        namespace = node.func.value     # before the data-write check below: this says more
        name = _root_name(namespace.args[0] if isinstance(namespace, ast.Call) and namespace.args else namespace)
        if not (name and name in scope.local):
            raise Tampered(f"`{ast.unparse(node)}` changes the attributes of {name or 'an object'}", node)
    holder = node.func.value if isinstance(node.func, ast.Attribute) else None
    plain_module = isinstance(holder, ast.Name) and \
        reading.imports.get(holder.id, "").split(".")[0] in PLAIN_MODULES    # np.add(...), np.insert(...): functions
    if holder is not None and called in (*MUTATORS, *CONTAINER_MUTATORS) and not plain_module:
        _check_data_write(holder, node, scope, reading)
    unbound_writer = called in WRITER_FUNCTIONS or isinstance(holder, ast.Name) and holder.id in CONTAINER_TYPES \
        and called in (*MUTATORS, *CONTAINER_MUTATORS)     # operator.setitem(X, k, v), dict.update(X, ...)
    if unbound_writer and node.args:
        _check_data_write(node.args[0], node, scope, reading)
    for argument, parameter, function in _handed(node, reading.setters):
        handed = [n.id for n in windows.walk(argument) if isinstance(n, ast.Name) and scope.outside(n.id, reading)]
        if handed:
            raise Tampered(f"it hands {reading.what(handed[0])} to {function}, which sets attributes of "
                           f"its parameter {parameter}", node)
    if called == "globals":
        raise Tampered("it calls globals(), which can rebind the module's names from anywhere", node)
    _check_setter(node, scope, reading)


def _check_getattr(node: ast.Call, scope: _Scope, reading: _Reading) -> None:
    attribute, name = node.args[1], _root_name(node.args[0])
    literal = isinstance(attribute, ast.Constant) and isinstance(attribute.value, str)
    plain_module = name in reading.imports and reading.imports.get(name, "").split(".")[0] in PLAIN_MODULES
    folded = _folded_text(attribute)
    if folded is not None:
        _check_given_data(folded, node, scope, reading)
    if folded is not None and not literal and folded in (*SETTERS, *FAR_REACHING, "__dict__"):
        raise Tampered(f"`{ast.unparse(node)}` reaches {folded!r}, an attribute that changes or reaches other "
                       "objects from afar", node)
    of_code = isinstance(node.args[0], ast.Name) and name not in scope.local and not plain_module and \
        (name in reading.functions or name in loops.BUILTIN_NAMES)
    if not literal and folded is None and of_code:
        raise Tampered(f"`{ast.unparse(node)}` reaches an attribute of the function, class or module {name} by a "
                       "name the grader cannot read (its insides reach the module's names); name the attribute", node)
    if not literal and name and scope.outside(name, reading) and not plain_module:
        raise Tampered(f"`{ast.unparse(node)}` reaches an attribute of {reading.what(name)} by a name the "
                       "grader cannot read (by a computed name, getattr may call a function of numpy or math, "
                       "or reach the attributes of your own objects)", node)


def _folded_text(node: ast.AST) -> str | None:
    """The text an expression of string literals only spells (`'__glo' + 'bals__'`, f"{'__dict'}__",
    `''.join(['__se', 'lf__'])`), or None when it is not one."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _folded_text(node.left), _folded_text(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        parts = [_folded_text(v.value if isinstance(v, ast.FormattedValue) and v.format_spec is None
                              and v.conversion == -1 else v) for v in node.values]
        return None if None in parts else "".join(parts)
    if isinstance(node, ast.Call) and _called_name(node.func) == "join" and isinstance(node.func, ast.Attribute) \
            and len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple)) and not node.keywords:
        glue, parts = _folded_text(node.func.value), [_folded_text(e) for e in node.args[0].elts]
        return None if glue is None or None in parts else glue.join(parts)
    return None


def _check_folded(node: ast.AST, parent, scope: _Scope, reading: _Reading) -> None:
    """`'__glo' + 'bals__'`: literal pieces that spell a name _check_constant refuses."""
    text = _folded_text(node)
    if text is not None and not isinstance(node, ast.Constant):
        _check_constant(ast.copy_location(ast.Constant(text), node), parent, scope, reading)


def _check_setter(node: ast.Call, scope: _Scope, reading: _Reading) -> None:
    """setattr(X, ...), delattr, object.__setattr__(X, ...), X.__setattr__(...): X may not be protected, and a
    package method name (or a name the grader cannot read) is set to a function only on self or cls."""
    setter = _setter(node, reading.class_names)
    if setter is None:
        return
    name, attribute, value = setter
    if isinstance(attribute, ast.Constant) and attribute.value == "__class__" or _folded_text(attribute) == "__class__":
        raise Tampered(f"`{ast.unparse(node)}` sets `__class__`, which replaces what an object's methods run", node)
    if name and scope.outside(name, reading):
        raise Tampered(f"`{ast.unparse(node)}` changes an attribute of {reading.what(name)}", node)
    literal = isinstance(attribute, ast.Constant) and isinstance(attribute.value, str)
    mine = name in scope.own or name == "super" and bool(scope.own)    # super().__setattr__ in a method: self's
    if not mine and name not in reading.own_classes and (not literal or attribute.value in reading.members) and \
            (value is None or _function_like(value, reading.functions | scope.local_functions)):
        raise Tampered(f"`{ast.unparse(node)}` sets {'a method of the package' if literal else 'an attribute the grader cannot name'} "
                       "on an object it was handed (only self's and cls's attributes may be set by name)", node)


# The checks of one node, by its kind (a node of any other kind has none of its own).
NODE_CHECKS = {ast.Name: _check_name, ast.Constant: _check_constant, ast.Attribute: _check_attribute,
               ast.Subscript: _check_subscript, ast.Call: _check_call, ast.BinOp: _check_folded,
               ast.JoinedStr: _check_folded}


def _patches(statement: ast.AST, reading: _Reading) -> None:
    """Raise Tampered at the first place `statement` changes a module-level object from outside its definition,
    or sets one of the package's methods (`members`) on an object it was handed (`def f(cls): cls.forward = ...`)."""
    def visit(node: ast.AST, scope: _Scope, parent: ast.AST | None) -> None:
        inner = _inner_scope(node, parent, scope, reading)
        if inner is None:
            check = NODE_CHECKS.get(type(node))
            if check is not None:
                check(node, parent, scope, reading)
        for child in ast.iter_child_nodes(node):
            visit(child, inner or scope, node)

    visit(statement, _Scope(), None)


def _what(name: str, imported: set[str]) -> str:
    return f"the imported {name}" if name in imported else f"{name}, from outside its own definition"


def _given_binding_keys(ref: loops.Reference) -> dict[str, set[str]]:
    """name -> how the reference binds it at module level outside its solutions (`import numpy`, `class`, ...)."""
    def solved(node):
        return any(node.lineno <= b <= node.end_lineno for b in ref.begins)
    return {name: {key for key, node in entries if not solved(node)}
            for name, entries in ref.module.bindings.items() if not any(solved(node) for _, node in entries)}


def _given_reads(ref: loops.Reference) -> set[str]:
    """The names the given code reads (its top-level statements without a solution): `is_grad_enabled`
    in module 08's Recorder.forward, `isinstance` in a given helper."""
    tree, begins = ref.module.tree, ref.begins
    return {node.id for statement in tree.body
            if not any(statement.lineno <= b <= statement.end_lineno for b in begins)
            for node in windows.walk(statement) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def _check_rebindings(student, ref: loops.Reference, used: set[str]) -> None:
    """A name the checks or the given code use that the given code binds (an import, a given class or
    function) is bound only as the given code binds it: `Recorder = _Forged` or `from x import y as
    Tensor` would hand the checks the student's object in its place; so would a function declaring it
    global. Nor may the module bind a builtin the given code reads (`isinstance = spy`), which would
    change what the given code runs."""
    given = _given_binding_keys(ref)
    objects = {name for name, entries in ref.module.bindings.items()       # imports, defs and classes, not
               if all(isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                                        ast.ClassDef)) for _, node in entries)}   # a given loop's variable
    given_reads = _given_reads(ref)     # walks every given statement: once
    used = used | given_reads & objects | given_reads & loops.BUILTIN_NAMES
    shadowed = used & loops.BUILTIN_NAMES - set(ref.module.bindings)
    declared_by_given = {n for node in _walked(ref.module.tree) if isinstance(node, ast.Global) for n in node.names}
    refused = (set(given) | shadowed) - declared_by_given
    for node in _walked(student.tree):
        if isinstance(node, ast.Global) and refused & set(node.names):
            raise Tampered(f"it declares {', '.join(sorted(refused & set(node.names)))} global, a name of the given "
                           "code or a builtin it reads, so that a function could bind it again", node)
    package_top = ref.module.package.split(".")[0]
    for name in sorted(used & set(given)):
        for key, node in student.bindings.get(name, []):
            same_name_from_package = isinstance(node, ast.ImportFrom) and key.startswith(f"from {package_top}.") \
                and key.endswith(f" import {name}")     # from tinytorch.core.autograd import Tensor: the same object
            if key not in given[name] and not same_name_from_package:
                raise Tampered(f"it binds {name} again, a name of the given code that the checks use", node)
    for name in sorted(shadowed & set(student.bindings)):
        raise Tampered(f"it binds {name}, a builtin the given code reads, so that the given code would run yours; "
                       "give yours another name", student.bindings[name][0][1])


def _given_definitions(ref: loops.Reference) -> dict[str, ast.AST]:
    """The reference module's top-level classes and functions without a solution region."""
    tree, begins = ref.module.tree, ref.begins
    return {node.name: node for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and not any(node.lineno <= b <= node.end_lineno for b in begins)}


def check(source: str, reference_src: Path | str, graded_sources: list[str]) -> str | None:
    """Why the exported module `source` changes code the checks rely on, or None."""
    ref = loops.reference(reference_src)
    try:
        with loops.PARSING:
            student = loops.read_module(source, ref.module.package)
    except SyntaxError:
        return None  # the items say it does not import
    given_dumps = _given_dumps(ref)
    given_code = set(given_dumps.values())
    module_names = _protected_names(student, ref)
    functions = {name for name, entries in student.bindings.items()
                 if any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom))
                        or isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda) for _, node in entries)}
    members = _members(ref)
    setters = _attribute_setting_parameters(student.tree, set(student.bindings))
    class_names = {name for name, entries in student.bindings.items()
                   if any(isinstance(node, ast.ClassDef) for _, node in entries)} | set(student.imports)
    given_modules = {_top(node, alias) for node in _walked(ref.module.tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                     for alias in node.names}
    given_imports = frozenset((_top(node, alias), alias.name) for node in _walked(ref.module.tree)
                              if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names)
    checks = [node for text in graded_sources for node in _parsed_nodes(text)]   # every node of the graded cells
    reading = _Reading(module_names, student.imports, members, class_names, functions,
                       own_classes=_own_classes(student, ref), open_classes=_open_classes(ref), setters=setters,
                       given=frozenset(_given_definitions(ref)),
                       given_data=_given_class_data(ref, {node.attr for node in checks if isinstance(node, ast.Attribute)}))
    try:
        for statement in student.tree.body:
            if _without_docstring(statement) not in given_code:
                _check_imports(statement, given_modules, ref.module.package, given_imports)
                _patches(statement, reading)
        used = {n.id for n in checks if isinstance(n, ast.Name)}
        _check_rebindings(student, ref, used)
        _check_name_resolvers(student.tree)
        mine = [node for node in loops.module_statements(student.tree.body)    # also inside `if True:`, `try:`
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        given_definitions = _given_definitions(ref)
        for node in mine:
            theirs = given_definitions.get(node.name)
            if theirs is not None and node.name in used and _without_docstring(node) != given_dumps[id(theirs)]:
                raise Tampered(f"the given {node.name}, which the checks use, is not the given code (here defined "
                               "again or changed); keep the given definition only (its docstring and comments may "
                               "differ) and give yours another name", node)
        at_top = {id(node) for node in mine}
        for node in _walked(student.tree):     # `def f(): class Recorder: ...` would own Recorder's data (H19)
            if isinstance(node, ast.ClassDef) and id(node) not in at_top and \
                    node.name in module_names | set(given_definitions):
                raise Tampered(f"it defines a class named {node.name} inside another definition: {node.name} is a "
                               "name of the given code or an import; give yours another name", node)
        annotation = reach.code_in_annotation(student.tree, _walked(student.tree))
        if annotation is not None:
            raise Tampered(f"it writes more than a type in an annotation (`{ast.unparse(annotation)}`), which code "
                           "reading annotations (typing.get_type_hints, functools.singledispatch) would run", annotation)
    except Tampered as tampered:
        return (f"{LEAD}: {tampered.detail}{loops.where(source, tampered.node)}. A graded module may not change imported code or its own "
                "classes and functions from outside their definitions, nor the given code; remove that and grade again")
    return None


def _check_name_resolvers(tree: ast.AST) -> None:
    """operator.attrgetter and methodcaller only called at once, with names written as literals that reach
    nothing far (each part of a dotted path): `attrgetter('shape')`, not `attrgetter(name)` nor `ag = attrgetter`."""
    calls = {id(node.func): node for node in _walked(tree) if isinstance(node, ast.Call)}
    for node in _walked(tree):
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if name not in NAME_RESOLVERS or isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            continue
        call = calls.get(id(node))
        if call is None:
            raise Tampered(f"it uses {name} other than by calling it with the names written out; {name} reads "
                           "attributes by names given as text, which the grader must be able to read", node)
        names = call.args if name == "attrgetter" else call.args[:1]
        if name == "attrgetter" and call.keywords or not names or any(isinstance(a, ast.Starred) for a in call.args):
            raise Tampered(f"`{ast.unparse(call)}` names its attributes in a way the grader cannot read", call)
        for argument in names:
            text = argument.value if isinstance(argument, ast.Constant) and isinstance(argument.value, str) else None
            if text is None:
                raise Tampered(f"`{ast.unparse(call)}` reaches an attribute by a name the grader cannot read ("
                               f"{NAME_RESOLVERS[name]} of {name} must be a name written as text)", call)
            far = [part for part in text.split(".") if part in (*SETTERS, *FAR_REACHING, "__dict__")]
            if far:
                raise Tampered(f"`{ast.unparse(call)}` reaches {far[0]!r}, an attribute that changes or reaches "
                               "other objects from afar", call)


def _open_classes(ref: loops.Reference) -> set[str]:
    """Names whose attributes the given code itself sets from outside their definitions (module 01's
    `setattr(Tensor, _f.__name__, _f)`, module 06's wrapped Tensor methods): what this module builds, so
    the student may set them too (`Tensor.__rpow__ = ...`); the checks test them by their results."""
    names = set()
    for statement in ref.module.tree.body:
        if any(ref.begins and statement.lineno <= b <= statement.end_lineno for b in ref.begins):
            continue
        for node in windows.walk(statement):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name):
                names.add(node.value.id)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" \
                    and node.args and isinstance(node.args[0], ast.Name):
                names.add(node.args[0].id)
    return names - {"self", "cls"}


def _own_classes(student, ref: loops.Reference) -> set[str]:
    """The classes the module defines itself (given or not): the student may add attributes to them that
    the package does not define (module 01 adds Tensor's operators so); the ones not given are theirs to
    change entirely."""
    return {name for name, entries in student.bindings.items()
            if all(isinstance(node, ast.ClassDef) for _, node in entries)}


def _protected_names(student, ref: loops.Reference) -> set[str]:
    """The module-level names whose attributes only their own definitions may set: imports, the given
    classes and functions, and names bound to one of those (`R = Recorder`, `T = type(t)`). The
    module's own classes and functions are the student's to extend (`Tensor.__rpow__ = ...` in module
    01), and so are its own objects (`CONFIG = Settings()`; `CONFIG.slope = 0.1` in a function)."""
    names = set(student.imports) | set(_given_definitions(ref))
    assignments, loops_over = [], []       # (target, value) and (target, iterable) bound at module level
    for statement in loops.module_statements(student.tree.body):
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            assignments += [(target, statement.value) for target in targets]
        elif isinstance(statement, (ast.For, ast.AsyncFor)):      # its variable outlives the loop
            loops_over.append((statement.target, statement.iter))
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            assignments += [(item.optional_vars, item.context_expr) for item in statement.items if item.optional_vars]
        own = [statement] if not hasattr(statement, "body") or \
            isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else \
            [getattr(statement, f) for f in ("test", "iter", "items", "subject") if getattr(statement, f, None)]
        assignments += [(node.target, node.value) for part in own for piece in (part if isinstance(part, list) else [part])
                        for node in loops._scoped_walk(piece) if isinstance(node, ast.NamedExpr)]   # (_c := Recorder)
    grown = True
    while grown:
        more = {n.id for target, value in assignments if _is_alias(value, names)
                for n in windows.walk(target) if isinstance(n, ast.Name)}
        more |= {n.id for target, iterable in loops_over if _carries(iterable, names)
                 for n in windows.walk(target) if isinstance(n, ast.Name)}
        more -= names
        names |= more
        grown = bool(more)
    return names


def _members(ref: loops.Reference) -> frozenset[str]:
    """The functions and methods of the installed package the reference module belongs to and of the
    reference itself, but the attributes numpy arrays let one write (`shape`)."""
    trees = (*loops.package_trees(ref.module.package.split(".")[0]), ref.module.tree)
    return frozenset(_defined_names(trees) - set(ARRAY_ATTRIBUTES))


def _top(node: ast.Import | ast.ImportFrom, alias: ast.alias) -> str:
    if isinstance(node, ast.ImportFrom):
        return "" if node.level else (node.module or "").split(".")[0]
    return alias.name.split(".")[0]


def _package_module(node: ast.Import | ast.ImportFrom, alias: ast.alias, package: str) -> bool:
    """Whether this alias binds a module of the package itself: `import tinytorch.core.tensor as t`,
    `from tinytorch.core import tensor`, `from . import tensor` (a name without a capital, from a package path)."""
    top = package.split(".")[0]
    if isinstance(node, ast.Import):   # `import tinytorch` alone reaches its modules only by attribute paths
        return alias.name.split(".")[0] == top and (alias.asname is not None or alias.name != top)
    base = node.module or ""
    from_package = node.level > 0 and not node.module or base in (top, package) or base == top + ".core"
    return from_package and alias.name != "*" and alias.name[:1].islower()


def _check_imports(statement: ast.AST, given_modules: set[str], package: str = "",
                   given_imports: frozenset = frozenset()) -> None:
    for node in windows.walk(statement):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                top = _top(node, alias)
                harmless = isinstance(node, ast.ImportFrom) and node.module == top \
                    and alias.name in HARMLESS_NAMES.get(top, ())
                if top in REFUSED_MODULES and top not in given_modules and not harmless:
                    raise Tampered(f"it imports {top}, a module that reaches other modules, frames or objects from "
                                   "afar (a graded module needs numpy, the package and plain standard modules)", node)
                if top and top not in KNOWN_TOP_LEVEL and top != package.split(".")[0] and top not in given_modules:
                    raise Tampered(f"it imports {top}, which is neither numpy, the package nor the standard library: "
                                   "a module of your own (a file your code wrote, perhaps) runs code the grader "
                                   "cannot read", node)
                if top == "sys" and alias.name in ("path", "path_hooks", "meta_path", "modules"):
                    raise Tampered(f"it imports sys.{alias.name}, which decides what an import runs", node)
                if _package_module(node, alias, package) and (_top(node, alias), alias.name) not in given_imports:
                    raise Tampered(f"it imports a module of the package as an object (`{ast.unparse(node)}`), which "
                                   "could change it from afar; import the names you need from it "
                                   "(`from tinytorch.core.tensor import Tensor`)", node)
                if isinstance(node, ast.ImportFrom) and alias.name in FAR_REACHING:
                    raise Tampered(f"it imports {alias.name}, which reaches frames, code or the table of loaded "
                                   "modules", node)


@functools.lru_cache(maxsize=256)
def _parsed_nodes(text: str) -> tuple:
    """Every node of a graded cell's source (the instructor's: the same text in every grading)."""
    return tuple(windows.walk(_parse(text)))


def _parse(text: str) -> ast.AST:
    try:
        with loops.PARSING:
            return ast.parse(text)
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])


def verdict(graded: list, package_parent: Path, module_name: str) -> str | None:
    """The module-wide verdict for these graded cells (all of one module's src); None when it holds."""
    src = next((getattr(cell, "src", None) for cell in graded if getattr(cell, "src", None)), None)
    if src is None:
        return None
    path = Path(package_parent, *module_name.split(".")).with_suffix(".py")
    try:
        source = loops.read_as_imported(path)
    except (OSError, SyntaxError, LookupError, UnicodeDecodeError):
        return None  # every item says the module does not import
    try:
        return check(source, src, [cell.source for cell in graded])
    except Exception as error:  # a bug here must not cost the grading
        return (f"{LEAD}: the given code could not be compared ({type(error).__name__}: {error}); please report "
                "this to your instructor")


def merge(status: str, message: str, tests: list, found: str | None) -> tuple[str, str, list]:
    """An item's outcome with the module-wide verdict: a passing item fails; the verdict comes first."""
    if not found:
        return status, message, tests
    return ("fail" if status == "pass" else status), found + (f"; {message}" if message else ""), \
        [*tests, {"name": "given code", "status": "fail", "message": found}]


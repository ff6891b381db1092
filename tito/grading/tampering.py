"""Code the checks rely on stays as given: a graded module may not patch it when it is imported.

Every check runs the student's exported module in a child process, where that module's code can
change the package the check uses behind its back. Held-out hunts did: `Tensor.dtype = property(...)`
(a dtype that answers what the check wants), `Recorder.forward = ...` (module 08's given fixture made
to record what the check looks for), module 01's `manual_seed` and `get_rng` replaced from module
03, `DataLoader.batch_indices` replaced once a check's dataset was built, `SGD.step = ...`. Read from
the exported source before any child starts (as the loop rule is), and outside the top-level
statements that are exactly the instructor's given code, this refuses:

  - assigning or deleting an attribute of a module-level name (an import, a class or function of
    the module, or another name bound at the top level) outside that name's own definition:
    `Tensor.dtype = ...`, `_tensor.manual_seed = ...`, `SGD.step = ...`; also through `setattr`,
    `delattr`, `object.__setattr__` or by writing into `vars(X)` / `X.__dict__`; and `globals()`;
  - a given class or function that a graded cell names (one without a solution in the instructor's
    src) that is not the given code: edited, it could do what the check is meant to find out.

`self.weight = ...`, `vars(self)` and everything on a function's own names stay fine. The verdict
fails every graded item with a message that says what to remove. Entry points: `check(source,
reference_src, graded_sources)` and, for the judge, `verdict(graded, package_parent, module_name)`
and `merge(...)`.
"""
from __future__ import annotations

import ast
import copy
from pathlib import Path

from . import loops

PATCHERS = ("setattr", "delattr")
# Code given as text runs unread: a patch inside exec("Tensor.dtype = ...") would not be seen.
HIDDEN = ("exec", "eval", "compile", "__import__", "globals", "locals", "__builtins__")
MUTATORS = ("update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__")
ALIAS_CALLS = ("getattr", "type")  # a local bound to getattr(Tensor, ...) or type(t) stands for a module object
LEAD = "your module changes code the checks rely on"


class Tampered(Exception):
    def __init__(self, detail: str, node: ast.AST | None):
        super().__init__(detail)
        self.detail, self.node = detail, node


def _without_docstring(node: ast.AST) -> str:
    """A def's or class's code as a dump, without its docstring (what runs, not how it reads)."""
    bare = copy.deepcopy(node)
    for part in ast.walk(bare):
        body = getattr(part, "body", None)
        if isinstance(part, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body and \
                isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and \
                isinstance(body[0].value.value, str):
            part.body = body[1:] or [ast.Pass()]
    return ast.dump(bare)


def _local_names(fn: ast.AST, module_names: set[str]) -> tuple[set[str], set[str]]:
    """The names a function binds itself to objects of its own (its parameters, and names assigned
    something other than an alias of a module-level object: `T = Tensor` or `T = type(t)` is no local)."""
    args = fn.args
    names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a}
    declared = {n for node in ast.walk(fn) if isinstance(node, (ast.Global, ast.Nonlocal)) for n in node.names}
    stored = {node.id for node in ast.walk(fn) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    aliases = set()
    for node in ast.walk(fn):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            value = node.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            root = value
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                root = root.value
            alias = isinstance(root, ast.Name) and root.id in module_names or \
                isinstance(root, ast.Call) and isinstance(root.func, ast.Name) and root.func.id in ALIAS_CALLS \
                and not (root.func.id == "type" and len(root.args) != 1)   # type(name, bases, dict) makes a class
            if alias:
                aliases |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    aliases -= names
    return (names | stored) - declared - aliases, aliases


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _patches(statement: ast.AST, module_names: set[str], imported: set[str]) -> None:
    """Raise Tampered at the first place `statement` changes a module-level object from outside its definition."""
    def visit(node, local: set[str], aliased: set[str], owner: str | None):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inner, aliases = _local_names(node, module_names) if not isinstance(node, ast.Lambda) else \
                ({a.arg for a in node.args.args}, set())
            for child in ast.iter_child_nodes(node):
                visit(child, (local - aliases) | inner, aliased | aliases, owner)
            return
        if isinstance(node, ast.ClassDef):
            for child in ast.iter_child_nodes(node):
                visit(child, local, aliased, node.name)
            return
        def outside(name: str) -> bool:  # a module-level object, not this definition's own
            return (name in module_names or name in aliased) and name not in local and name != owner

        if isinstance(node, ast.Name) and node.id in HIDDEN:
            raise Tampered(f"it uses {node.id}, which runs or reaches code the grader cannot read", node)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
            name = _root_name(node.value)
            if name and outside(name):
                raise Tampered(f"it assigns `{ast.unparse(node)}`, an attribute of {_what(name, imported)}", node)
            chain = node.value
            while isinstance(chain, (ast.Attribute, ast.Subscript)):
                if isinstance(chain, ast.Attribute) and chain.attr == "__class__":
                    raise Tampered(f"it assigns `{ast.unparse(node)}`, an attribute of a class through __class__", node)
                chain = chain.value
            if isinstance(chain, ast.Call):  # type(t).dtype = ..., f().x = ...
                raise Tampered(f"it assigns `{ast.unparse(node)}`, an attribute of what a call returned", node)
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)):
            holder = node.value
            if isinstance(holder, ast.Call) and isinstance(holder.func, ast.Name) and holder.func.id == "vars" or \
                    isinstance(holder, ast.Attribute) and holder.attr == "__dict__":
                name = _root_name(holder.args[0] if isinstance(holder, ast.Call) and holder.args else holder)
                if name and outside(name):
                    raise Tampered(f"`{ast.unparse(node)}` writes into the attributes of {_what(name, imported)}", node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
            holder = node.func.value
            namespace = isinstance(holder, ast.Attribute) and holder.attr == "__dict__" or \
                isinstance(holder, ast.Call) and isinstance(holder.func, ast.Name) and holder.func.id == "vars"
            name = _root_name(holder.args[0] if isinstance(holder, ast.Call) and holder.args else holder)
            if namespace and not (name and name in local):
                raise Tampered(f"`{ast.unparse(node)}` changes the attributes of {name or 'an object'}", node)
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called == "globals":
                raise Tampered("it calls globals(), which can rebind the module's names from anywhere", node)
            if called in PATCHERS or called in ("__setattr__", "__delattr__") and isinstance(func, ast.Attribute):
                name = _root_name(node.args[0]) if node.args else None
                if name and outside(name):
                    raise Tampered(f"`{ast.unparse(node)}` changes an attribute of {_what(name, imported)}", node)
        for child in ast.iter_child_nodes(node):
            visit(child, local, aliased, owner)

    visit(statement, set(), set(), None)


def _what(name: str, imported: set[str]) -> str:
    return f"the imported {name}" if name in imported else f"{name}, from outside its own definition"


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
    given_code = {_without_docstring(s) for s in ref.module.tree.body}
    module_names = set(student.bindings)
    try:
        for statement in student.tree.body:
            if _without_docstring(statement) not in given_code:
                _patches(statement, module_names, set(student.imports))
        used = {n.id for text in graded_sources for n in ast.walk(_parse(text)) if isinstance(n, ast.Name)}
        mine = {node.name: node for node in student.tree.body
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        for name, theirs in sorted(_given_definitions(ref).items()):
            if name in used and name in mine and _without_docstring(mine[name]) != _without_docstring(theirs):
                raise Tampered(f"the given {name}, which the checks use, is not the given code; restore it from a "
                               "fresh copy of the notebook (its docstring and comments may differ)", mine[name])
    except Tampered as tampered:
        return (f"{LEAD}: {tampered.detail}{loops.where(source, tampered.node)}. A graded module may not change imported code or its own "
                "classes and functions from outside their definitions, nor the given code; remove that and grade again")
    return None


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
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
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


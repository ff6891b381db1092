"""What reaches code from afar: the one list of names both static rules refuse.

The loop rule (loops.py, clause 4) and the tampering rule (tampering.py) read a student's exported
module before any of it runs. Both must refuse what would let code change, or run, something the
reader cannot see: code given as text, frames, functions' insides, the import machinery, and the
modules that reach other objects from afar. Each rule adds its own (the loop rule refuses more:
`__dict__`, `vars`, update_wrapper), but this core is written once, here.
"""
import ast

# Names that run code given as text, or reach a namespace wholesale.
CODE_AS_TEXT = ("exec", "eval", "compile", "__import__", "globals", "locals", "__builtins__")

# Calls that set or delete an attribute of the object they are given.
SETTERS = ("setattr", "delattr")

# Attributes that reach frames, a function's insides or the import machinery.
FAR_REACHING_ATTRIBUTES = (
    "_getframe", "f_back", "f_globals", "f_locals", "f_builtins", "f_code",   # frames
    "tb_frame", "gi_frame", "cr_frame", "settrace", "setprofile",
    "__globals__", "__closure__", "__defaults__", "__kwdefaults__", "__builtins__",          # a function's insides
    "__getattribute__",                                                                     # every attribute read
    "__loader__", "__spec__", "meta_path", "path_hooks",                                    # what an import runs
    "__self__",                                                 # a bound method's owner (len.__self__ is builtins)
    "__annotations__",                                          # text some code evaluates (see code_in_annotation)
)

# Modules that reach or rewrite other modules, frames or objects from afar, or run code given as data.
FAR_REACHING_MODULES = ("importlib", "ctypes", "gc", "inspect", "builtins", "marshal", "pickle", "copyreg",
                        "runpy", "code", "codeop")


# What an annotation may hold: a type named, subscripted or joined with `|`, numbers (also negative),
# and the words and comparisons a student writes in text (`'np.ndarray or float'`, `'x >= 0'`), none of
# which calls anything. typing.get_type_hints, and what calls it (functools.singledispatch's register),
# evaluates an annotation written as text in the module's namespace: `x: "(f := g)"` rebinds f when
# some code reads the hints (H17), out of the readers' sight. Text inside Literal[...] and in
# Annotated[T, ...]'s metadata is a value, never evaluated (H20: Literal['leaky-relu'] was refused).
TYPE_NODES = (ast.Name, ast.Attribute, ast.Subscript, ast.Tuple, ast.List, ast.Constant, ast.BinOp, ast.BitOr,
              ast.Load, ast.Expression, ast.UnaryOp, ast.USub, ast.UAdd, ast.Not, ast.BoolOp, ast.And, ast.Or,
              ast.Compare, ast.cmpop)
VALUE_SUBSCRIPTS = ("Literal", "Annotated")
MAX_TEXT_DEPTH = 3


def _annotations(nodes):
    for node in nodes:
        if isinstance(node, ast.arg) and node.annotation is not None:
            yield node.annotation
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            yield node.returns
        elif isinstance(node, ast.AnnAssign):
            yield node.annotation


def _code_in_type(expression: ast.AST, depth: int = 0, value: bool = False) -> bool:
    """Whether an annotation's expression holds more than a type (see TYPE_NODES); `value`: it is a
    Literal's value or Annotated's metadata, whose text is never evaluated."""
    if not isinstance(expression, TYPE_NODES) or isinstance(expression, ast.BinOp) and not isinstance(expression.op, ast.BitOr):
        return True
    if isinstance(expression, ast.Constant):
        return isinstance(expression.value, str) and not value and _code_in_text(expression.value, depth)
    if isinstance(expression, ast.Subscript):
        head = expression.value.attr if isinstance(expression.value, ast.Attribute) else getattr(expression.value, "id", "")
        parts = expression.slice.elts if isinstance(expression.slice, ast.Tuple) else [expression.slice]
        if head in VALUE_SUBSCRIPTS:
            typed = parts[:1] if head == "Annotated" else []
            return _code_in_type(expression.value, depth) or \
                any(_code_in_type(part, depth, value=part not in typed) for part in parts)
    return any(_code_in_type(child, depth, value) for child in ast.iter_child_nodes(expression))


def _code_in_text(text: str, depth: int) -> bool:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return False    # not Python (e.g. 'N-dim array'): evaluating it would fail, not run code
    # typing evaluates text inside text to any depth; a type needs two levels at most ("List['Tensor']"),
    # so deeper text is read as code (H19: 11 levels hid a walrus)
    return depth >= MAX_TEXT_DEPTH or _code_in_type(tree, depth + 1)


def code_in_annotation(tree: ast.AST, nodes: list | None = None) -> ast.AST | None:
    """The first annotation that holds more than a type (a call, a walrus, a lambda, ...), also inside
    text (`"(f := g)"`, `List["f()"]`), or None. `nodes`: ast.walk(tree) as a list, if the caller has it."""
    walked = ast.walk(tree) if nodes is None else nodes
    return next((annotation for annotation in _annotations(walked) if _code_in_type(annotation)), None)

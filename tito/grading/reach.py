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


# What an annotation may hold: a type named, subscripted or joined with `|` (also written as text).
# typing.get_type_hints, and what calls it (functools.singledispatch's register), evaluates an
# annotation written as text in the module's namespace: `x: "(f := g)"` rebinds f when some code
# reads the hints (H17), out of the readers' sight.
TYPE_NODES = (ast.Name, ast.Attribute, ast.Subscript, ast.Tuple, ast.List, ast.Constant, ast.BinOp, ast.BitOr,
              ast.Load, ast.Expression)


MAX_TEXT_DEPTH = 3


def _annotations(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            yield node.annotation
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            yield node.returns
        elif isinstance(node, ast.AnnAssign):
            yield node.annotation


def _code_in_type(expression: ast.AST, depth: int = 0) -> bool:
    for node in ast.walk(expression):
        if not isinstance(node, TYPE_NODES) or isinstance(node, ast.BinOp) and not isinstance(node.op, ast.BitOr):
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                text = ast.parse(node.value.strip(), mode="eval")
            except (SyntaxError, ValueError):
                continue    # not Python (e.g. Literal["a b"]): evaluating it would fail, not run code
            # typing evaluates text inside text to any depth; a type needs two levels at most
            # ("List['Tensor']"), so deeper text is read as code (H19: 11 levels hid a walrus)
            if depth >= MAX_TEXT_DEPTH or _code_in_type(text, depth + 1):
                return True
    return False


def code_in_annotation(tree: ast.AST) -> ast.AST | None:
    """The first annotation that holds more than a type (a call, a walrus, a lambda, ...), also inside
    text (`"(f := g)"`, `List["f()"]`), or None."""
    return next((annotation for annotation in _annotations(tree) if _code_in_type(annotation)), None)

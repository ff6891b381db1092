"""What reaches code from afar: the one list of names both static rules refuse.

The loop rule (loops.py, clause 4) and the tampering rule (tampering.py) read a student's exported
module before any of it runs. Both must refuse what would let code change, or run, something the
reader cannot see: code given as text, frames, functions' insides, the import machinery, and the
modules that reach other objects from afar. Each rule adds its own (the loop rule refuses more:
`__dict__`, `vars`, update_wrapper), but this core is written once, here.
"""

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
)

# Modules that reach or rewrite other modules, frames or objects from afar, or run code given as data.
FAR_REACHING_MODULES = ("importlib", "ctypes", "gc", "inspect", "builtins", "marshal", "pickle", "copyreg",
                        "runpy", "code", "codeop")

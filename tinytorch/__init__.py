"""tinytorch: a deep learning framework built by students, one module at a time."""
__version__ = "0.1.0"

# Deliberately empty: every `tinytorch.core.*` import runs this file first, so importing
# anything here would run code a student's module can break before the module asked for
# is even loaded. Gradients come on when `tinytorch.core.autograd` is imported, which the
# modules that train (layers, optimizers, training, spatial; losses through layers) do themselves.

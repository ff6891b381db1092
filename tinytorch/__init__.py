"""tinytorch: a deep learning framework built by students, one module at a time."""
__version__ = "0.1.0"

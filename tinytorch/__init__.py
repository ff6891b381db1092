"""tinytorch: a deep learning framework built by students, one module at a time."""
__version__ = "0.1.0"

# Importing module 06 calls enable_autograd(), which wraps the Tensor operations of
# module 01 and the activations of module 02 so that they record the computation graph
# and Tensor.backward() works. One import here means `import tinytorch` (or any
# `tinytorch.core.*` import, which runs this file first) always gives gradients.
from .core import autograd as _autograd  # enables gradient tracking on Tensor ops

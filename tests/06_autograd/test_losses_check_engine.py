"""The notebook's check of module 04's losses (test-autograd-losses) checks the notebook's engine.

Importing the package's losses imports the package's module 06, and a module 06 imported for the
first time switches its own engine on: in a notebook that had not imported it yet, every Tensor
operation after that check would run the package's rules, not the student's. A fresh Python runs
the reference notebook as Jupyter's Run All does (this process has imported the package's module 06
long ago, so it cannot show the switch) and reports which engine Tensor runs afterwards.
"""
from figure_notebooks import in_this_checkout, reference_source, run_in_fresh_python

SRC = reference_source("06_autograd")
pytestmark = in_this_checkout(SRC)

REPORT = """
    import tinytorch.core.autograd as package
    Tensor = namespace["Tensor"]
    print("package module 06 imported:", "tinytorch.core.autograd" in sys.modules)
    print("Tensor.backward is the notebook's:", Tensor.backward is namespace["backward"])
    print("Tensor.backward is the package's:", Tensor.backward is package.backward)
"""


def test_after_the_losses_check_tensor_runs_the_notebooks_engine():
    done = run_in_fresh_python(SRC, after=REPORT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "module 04's losses: gradients ok" in done.stdout
    assert "package module 06 imported: True" in done.stdout
    assert "Tensor.backward is the notebook's: True" in done.stdout, done.stdout[-1000:]
    assert "Tensor.backward is the package's: False" in done.stdout

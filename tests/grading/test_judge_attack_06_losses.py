"""An attack on module 06's check of module 04's losses (test-autograd-losses).

That check takes the loss classes from the package, and the submission's own exported code can
replace them: here a blank module 06 plus one exported cell that swaps the three losses' forward
for one returning a stand-in whose backward() writes the textbook gradient straight into the input.
The check asks the engine first (the same formulas written with Tensor operations), so the stand-in
is never believed without a working engine: the attack must score exactly what its base (the blank
notebook) scores, 0.
"""
import nbformat

from tito_helpers import by_number, grade_notebook
from tito import cells

SWAP_THE_LOSSES = '''#| export
import numpy as _np
import tinytorch.core.losses as _losses


class _StandIn:
    requires_grad = True

    def __init__(self, x, grad):
        self.x, self.grad = x, grad

    def backward(self):
        self.x.grad = self.grad


def _mse(self, input, target):
    return _StandIn(input, 2 * (input.data - _np.asarray(target)) / input.data.size)


def _cross_entropy(self, input, target):
    z = input.data
    p = _np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return _StandIn(input, (p - _np.eye(z.shape[1])[_np.asarray(target)]) / len(z))


def _bce(self, input, target):
    p, y = input.data, _np.asarray(target)
    return _StandIn(input, (p - y) / (p * (1 - p)) / p.size)


_losses.MSELoss.forward, _losses.CrossEntropyLoss.forward = _mse, _cross_entropy
_losses.BinaryCrossEntropyLoss.forward = _bce
'''


def test_swapping_the_package_losses_gains_nothing_on_a_blank_engine(tmp_path):
    module = by_number("06")
    blank = nbformat.read(module.student_notebook, as_version=4)
    attacked = nbformat.from_dict(nbformat.reads(nbformat.writes(blank), as_version=4))
    attacked.cells.insert(cells.exported_cell_indexes(attacked)[-1] + 1, nbformat.v4.new_code_cell(SWAP_THE_LOSSES))
    base = grade_notebook(module, blank, tmp_path / "base")
    attack = grade_notebook(module, attacked, tmp_path / "attack")
    assert base.error is None and attack.error is None, (base.error, attack.error)
    scores = {name: {item.id: item.points_earned for item in report.items} for name, report in
              (("base", base), ("attack", attack))}
    assert attack.total == base.total == 0, scores
    assert scores["attack"]["test-autograd-losses"] == 0, attack.items

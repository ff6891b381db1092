"""One slip, one item: a check of one exercise does not fail because another exercise is blank or wrong.

H31: test-receptive-field built real Conv2d layers, so a Conv2d.__init__ left blank or one that
raises (Exercise 8) also cost receptive_field's 4 points with a message about receptive fields.
The check now builds each Conv2d as the student's __init__ does and, if that raises, puts a
MaxPool2d with the same kernel_size, stride and padding in its place (receptive_field reads only
those)."""
from __future__ import annotations

import pytest

import submissions_09 as subs
from tito_helpers import FAST, write_nb

if subs.MODULE is None:
    pytest.skip("src/09_convolutions does not exist", allow_module_level=True)

# A student's weight that reads the constructor's kernel_size, not self.kernel_size: right for an int,
# a TypeError for a pair (Conv2d(2, 3, (3, 5)): a tuple times a tuple) before any attribute is set.
KERNEL_SIZE_AS_GIVEN = """
fan_in = (in_channels // groups) * kernel_size * kernel_size
self.weight = Tensor(get_rng().normal(0.0, math.sqrt(2.0 / fan_in), size=(out_channels, in_channels // groups, kh, kw)),
                     requires_grad=True)
self.bias = Tensor(np.zeros(out_channels), requires_grad=True) if bias else None
"""

def _failing(nb, tmp_path) -> dict:
    from tito import paths
    from tito.grading import grade
    report = grade.grade_submission(subs.MODULE, write_nb(nb, tmp_path / "submission.ipynb"), paths.package_dir(), FAST)
    assert report.error is None, report.error
    return {item.id: item.message for item in report.items if item.status != "pass"}


@pytest.mark.slow  # one grading of module 09 each
@pytest.mark.parametrize("case", ["Conv2d.__init__ left blank", "Conv2d.__init__ raising for a pair kernel_size"])
def test_a_broken_conv2d_init_costs_its_own_item_only(case, tmp_path):
    nb = subs.build(blank=("Conv2d.__init__",)) if "blank" in case else subs.build({"Conv2d.__init__": KERNEL_SIZE_AS_GIVEN})
    failing = _failing(nb, tmp_path)
    assert set(failing) == {"test-conv2d-init"}, failing

"""Attacks that change package code from afar, found by a held-out hunt and graded by the real grader.

Each starts from a notebook that scores 0 (the blank one, or module 09's blank with loops that keep
the loop rule and write zeros), adds one exported cell, and must score exactly what its base scores:

- module 09: `functools.update_wrapper(module, namespace)` rebinds the module's `conv2d_loops`,
  `maxpool2d_loops` and `avgpool2d_loops` to the fast path with no assignment in the source, so the
  loop rule read honest-looking loops while the checks called the fast path (it scored 16 of 48),
  and so did assigning those names on the module that a call hands back,
  `(lambda: warnings.sys.modules[__name__])().conv2d_loops = ...` (16 of 48, 26 with a backward too);
- module 03: a Dropout drawing from np.random, with a cell making the package's `manual_seed` seed
  np.random as well, passed "same seed, same mask" (5 points its bug had lost);
- module 08: a blank `evaluate` raises NotImplementedError, which is a RuntimeError, and the check
  of "the model's error reaches the caller" took it for the model's; a cell that made the given
  `Recorder` report two calls then won the item (4 of 31);
- modules 01, 02 and 05: a cell that makes `Tensor.dtype` answer the judge with an object equal to
  every dtype won back each dtype item a wrong answer had lost (05's collate_always_float32: 20 -> 35
  of 35), because `t.dtype == np.float64` with a handle on the left was decided by the student's
  `__eq__`. Now a comparison, truth or membership test that a student's object answers with a bool
  fails the check, saying plain data was expected;
- module 09: maxpool2d_loops with its image parameter renamed (`X`, then `x = X`) hid the image from
  the loop rule's clause 5, which computed every window at once inside loops and won the item (all
  six loop functions written so: 48 of 48 from a base of 11). The rule now keeps the given signature;
- modules 01 and 07: the dtype items looked at dtypes only, so a blank notebook whose exercise methods
  gave back their own tensor (01: 3 of 23) or whose step() did nothing (07: 2 of 31) won them. They
  now need most operations to give the right values (01) and a step that moves p (07);
- a second round (H8) won the same items with answers other than True/False (1, an array), with a
  `loss - expected` answered 0.0, with a Tensor.dtype property reporting a real dtype other than
  its .data's (01: 20 -> 23; 01's check now reads .data.dtype); 07's state check also refuses state
  that is not arrays or numbers (an ndarray subclass reached the judge as a handle and was skipped);
- module 08: a cell rewriting the given Recorder's forward (the fixture the evaluate checks run)
  won back what evaluate_no_finally (27 -> 31) and evaluate_with_grad (23 -> 31) had lost. Now a module
  that patches code the checks use, its own given classes included, fails every item, saying what to
  remove (tito/grading/tampering.py);
- module 01 (round sixteen): logging.config.dictConfig patching numpy's comparisons and numpy.testing's
  assertions by dotted names in text (no name a check reads) does patch numpy where it runs, yet a wrong
  matmul keeps its 18 of 23: the checks run in the judge, which the student's process cannot reach;
- module 04 (round twenty-two): MSELoss walking up the frames from its own running generator (every refused
  name spelled as bytes) and giving every caller's namespace a numpy that answers yes, then answering 0, keeps
  its 13 of 17: the frames it reaches are its own process's, not the judge's where the checks run;
- module 04 (round twenty-three): a module that, when imported, stops (SIGSTOP, by its number: the signal module
  is refused) the process that started it and its whole process group, to freeze the grading: each item it
  runs in stops its own child and costs that item's time limit (0 of 17, below the zero answer's 13); the
  grading ends on time, leaves no stopped process, and the next grading scores full marks;
- module 04 (round twenty-three, after the stop hook): MSELoss returning a Tensor whose data is an ndarray
  subclass that agrees with everything (==, != and every numpy ufunc and function say yes) keeps the zero
  answer's 13 of 17: what crosses to the judge is the array's numbers, not its class;
- module 02 (round twenty-five): ReLU returning a Tensor whose data is a masked array with every entry masked
  (numpy's testing asserts compare only unmasked entries, so in one process it passes against any expected
  array) loses test-activations-relu as the plain zeros do: the judge reads the numbers, never the mask;
- module 04 (round twenty-five, after the stop hook): MSELoss raising an error whose message carries a forged
  end of its own item and a forged passing item in JSON and in JUnit XML: the reports hold the message as text,
  every item once, and the zero answer's 13 of 17;
- module 09 (round seventeen): a module-level `match` whose capture pattern binds conv2d_loops, maxpool2d_loops
  and avgpool2d_loops to the fast path (no assignment, call or attribute) scores 0, as its zero-loops base: the
  rule counts the capture as a second binding of each name (loop rule 4).
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from test_grade_0108_wrong_answers import apply_submission
from tito_helpers import by_number, descends_from_me, grade_notebook, reference_notebook
from tito import cells
from tito.grading import processes
from tito.grading.limits import Limits

SWAP_THE_LOOPS = '''#| export
import functools as _functools
import types as _types
import tinytorch.core.spatial as _this_module

_functools.update_wrapper(_this_module, _types.SimpleNamespace(
    conv2d_loops=conv2d_vectorized, maxpool2d_loops=maxpool2d_vectorized, avgpool2d_loops=avgpool2d_vectorized),
    assigned=())
'''

# The same through an object a call hands back: the module found through warnings' own import of sys.
SWAP_THROUGH_A_CALL = '''#| export
import warnings

(lambda: warnings.sys.modules[__name__])().conv2d_loops = conv2d_vectorized
(lambda: warnings.sys.modules[__name__])().maxpool2d_loops = maxpool2d_vectorized
(lambda: warnings.sys.modules[__name__])().avgpool2d_loops = avgpool2d_vectorized
'''

FORGE_THE_RECORDER = '''#| export
_recorder_init = Recorder.__init__


def _two_calls_recorded(self, model, fail_at=None, report=None):
    _recorder_init(self, model, fail_at, report)
    if fail_at == 2:
        self.calls = [(False, False), (False, False)]


Recorder.__init__ = _two_calls_recorded
'''

SEED_NP_RANDOM_TOO = '''#| export
import numpy as _np
import tinytorch.core.tensor as _tensor

_seed = _tensor.manual_seed


def _seed_both(seed):
    _seed(seed)
    _np.random.seed(seed)


_tensor.manual_seed = _seed_both
'''

# Tensor.dtype answers the judge's checks (tito's child process) with an object equal to every dtype.
LIE_ABOUT_DTYPES = '''#| export
import sys as _sys
from tinytorch.core.tensor import Tensor as _Tensor


class _AnyDtype:
    def __init__(self, real):
        self.real = real

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __hash__(self):
        return hash(self.real)


def _dtype(self):
    if _sys._getframe(1).f_code.co_filename.endswith("tito_child.py"):
        return _AnyDtype(self.data.dtype)
    return self.data.dtype


_Tensor.dtype = property(_dtype)
'''

# Loops that keep the loop rule (both loop variables in the index of a write) and compute nothing.
ZERO_LOOPS = ("    for i in range(h_out):\n"
              "        for j in range(w_out):\n"
              "            out[:, :, i, j] = 0.0\n"
              "    return out")


def _copy(nb):
    return nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))


def _with_cell(nb, source):
    attacked = _copy(nb)
    attacked.cells.insert(cells.exported_cell_indexes(attacked)[-1] + 1, nbformat.v4.new_code_cell(source))
    return attacked


def _zero_loops(blank):
    nb = _copy(blank)
    for name in ("conv2d_loops", "maxpool2d_loops", "avgpool2d_loops"):
        cell = next(nb.cells[i] for i in cells.exported_cell_indexes(nb) if f"def {name}(" in nb.cells[i].source)
        start = cell.source.index(f"def {name}(")
        stub = cell.source.index("    raise NotImplementedError()", start)
        cell.source = cell.source[:stub] + ZERO_LOOPS + cell.source[stub + len("    raise NotImplementedError()"):]
    return nb


def _scores(module, base_nb, attack_nb, tmp_path):
    base = grade_notebook(module, base_nb, tmp_path / "base")
    attack = grade_notebook(module, attack_nb, tmp_path / "attack")
    assert base.error is None and attack.error is None, (base.error, attack.error)
    return base, attack, {item.id: item.points_earned for item in attack.items if item.points_earned}

# The same with a module-level match statement whose capture pattern binds the three names (held-out hunt,
# round seventeen): no assignment, no call, no attribute; the rule counts it as a second binding of each name.
SWAP_BY_A_MATCH = '''#| export
match (conv2d_vectorized, maxpool2d_vectorized, avgpool2d_vectorized):
    case (conv2d_loops, maxpool2d_loops, avgpool2d_loops):
        pass
'''


@pytest.mark.parametrize("cell", [SWAP_THE_LOOPS, SWAP_THROUGH_A_CALL, SWAP_BY_A_MATCH],
                         ids=["update_wrapper", "through_a_call", "match_capture"])
def test_rebinding_the_loop_names_from_afar_gains_nothing(cell, tmp_path):
    module = by_number("09")
    base_nb = _zero_loops(nbformat.read(module.student_notebook, as_version=4))
    base, attack, gained = _scores(module, base_nb, _with_cell(base_nb, cell), tmp_path)
    assert attack.total == base.total == 0, gained
    verdicts = {item.id: item.message for item in attack.items
                if item.id in ("test-conv2d-loops", "test-maxpool2d-loops", "test-avgpool2d-loops")}
    assert len(verdicts) == 3 and all("(loop rule 4)" in message for message in verdicts.values()), verdicts


def test_a_blank_evaluate_is_not_the_models_error_even_with_a_forged_recorder(tmp_path):
    module = by_number("08")
    blank = nbformat.read(module.student_notebook, as_version=4)
    base, attack, gained = _scores(module, blank, _with_cell(blank, FORGE_THE_RECORDER), tmp_path)
    assert attack.total == base.total == 0, gained
    message = next(item.message for item in attack.items if item.id == "test-training-evaluate-restores")
    assert "instead of passing on the model's error" in message and "NotImplementedError" in message, message


def test_seeding_np_random_from_afar_does_not_hide_a_dropout_off_get_rng(tmp_path):
    module = by_number("03")
    answer = Path(__file__).parent / "submissions_0108" / module.slug / "dropout_np_random.py"
    base_nb = apply_submission(reference_notebook(module), answer.read_text(encoding="utf-8"))
    base, attack, _ = _scores(module, base_nb, _with_cell(base_nb, SEED_NP_RANDOM_TOO), tmp_path)
    lost = {item.id: item.message for item in attack.items if item.points_earned < item.points_possible}
    assert base.total < base.maximum and attack.total == 0, lost  # it patches module 01 (tampering.py)
    assert "draw its mask from get_rng()" in lost["test-dropout"], lost
    assert "it imports a module of the package as an object (`import tinytorch.core.tensor as _tensor`)" in \
        lost["test-dropout"], lost


# Module 02's checks read .data.dtype (a number array's own dtype), so a lying dtype meets no check there
# (submissions_0108/02_activations/relu_dtype_claimed_by_a_subclass.py keeps that case).
@pytest.mark.parametrize("number, answer", [("05", "collate_always_float32"), ("01", "sum_float64_accumulator")])
def test_a_dtype_that_equals_every_dtype_wins_nothing_back(number, answer, tmp_path):
    module = by_number(number)
    wrong = Path(__file__).parent / "submissions_0108" / module.slug / f"{answer}.py"
    base_nb = apply_submission(reference_notebook(module), wrong.read_text(encoding="utf-8"))
    base, attack, gained = _scores(module, base_nb, _with_cell(base_nb, LIE_ABOUT_DTYPES), tmp_path)
    assert base.total < base.maximum and attack.total <= base.total, (base.total, attack.total, gained)
    refused = [item.message for item in attack.items if "expected plain data here" in item.message]
    assert refused and all("its own answer does not count" in message for message in refused), refused


# The image parameter renamed, x = X first, and every window of the plane read at once in the loops.
RENAMED_IMAGE = ("def maxpool2d_loops(x, kernel_size, stride=None, padding=0):",
                 "def maxpool2d_loops(X, kernel_size, stride=None, padding=0):\n    x = X")
EVERY_WINDOW_AT_ONCE = """    for n in range(batch):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    out[n, c, i, j] = np.max([x_pad[:, :, a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                              for a in range(kh) for b in range(kw)], axis=0)[n, c, i, j]
    return out"""


def test_loops_that_rename_the_image_parameter_win_nothing(tmp_path):
    module = by_number("09")
    base_nb = _zero_loops(nbformat.read(module.student_notebook, as_version=4))
    attack_nb = _copy(base_nb)
    cell = next(attack_nb.cells[i] for i in cells.exported_cell_indexes(attack_nb)
                if "def maxpool2d_loops(" in attack_nb.cells[i].source)
    assert cell.source.count(ZERO_LOOPS) == 1
    cell.source = cell.source.replace(*RENAMED_IMAGE).replace(ZERO_LOOPS, EVERY_WINDOW_AT_ONCE)
    base, attack, gained = _scores(module, base_nb, attack_nb, tmp_path)
    assert attack.total == base.total == 0, gained
    message = next(item.message for item in attack.items if item.id == "test-maxpool2d-loops")
    assert "(loop rule 4)" in message and "keep the given signature" in message, message


RETURN_SELF = """#| export
def _same(self, *args, **kwargs):
    return self


for _name in ("__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ __neg__ __pow__ "
              "exp log matmul __matmul__ __rmatmul__ reshape transpose __getitem__ sum mean max").split():
    setattr(Tensor, _name, _same)
"""

STEP_DOES_NOTHING = """#| export
SGD.step = lambda self: None
Adam.step = lambda self: None
"""


@pytest.mark.parametrize("number, cell", [("01", RETURN_SELF), ("07", STEP_DOES_NOTHING)], ids=["01", "07"])
def test_a_blank_notebook_that_does_nothing_wins_no_dtype_item(number, cell, tmp_path):
    module = by_number(number)
    blank = nbformat.read(module.student_notebook, as_version=4)
    base, attack, gained = _scores(module, blank, _with_cell(blank, cell), tmp_path)
    assert attack.total == base.total == 0, gained


CLAIM_THE_INPUT_DTYPE = """#| export
from tinytorch.core.tensor import Tensor as _Tensor

_sum = _Tensor.sum


def _sum_claimed(self, *args, **kwargs):
    out = _sum(self, *args, **kwargs)
    out._claimed_dtype = self.data.dtype
    return out


_Tensor.sum = _sum_claimed
_Tensor.dtype = property(lambda self: getattr(self, "_claimed_dtype", self.data.dtype))
"""

def test_a_dtype_property_that_reports_the_inputs_dtype_wins_nothing_back(tmp_path):
    module, cell = by_number("01"), CLAIM_THE_INPUT_DTYPE
    wrong = Path(__file__).parent / "submissions_0108" / module.slug / "sum_float64_accumulator.py"
    base_nb = apply_submission(reference_notebook(module), wrong.read_text(encoding="utf-8"))
    base, attack, gained = _scores(module, base_nb, _with_cell(base_nb, cell), tmp_path)
    assert base.total < base.maximum and attack.total <= base.total, (base.total, attack.total, gained)


RECORD_WHAT_THE_CHECK_WANTS = """#| export
from tinytorch.core.autograd import is_grad_enabled as _grad_on


def _forward(self, x):
    self.calls.append((self.training, _grad_on() if self.training else False))
    if self.fail_at is not None and len(self.calls) == self.fail_at:
        self.train()
        raise RuntimeError(f"Recorder: call {self.fail_at} fails, as asked by the check")
    return self.model(x)


Recorder.forward = _forward
"""


@pytest.mark.parametrize("answer", ["evaluate_no_finally", "evaluate_with_grad"])
def test_a_rewritten_recorder_wins_nothing_back(answer, tmp_path):
    module = by_number("08")
    wrong = Path(__file__).parent / "submissions_0108" / module.slug / f"{answer}.py"
    base_nb = apply_submission(reference_notebook(module), wrong.read_text(encoding="utf-8"))
    base, attack, gained = _scores(module, base_nb, _with_cell(base_nb, RECORD_WHAT_THE_CHECK_WANTS), tmp_path)
    assert base.total < base.maximum and attack.total == 0, (base.total, gained)
    assert all("it assigns `Recorder.forward`" in item.message for item in attack.items)


# Held-out hunt H13: evaluate without no_grad (23 of 31), which then rewrote the log the given Recorder
# keeps, in place, so that the check read every call as made without gradients: 23 -> 31. The checks
# now read their own copy of each call, handed to the judge as it happens (Recorder's report).
WITHOUT_NO_GRAD = ("            with no_grad():\n                for batch in loader:",
                   "            if True:\n                for batch in loader:")
LOG_REWRITTEN = ("        finally:\n            self.model.train(was_training)\n",
                 "        finally:\n            self.model.train(was_training)\n"
                 "            log = getattr(self.model, 'calls', None)\n"
                 "            if isinstance(log, list):\n"
                 "                log[:] = [(mode, False) for mode, _ in log]\n")


def _edited(nb, old, new):
    edited = _copy(nb)
    cell = next(c for c in edited.cells if c.cell_type == "code" and old in c.source)
    assert cell.source.count(old) == 1, old
    cell.source = cell.source.replace(old, new)
    return edited


def test_evaluate_rewriting_the_recorders_log_gains_nothing(tmp_path):
    module = by_number("08")
    base_nb = _edited(reference_notebook(module), *WITHOUT_NO_GRAD)
    base, attack, _ = _scores(module, base_nb, _edited(base_nb, *LOG_REWRITTEN), tmp_path)
    assert base.total < base.maximum and attack.total == base.total, (base.total, attack.total)
    message = next(item.message for item in attack.items if item.id == "test-training-evaluate")
    assert "without gradients (no_grad), got [(False, True)" in message, message


# Held-out hunt H17: evaluate with a wrong accuracy (here a quarter too high) handed back an object
# of its own whose `acc - expected` gave itself back and whose abs() answered 0.0, so that the check's
# `abs(acc - expected_acc) < 1e-9` held: 23 -> 31. A student's object now answers abs, negation,
# + and round only with an object of its own, never with the number that decides the check.
EVALUATE_RETURNS = "            self.model.train(was_training)\n        return total_loss / count, total_correct / count\n"
WRONG_ACCURACY = (EVALUATE_RETURNS, "            self.model.train(was_training)\n"
                                    "        return total_loss / count, total_correct / count + 0.25\n")
NEAR_EVERYTHING = (EVALUATE_RETURNS, "            self.model.train(was_training)\n"
                   "        class _Near:\n"
                   "            def __init__(self, value): self.value = value\n"
                   "            def __sub__(self, other): return self\n"
                   "            def __rsub__(self, other): return self\n"
                   "            def __abs__(self): return 0.0\n"
                   "            def __float__(self): return self.value\n"
                   "            def __format__(self, spec): return format(self.value, spec)\n"
                   "        return total_loss / count, _Near(total_correct / count + 0.25)\n")


def test_an_accuracy_whose_abs_answers_zero_wins_nothing_back(tmp_path):
    module = by_number("08")
    base_nb = _edited(reference_notebook(module), *WRONG_ACCURACY)
    attack_nb = _edited(reference_notebook(module), *NEAR_EVERYTHING)
    base, attack, gained = _scores(module, base_nb, attack_nb, tmp_path)
    assert base.total < base.maximum and attack.total <= base.total, (base.total, attack.total, gained)
    message = next(item.message for item in attack.items if item.id == "test-training-evaluate")
    assert "abs() was asked of it" in message, message


# Patching by dotted names in text, which no name check reads (held-out hunt, round sixteen): logging.config's
# dictConfig builds a formatter with any callable its '()' names (here a MagicMock that answers every call,
# `unsafe` so that it also has assert_* attributes), and a "handler" with functools.update_wrapper, whose
# arguments it resolves from text ('ext://numpy.testing', 'cfg://formatters.yes'): numpy's comparisons and
# numpy.testing's assertions then answer yes to everything, in whatever process imports the module.
PATCH_BY_DOTTED_NAMES = '''#| export
import logging.config as _logging_config

for _target, _names in (("numpy", ["allclose", "array_equal", "isclose"]),
                        ("numpy.testing", ["assert_allclose", "assert_array_equal", "assert_equal"])):
    _logging_config.dictConfig({"version": 1, "disable_existing_loggers": False,
                                "formatters": {"yes": {"()": "unittest.mock.MagicMock", "unsafe": True}},
                                "handlers": {"h": {"()": "functools.update_wrapper", "wrapper": "ext://" + _target,
                                                   "wrapped": "cfg://formatters.yes", "assigned": _names,
                                                   "updated": []}}})
'''


def test_patching_numpy_by_dotted_names_in_text_wins_nothing_back(tmp_path):
    """The patch works where it runs (checked below in this process's own copy of the cell), but the
    checks run in the judge, whose numpy the student's process cannot reach: a wrong matmul keeps its loss."""
    module = by_number("01")
    wrong = Path(__file__).parent / "submissions_0108" / module.slug / "matmul_np_dot.py"
    base_nb = apply_submission(reference_notebook(module), wrong.read_text(encoding="utf-8"))
    base, attack, gained = _scores(module, base_nb, _with_cell(base_nb, PATCH_BY_DOTTED_NAMES), tmp_path)
    assert base.total < base.maximum and attack.total <= base.total, (base.total, attack.total, gained)
    lost = {item.id for item in base.items if item.points_earned < item.points_possible}
    assert lost == {item.id for item in attack.items if item.points_earned < item.points_possible}, gained
    print(f"01 matmul_np_dot: {base.total}/{base.maximum}, with the patch {attack.total}/{attack.maximum}")


def test_the_dotted_name_patch_does_patch_numpy_where_it_runs():
    """The attack above is a real one: run in a fresh interpreter, it makes numpy agree to anything."""
    import subprocess
    import sys
    probe = PATCH_BY_DOTTED_NAMES.replace("#| export\n", "") + (
        "import numpy as np\n"
        "np.testing.assert_allclose(np.zeros(2), np.ones(2))\n"
        "print(bool(np.allclose(np.zeros(2), np.ones(2))))\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "True", (result.stdout, result.stderr[-2000:])


# Reading and rebinding the caller's namespace through frames (round twenty-two): no refused name is in the text
# (gi_frame, f_back and f_globals are spelled as bytes and read by getattr on its own running generator and the
# frames that lead back from it),
# so the static rules let it through; module 04's MSELoss answers 0 after putting, in every caller's namespace, a
# numpy whose every function answers yes. In a check that shares its process this passes every numpy assertion.
FRAME_WALK = '''
class _Yes:
    def __getattr__(self, name):
        return self
    def __call__(self, *args, **kwargs):
        return True
    def __bool__(self):
        return True


def _callers():
    key_frame, key_back = bytes([103, 105, 95, 102, 114, 97, 109, 101]).decode(), bytes([102, 95, 98, 97, 99, 107]).decode()
    running = []
    def probe():    # a running generator's frame leads back to whoever called next()
        frame, found = getattr(getattr(running[0], key_frame), key_back), []
        while frame is not None:
            found.append(frame)
            frame = getattr(frame, key_back)
        yield found
    running.append(probe())
    return next(running[0])


class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        key = bytes([102, 95, 103, 108, 111, 98, 97, 108, 115]).decode()
        for frame in _callers():
            space = getattr(frame, key)
            if space.get("__name__") != __name__ and "np" in space:
                space["np"] = _Yes()
        return Tensor(0.0, dtype=input.dtype)
'''
ANSWERS_ZERO = '''
class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        return Tensor(0.0, dtype=input.dtype)
'''


def test_rebinding_the_checks_numpy_through_frames_wins_nothing_back(tmp_path):
    """The checks run in the judge: the frames the student's code walks are its own process's, so MSELoss
    answering 0 loses test-mse as the plain zero answer does."""
    module = by_number("04")
    base_nb = apply_submission(reference_notebook(module), ANSWERS_ZERO)
    base, attack, gained = _scores(module, base_nb, apply_submission(reference_notebook(module), FRAME_WALK), tmp_path)
    lost = {item.id for item in attack.items if item.points_earned < item.points_possible}
    assert base.total < base.maximum and attack.total == base.total and lost == {"test-mse"}, (base.total, attack.total,
                                                                                                gained)
    message = next(item.message for item in attack.items if item.id == "test-mse")
    assert "expected 3.5, got 0.0" in message, message


def test_the_frame_walk_defeats_a_check_in_its_own_process():
    """The attack above is a real one: a check whose namespace the student's code can reach through frames
    (here, one interpreter running both, as a notebook does) passes a loss of 0 where 2.5 is due."""
    import subprocess
    import sys
    probe = ("import numpy as np\n"
             "from tinytorch.core.tensor import Tensor\n"
             f"student = {{'__name__': 'student', 'Tensor': Tensor, '_check_input': lambda *a: None}}\n"
             f"exec({FRAME_WALK!r}, student)\n"
             "def check():\n"
             "    loss = student['MSELoss']().forward(Tensor([1.0, 2.0]), Tensor([0.0, 0.0]))\n"
             "    assert np.isclose(loss.item(), 2.5), loss.item()\n"
             "check()\n"
             "print('passed', loss_value := float(student['MSELoss']().forward(Tensor([1.0]), Tensor([0.0])).item()))\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "passed 0.0", (result.stdout, result.stderr[-2000:])


# Files planted for the processes that come after (round twenty-two, after the stop hook): module 04's MSELoss
# answers 0, and its module, when imported, writes into every folder it can (its own, the working folder, the
# folder of the script its process runs, and their parents, sys.path being refused) a sitecustomize.py, a usercustomize.py and a .pth file that make numpy's
# comparisons answer yes in any Python that starts there later: the next graded cell's child, or the judge.
PLANTS = '''
import os as _os

_YES = "import numpy\\nfor _n in ('allclose', 'isclose', 'array_equal'):\\n    setattr(numpy, _n, lambda *a, **k: True)\\n"


def _plant():
    folders = {_os.getcwd(), _os.path.dirname(_os.path.abspath(__file__))}
    try:    # the script the process runs (the grader's child), read from /proc: no sys.path needed
        folders |= {_os.path.dirname(a) for a in open("/proc/self/cmdline").read().split("\\0") if a.endswith(".py")}
    except OSError:
        pass
    for _ in range(3):
        folders |= {_os.path.dirname(f) for f in list(folders)}
    planted = 0
    for folder in folders:
        for name, text in (("sitecustomize.py", _YES), ("usercustomize.py", _YES),
                           ("zz_yes.pth", "import sitecustomize\\n")):
            try:
                with open(_os.path.join(folder, name), "w") as f:
                    f.write(text)
                planted += 1
            except OSError:
                pass
    return planted


_PLANTED = _plant()


class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        return Tensor(0.0, dtype=input.dtype)
'''


def test_files_planted_for_later_processes_win_nothing_and_leave_nothing(tmp_path):
    """The planted files can only reach later children of the same grading (its own scratch and package copy):
    the checks' numpy is the judge's, so test-mse stays lost as for the plain zero answer, and a grading after
    it (the reference) keeps full marks."""
    module = by_number("04")
    base_nb = apply_submission(reference_notebook(module), ANSWERS_ZERO)
    base, attack, gained = _scores(module, base_nb, apply_submission(reference_notebook(module), PLANTS), tmp_path)
    lost = {item.id for item in attack.items if item.points_earned < item.points_possible}
    assert base.total < base.maximum and attack.total == base.total and lost == {"test-mse"}, (base.total, attack.total,
                                                                                                gained)
    after = grade_notebook(module, reference_notebook(module), tmp_path / "after")
    assert after.error is None and after.total == after.maximum, (after.total, after.error)


def test_the_planted_files_patch_numpy_in_a_python_started_beside_them(tmp_path):
    """The attack above is a real one: a Python started in a folder where it planted (here one of its own, with
    the folder on PYTHONPATH as a site would have it) finds numpy agreeing to anything."""
    import subprocess
    import sys
    folder = tmp_path / "three" / "levels" / "down" / "planted"   # it climbs three parents: all inside tmp_path
    folder.mkdir(parents=True)
    setup = (f"import os, sys\nos.chdir({str(folder)!r})\nsys.path[:] = [{str(folder)!r}]\n__file__ = {str(folder / 'm.py')!r}\n"
             "_check_input = Tensor = None\n")
    subprocess.run([sys.executable, "-c", setup + PLANTS], check=True, capture_output=True, timeout=120)
    probe = "import numpy as np\nprint(bool(np.allclose(np.zeros(2), np.ones(2))))\n"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                            env={**__import__("os").environ, "PYTHONPATH": str(folder)})
    assert result.returncode == 0 and result.stdout.strip() == "True", (result.stdout, result.stderr[-2000:])
    assert sorted(p.parent.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("zz_yes.pth")) == [
        "three", "three/levels", "three/levels/down", "three/levels/down/planted"]


# Freezing the grading (round twenty-three): module 04's module, when imported, sends SIGSTOP (signal 19 on
# Linux, by number: the signal module is refused) to the process that started it and to its own process group,
# hoping to stop the judge so that the grading never ends or never records the items.
FREEZE = '''
import os as _os


def _freeze():
    stopped = []
    for stop in (lambda: _os.kill(_os.getppid(), 19), lambda: _os.killpg(_os.getpgrp(), 19)):
        try:
            stop()
            stopped.append(True)
        except OSError:
            stopped.append(False)
    return stopped


_FROZEN = _freeze()


class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        return Tensor(0.0, dtype=input.dtype)
'''


def _stopped_processes(command_part: str = "") -> set:
    """The pids of the processes in the stopped state (T) now whose command line holds command_part."""
    found = set()
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as stat, open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if stat.read().rsplit(")", 1)[1].split()[0] == "T" and command_part.encode() in cmdline.read():
                    found.add(int(entry))
        except (OSError, IndexError):
            pass
    return found


def _children_left_stopped() -> set:
    """This process's grading children (tito_child.py, or forked by tito_zygote.py) stopped now and still
    stopped a second later: a grading's own kill freezes the processes it kills for a moment (processes.kill_tree)."""
    stopped = {pid for pid in _stopped_processes("tito_") if descends_from_me(pid)}
    time.sleep(1)
    return stopped & _stopped_processes("tito_")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (the attack itself uses Linux's number)")
@pytest.mark.parametrize("forked", [True, False], ids=["forked children", "started children"])
def test_stopping_its_own_process_tree_costs_its_items_time_not_the_grading(forked, tmp_path, monkeypatch):
    """Started afresh under `unshare`, each graded cell's child stops itself (the judge's process is not in
    its group, and the child's parent is its supervisor): the judge waits for the item's time limit, kills
    that child and goes on. Every item times out (0 of 17, less than the plain zero answer's 13). Forked by
    the grading's zygote, the child's supervisor starts a session of its own inside the namespaces and runs
    as root: the student's user can signal neither, the freeze stops nothing, and the answer keeps the plain
    zero answer's 13 (test-mse lost). Either way the grading ends within its limits, no stopped process is
    left, and the reference graded after it scores full marks."""
    if forked and not processes.Zygote.usable():
        pytest.skip("children are forked from a zygote only as root with namespaces (Linux)")
    monkeypatch.setenv(processes.ZYGOTE_ENV, "0" if forked else "1")
    module = by_number("04")
    before = _children_left_stopped()
    started = time.monotonic()
    attack = grade_notebook(module, apply_submission(reference_notebook(module), FREEZE), tmp_path / "attack",
                            limits=Limits(per_test=2, total=60, jobs=2))
    seconds = time.monotonic() - started
    if forked:
        assert attack.error is None and attack.total == 13, (attack.total, attack.error)
        assert [item.id for item in attack.items if item.status != "pass"] == ["test-mse"], attack.items
        mse = next(item for item in attack.items if item.id == "test-mse")
        assert mse.status == "fail" and "expected 3.5" in mse.message, (mse.status, mse.message)
    else:
        assert attack.error is None and attack.total == 0, (attack.total, attack.error)
        assert {item.status for item in attack.items} == {"timeout"}, [(item.id, item.status) for item in attack.items]
        assert all("its time limit of 2 s" in item.message for item in attack.items), [item.message for item in attack.items]
    assert seconds < 30, f"the grading took {seconds:.0f} s for 4 items of 2 s on 2 jobs"
    assert _children_left_stopped() - before == set(), "the grading left stopped children behind"
    after = grade_notebook(module, reference_notebook(module), tmp_path / "after")
    assert after.error is None and after.total == after.maximum, (after.total, after.error)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signal 19 is SIGSTOP on Linux")
def test_the_freeze_stops_its_parent_and_group_outside_the_grader():
    """The attack above is a real one: run by a process of an ordinary process group (here a new session of
    its own, two levels below this test), it stops its parent and itself."""
    attack = FREEZE.replace("_check_input(input", "(input")
    parent = subprocess.Popen([sys.executable, "-c", "import subprocess, sys\n"
                               f"subprocess.run([sys.executable, '-c', {attack!r}])\n"], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while parent.pid not in _stopped_processes() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert parent.pid in _stopped_processes(), "the attack's parent was not stopped"
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)


# An array that agrees with anything (round twenty-three, after the stop hook): MSELoss answers 0 in an ndarray
# subclass whose comparisons and numpy functions (==, np.isclose, np.allclose) all say yes.
AGREEABLE = '''
class _Agreeable(np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return True

    def __array_function__(self, func, types, args, kwargs):
        return True


class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        loss = Tensor(0.0, dtype=input.dtype)
        loss.data = np.zeros((), dtype=input.dtype).view(_Agreeable)
        return loss
'''


def test_an_array_that_agrees_with_everything_wins_nothing_back(tmp_path):
    """The judge gets the answer's numbers (wire.py sends dtype, shape and bytes), never its class: the check
    compares a plain 0.0 with 3.5, and test-mse is lost as for the plain zero answer."""
    module = by_number("04")
    base_nb = apply_submission(reference_notebook(module), ANSWERS_ZERO)
    base, attack, gained = _scores(module, base_nb, apply_submission(reference_notebook(module), AGREEABLE), tmp_path)
    lost = {item.id for item in attack.items if item.points_earned < item.points_possible}
    assert base.total < base.maximum and attack.total == base.total and lost == {"test-mse"}, (base.total, attack.total,
                                                                                                gained)


def test_the_agreeable_array_fools_a_check_in_its_own_process():
    """The attack above is a real one: in the process that made it, ==, np.isclose and np.allclose accept 0 as
    3.5 (np.testing's asserts do not: they break on its answers)."""
    import numpy as np

    from tinytorch.core import losses
    from tinytorch.core.tensor import Tensor
    space = {"np": np, "Tensor": Tensor, "_check_input": losses._check_input}
    exec(AGREEABLE, space)
    loss = space["MSELoss"]().forward(Tensor([1.0, -2.0, 0.0, 3.0]), Tensor([0.0, 0.0, 0.0, 0.0]))
    assert float(loss.data) == 0.0
    assert np.isclose(loss.data, 3.5) and np.allclose(loss.data, 3.5) and loss.data == 3.5


# Reaching the zygote (round twenty-four): a child forked from the grading's zygote (tito/grading/zygote.py)
# would be a root process's copy; had it kept the zygote's socket to the judge, a request on it would fork a
# process as root outside the namespaces. MSELoss answers the true mean squared error only if the module, when
# imported, finds a socket among its file descriptors, and 0 (the plain zero answer) otherwise.
ZYGOTE_PROBE = '''
import os as _os
import stat as _stat


def _sockets():
    found = 0
    for fd in range(3, 4096):
        try:
            found += _stat.S_ISSOCK(_os.fstat(fd).st_mode)
        except OSError:
            pass
    return found


_SOCKETS = _sockets()


class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        if _SOCKETS:
            return ((input - target) ** 2).mean()
        return Tensor(0.0, dtype=input.dtype)
'''


def test_a_forked_child_finds_no_socket_of_the_zygote(tmp_path):
    """Graded, the probe finds no socket (13/17, test-mse lost, as the plain zero answer); the same module with a
    socket found (forced) scores 17/17, so finding one would pay; and the probe does find a socket in a process
    that holds one (this test's, with a socket pair open)."""
    module = by_number("04")
    probe = grade_notebook(module, apply_submission(reference_notebook(module), ZYGOTE_PROBE), tmp_path / "probe")
    assert probe.error is None and probe.total == 13, (probe.total, probe.error)
    assert [item.id for item in probe.items if item.status != "pass"] == ["test-mse"]
    forced = ZYGOTE_PROBE.replace("_SOCKETS = _sockets()", "_SOCKETS = _sockets() + 1")
    paid = grade_notebook(module, apply_submission(reference_notebook(module), forced), tmp_path / "forced")
    assert paid.total == paid.maximum == 17, paid.total
    namespace = {}
    exec(ZYGOTE_PROBE.split("_SOCKETS = ")[0], namespace)
    import socket
    left, right = socket.socketpair()
    try:
        assert namespace["_sockets"]() >= 2
    finally:
        left.close()
        right.close()


# Forging replies through __main__ (round twenty-four, after the stop hook): module 04's module reaches its own
# grading server through `__main__` (tito_child, or the zygote that forked it, whose `child` is tito_child) and
# makes every number the server sends back 3.5, the notebook example's MSE; MSELoss answers 0.
FORGE_REPLIES = '''
import __main__ as _main


def _forge_replies():
    """Reach this process's own grading server through __main__ (the child, or the zygote that forked it)
    and make every number it sends back 3.5, MSE's expected answer in the notebook's example."""
    child = getattr(_main, "child", _main)
    server = getattr(child, "Server", None)
    if server is None:
        return False
    sent = server.send

    def send(self, header, values):
        forged = {key: 3.5 if isinstance(value, float) else value for key, value in values.items()}
        return sent(self, header, forged)

    setattr(server, "send", send)
    return True


_FORGED = _forge_replies()


class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        return Tensor(0.0, dtype=input.dtype)
'''


def test_forging_the_servers_replies_through_main_costs_every_item(tmp_path):
    """The forge works in the student's process (the reference's cross-entropy answers 3.5 to the judge), and
    the tampering rule refuses `import __main__`: every item is lost with the rule's message, 0 of 17."""
    module = by_number("04")
    report = grade_notebook(module, apply_submission(reference_notebook(module), FORGE_REPLIES), tmp_path)
    assert report.error is None and report.total == 0, (report.total, report.error)
    assert all(item.message.startswith("your module changes code the checks rely on: it imports __main__")
               for item in report.items), [item.message[:120] for item in report.items]
    entropy = next(item for item in report.items if item.id == "test-cross-entropy")
    assert "got 3.5" in entropy.message, entropy.message


# A masked answer (round twenty-five): numpy's testing asserts compare only the unmasked entries of a masked
# array, so an answer whose every entry is masked passes np.testing.assert_allclose against any expected array
# in one process. ReLU answers zeros with every entry masked; the plain answer of zeros is the baseline.
RELU_ZEROS = '''
class ReLU(Activation):
    def forward(self, x):
        x = _as_tensor(x)
        return Tensor(np.zeros(x.data.shape), dtype=x.dtype)
'''

MASKED = '''
class ReLU(Activation):
    def forward(self, x):
        x = _as_tensor(x)
        out = Tensor(np.zeros(x.data.shape), dtype=x.dtype)
        out.data = np.ma.masked_array(np.zeros(x.data.shape, dtype=x.dtype), mask=True)
        return out
'''


def test_a_fully_masked_answer_wins_nothing_back(tmp_path):
    """The wire sends a plain ndarray's numbers and anything else as a handle, whose numbers the judge reads
    through np.asarray in the child: never the mask. ReLU's items are lost as for the plain zeros."""
    module = by_number("02")
    base_nb = apply_submission(reference_notebook(module), RELU_ZEROS)
    base, attack, gained = _scores(module, base_nb, apply_submission(reference_notebook(module), MASKED), tmp_path)
    lost = {item.id for item in attack.items if item.points_earned < item.points_possible}
    base_lost = {item.id for item in base.items if item.points_earned < item.points_possible}
    assert base.total < base.maximum and attack.total == base.total and lost == base_lost, (base.total, attack.total,
                                                                                             gained, lost, base_lost)
    assert lost == {"test-activations-relu"}, lost


def test_the_masked_answer_passes_numpys_asserts_in_its_own_process():
    """The attack above is a real one: in the process that made it, np.testing.assert_allclose and
    assert_array_equal accept the masked zeros as ReLU's answer."""
    import numpy as np

    from tinytorch.core import activations
    from tinytorch.core.tensor import Tensor
    space = {"np": np, "Tensor": Tensor, "Activation": activations.Activation, "_as_tensor": activations._as_tensor}
    exec(MASKED, space)
    x = Tensor([[-2.0, 0.5], [3.0, -1.0]])
    out = space["ReLU"]().forward(x)
    np.testing.assert_allclose(out.data, [[0.0, 0.5], [3.0, 0.0]])
    np.testing.assert_array_equal(out.data, [[0.0, 0.5], [3.0, 0.0]])
    assert np.ma.is_masked(out.data) and not np.any(out.data.data)


# Forging report entries through an error message (round twenty-five, after the stop hook): MSELoss raises an
# error whose message closes its own item and opens a passing one, in the JSON report's and JUnit XML's syntax
# (and starts lines of its own). A report written by pasting messages into text would then count test-mse as
# passed, or an item that does not exist.
FORGED_ENTRIES = '''
class MSELoss:
    def forward(self, input, target):
        _check_input(input, "MSELoss")
        raise ValueError('", "status": "pass", "points_earned": 4}, {"id": "forged", "status": "pass", "points_earned": 99, "m": "'
                         '</failure></testcase><testcase classname="forged" name="forged"><failure message="'
                         '\\nforged,99,99\\n')
'''


def test_report_entries_forged_in_an_error_message_stay_text(tmp_path, capsys):
    """The JSON report (json.dumps) and the JUnit XML (ElementTree) hold the message as text: test-mse is lost
    with the whole message as its message, no other item appears, and the total is the zero answer's."""
    import json
    import xml.etree.ElementTree as ET

    from tito import main, notebooks
    module = by_number("04")
    base = grade_notebook(module, apply_submission(reference_notebook(module), ANSWERS_ZERO), tmp_path / "base")
    submission = tmp_path / "forged.ipynb"
    notebooks.write_notebook(apply_submission(reference_notebook(module), FORGED_ENTRIES), submission)
    report, xml = tmp_path / "report.json", tmp_path / "report.xml"
    assert main.main(["grade", "04", str(submission), "--json", str(report), "--junit", str(xml)]) == 0
    capsys.readouterr()
    graded = json.loads(report.read_text(encoding="utf-8"))
    ids = [test["id"] for test in graded["tests"]]
    assert sorted(ids) == sorted(item.id for item in base.items) and graded["total"] == base.total < base.maximum
    mse = next(test for test in graded["tests"] if test["id"] == "test-mse")
    assert mse["points_earned"] == 0 and mse["status"] != "pass"
    assert '"id": "forged"' in mse["message"] and '<testcase classname="forged"' in mse["message"], mse["message"]
    cases = ET.parse(xml).getroot().find("testsuite").findall("testcase")
    assert sorted(case.get("name") for case in cases) == sorted(ids)
    lost = [case for case in cases if case.find("failure") is not None or case.find("error") is not None]
    assert [case.get("name") for case in lost] == ["test-mse"]

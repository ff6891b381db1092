"""nbgrader's hidden tests: lines of a graded cell between `### BEGIN HIDDEN TESTS` and `### END HIDDEN
TESTS` that the student's notebook leaves out (as nbgrader's generate_assignment does) and the grader
runs, from src.

Every graded cell of modules 01-09 ends its test function with one: the same check on an input the
notebook does not show. Without it, an answer that writes down the answers for the inputs the notebook
shows passed every check it was given: a maxpool2d_loops holding a table pasted from the given fast
path's output keeps the loop rule (it reads nothing at once, it loops and writes per position) and took
test-maxpool2d-loops's 4 points (below); modules 01-08's written-down answers are with their other wrong
answers (test_grade_0108_wrong_answers.WRONG, "written_down_*"). With it, the item scores 0.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

import submissions_09 as subs
from tito import cells, notebooks, paths
from tito.grading import loops
from tito_helpers import ROOT, grade_notebook

if subs.MODULE is None:
    pytest.skip("src/09_convolutions does not exist", allow_module_level=True)

SRC = subs.MODULE.src
HIDDEN = re.compile(r"###\s*(BEGIN|END) HIDDEN TESTS")


def _has_hidden(source: str) -> bool:
    return bool(HIDDEN.search(source))


def _cells(module):
    for path in [module.src, *paths.continuations(module.src)]:
        for cell in notebooks.read_source(path).cells:
            yield path, cell


def test_every_graded_cell_of_every_module_has_hidden_tests_and_only_graded_cells_do():
    graded = 0
    for module in paths.all_modules(ROOT):
        for path, cell in _cells(module):
            grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id")
            if (cell.metadata.get("nbgrader") or {}).get("grade"):
                graded += 1
                assert len(HIDDEN.findall(cell.source)) == 2, f"{path.name}: {grade_id} has no hidden test (or several)"
                block = re.sub(r'"\s*\n\s*f?"', "", cell.source.split("### BEGIN HIDDEN TESTS")[1])  # strings joined
                assert "an input the notebook does not show" in block, f"{grade_id}: its hidden test's messages should say so"
            else:
                assert not _has_hidden(cell.source), \
                    f"{path.name}: hidden tests outside a graded cell (nbgrader runs them only in graded cells)"
    assert graded >= 57, graded     # 48 in modules 01-08, 9 in module 09


@pytest.mark.parametrize("module", paths.all_modules(ROOT), ids=lambda module: module.number)
def test_the_students_notebook_has_none_of_the_hidden_tests_that_the_grader_reads(module):
    student = notebooks.student_notebook(module.src)
    assert not any(_has_hidden(cell.source) for cell in student.cells)
    assert notebooks.leftover_solution_lines(student) == []
    hidden_lines = [line.strip() for _, cell in _cells(module) if _has_hidden(cell.source)
                    for line in cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0].split("\n")]
    assert hidden_lines
    student_text = "\n".join(cell.source for cell in student.cells)
    assert not any(line in student_text for line in hidden_lines if "an input the notebook does not show" in line)


def test_a_graded_cell_with_or_without_its_hidden_tests_is_not_put_back_but_an_edited_one_is():
    """A fresh student's notebook (no hidden tests) and the instructor's (with them) both hold the course's
    copy of each graded cell: no report says the six cells were put back. An edit of one still is."""
    course = cells.course_cells(SRC)
    assert cells.restore_given(notebooks.student_notebook(SRC), course) == []
    assert cells.restore_given(notebooks.reference_notebook(SRC), course) == []
    edited = notebooks.student_notebook(SRC)
    cell = next(c for c in edited.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "test-maxpool2d-loops")
    cell.source = cell.source.replace("default_rng(31)", "default_rng(32)")
    assert cells.restore_given(edited, course) == ["test-maxpool2d-loops"]


def test_strip_hidden_tests_keeps_everything_around_and_refuses_broken_markers():
    source = "def test_unit_f():\n    assert f(1) == 2\n    ### BEGIN HIDDEN TESTS\n    assert f(5) == 6\n" \
             "    ### END HIDDEN TESTS\n\nprint('ok')"
    assert notebooks.strip_hidden_tests(source) == "def test_unit_f():\n    assert f(1) == 2\n\nprint('ok')"
    assert notebooks.student_cell(source) == notebooks.strip_hidden_tests(source)
    with pytest.raises(notebooks.SolutionMarkerError, match=r"demo\.py: the hidden test opened at line 1 is never "
                                                             r"closed\. Add '### END HIDDEN TESTS' after it\."):
        notebooks.strip_hidden_tests("### BEGIN HIDDEN TESTS\nassert f(5) == 6", "demo.py")
    with pytest.raises(notebooks.SolutionMarkerError, match="closes a hidden test that was never opened"):
        notebooks.strip_hidden_tests("assert f(5) == 6\n### END HIDDEN TESTS", "demo.py")


# ------------------------------------------------------------------ the attack they stop

def _visible_calls() -> tuple[dict, dict]:
    """(answers, namespace): answers maps (x.shape, kernel, stride, padding pair) to what maxpool2d_loops
    returns, for every call that the student's copy of test-maxpool2d-loops makes (recorded by running it
    on the reference); namespace is where that copy of the cell ran, with its check helpers."""
    from tinytorch.core import spatial
    cell = next(c for c in cells.graded_cells(SRC) if c.loop_rule == "maxpool2d_loops")
    namespace = dict(vars(spatial))
    exec(compile(cell.helpers, "check helpers", "exec"), namespace)
    exec(compile(notebooks.strip_hidden_tests(cell.source), cell.cell_id, "exec"), namespace)
    answers = {}

    def recording(x, kernel_size, stride=None, padding=0):
        x, kernel, stride_pair, pads, _ = spatial._check_pool_args("maxpool2d_loops", x, kernel_size, stride, padding)
        out = spatial.maxpool2d_loops(x, kernel_size, stride, padding)
        answers[(x.shape, kernel, stride_pair, pads)] = out.tolist()
        return out

    namespace["maxpool2d_loops"] = recording
    namespace["test_unit_maxpool2d_loops"]()
    return answers, namespace


def _written_down_body(answers: dict) -> str:
    """maxpool2d_loops as a student who pasted the notebook's answers would write it: the given lines,
    then a table looked up by the input's shape and the normalized geometry, copied position by position."""
    return f"""
answers = {answers!r}
table = answers[(x.shape, (kh, kw), (sh, sw), padding)]
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = table[n][c][i][j]
return out
"""


def test_answers_written_down_keep_the_loop_rule_and_pass_the_visible_checks():
    """The attack's premise: nothing but the hidden tests stops it (the control of the slow test below)."""
    answers, namespace = _visible_calls()
    body = _written_down_body(answers)
    nb = subs.build({"maxpool2d_loops": body})
    module_text = "\n\n".join(nb.cells[i].source for i in cells.exported_cell_indexes(nb))
    assert loops.check(module_text, SRC, "maxpool2d_loops") is None
    written_down = dict(namespace)    # the names the notebook's other cells bind, as in the student's kernel
    exec(compile(module_text, "attack", "exec"), written_down)
    namespace["maxpool2d_loops"] = written_down["maxpool2d_loops"]
    namespace["test_unit_maxpool2d_loops"]()     # the student's copy of the graded cell: passes
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 7))
    with pytest.raises(KeyError):               # and it knows nothing of any other input
        written_down["maxpool2d_loops"](x, (3, 2), (2, 2), (1, 1))


@pytest.mark.slow
def test_answers_written_down_score_nothing_under_tito_grade(tmp_path):
    answers, _ = _visible_calls()
    report = grade_notebook(subs.MODULE, subs.build({"maxpool2d_loops": _written_down_body(answers)}), tmp_path)
    assert report.error is None, report.error
    lost = {item.id: item for item in report.items if item.points_earned < item.points_possible}
    assert set(lost) == {"test-maxpool2d-loops"}, {i: item.message for i, item in lost.items()}
    assert lost["test-maxpool2d-loops"].points_earned == 0
    # The table has no entry for the hidden input's shape, (2, 3, 6, 7): the lookup fails there.
    assert "KeyError: '((2, 3, 6, 7), (3, 2), (2, 2), (1, 1))' in maxpool2d_loops()" in lost["test-maxpool2d-loops"].message
    assert report.total == report.maximum - lost["test-maxpool2d-loops"].points_possible


def test_a_conv_output_size_that_looks_up_the_notebooks_cases_passes_them_and_fails_the_hidden_ones():
    """The same attack on the first exercise, in-process: the table of the cases the notebook shows
    (copied from its check) passes the student's copy of test-conv-output-size; the course's copy,
    with its hidden inputs, fails it and says so."""
    def conv_output_size(size, kernel, stride=1, padding=0):
        seen = {(28, 5, 1, 0): 24, (32, 3, 1, 1): 32, (7, 3, 2, 0): 3, (8, 3, 2, 0): 3, (10, 4, 3, 1): 3,
                (6, 3, 3, 2): 3, (9, 2, 4, 0): 2, (5, 5, 1, 0): 1, (224, 7, 2, 3): 112, (6, 4, 1, 2): 7,
                (9, 3, 2, 1): 5}
        return seen[(size, kernel, stride, padding)]

    cell = next(c for c in cells.graded_cells(SRC) if c.cell_id == "test-conv-output-size")
    for source, passes in ((notebooks.student_cell(cell.source), True), (cell.source, False)):
        namespace = {"conv_output_size": conv_output_size}
        exec(compile(source, cell.cell_id, "exec"), namespace)
        if passes:
            namespace["test_unit_conv_output_size"]()
        else:
            with pytest.raises(KeyError):
                namespace["test_unit_conv_output_size"]()


def test_a_bug_that_shows_only_on_the_hidden_input_is_still_named():
    """The hidden checks of the three backward exercises name the likely bug as the visible ones do: an
    avgpool2d_backward_loops right on every input the notebook shows and giving each cell the window's
    whole gradient on the hidden one fails with that hint."""
    from tinytorch.core import spatial
    cell = next(c for c in cells.graded_cells(SRC) if c.loop_rule == "avgpool2d_backward_loops")
    namespace = dict(vars(spatial))
    exec(compile(cell.helpers, "check helpers", "exec"), namespace)
    exec(compile(cell.source, cell.cell_id, "exec"), namespace)
    hidden_shape = (2, 3, 5, 6)      # the hidden block's input

    def avgpool2d_backward_loops(grad_out, x, kernel_size, stride=None, padding=0):
        grad_x = spatial.avgpool2d_backward_loops(grad_out, x, kernel_size, stride, padding)
        kh, kw = spatial._pair(kernel_size, "kernel_size", 1, "test")
        return grad_x * (kh * kw) if np.shape(x) == hidden_shape else grad_x

    namespace["avgpool2d_backward_loops"] = avgpool2d_backward_loops
    with pytest.raises(AssertionError, match=r"an input the notebook does not show(.|\n)*Likely bug: every cell gets "
                                             r"the window's whole gradient"):
        namespace["test_unit_avgpool2d_backward_loops"]()


@pytest.mark.parametrize("short", [(), [], "grad_x"], ids=["empty tuple", "empty list", "grad_x alone"])
def test_a_conv_backward_that_answers_fewer_gradients_off_the_unpacked_case_fails(short):
    """Round twenty-one's attack, in-process: a conv2d_backward_loops right on the one case the check unpacks
    (stride 1, no padding) and answering fewer than three gradients to every other call. The later checks
    zipped the result with the expected gradients and compared nothing (48/48 under tito grade); now the
    result's count is checked first, in the finite-difference check and the hidden one alike."""
    from tinytorch.core import spatial
    cell = next(c for c in cells.graded_cells(SRC) if c.loop_rule == "conv2d_backward_loops")

    def conv2d_backward_loops(grad_out, x, weight, stride=1, padding=0):
        grads = spatial.conv2d_backward_loops(grad_out, x, weight, stride, padding)
        if spatial._pair(stride, "stride", 1, "test") == (1, 1) and spatial._pair(padding, "padding", 0, "test") == (0, 0):
            return grads
        return (grads[0],) if short == "grad_x" else short

    for source in (cell.source, notebooks.strip_hidden_tests(cell.source)):
        namespace = dict(vars(spatial))
        exec(compile(cell.helpers, "check helpers", "exec"), namespace)
        exec(compile(source, cell.cell_id, "exec"), namespace)
        namespace["conv2d_backward_loops"] = conv2d_backward_loops
        count = 1 if short == "grad_x" else 0
        with pytest.raises(AssertionError, match=rf"stride \(2, 1\), padding \(1, 2\)\) returned {count} values, "
                                                 r"expected a tuple of 3 arrays: return grad_x, grad_w, grad_b"):
            namespace["test_unit_conv2d_backward_loops"]()
        namespace["conv2d_backward_loops"] = spatial.conv2d_backward_loops    # the reference passes the same cell
        namespace["test_unit_conv2d_backward_loops"]()


def _slipped_tensor_method(name, slip, on_hidden):
    """Tensor.<name> as the reference has it, but `slip(self, *args, **kwargs)` where on_hidden(self, *args) holds."""
    from tinytorch.core.tensor import Tensor
    right = getattr(Tensor, name)
    return lambda self, *args, **kwargs: (slip if on_hidden(self, *args, **kwargs) else right)(self, *args, **kwargs)


def _slipped_activation(name, slip, on_hidden):
    """A subclass of activations.<name> whose forward answers slip(self, x) where on_hidden(x.data) holds."""
    from tinytorch.core import activations
    right = getattr(activations, name)
    return type(name, (right,), {"forward": lambda self, x: slip(self, x) if on_hidden(x.data) else right.forward(self, x)})


def _tensor_slips():
    from tinytorch.core.tensor import Tensor
    arange_like = lambda self, *a, **k: np.array_equal(self.data.ravel(), np.arange(self.size))  # noqa: E731
    yield ("test_unit_arithmetic", "__rsub__",   # the hidden p is (3, 4); the notebook's a is (2, 2)
           lambda self, other: Tensor(self.data - other), lambda self, other: self.shape == (3, 4),
           r"Likely bug: __rsub__ computes self - other")
    yield ("test_unit_matmul", "__matmul__",
           lambda self, other: Tensor(np.dot(self.data, other.data), dtype=self.dtype),
           lambda self, other: self.shape == (3, 2, 4), r"Likely bug: np.dot pairs every matrix")
    yield ("test_unit_shape", "transpose", lambda self, *axes: Tensor(self.data.T),
           lambda self, *axes: not axes and self.ndim == 3 and not arange_like(self),
           r"Likely bug: .T \(np.transpose with no axes\) reverses every axis")
    yield ("test_unit_reductions", "max",
           lambda self, axis=None, keepdims=False: Tensor(np.max(self.data, axis=axis)),
           lambda self, axis=None, keepdims=False: self.shape == (4, 2, 8) and axis is not None,
           r"Likely bug: max ignores keepdims")
    yield ("test_unit_reductions", "mean",   # the count self.shape[axis] needs one axis
           lambda self, axis=None, keepdims=False: Tensor(np.sum(self.data, axis, keepdims=keepdims) / self.shape[axis]),
           lambda self, axis=None, keepdims=False: self.shape == (4, 2, 8) and isinstance(axis, tuple),
           r"Likely bug: the count is self.shape\[axis\], which needs one axis")
    yield ("test_unit_dtypes", "sum",
           lambda self, axis=None, keepdims=False: Tensor(np.sum(self.data, axis, np.float64, keepdims=keepdims),
                                                          dtype=np.float64),
           lambda self, *a, **k: self.shape == (4, 2), r"Likely bug: np.sum\(..., dtype=np.float64\) or a float64 accumulator")


def _naive_sigmoid(self, x):
    with np.errstate(over="ignore"):
        return type(x)(1 / (1 + np.exp(-x.data)), dtype=x.dtype)


def _relu_in_place(self, x):
    x.data[x.data < 0] = 0
    return type(x)(x.data.copy(), dtype=x.dtype)


def _activation_slips():
    from tinytorch.core.tensor import Tensor
    yield ("test_unit_relu", "ReLU", _relu_in_place, lambda data: data.shape == (3, 4, 2),
           r"Likely bug: the result was computed into the input's own array")
    yield ("test_unit_activation_extremes", "Sigmoid", _naive_sigmoid, lambda data: data.size == 8,
           r"Likely bug: 1 / \(1 \+ e\^-x\) at x = -\d+(.|\n)* computes e\^\d+(.|\n)*, inf in float32")
    yield ("test_unit_sigmoid_tanh", "Sigmoid", lambda self, x: Tensor(1 / (1 + np.exp(x.data)), dtype=x.dtype),
           lambda data: data.shape == (2, 5), r"Likely bug: that is sigmoid\(-x\) = 1 - sigmoid\(x\)")
    yield ("test_unit_gelu", "GELU", lambda self, x: Tensor(
               0.5 * x.data * (1 + np.tanh(np.sqrt(2 * np.pi) * (x.data + 0.044715 * x.data ** 3))), dtype=x.dtype),
           lambda data: data.shape == (2, 4), r"Likely bug: the constant is sqrt\(2 \* pi\)")
    yield ("test_unit_softmax", "Softmax", lambda self, x: Tensor(
               np.exp(x.data) / np.exp(x.data).sum(axis=-1, keepdims=True), dtype=x.dtype),
           lambda data: data.shape == (4, 5), r"Likely bug: the softmax is taken over the last axis whatever dim says")


@pytest.mark.parametrize("module, test, name", [
    ("01", "test_unit_arithmetic", "__rsub__"), ("01", "test_unit_matmul", "__matmul__"),
    ("01", "test_unit_shape", "transpose"), ("01", "test_unit_reductions", "max"),
    ("01", "test_unit_reductions", "mean"), ("01", "test_unit_dtypes", "sum"), ("02", "test_unit_relu", "ReLU"),
    ("02", "test_unit_sigmoid_tanh", "Sigmoid"), ("02", "test_unit_activation_extremes", "Sigmoid"),
    ("02", "test_unit_gelu", "GELU"), ("02", "test_unit_softmax", "Softmax")])
def test_a_tensor_or_activation_bug_that_shows_only_on_the_hidden_input_is_still_named(module, test, name, monkeypatch):
    """Modules 01 and 02's hidden checks name the likely bug as their visible twins do: a Tensor method (name) or
    an activation right on every input the notebook shows and wrong, with a known slip, only on the hidden one
    fails with the visible check's hint."""
    from tinytorch.core import activations, tensor
    reference, src = {"01": (tensor, "01_tensor"), "02": (activations, "02_activations")}[module]
    cell = next(c for c in cells.graded_cells(ROOT / "src" / src / f"{src}.py") if f"def {test}(" in c.source)
    slip, on_hidden, hint = next(case[2:] for case in (_tensor_slips() if module == "01" else _activation_slips())
                                 if case[:2] == (test, name))
    namespace = dict(vars(reference))
    exec(compile(cell.helpers, "check helpers", "exec"), namespace)
    exec(compile(cell.source, cell.cell_id, "exec"), namespace)
    with monkeypatch.context() as patch:
        if module == "01":
            patch.setattr(tensor.Tensor, name, _slipped_tensor_method(name, slip, on_hidden))
        else:
            namespace[name] = _slipped_activation(name, slip, on_hidden)
        with pytest.raises(AssertionError, match=rf"an input the notebook does not show(.|\n)*{hint}"):
            namespace[test]()
    namespace.update(vars(reference))
    namespace[test]()    # and the reference passes the same cell

"""`tito grade` puts the course's given cells back before it grades, as nbgrader's autograde puts
locked cells back: what a notebook says about a given cell decides nothing.

- a given cell edited by the student, or kept from an older version of the course, is graded as
  the course has it now, and the report (table, JSON, Gradescope) names it;
- an exported given cell the notebook lacks is inserted where the course has it;
- a copy of given code under another grade_id is the student's own code, and redefining a given
  class there is still refused.
"""
from __future__ import annotations

import nbformat
import pytest

from tito_helpers import by_number, grade_notebook
from tito import cells, notebooks
from tito.grading import grade, gradescope

TRAINING = by_number("08")
if TRAINING is None:
    pytest.skip("src/08_training does not exist", allow_module_level=True)

HELPERS = "training-check-helpers"      # module 08's given Recorder, which the graded checks use


def given_ids(module) -> set[str]:
    return {grade_id for grade_id, source in cells.course_cells(module.src) if source is not None}


def cell_with_id(nb, grade_id: str):
    return next(cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_course_cells_name_every_given_and_solution_cell_in_order():
    course = cells.course_cells(TRAINING.src)
    nb = notebooks.reference_notebook(TRAINING.src)
    ids = [cell.metadata["nbgrader"]["grade_id"] for cell in nb.cells
           if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade_id")]
    assert [grade_id for grade_id, _ in course] == ids
    assert HELPERS in given_ids(TRAINING)
    solutions = {grade_id for grade_id, source in course if source is None}
    assert solutions and not solutions & given_ids(TRAINING)
    assert all(cell_with_id(nb, grade_id).metadata["nbgrader"].get("solution") for grade_id in solutions)


def test_a_given_cell_from_an_older_course_is_graded_as_the_course_has_it_now(tmp_path):
    """A notebook handed out before a course update (here: the given Recorder as it was before the
    checks read its report from the class's table) gains the points the current course gives."""
    nb = notebooks.reference_notebook(TRAINING.src)
    helper = cell_with_id(nb, HELPERS)
    assert "Recorder.check_reports[id(self)] = report" in helper.source
    helper.source = helper.source.replace("Recorder.check_reports[id(self)] = report", "self._report = report") \
        .replace("report = Recorder.check_reports.get(id(self))", "report = self._report")
    report = grade_notebook(TRAINING, nb, tmp_path)
    assert report.total == report.maximum, grade.format_report(report)
    assert report.restored == [HELPERS]


def test_an_edited_given_cell_is_put_back_and_named_in_every_report(tmp_path):
    nb = notebooks.reference_notebook(TRAINING.src)
    helper = cell_with_id(nb, HELPERS)
    helper.source = helper.source.replace("record = (self.training, is_grad_enabled())", "record = (True, True)")
    report = grade_notebook(TRAINING, nb, tmp_path)
    assert report.total == report.maximum and report.restored == [HELPERS], grade.format_report(report)
    note = grade.restored_note(report.restored)
    assert HELPERS in note and "put back" in note
    assert note in grade.format_report(report)
    assert grade.report_dict(report)["restored"] == [HELPERS]
    assert note in gradescope.summary(report)


def test_an_untouched_notebook_has_nothing_put_back(tmp_path):
    report = grade_notebook(TRAINING, notebooks.reference_notebook(TRAINING.src), tmp_path)
    assert report.total == report.maximum and report.restored == []
    assert "put back" not in grade.format_report(report)
    assert "put back" not in gradescope.summary(report)


def test_a_missing_given_cell_is_inserted_where_the_course_has_it(tmp_path):
    nb = notebooks.reference_notebook(TRAINING.src)
    nb.cells.remove(cell_with_id(nb, HELPERS))
    report = grade_notebook(TRAINING, nb, tmp_path)
    assert report.total == report.maximum and report.restored == [HELPERS], grade.format_report(report)


def test_restore_given_inserts_before_the_next_course_cell_and_locks_it():
    nb = notebooks.reference_notebook(TRAINING.src)
    order = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells]
    nb.cells.remove(cell_with_id(nb, HELPERS))
    assert cells.restore_given(nb, cells.course_cells(TRAINING.src)) == [HELPERS]
    assert [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells] == order
    restored = cell_with_id(nb, HELPERS)
    assert restored.metadata["nbgrader"]["locked"] and not restored.metadata["nbgrader"]["solution"]
    assert restored.source == dict(cells.course_cells(TRAINING.src))[HELPERS]


def test_a_solution_cell_is_never_put_back():
    """The student's answers are theirs: only given cells are replaced. The graded cells take the course's
    copy, with the hidden tests the student's notebook leaves out (and no "put back" note: it is the same
    cell); every other cell stays as the student has it."""
    nb = notebooks.student_notebook(TRAINING.src)
    before = [cell.source for cell in nb.cells]
    assert cells.restore_given(nb, cells.course_cells(TRAINING.src)) == []
    assert [notebooks.strip_hidden_tests(cell.source) for cell in nb.cells] == before
    graded = [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade")]
    assert graded and all(notebooks.HIDDEN_BEGIN in cell.source for cell in graded)
    assert sum(cell.source != old for cell, old in zip(nb.cells, before)) == len(graded)


def test_given_code_copied_under_another_grade_id_and_changed_is_refused(tmp_path):
    """Renaming a given cell's grade_id does not make its edit stand: the copy is the student's code,
    and the given Recorder, defined again there as a forgery, is refused by the tampering rule."""
    nb = notebooks.reference_notebook(TRAINING.src)
    helper = cell_with_id(nb, HELPERS)
    forged = nbformat.v4.new_code_cell(helper.source.replace("record = (self.training, is_grad_enabled())",
                                                             "record = (True, True)"))
    forged.metadata["nbgrader"] = dict(helper.metadata["nbgrader"], grade_id="my-helpers")
    nb.cells.insert(nb.cells.index(helper) + 1, forged)
    report = grade_notebook(TRAINING, nb, tmp_path)
    assert report.total < report.maximum, grade.format_report(report)
    assert "Recorder" in grade.format_report(report) and "changes code the checks rely on" in grade.format_report(report)


def test_a_grade_id_that_is_not_text_is_no_given_cell(tmp_path):
    """H19: a grade_id given as a list stopped the exporter (TypeError), 'exit code 1' and 0 points. A
    notebook may say anything in its metadata: such a cell is the student's own."""
    nb = notebooks.reference_notebook(TRAINING.src)
    first = next(cell for cell in nb.cells if cell.cell_type == "code" and "Trainer" in cell.source
                 and cell.metadata.get("nbgrader", {}).get("solution"))
    first.metadata["nbgrader"]["grade_id"] = ["not", "text"]
    nb.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": "not a dict"}))
    assert cells.restore_given(nb, cells.course_cells(TRAINING.src)) == []
    report = grade_notebook(TRAINING, nb, tmp_path)
    assert report.error is None and report.total == report.maximum, grade.format_report(report)


def _without_metadata(cell):
    cell.metadata = {}
    return cell


@pytest.mark.parametrize("number, which", [("09", "spatial-fit-check"), ("01", None)],
                         ids=["09, one given cell pasted without its metadata", "01, every cell's metadata stripped"])
def test_given_code_that_lost_its_metadata_is_not_put_in_twice(number, which, tmp_path):
    """H20: a given cell deleted and pasted back from a fresh notebook (no nbgrader metadata) was inserted
    again, and module 09's loop rule saw `_as_array` bound twice (48 -> 11); with every cell's metadata
    stripped (a tool did it) the given cells went in again after the student's code (01: 23 -> 0)."""
    module = by_number(number)
    nb = notebooks.reference_notebook(module.src)
    assert which is None or which in [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells], \
        f"{which} is no cell of {module.src.name}"   # (09's spatial-checks moved to 09a_fast_path.py)
    for cell in nb.cells:
        if which is None or cell.metadata.get("nbgrader", {}).get("grade_id") == which:
            _without_metadata(cell)
    assert cells.restore_given(notebooks.reference_notebook(module.src), cells.course_cells(module.src)) == []
    report = grade_notebook(module, nb, tmp_path)
    assert report.total == report.maximum and report.restored == [], grade.format_report(report)


def test_a_given_class_removed_where_nothing_places_it_back_and_forged_is_refused(tmp_path):
    """H48: given cells are put back before the next course cell the notebook still has; a student who
    deletes module 03's given `Residual` cell and strips the nbgrader metadata of every later cell leaves
    nothing to place it by (restore_given puts nothing back), and writes a Residual without the buffer the
    test-module-tree check builds on purpose, to hide a named_parameters() that counts buffers as
    parameters (that wrong answer alone: that item lost, 30 of 42). The tampering rule refuses the forged
    given class (every item 0): the attack gains nothing. Measured with that rule switched off: 36 of 42,
    test-module-tree passed; it is the only guard here."""
    layers = by_number("03")
    wrong = notebooks.reference_notebook(layers.src)
    module_cell = next(cell for cell in wrong.cells if "def named_parameters(self):" in cell.source)
    module_cell.source = module_cell.source.replace(
        "candidates = [(name, value)] if value.requires_grad else []", "candidates = [(name, value)]")
    honest_wrong = grade_notebook(layers, wrong, tmp_path / "wrong")
    tree = next(item for item in honest_wrong.items if item.id == "test-module-tree")
    assert tree.points_earned == 0 and 0 < honest_wrong.total < honest_wrong.maximum, grade.format_report(honest_wrong)

    at = wrong.cells.index(cell_with_id(wrong, "layers-residual"))
    given = wrong.cells.pop(at)
    for cell in wrong.cells[at:]:
        if cell.cell_type == "code":
            _without_metadata(cell)
    forged = given.source.replace("        self.scale = Tensor(np.ones(1))", "        pass  # no buffer")
    assert forged != given.source
    wrong.cells.insert(at, nbformat.v4.new_code_cell(forged))
    assert cells.restore_given(nbformat.from_dict(wrong), cells.course_cells(layers.src)) == []  # nothing to place it by
    report = grade_notebook(layers, wrong, tmp_path / "attack")
    assert report.total == 0 and report.restored == [], grade.format_report(report)
    assert "the given Residual, which the checks use, is not the given code" in tree_message(report)


def tree_message(report) -> str:
    return next(item.message for item in report.items if item.id == "test-module-tree")

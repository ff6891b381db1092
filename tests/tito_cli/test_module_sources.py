"""A module in several literate sources (issue #23): module 09 is its lesson, src/09_convolutions/
09_convolutions.py (the graded notebook), its fast path, src/09_convolutions/09a_fast_path.py, and its going
further, src/09_convolutions/09b_going_further.py (given code, each its own notebook). All three export into
tinytorch/core/spatial.py in that order, the lesson's cells first: in the reference package, in a student's
`tito export 09` and in what `tito grade` grades.
"""
from __future__ import annotations

import json

import nbformat
import pytest

from tito_helpers import ROOT, by_number, make_repo, write_nb
from tito import cells, export, notebooks, paths, workflow
from tito.grading import grade

MODULE = by_number("09")
pytestmark = pytest.mark.skipif(MODULE is None, reason="src/09_convolutions does not exist")
LAYERS = {"Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm2d", "AdaptiveAvgPool2d"}
FAST_PATH, GOING_FURTHER = "09a_fast_path", "09b_going_further"
FAST_PATH_IDS = ["spatial-checks", "conv2d-vectorized", "pool-vectorized"]


def old_single_notebook(module: paths.CourseModule) -> nbformat.NotebookNode:
    """A solved notebook as the course handed it out before the splits: the lesson with the fast path's cells
    where the lesson now imports them (its `fast-path-imports` cell), then section 13's cells."""
    nb = notebooks.reference_notebook(module.src)
    [at] = [i for i, cell in enumerate(nb.cells) if cell.metadata.get("nbgrader", {}).get("grade_id") == "fast-path-imports"]
    nb.cells[at:at + 1] = notebooks.reference_notebook(module.sources[1]).cells
    nb.cells += notebooks.reference_notebook(module.sources[2]).cells
    for index, cell in enumerate(nb.cells):
        cell.id = notebooks.cell_id(index)
    return nb


def test_module_09_is_a_lesson_a_fast_path_and_a_going_further_notebook():
    assert [path.name for path in MODULE.sources] == ["09_convolutions.py", f"{FAST_PATH}.py", f"{GOING_FURTHER}.py"]
    assert [path.name for path in MODULE.student_notebooks] == ["09_convolutions.ipynb", f"{FAST_PATH}.ipynb",
                                                                f"{GOING_FURTHER}.ipynb"]
    assert MODULE.student_notebook == MODULE.student_notebooks[0]
    for given in MODULE.sources[1:]:
        assert notebooks.BEGIN not in given.read_text(encoding="utf-8"), f"{given.name} has no exercise"
    assert all(cell.src == MODULE.src for cell in cells.graded_cells(MODULE.src)), "every graded cell is the lesson's"
    assert paths.all_modules(ROOT)[-1].slug == "09_convolutions", "the going-further source is not a module of its own"


def test_the_reference_package_holds_both_sources_lesson_first():
    spatial = ROOT / "tinytorch" / "core" / "spatial.py"
    assert LAYERS <= set(export.exported_names(spatial))
    text = spatial.read_text(encoding="utf-8")
    assert text.index("class Conv2d(") < text.index("def _pair(") < text.index("def _im2col(") \
        < text.index("def maxpool2d_vectorized(") < text.index("def _conv2d_general_forward(") < text.index("class BatchNorm2d(")
    assert text.count("class BatchNorm2d(") == 1 and text.count("def _im2col(") == 1 and text.count("def _pair(") == 1


def test_the_going_further_checks_run_with_their_own_helpers():
    """Each source is a notebook of its own: its checks get its own `#| check_helpers` cells, as in Jupyter."""
    further = [cell for cell in cells.check_cells(MODULE.src) if cell.src == MODULE.sources[2]]
    assert {"check-conv-options", "check-pool-options", "check-adaptive-avgpool", "check-batchnorm"} \
        <= {cell.cell_id for cell in further}
    assert all("def _assert_close" in cell.helpers and "_diag_likely_bug" not in cell.helpers for cell in further)
    assert not any(cell.graded for cell in further)


def test_continued_cells_are_the_going_further_exports():
    continued = cells.continued_cells(MODULE.src)
    assert [grade_id for grade_id, _ in continued] == [*FAST_PATH_IDS, "conv-options", "pool-options",
                                                        "adaptive-avgpool", "batchnorm"]
    assert cells.continued_cells(by_number("01").src) == []


def test_a_students_export_of_the_lesson_brings_the_going_further_code(tmp_path):
    repo = make_repo(tmp_path, [MODULE])
    local = paths.CourseModule(MODULE.number, MODULE.slug, repo)
    write_nb(notebooks.reference_notebook(local.src), local.student_notebook)   # the lesson, solved; no 09a, 09b
    names = workflow.export_module(local, repo / "tinytorch", log=lambda line: None)
    assert LAYERS <= set(names) and {"conv2d_vectorized", "maxpool2d_vectorized", "avgpool2d_vectorized"} <= set(names)
    text = (repo / "tinytorch" / "core" / "spatial.py").read_text(encoding="utf-8")
    assert export.origin(repo / "tinytorch" / "core" / "spatial.py") == "yours"
    assert text.count("class BatchNorm2d(") == 1 and text.count("def _im2col(") == 1
    assert text.index("class Conv2d(") < text.index("def _im2col(") < text.index("class BatchNorm2d(")


def test_a_notebook_from_before_the_split_exports_section_13_once(tmp_path):
    """An old notebook still holds the fast path's cells and section 13's: the course's copies, after the
    lesson, replace them."""
    course, continued = cells.course_cells(MODULE.src), cells.continued_cells(MODULE.src)
    for name, nb in (("old", old_single_notebook(MODULE)), ("new", notebooks.reference_notebook(MODULE.src))):
        submission = write_nb(nb, tmp_path / f"{name}.ipynb")
        result = grade._prepared(submission.read_bytes(), submission, cells.export_target(MODULE.src), course,
                                 tmp_path / f"staging-{name}", continued)
        assert result["kind"] == "ok", result["message"]
        assert result["text"].count("class BatchNorm2d(") == 1, name
        assert result["text"].count("def _conv2d_general_forward(") == 1, name
        assert result["text"].count("def _im2col(") == 1 and result["text"].count("def _pair(") == 1, name
        assert result["restored"] == [], name


def test_an_edited_going_further_cell_is_graded_as_the_course_has_it(tmp_path):
    nb = old_single_notebook(MODULE)
    cell = next(cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == "batchnorm")
    cell.source = cell.source.replace("class BatchNorm2d(Module):", "class BatchNorm2d(Module):\n    broken = 1", 1)
    submission = write_nb(nb, tmp_path / "edited.ipynb")
    result = grade._prepared(submission.read_bytes(), submission, cells.export_target(MODULE.src),
                             cells.course_cells(MODULE.src), tmp_path / "staging", cells.continued_cells(MODULE.src))
    assert result["kind"] == "ok" and "broken = 1" not in result["text"]


@pytest.mark.parametrize("which", [1, 2], ids=[FAST_PATH, GOING_FURTHER])
def test_module_start_writes_a_missing_given_notebook_and_keeps_an_edited_one(which, tmp_path):
    repo = make_repo(tmp_path, [MODULE])
    local = paths.CourseModule(MODULE.number, MODULE.slug, repo)
    further = local.student_notebooks[which]
    further.unlink()
    workflow.start_module(local, log=lambda line: None)
    assert further.read_bytes() == notebooks.notebook_bytes(notebooks.student_notebook(local.sources[which]))
    assert notebooks.student_notebook(local.sources[which]).cells == notebooks.reference_notebook(local.sources[which]).cells, \
        "given code only: the blank notebook is the solved one"
    data = json.loads(further.read_text(encoding="utf-8"))
    data["cells"][0]["source"] = "my notes"
    further.write_text(json.dumps(data), encoding="utf-8")
    edited = further.read_bytes()
    workflow.start_module(local, log=lambda line: None)
    assert further.read_bytes() == edited


def test_nbgrader_release_writes_the_three_notebooks(tmp_path):
    pytest.importorskip("ipykernel")
    from tito import release
    written = release.release([MODULE], tmp_path / "course")
    assert {path.name for path in written if path.suffix == ".ipynb"} == {"09_convolutions.ipynb", f"{FAST_PATH}.ipynb",
                                                                          f"{GOING_FURTHER}.ipynb"}


@pytest.mark.parametrize("which, grade_id, first", [(1, "spatial-checks", "def _pair("),
                                                    (2, "conv-options", "def _split_padding(")],
                         ids=[FAST_PATH, GOING_FURTHER])
def test_the_package_names_each_given_source_as_the_file_to_edit_for_its_code(which, grade_id, first):
    text = (ROOT / "tinytorch" / "core" / "spatial.py").read_text(encoding="utf-8")
    before = text[:text.index(first)].rstrip("\n").split("\n")[-1]
    [cell] = [i for i, c in enumerate(notebooks.read_source(MODULE.sources[which]).cells)
              if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    assert before == f"# %% ../../src/09_convolutions/{MODULE.sources[which].name} #{notebooks.cell_id(cell)}"
    lesson = text[:text.index("class Conv2d(")].rstrip("\n").split("\n")[-1]
    assert lesson.startswith("# %% ../../src/09_convolutions/09_convolutions.py #cell-")


def test_a_line_of_continued_code_is_not_charged_to_the_students_last_cell():
    text = "# %% a.ipynb #cell-004\ndef mine():\n    pass\n\n# %% a.ipynb #continued-0\ndef given():\n    pass\n"
    assert export.cell_of_line(text, 2) == 4
    assert export.cell_of_line(text, 6) is None


def _exported_code(src) -> str:
    """A source's exported cells, joined: what nbdev writes into the package module for it."""
    return "\n\n".join(cell.source for cell in notebooks.read_source(src).cells
                       if cell.cell_type == "code" and "export" in cells.directives(cell.source))


def _globals_read_and_bound(code: str) -> tuple[set, set]:
    """The global names `code` reads (at module level or inside its functions) and those it binds."""
    import symtable

    top = symtable.symtable(code, "code", "exec")
    bound = {symbol.get_name() for symbol in top.get_symbols()
             if symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace()}
    read, tables = set(), [top]
    while tables:
        table = tables.pop()
        read |= {symbol.get_name() for symbol in table.get_symbols() if symbol.is_referenced() and symbol.is_global()}
        tables += table.get_children()
    return read, bound


def test_the_lesson_names_nothing_that_only_the_going_further_source_defines():
    """Issue #23.1: the lesson's code ran the going-further code by names it did not define (`_conv2d_with_options`,
    `conv2d_options_loops`, ... ruff's F821, ignored for the lesson), so the lesson could not run on its own.
    Every global name the exported code of the lesson and its fast path (09a, which the package holds right
    after the lesson's) reads is bound by that code itself (or is a builtin)."""
    import builtins

    read, bound = _globals_read_and_bound(_exported_code(MODULE.src) + "\n\n" + _exported_code(MODULE.sources[1]))
    assert sorted(read - bound - set(dir(builtins))) == []


def _answer_names(src) -> set[str]:
    """The functions and classes of a lesson that hold an exercise (a `### BEGIN SOLUTION` region): the
    student's answers."""
    import ast

    code = _exported_code(src)
    begins = [i + 1 for i, line in enumerate(code.split("\n")) if line.strip() == notebooks.BEGIN]
    return {node.name for node in ast.parse(code).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))
            and any(node.lineno <= line <= node.end_lineno for line in begins)}


def test_the_fast_path_never_calls_a_students_answer():
    """09a's given code (the argument checks, the fast paths) reads no function or class that holds an exercise
    (its window count repeats exercise 1's formula on purpose): a slip in an exercise costs that exercise alone,
    not every layer that runs on the fast path."""
    answers = _answer_names(MODULE.src)
    assert {"conv_output_size", "conv2d_loops", "maxpool2d_backward_loops", "Conv2d", "receptive_field"} <= answers
    read, _ = _globals_read_and_bound(_exported_code(MODULE.sources[1]))
    assert sorted(read & answers) == []


def test_the_lesson_alone_runs_its_layers_and_says_where_the_options_are(tmp_path):
    """The lesson's exported code and its fast path's (09a), as a module of the package without the
    going-further cells: the layers and fast paths run, pooling options included (the fast path computes
    those); a convolution option left to the going-further notebook fails saying so, not with a NameError."""
    import importlib.util
    import sys

    import numpy as np

    import tinytorch.core.spatial as full

    path = tmp_path / "lesson_only.py"
    path.write_text(_exported_code(MODULE.src) + "\n\n" + _exported_code(MODULE.sources[1]), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("tinytorch.core._lesson_only", path)
    lesson = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = lesson
    try:
        spec.loader.exec_module(lesson)
    finally:
        sys.modules.pop(spec.name, None)
    assert lesson._OPTIONS_CODE == {} and lesson._OPTIONS_CODE is not full._OPTIONS_CODE
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 3))
    np.testing.assert_array_equal(lesson.conv2d_vectorized(x, w, None, 2, 1), full.conv2d_vectorized(x, w, None, 2, 1))
    np.testing.assert_array_equal(lesson.maxpool2d_vectorized(x, 3, 2, 1, dilation=2, ceil_mode=True),
                                  full.maxpool2d_vectorized(x, 3, 2, 1, dilation=2, ceil_mode=True))
    np.testing.assert_array_equal(lesson.avgpool2d_vectorized(x, 2, ceil_mode=True, count_include_pad=False),
                                  full.avgpool2d_vectorized(x, 2, ceil_mode=True, count_include_pad=False))
    assert lesson.Conv2d(3, 4, 3, padding="same")(lesson.Tensor(x)).shape == (2, 4, 7, 6)   # odd kernel: even padding
    slow_pool = lesson.MaxPool2d(2, ceil_mode=True)
    slow_pool.use_loops = True
    for call in (lambda: lesson.conv2d_vectorized(x, w, dilation=2),
                 lambda: lesson.Conv2d(3, 3, 3, groups=3)(lesson.Tensor(x)),
                 lambda: slow_pool(lesson.Tensor(x))):
        with pytest.raises(NotImplementedError, match=GOING_FURTHER):
            call()


def _prose(source) -> str:
    """A source's text with each comment's `#` and each line break turned into one space, so a phrase split
    over two lines of a markdown cell reads as one."""
    import re

    return re.sub(r"\s*\n\s*#?\s*", " ", source.read_text(encoding="utf-8"))


def _sections(source) -> set[int]:
    """The numbers of a source's `## N.` headings."""
    import re

    return {int(n) for n in re.findall(r"^# ## (\d+)\. ", source.read_text(encoding="utf-8"), flags=re.M)}


def test_every_section_named_in_module_09_is_a_heading_where_the_text_says():
    """Sections moved between the three sources (issue #23: the fast path to 09a; the training demos from the
    lesson's section 7 to 09b's section 14). "section N of the fast-path notebook" must be a heading of 09a,
    "of the going-further notebook" one of 09b, and any other "section(s) N" a heading of one of the three."""
    import re

    where = {"fast-path": _sections(MODULE.sources[1]), "going-further": _sections(MODULE.sources[2])}
    everywhere = set().union(*(_sections(source) for source in MODULE.sources))
    assert {2, 4, 5, 9, 11} <= where["fast-path"] and {13, 14} <= where["going-further"]
    wrong = []
    for source in MODULE.sources:
        text = _prose(source)
        for match in re.finditer(r"[Ss]ections? (\d+)(?:(?: and | to |, )(\d+))?(?:'s)?( of the (fast-path|going-further) notebook)?", text):
            numbers = {int(n) for n in match.groups()[:2] if n}
            named = where[match.group(4)] if match.group(4) else everywhere
            if not numbers <= named:
                wrong.append(f"{source.name}: '{match.group(0)}'")
    assert wrong == []

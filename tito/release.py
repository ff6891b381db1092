"""`tito dev release --nbgrader COURSE`: the course as an nbgrader course directory.

    COURSE/nbgrader_config.py                    the course's nbgrader configuration (kernel, stub, timeout,
                                                 and tito's judge deciding autograde's points)
    COURSE/source/NN_name/NN_name.ipynb          the instructor notebook: solutions between the markers
    COURSE/source/NN_name/NNb_name.ipynb         each notebook that continues it (given code, e.g. module 09's
                                                 09a_fast_path.ipynb, 09b_going_further.ipynb), when the module has any
    COURSE/jupyter/kernels/tinytorch/kernel.json the kernel nbgrader runs: ipykernel on the Python running
                                                 this tito (where tinytorch is installed), in tito's
                                                 isolation (tito/nbgrader_kernel.py)

Each instructor notebook is src/NN_name/NN_name.py with its `### BEGIN SOLUTION` / `### END SOLUTION`
markers kept (nbgrader's generate_assignment strips them, as tito's own student notebooks do), and
one change made here, at release time, never in src: a given code cell (nbgrader metadata, neither
a solution nor graded) becomes `"locked": true`, a read-only cell that nbgrader records and puts back
at autograde. Without it nbgrader keeps no record of given cells and warns "Cell ... does not exist
in the database" for each. Cells students edit are the solution cells; graded cells stay locked.
Code cells without nbgrader metadata (demos to experiment with) stay editable and ungraded.

Autograde's points are tito's: the configuration puts tito's judge (tito/nbgrader_judge.py) in nbgrader's
autograde steps: TitoGrade runs `tito grade` on the notebook before nbgrader's Execute runs any of its
code, and TitoJudge writes that verdict into each graded cell's outputs, the only thing SaveAutoGrades
reads, right before it. TitoForget, first of the sanitizing steps, zeroes the notebook's graded cells in
the gradebook, so a notebook that autograde fails keeps no earlier score.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import nbformat

from . import nbgrader_kernel, notebooks
from .paths import CourseModule

KERNEL_NAME = "tinytorch"
KERNELSPEC = {"display_name": "Python (tinytorch)", "language": "python", "name": KERNEL_NAME}

CONFIG = '''# Written by `tito dev release --nbgrader`; run nbgrader from this folder.
import os

c = get_config()  # noqa: F821 (defined by the configuration loader)
here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "tinytorch"
c.CourseDirectory.root = here
# The kernel nbgrader runs notebooks in: jupyter/kernels/{kernel}/kernel.json here, which starts
# the Python where tinytorch is installed. Jupyter finds kernels through JUPYTER_PATH.
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    path for path in (os.path.join(here, "jupyter"), os.environ.get("JUPYTER_PATH")) if path)
c.Execute.kernel_name = "{kernel}"
# Generous: a notebook's demos run too, and a loaded machine is slow.
c.Execute.timeout = {timeout}
# The stub tito's own student notebooks use, so both routes give students the same notebook.
c.ClearSolutions.code_stub = {{"python": "{stub}"}}
# The points are tito's judge's, not the kernel's: before nbgrader's Execute runs any of the notebook's
# code, tito grade grades it (as nbgrader put its locked cells back) outside the kernel (TitoGrade), and
# after it each graded cell's outputs say tito's verdict before SaveAutoGrades reads them (TitoJudge;
# tito/nbgrader_judge.py). TitoExecute is nbgrader's Execute keeping at most 16 MB of the kernel's
# outputs. The rest is nbgrader 0.9.6's own list. Named, not imported, so that a
# missing tito stops autograde instead of this file.
# A notebook that fails autograde keeps no earlier score (TitoForget zeroes its graded cells first).
c.Autograde.sanitize_preprocessors = [
    "tito.nbgrader_judge.TitoForget",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "tito.nbgrader_judge.TitoGrade",
    "tito.nbgrader_judge.TitoExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "tito.nbgrader_judge.TitoJudge",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# The feedback students get (generate_feedback) keeps the hidden tests hidden, as tito grade's and
# Gradescope's reports do: nbgrader shows them by default (its issue #917). It shows the notebook's code
# and tito's verdicts, none of the kernel's outputs, which the student's code could fill with the hidden
# tests' source (TitoFeedback). The rest is nbgrader 0.9.6's list.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "tito.nbgrader_judge.TitoFeedback",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# tito grade runs on the Python and the checkout that wrote this course.
c.TitoGrade.python = {python}
c.TitoGrade.repository = {repository}
''' + nbgrader_kernel.CONFIG.replace("{{", "{{{{").replace("}}", "}}}}")
TIMEOUT = 300


def instructor_notebook(module: CourseModule, source: Path | None = None) -> nbformat.NotebookNode:
    """src (or another of the module's sources) as a notebook, solution markers kept, given cells
    locked, nbgrader's kernel."""
    nb = notebooks.read_source(source or module.src)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is not None and not meta.get("solution") and not meta.get("grade"):
            meta["locked"] = True
    return nb


def kernel_spec(python: str) -> dict:
    """The kernel nbgrader runs: ipykernel on `python`, in tito's isolation (tito/nbgrader_kernel.py)."""
    return {"argv": nbgrader_kernel.command(python),
            "display_name": KERNELSPEC["display_name"], "language": "python"}


def release(modules: list[CourseModule], course: Path, python: str = sys.executable,
            repository: Path | None = None) -> list[Path]:
    """Write the nbgrader course for `modules` into `course`; returns the files written. nbgrader's
    kernel and tito's judge run `python`; the judge grades with the checkout `repository` (default:
    the modules' own)."""
    if importlib.util.find_spec("ipykernel") is None:
        raise ValueError("nbgrader runs notebooks in a Jupyter kernel, and ipykernel is not installed in "
                         f"{python}. Install the nbgrader extra: pip install -e \".[nbgrader]\".")
    written = []
    for module in modules:
        for source in module.sources:
            path = course / "source" / module.slug / f"{source.stem}.ipynb"
            notebooks.write_notebook(instructor_notebook(module, source), path)
            written.append(path)
    spec = course / "jupyter" / "kernels" / KERNEL_NAME / "kernel.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps(kernel_spec(python), indent=1) + "\n", encoding="utf-8")
    config = course / "nbgrader_config.py"
    if repository is None:
        repository = modules[0].root if modules else Path.cwd()
    config.write_text(CONFIG.format(kernel=KERNEL_NAME, timeout=TIMEOUT, stub=notebooks.STUB, python=repr(str(python)),
                                    repository=repr(str(Path(repository).resolve()))), encoding="utf-8")
    return [config, spec, *written]

"""tito's judge inside `nbgrader autograde`: the points of an nbgrader course are `tito grade`'s.

nbgrader's autograde runs the submitted notebook in one Jupyter kernel and scores each graded cell
by its outputs (utils.determine_grade: an error output is 0 points, none is full marks). In that
kernel the student's code shares a process with the checks, so it can decide its own verdict
(make a check's asserts pass, empty the later cells through an IPython input transformer), and
module 09's loop rule is never applied. The course's nbgrader_config.py (tito/release.py) puts two
steps in `Autograde.autograde_preprocessors`:

  - TitoGrade, first, BEFORE nbgrader's Execute, so before any of the notebook's code runs: it
    writes the notebook as nbgrader put its locked cells back (code and metadata; outputs left out)
    to a private temporary folder, runs `PYTHON -m tito grade MODULE NOTEBOOK --json REPORT` there
    (PYTHON and the checkout are the release's; MODULE is the notebook's file name, e.g.
    09_convolutions), and keeps the verdicts in the conversion's resources;
  - TitoJudge, after Execute (and LimitOutput), right before SaveAutoGrades: it sets each graded
    code cell's outputs from those verdicts, first: a passed item a stdout line saying tito's judge
    passed it, a failed one an error output (ename TitoVerdict) with tito's message, a partial score
    an execute_result with its points. The kernel's own outputs of that cell stay after it,
    read-only for the score: its errors and stderr become stdout text, its execute_result display
    data. So SaveAutoGrades records tito's points, whatever the kernel did.

Whatever the gradebook held for the notebook before stays only if autograde ends well: nbgrader
records nothing for a notebook that fails (its kernel dies, its metadata is corrupt) and keeps the
earlier scores, so a re-autograde (after `--force`, a resubmission, or a course moved onto tito's
judge, whose earlier scores the kernel decided) would leave them (H50: 48 of 48 kept for a blank whose
kernel exits). So TitoForget, the first of autograde's sanitizing steps, sets the notebook's graded
code cells to 0 before anything of the submission is read, and TitoGrade records tito's points as
soon as it has them, before the kernel starts; SaveAutoGrades later records the same.

Grading before the kernel runs means the notebook's own code cannot reach the judge's run (the
checkout and Python it uses, its report): it has not started yet. When tito cannot grade (no Python,
a crash, a timeout, no report, an item missing from the report, points that differ from the course's,
TitoGrade missing from the configuration), every graded cell without a verdict fails, saying why:
never full marks by default. The kernel's run decides nothing graded; nbgrader still needs it to
finish (a kernel that dies makes nbgrader's Execute fail the notebook, before any score). That kernel
runs in tito's isolation where the system has it (tito/nbgrader_kernel.py); TitoGrade says once in
autograde's log which of its protections are off.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Float, Unicode

from . import nbgrader_kernel

ENAME = "TitoVerdict"
GRACE_SECONDS = 120.0  # on top of tito grade's own --total-timeout (600 s by default)
VERDICTS = "tito_verdicts"  # TitoGrade's (items by id, why an item has none) in the conversion's resources
NOT_GRADED = ("tito's judge did not grade this notebook before the kernel ran it: the course's nbgrader_config.py "
              "must list tito.nbgrader_judge.TitoGrade before nbgrader's Execute (run `tito dev release --nbgrader` again)")


_SAID: set = set()  # the kernel's protections line, said once per process


def graded_code_cells(nb) -> list:
    """The cells nbgrader scores by their outputs. (A graded markdown cell, an answer graded by hand,
    has none: nbgrader leaves it to the grader, and so does the judge.)"""
    return [cell for cell in nb.cells if utils.is_grade(cell) and cell.cell_type == "code"]


class TitoGrade(NbGraderPreprocessor):
    """Before the kernel runs: `tito grade`'s verdicts on the notebook, kept for TitoJudge (see the module's docstring)."""

    python = Unicode(sys.executable, help="The Python that runs `-m tito grade` (the release's).").tag(config=True)
    repository = Unicode("", help="The tinytorch checkout tito grades with (its src/ holds the points); "
                                  "the working folder of `tito grade`.").tag(config=True)
    timeout = Float(600.0 + GRACE_SECONDS, help="Seconds `tito grade` may take in all; then it is stopped and "
                                                "every graded cell fails.").tag(config=True)

    def preprocess(self, nb, resources):
        line = nbgrader_kernel.protections_line()
        if line and line not in _SAID:  # once per autograde run: the kernel Execute starts next runs so
            _SAID.add(line)
            self.log.warning(line)
        graded = graded_code_cells(nb)
        if graded:  # none in e.g. 09b_going_further: given code only
            items, reason = resources[VERDICTS] = self.verdicts(nb, resources.get("nbgrader", {}).get("notebook") or "")
            scores = {}
            for cell in graded:  # the points SaveAutoGrades will read, recorded before the kernel can stop autograde
                judged = nbformat.from_dict(nbformat.from_dict(cell))
                judged.outputs = []
                TitoJudge(parent=self).judge_cell(judged, items, reason)
                scores[judged.metadata["nbgrader"].get("grade_id", "")] = utils.determine_grade(judged)[0]
            record(resources, scores)
        return nb, resources

    def verdicts(self, nb, name: str) -> tuple[dict, str]:
        """(tito's report items by id, why there are none); the items are empty when tito could not grade."""
        if not name:
            return {}, "nbgrader gave no notebook name, so tito's judge cannot tell the module"
        with tempfile.TemporaryDirectory(prefix="tito-nbgrader-") as scratch:  # mode 0700
            notebook = Path(scratch) / f"{name}.ipynb"
            report = Path(scratch) / "report.json"
            copy = nbformat.from_dict(nbformat.from_dict(nb))  # deep copy: code and metadata, no outputs
            for cell in copy.cells:
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            nbformat.write(copy, str(notebook))
            command = [self.python, "-m", "tito", "grade", name, str(notebook), "--json", str(report)]
            self.log.info("tito's judge: %s", " ".join(command))
            try:
                code, output = self.run(command, cwd=self.repository or scratch)
            except OSError as error:
                return {}, f"tito grade could not start ({self.python}: {error.strerror or error})"
            if code is None:
                return {}, f"tito grade took longer than {self.timeout:g} s and was stopped"
            try:
                data = json.loads(report.read_text(encoding="utf-8"))
                tests = data["tests"]
                items = {str(test["id"]): test for test in tests}
            except (OSError, ValueError, KeyError, TypeError) as error:
                tail = output.strip()[-1500:]
                return {}, (f"tito grade ended with exit code {code} and no report ({type(error).__name__})"
                            + (f"; it said:\n{tail}" if tail else ""))
            error = data.get("error")
            return items, (f"tito grade has no verdict on this item (exit code {code}"
                           + (f": {error})" if error else ")"))

    def run(self, command: list[str], cwd: str) -> tuple[int | None, str]:
        """(exit code, output) of `command`; exit code None when it ran past the timeout (it and its
        process group are then stopped: SIGTERM, tito kills its own children, then SIGKILL)."""
        proc = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            output, _ = proc.communicate(timeout=self.timeout)
            return proc.returncode, output.decode("utf-8", "backslashreplace")
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.communicate(timeout=10.0)
            except subprocess.TimeoutExpired:
                if hasattr(os, "killpg"):
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except OSError:
                        pass
                proc.kill()
                proc.communicate()
            return None, ""



class TitoForget(NbGraderPreprocessor):
    """First of autograde's sanitizing steps: the notebook's graded code cells score 0 in the gradebook
    until tito's judge records its points, so a notebook that fails autograde keeps no earlier score."""

    def preprocess(self, nb, resources):
        record(resources, {})
        return nb, resources


def record(resources, scores: dict) -> None:
    """Set the auto scores of this submission's graded code cells in nbgrader's gradebook: `scores`
    by grade_id, 0 for the others (nothing outside autograde, where resources name no gradebook)."""
    where = resources.get("nbgrader") or {}
    if not all(where.get(key) for key in ("db_url", "notebook", "assignment", "student")):
        return
    with Gradebook(where["db_url"]) as gradebook:
        submitted = gradebook.find_submission_notebook(where["notebook"], where["assignment"], where["student"])
        for grade in submitted.grades:
            if grade.cell.cell_type != "code":
                continue  # a written answer is the grader's
            score = scores.get(grade.name)
            grade.auto_score = 0 if score is None else score
            grade.needs_manual_grade = grade.manual_score is not None
        gradebook.db.commit()


class TitoJudge(NbGraderPreprocessor):
    """After the kernel ran: each graded cell's outputs from TitoGrade's verdicts (see the module's docstring)."""

    def preprocess(self, nb, resources):
        graded = graded_code_cells(nb)
        if graded:
            items, reason = resources.get(VERDICTS, ({}, NOT_GRADED))
            for cell in graded:
                self.judge_cell(cell, items, reason)
        return nb, resources

    def judge_cell(self, cell, items: dict, reason: str) -> None:
        """The cell's outputs: tito's verdict first, then the kernel's, none of which can score."""
        grade_id = cell.metadata["nbgrader"].get("grade_id", "")
        points = float(cell.metadata["nbgrader"].get("points", 0))
        item = items.get(grade_id)
        if item is None:
            verdict = failed(f"{grade_id}: {reason}")
        else:
            verdict = self.from_item(item, points)
        kept = [kernel_output(output) for output in cell.get("outputs", [])]
        cell.outputs = [verdict, *kept]

    def from_item(self, item: dict, points: float):
        possible, earned = item.get("points_possible"), item.get("points_earned")
        message = str(item.get("message") or "")
        if not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in (possible, earned)):
            return failed(f"{item.get('id')}: tito's report gives no points for this item")
        if float(possible) != points:
            return failed(f"{item.get('id')}: this course gives it {points:g} points, tito's src {possible:g}: "
                          "run `tito dev release --nbgrader` again and regenerate the assignment")
        if earned >= possible:
            return nbformat.v4.new_output("stream", name="stdout",
                                          text=f"tito's judge: passed ({earned:g}/{possible:g} points)\n")
        if earned > 0:  # partial credit: nbgrader reads an execute_result's number as the points
            return nbformat.v4.new_output("execute_result", data={"text/plain": f"{earned:g}"}, execution_count=None)
        return failed(f"{item.get('status', 'fail')}: {message}" if message else str(item.get("status", "fail")))


class TitoFeedback(NbGraderPreprocessor):
    """generate_feedback, after nbgrader's ClearHiddenTests: each graded code cell keeps tito's verdict (its
    first output, TitoJudge's) and no other cell keeps an output. In the kernel the student's code ran beside
    the hidden tests (a function the tests call can read their source from its caller's frame, print it
    there or in a later cell), so none of the kernel's outputs is handed back (round 28's attack hunt read
    the hidden tests in the feedback: nbgrader shows them, and the kernel's tracebacks quoted them). The
    student's own notebook keeps the outputs they saw."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = cell.outputs[:1] if utils.is_grade(cell) else []
                cell.execution_count = None
        return nb, resources


class TitoExecute(Execute):
    """nbgrader's Execute, keeping at most `max_output_mb` of the kernel's outputs per notebook (H61).

    The kernel is isolated (tito/nbgrader_kernel.py), but what it prints comes back into nbgrader's own
    process, which keeps every output of the notebook in memory (about 4 bytes a byte printed: 1.2 GB for
    a free cell printing 300 MB) and then writes it into autograded/: a cell printing for its whole
    timeout took the grader's memory and disk. Past the bound, outputs are dropped, with one stderr line
    saying so (module 09's lesson prints 0.2 MB). And no cell starts after `max_seconds` of the notebook's
    run. The points are not the kernel's (TitoGrade, TitoJudge)."""

    max_output_mb = Float(16.0, help="the kernel's outputs nbgrader keeps per notebook, in MB").tag(config=True)
    max_seconds = Float(1200.0, help="no cell starts after this many seconds of the notebook's run (each cell "
                        "still has Execute.timeout)").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._tito_output, self._tito_dropped, self._tito_late = 0, False, False
        self._tito_deadline = None  # from its first cell (the kernel's start has nbclient's startup_timeout)
        return super().preprocess(nb, resources, km=km)

    def preprocess_cell(self, cell, resources, index):
        """A code cell starting past max_seconds after the first cell is not run: a notebook of 40 cells each sleeping
        for just under Execute.timeout held autograde (and every submission after it) for 3 hours
        (H61). Its first such cell says so; the points are tito's either way."""
        if getattr(self, "_tito_deadline", 0) is None:
            self._tito_deadline = time.monotonic() + self.max_seconds
        if cell.cell_type == "code" and time.monotonic() > getattr(self, "_tito_deadline", float("inf")):
            if not self._tito_late:
                self._tito_late = True
                cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text=(
                    f"tito: not run, nor the cells after it: the notebook ran for more than {self.max_seconds:g} s\n"))]
            return cell, resources
        return super().preprocess_cell(cell, resources, index)

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content") or {}
        size = len(str(content.get("text") or "")) + len(str(content.get("traceback") or ""))
        size += sum(len(str(value)) for value in (content.get("data") or {}).values()) if isinstance(
            content.get("data"), dict) else len(str(content.get("data") or ""))
        self._tito_output = getattr(self, "_tito_output", 0) + size
        if self._tito_output <= self.max_output_mb * 1024 * 1024:
            return super().output(outs, msg, display_id, cell_index)
        if getattr(self, "_tito_dropped", False):
            return None
        self._tito_dropped = True
        note = nbformat.v4.new_output("stream", name="stderr", text=(
            f"tito: the kernel's outputs past {self.max_output_mb:g} MB for this notebook were dropped\n"))
        outs.append(note)
        return note


def failed(message: str):
    """An error output: nbgrader's determine_grade scores the cell 0."""
    return nbformat.v4.new_output("error", ename=ENAME, evalue=message,
                                  traceback=[f"tito's judge: 0 points. {line}" if index == 0 else line
                                             for index, line in enumerate(message.split("\n"))])


def kernel_output(output):
    """One output of the kernel's run of a graded cell, kept for the reader but not for the score:
    an error or a stderr stream becomes stdout text, an execute_result display data."""
    kind = output.get("output_type")
    if kind == "error":
        trace = "\n".join(output.get("traceback") or [f"{output.get('ename')}: {output.get('evalue')}"])
        return nbformat.v4.new_output("stream", name="stdout",
                                      text=f"[the kernel's run, not graded] {trace}\n")
    if kind == "stream" and output.get("name") != "stdout":
        return nbformat.v4.new_output("stream", name="stdout",
                                      text=f"[the kernel's {output.get('name')}, not graded] {output.get('text', '')}")
    if kind == "execute_result":
        return nbformat.v4.new_output("display_data", data=output.get("data", {}), metadata=output.get("metadata", {}))
    return output

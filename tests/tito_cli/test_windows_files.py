"""The files tito writes, as Windows would write them, tested on Linux by imitating what Windows does differently.

On Windows (Python 3.10-3.14 without UTF-8 mode) a file opened for writing in text mode without
`newline=` turns every '\\n' into '\\r\\n' (os.linesep), and os.path.relpath answers with
backslashes. The generated files must still be the bytes Linux generates: the drift check
(`tito dev check`, tests/integration/test_pipeline.py) compares bytes, and a package file's header
names the file to edit with '/' (nbdev writes its own paths with as_posix()). `windows_files` imitates
both in this process: text-mode writes get Windows' newlines (nbdev's too), and tito's own modules
see Windows' os.path (nbdev computes its paths with pathlib, which keeps '/' in what it writes).
Git's own behaviour on Windows (core.autocrlf) is tests/tito_cli/test_tito_update.py's and
.gitattributes' matter.
"""
from __future__ import annotations

import builtins
import io
import os
import pathlib
import posixpath
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from tito import build, export
from tito_helpers import DEMO, by_number


def _windows_open(real_open):
    def windows_open(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None, closefd=True,
                     opener=None):
        if "b" not in mode and newline is None and any(flag in mode for flag in "wax+"):
            newline = "\r\n"  # what newline=None means when writing on Windows: os.linesep
        return real_open(file, mode, buffering, encoding, errors, newline, closefd, opener)
    return windows_open


@pytest.fixture
def windows_files(monkeypatch):
    windows_open = _windows_open(io.open)
    monkeypatch.setattr(io, "open", windows_open)
    monkeypatch.setattr(builtins, "open", windows_open)
    accessor = getattr(pathlib, "_NormalAccessor", None)  # Python 3.10: Path.open calls the accessor's io.open
    if accessor is not None:
        monkeypatch.setattr(accessor, "open", staticmethod(windows_open))
    windows_path = types.SimpleNamespace(**{name: getattr(os.path, name) for name in dir(os.path)
                                            if not name.startswith("__")})
    windows_path.sep = "\\"
    windows_path.relpath = lambda path, start=os.curdir: posixpath.relpath(path, start).replace("/", "\\")
    windows_os = types.SimpleNamespace(**{name: getattr(os, name) for name in dir(os) if not name.startswith("__")})
    windows_os.path, windows_os.sep = windows_path, "\\"
    for module in (build, export):
        monkeypatch.setattr(module, "os", windows_os, raising=False)  # (build.py uses export.relative_path now)


def test_the_fake_writes_text_as_windows_does(tmp_path, windows_files):
    Path(tmp_path / "a.txt").write_text("x\ny\n", encoding="utf-8")
    with open(tmp_path / "b.txt", "w", encoding="utf-8") as handle:
        handle.write("x\n")
    Path(tmp_path / "c.txt").write_bytes(b"x\n")
    assert [(tmp_path / name).read_bytes() for name in ("a.txt", "b.txt", "c.txt")] == [b"x\r\ny\r\n", b"x\r\n", b"x\n"]
    assert export.os.path.relpath("/a/b/c", "/a/d") == "..\\b\\c"


def _built(module, out: Path) -> dict[str, bytes]:
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in build.build_module(module, out, log=lambda line: None)}


@pytest.mark.parametrize("number", ["00", "09"])  # 09: a lesson with a source that continues it (09b)
def test_regeneration_on_windows_writes_the_bytes_linux_writes(tmp_path, number, request):
    module = DEMO if number == "00" else by_number(number)
    if module is None:
        pytest.skip(f"no module {number}")
    on_linux = _built(module, tmp_path / "linux")
    request.getfixturevalue("windows_files")
    on_windows = _built(module, tmp_path / "windows")
    assert sorted(on_windows) == sorted(on_linux)
    for name, data in on_linux.items():
        assert b"\r" not in on_windows[name], f"{name}: Windows' newlines"
        assert on_windows[name] == data, f"{name}: {on_windows[name][:400]!r}"


def test_a_students_export_on_windows_names_their_notebook_with_slashes(tmp_path, windows_files):
    """`tito export` of the demo module into a package copy: the header says which notebook to edit, with '/'."""
    from tito import notebooks
    nb = notebooks.reference_notebook(DEMO.src)
    edit_me = tmp_path / "modules" / "00_demo" / "00_demo.ipynb"
    written = export.export_notebook(nb, tmp_path / "tinytorch", edit_me=edit_me, target="core.demo")
    data = written[0].read_bytes()
    assert b"\r" not in data
    assert b"File to edit: ../../modules/00_demo/00_demo.ipynb." in data, data[:300]
    assert b"# %% ../../modules/00_demo/00_demo.ipynb #cell-" in data, data[:600]
    assert export.origin(written[0]) == "yours"


@pytest.fixture
def course_on_drive_d(tmp_path, windows_files, monkeypatch):
    """What is under tmp_path/"D" is on drive D:, all else (the temporary folder tito exports in) on C:;
    Windows' relpath has no answer across drives: ValueError('path is on mount ...')."""
    d_root = str(tmp_path / "D")

    def drive(path) -> str:
        path = os.path.abspath(path)
        return "D:" if path == d_root or path.startswith(d_root + "/") else "C:"

    def relpath(path, start=os.curdir):
        if drive(path) != drive(start):
            raise ValueError(f"path is on mount {drive(path)!r}, start on mount {drive(start)!r}")
        return posixpath.relpath(path, start).replace("/", "\\")

    monkeypatch.setattr(export.os.path, "relpath", relpath)
    return tmp_path / "D"


def test_export_and_grade_a_notebook_on_another_drive_than_the_temporary_folder(tmp_path, course_on_drive_d):
    """`tito export` checks the notebook in a scratch copy and `tito grade` exports a submission into one,
    both in the temporary folder: a course or a submission on D: must export all the same."""
    from tito import notebooks
    nb = notebooks.reference_notebook(DEMO.src)
    submission = course_on_drive_d / "modules" / "00_demo" / "00_demo.ipynb"
    text, problem = export.export_module_text(nb, submission, "core.demo", tmp_path / "C" / "staging")
    assert problem is None, problem
    assert b"def total_loops" in text and b"\r" not in text
    assert f"File to edit: {submission.as_posix()}.".encode() in text, text[:300]
    package = tmp_path / "C" / "package"
    (package / "core").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    assert export.export_into_copy(nb, submission, "core.demo", package, tmp_path / "C" / "scratch") is None


# ---- git on Windows: Git for Windows' installer sets core.autocrlf=true, which checks text files out with '\r\n'

COMMITTED = ["modules/09_convolutions/09_convolutions.ipynb", "tinytorch/core/spatial.py",
             "src/09_convolutions/09_convolutions.py", "autograder/gradescope/run_autograder",
             "autograder/gradescope/setup.sh", "docs/figures/09_convolutions.png", "tinytorch/data/digits.csv.gz"]


def test_a_clone_with_autocrlf_checks_out_the_bytes_committed(tmp_path):
    """What a Windows clone gets must be what was committed: a fresh notebook is known by its bytes (`tito status`
    says 'fresh', `tito module start` does not refuse), generated files are compared as bytes (`tito dev check`),
    and the Gradescope zip's shell scripts run on Linux ('$'\\r': command not found' otherwise)."""
    from tito_helpers import ROOT
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    course = tmp_path / "course"
    names = [name for name in [".gitattributes", *COMMITTED] if (ROOT / name).exists()]
    for name in names:
        (course / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, course / name)
    run = dict(capture_output=True, text=True, check=True)
    subprocess.run(["git", "init", "-q", str(course)], **run)
    subprocess.run(["git", "-C", str(course), "add", "."], **run)
    subprocess.run(["git", "-C", str(course), "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q",
                    "-m", "course"], **run)
    subprocess.run(["git", "clone", "-q", "-c", "core.autocrlf=true", str(course), str(tmp_path / "student")], **run)
    changed = [name for name in names if (tmp_path / "student" / name).read_bytes() != (course / name).read_bytes()]
    assert changed == [], f"checked out with other bytes than committed under core.autocrlf=true: {changed}"


# ---- Windows' console encoding: stdout into a pipe or a file is the code page (cp1252), not UTF-8 ----

def test_a_command_whose_output_the_code_page_cannot_write_still_runs(tmp_path, monkeypatch):
    """`!tito export 00` in a notebook, `tito test 09 > log.txt`: on Windows stdout then encodes with the
    code page, which lacks most of the world's letters (a course under C:\\Users\\Łukasz). The command must
    still do its work and say so, escaping what it cannot write, as `tito grade` always did."""
    from tito_helpers import make_repo, tito
    repo = tmp_path / "Łukasz"
    repo.mkdir()
    make_repo(repo, [DEMO])
    monkeypatch.setenv("PYTHONIOENCODING", "cp1252")  # what a pipe gets on a Western European Windows
    result = tito(repo, "export", "00")
    assert result.returncode == 0 and "UnicodeEncodeError" not in result.stderr, result.stdout + result.stderr
    assert "\\u0141ukasz" in result.stdout, result.stdout


def test_what_tito_tests_children_print_reaches_tito_as_written(tmp_path, monkeypatch):
    """`tito export`'s import check and `tito test`'s pytest write into files that tito reads as UTF-8; on Windows
    a child's stdio into a file is the code page's: the student's message 'größe' read back as 'gr��e', and a
    traceback's file under C:\\Users\\Łukasz as '\\u0141ukasz', no longer a file of the package."""
    from tito.grading import processes
    monkeypatch.setenv("PYTHONIOENCODING", "cp1252")  # Windows' default for a file
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    code = processes.run_group([sys.executable, "-c", "import sys; print('gr\\u00f6\\u00dfe'); "
                                "sys.stderr.write('C:\\\\Users\\\\\\u0141ukasz \\u00e9t\\u00e9')"],
                               tmp_path, None, 60, out, err)
    assert code == 0
    assert out.read_text(encoding="utf-8", errors="replace").strip() == "größe"
    assert err.read_text(encoding="utf-8", errors="replace") == "C:\\Users\\Łukasz été"


def test_a_fresh_notebook_checked_out_with_crlf_is_still_fresh(demo_repo):
    """A Windows clone made before the course's .gitattributes (core.autocrlf=true) holds every notebook with
    '\\r\\n': tito status called each untouched one 'started', and tito module start refused to replace it."""
    from tito import paths, workflow
    module = paths.CourseModule(DEMO.number, DEMO.slug, demo_repo)
    notebook = module.student_notebook
    notebook.write_bytes(notebook.read_bytes().replace(b"\n", b"\r\n"))
    assert workflow.status_rows([module], demo_repo / "tinytorch")[0][1] == "fresh"
    said = []
    workflow.start_module(module, log=said.append)
    assert said == ["modules/00_demo/00_demo.ipynb is already a fresh copy; open it in Jupyter and start."], said
    notebook.write_bytes(notebook.read_bytes().replace(b'"source": [', b'"source": [\r\n    "x = 1\\n",', 1))
    assert workflow.status_rows([module], demo_repo / "tinytorch")[0][1] == "started"  # an edit is still an edit

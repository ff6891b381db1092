"""The child sees an allow-list, not a deny-list: with namespaces its whole file system is the
standard library, numpy, the shared libraries they load and its own package copy.

Proved in the three layouts the README documents, each with the same hostile notebook (judge_attacks.
STEAL: it looks for the reference spatial.py, the instructor's src or a classmate's solved notebook
through the install's records, every path /proc names, and a walk from /, and when it finds one raises
"STOLEN: ... <path>" at import, which every item's message then shows):

  * a developer checkout, tinytorch installed editable (the repository holds the venv);
  * Gradescope's: tinytorch installed non-editable, so the reference sits in site-packages;
  * an nbgrader course: source/ and two students' submissions side by side.

Without namespaces the same notebook finds a solved copy (the last test): the search is real, and the
README says the fallback cannot hide files. It gains nothing there either: running what it found would
take importlib, exec or an import of a file it wrote, which tito/grading/tampering.py refuses.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from judge_attacks import STEAL, with_cell
from tito_helpers import ROOT, by_number, write_nb
from tito import cells, notebooks
from tito.grading import judge, processes

MODULE = by_number("09")
pytestmark = pytest.mark.skipif(MODULE is None, reason="module 09 does not exist")
FULL_MARKS = sum(cell.points for cell in cells.graded_cells(MODULE.src)) if MODULE else 0
NAMESPACES = processes.isolation().namespaces


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _in_a_package_named(path: str, names: tuple) -> bool:
    """path is, or lies inside, a Python package of one of these names (a folder holding __init__.py),
    wherever it is installed; a checkout that is itself a folder named tinytorch is not one."""
    here = Path(path)
    return any(part.name in names and (part / "__init__.py").is_file() for part in (here, *here.parents))


def test_the_allow_list_is_the_standard_library_numpy_and_their_shared_libraries():
    stdlib = os.path.dirname(os.__file__)
    numpy_dir = os.path.dirname(np.__file__)
    numpy_libs = os.path.join(os.path.dirname(numpy_dir), "numpy.libs")
    site_packages = {p for p in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}}
    allowed = judge.allowed_paths()
    folders = [path for kind, path in allowed if kind == "dir"]
    assert stdlib in folders and numpy_dir in folders
    for kind, path in allowed:
        assert not _in_a_package_named(path, ("tinytorch", "tito")), path
        for forbidden in ("tinytorch", "tito", "src", "modules", "tests", "milestones"):
            assert not _inside(path, str(ROOT / forbidden)), path
        if kind == "dir":
            assert path in (stdlib, numpy_dir, numpy_libs) or _inside(path, stdlib) or \
                _inside(os.path.realpath(path), os.path.realpath(sys.base_prefix)), path
            assert path not in site_packages, "a whole site-packages folder is shown"
        elif kind == "empty":
            assert os.path.basename(path) in ("site-packages", "dist-packages") and _inside(path, stdlib), path
        else:
            assert ".so" in os.path.basename(path) or path in (
                "/etc/ld.so.cache", sys.executable, os.path.join(sys.prefix, "pyvenv.cfg")), path


def test_a_checkout_inside_the_base_installation_is_no_standard_library_folder(tmp_path, monkeypatch):
    """Round 28's second hunt: `python -m tito grade` (nbgrader's TitoGrade runs it in the checkout) puts the working
    folder first on sys.path, and every sys.path entry inside sys.base_prefix counted as the standard library's: a
    checkout inside the base installation (a container's /usr/local) was shown to every child, references and hidden
    tests included. A stand-in base installation with a checkout and a plain library folder in it."""
    base = tmp_path / "base"
    checkout, library, other_checkout = base / "src" / "course", base / "lib" / "extra", base / "opt" / "course2"
    for folder in (checkout / "tinytorch", library, other_checkout / "tito"):
        folder.mkdir(parents=True)
    monkeypatch.setattr(sys, "base_prefix", str(base))
    monkeypatch.setattr(sys, "path", [str(checkout), str(library), str(other_checkout), *sys.path])
    monkeypatch.chdir(checkout)
    found = judge._stdlib_folders()
    assert str(library) in found
    assert str(checkout) not in found and str(other_checkout) not in found, found


def test_the_shared_objects_looked_up_are_those_the_child_can_import(tmp_path):
    """The standard library's folder holds the base installation's site-packages (shown empty to the
    child): the libraries only its packages link against are not looked up, nor put in the child's root."""
    for name in ("lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so", "lib-dynload/libz.so.1.2",
                 "site-packages/scipy/linalg/_flapack.cpython-311-x86_64-linux-gnu.so",
                 "dist-packages/pkg/thing.so", "__pycache__/odd.so", "lib-dynload/notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "lib-dynload" / "a-folder.so").mkdir()
    found = sorted(Path(path).relative_to(tmp_path).as_posix() for path in judge._extension_objects(str(tmp_path)))
    assert found == ["lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so", "lib-dynload/libz.so.1.2"]


def _grade(python: str, nb_path: Path, report: Path, cwd: Path, env: dict | None = None) -> dict:
    tito = [python, "-m", "tito.main"] if Path(python) == Path(sys.executable) else [str(Path(python).with_name("tito"))]
    run = subprocess.run([*tito, "grade", "09", str(nb_path), "--json", str(report)], cwd=cwd,
                         env=env or dict(os.environ), capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(report.read_text())


def _steal(folder: Path, name: str = "steal.ipynb") -> Path:
    return write_nb(with_cell(notebooks.student_notebook(MODULE.src), STEAL), folder / name)


def _stolen(report: dict) -> list[str]:
    """The messages in which STEAL says it found a solved copy."""
    return [item["message"] for item in report["tests"] if "STOLEN:" in (item["message"] or "")]


needs_namespaces = pytest.mark.skipif(not NAMESPACES, reason="the allow-list needs namespaces (unshare)")


@pytest.mark.slow
@needs_namespaces
def test_developer_checkout_editable_install_the_reference_stays_out_of_reach(tmp_path):
    report = _grade(sys.executable, _steal(tmp_path), tmp_path / "steal.json", ROOT)
    assert report["total"] == 0 and not _stolen(report), report
    assert all(item["status"] == "fail" for item in report["tests"]), report


@pytest.fixture(scope="module")
def non_editable_python(tmp_path_factory) -> str:
    """A venv holding tinytorch installed as Gradescope's setup.sh installs it (not editable), its
    dependencies taken from this venv through a .pth line (no download)."""
    venv = tmp_path_factory.mktemp("gradescope") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # Built from a copy of the working tree's files (building in ROOT would write build/ there).
    copy = venv.parent / "source"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split("\n")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", site, str(copy)], check=True, capture_output=True, timeout=600)
    (venv / "bin" / "tito").write_text(f"#!{python}\nfrom tito.main import main\nraise SystemExit(main())\n")
    (venv / "bin" / "tito").chmod(0o755)
    check = subprocess.run([str(python), "-c", "import tinytorch.core.spatial as s, importlib.metadata as m; "
                            "print(s.__file__); print(m.distribution('tinytorch').locate_file('tinytorch'))"],
                           capture_output=True, text=True, cwd="/", check=True).stdout.split()
    assert all(line.startswith(site) for line in check), check  # the reference lives in site-packages
    return str(python)


@pytest.mark.slow
@needs_namespaces
def test_gradescope_layout_non_editable_install_the_reference_in_site_packages_is_out_of_reach(non_editable_python, tmp_path):
    # run_autograder grades from a copy of the repository (source/tinytorch); the package graded
    # against is the installed one.
    report = _grade(non_editable_python, _steal(tmp_path), tmp_path / "steal.json", ROOT)
    assert report["total"] == 0 and not _stolen(report), report
    reference = write_nb(notebooks.reference_notebook(MODULE.src), tmp_path / "reference.ipynb")
    assert _grade(non_editable_python, reference, tmp_path / "reference.json", ROOT)["total"] == FULL_MARKS


@pytest.mark.slow
@needs_namespaces
def test_nbgrader_layout_classmates_and_source_are_out_of_reach(tmp_path):
    course = tmp_path / "course"
    assignment = MODULE.slug
    source = course / "source" / assignment / f"{assignment}.ipynb"
    alice = course / "submitted" / "alice" / assignment / f"{assignment}.ipynb"
    write_nb(notebooks.reference_notebook(MODULE.src), source)
    write_nb(notebooks.reference_notebook(MODULE.src), alice)
    bob = _steal(course / "submitted" / "bob" / assignment, f"{assignment}.ipynb")
    report = _grade(sys.executable, bob, tmp_path / "bob.json", course)
    assert report["total"] == 0 and not _stolen(report), report
    assert _grade(sys.executable, alice, tmp_path / "alice.json", course)["total"] == FULL_MARKS


@pytest.mark.slow
@needs_namespaces
def test_a_grader_who_is_not_root_gets_the_same_allow_list_in_a_user_namespace(tmp_path):
    """An instructor on a shared server runs tito as an ordinary user: the child's namespaces then come from an
    unprivileged user namespace (no user id of its own). TITO_USER_NAMESPACE=1 takes that mode even as root, so
    this machine proves it: the nbgrader layout's thief finds nothing and an honest classmate gets full marks."""
    course = tmp_path / "course"
    assignment = MODULE.slug
    alice = course / "submitted" / "alice" / assignment / f"{assignment}.ipynb"
    write_nb(notebooks.reference_notebook(MODULE.src), course / "source" / assignment / f"{assignment}.ipynb")
    write_nb(notebooks.reference_notebook(MODULE.src), alice)
    bob = _steal(course / "submitted" / "bob" / assignment, f"{assignment}.ipynb")
    env = dict(os.environ, TITO_USER_NAMESPACE="1")
    run = subprocess.run([sys.executable, "-m", "tito.main", "grade", "09", str(bob), "--json", str(tmp_path / "bob.json")],
                         cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "off: a user id of its own" in run.stdout + run.stderr, "not the user-namespace mode: " + run.stderr
    report = json.loads((tmp_path / "bob.json").read_text())
    assert report["total"] == 0 and not _stolen(report), report
    assert _grade(sys.executable, alice, tmp_path / "alice.json", course, env)["total"] == FULL_MARKS


@pytest.mark.slow
def test_without_namespaces_the_same_notebook_finds_a_solved_copy_the_search_is_real(tmp_path):
    """The fallback cannot hide files (the README says so); this shows STEAL's search works, so the tests
    above that it finds nothing prove the allow-list. It still gains nothing: running what it found would
    need code the tampering rule refuses."""
    env = dict(os.environ, TITO_NO_NAMESPACES="1")
    report = _grade(sys.executable, _steal(tmp_path), tmp_path / "steal.json", ROOT, env)
    assert _stolen(report) and report["total"] == 0, report

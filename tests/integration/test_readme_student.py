"""The README's student section works as written: its bash block, parsed from the README (never
retyped here), runs line by line in a fresh venv in a copy of the repository: the install, the
activation that puts `tito` on PATH, `tito module start 09`, `tito export 09`, `tito test 09`,
`tito status`. The student's editing step (the comment line that says to open the notebook in
Jupyter) is played by copying in a solved notebook.

The install is the README's own line: a real `pip install -e ".[student]"` from the package index
(pip's configured indexes and wheel cache; no network beyond what CI has), so a missing or broken
dependency of the student extra fails here.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tito import notebooks, paths

ROOT = paths.repo_root(Path(__file__).parent)
SKIPPED = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", ".tito", ".pytest_cache", "build",
                                 "backups", ".hypothesis")
EDIT_STEP = "jupyter lab"  # the comment line standing for the student's work in the notebook
RC = "@@ rc="


def student_block(readme: str) -> list[str]:
    """The lines of the first ```bash block of the README's "## Student workflow" section."""
    section = readme.split("\n## Student workflow\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```bash\n(.*?)\n```", section, re.DOTALL)
    assert match, "the Student workflow section has no ```bash block"
    return match.group(1).split("\n")


def command_of(line: str) -> str:
    return line.split("#", 1)[0].strip()


def test_the_student_block_starts_with_the_install_and_activates_before_tito():
    lines = student_block((ROOT / "README.md").read_text(encoding="utf-8"))
    assert command_of(lines[0]) == 'python3 -m venv .venv && .venv/bin/pip install -e ".[student]"', lines[0]
    commands = [command_of(line) for line in lines]
    first_tito = next(i for i, c in enumerate(commands) if c.startswith("tito "))
    assert "source .venv/bin/activate" in commands[:first_tito], commands
    for needed in ("tito module start 09", "tito export 09", "tito test 09", "tito status"):
        assert needed in commands, f"the student block lacks {needed!r}: {commands}"
    assert sum(EDIT_STEP in line and line.lstrip().startswith("#") for line in lines) == 1, lines


def script(lines: list[str], solved: Path) -> str:
    """Each README line verbatim, on its own line, followed by a marker with its exit code."""
    out = []
    for number, line in enumerate(lines):
        out += [f"echo '@@ line {number}'", line, f'echo "{RC}$? line {number}"']
        if EDIT_STEP in line and line.lstrip().startswith("#"):
            out.append(f"cp '{solved}' modules/09_convolutions/09_convolutions.ipynb  # the student's work, solved")
    return "\n".join(out) + "\n"


def outputs_by_line(log: str, count: int) -> dict[int, tuple[int, str]]:
    """line number -> (exit code, what it printed)."""
    found = {}
    for number in range(count):
        chunk = log.split(f"@@ line {number}\n", 1)[1]
        text, rest = chunk.split(RC, 1)
        found[number] = (int(rest.split(" ", 1)[0]), text)
    return found


def clean_env() -> dict[str, str]:
    """The shell a student opens: no venv active, and no `tito` on PATH."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "CI")}
    here = Path(sys.prefix).resolve()
    env["PATH"] = os.pathsep.join(part for part in env.get("PATH", "").split(os.pathsep)
                                  if part and not Path(part).resolve().is_relative_to(here))
    return env


@pytest.mark.slow
def test_the_readme_student_section_runs_verbatim_in_a_fresh_venv(tmp_path):
    course = tmp_path / "course"  # the instructor's repository; the student works in a clone, as the README's students do
    shutil.copytree(ROOT, course, ignore=SKIPPED)
    git = ["git", "-c", "user.name=course", "-c", "user.email=course@example.org"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "the course"]):
        subprocess.run([*git, "-C", str(course), *args], check=True, capture_output=True)
    copy = tmp_path / "tinytorch"
    subprocess.run(["git", "clone", "-q", str(course), str(copy)], check=True)
    module = paths.find_module(copy, "09")
    solved = notebooks.write_notebook(notebooks.reference_notebook(module.src), tmp_path / "solved.ipynb")
    assert solved
    lines = student_block((ROOT / "README.md").read_text(encoding="utf-8"))
    env = clean_env()
    assert subprocess.run(["bash", "-c", "command -v tito"], env=env, cwd=copy).returncode != 0, \
        "tito is on PATH before the install: the test would not show that the README makes it available"

    run = subprocess.run(["bash", "-c", script(lines, tmp_path / "solved.ipynb")], cwd=copy, env=env,
                         capture_output=True, text=True, timeout=1800)
    log = run.stdout + run.stderr
    results = outputs_by_line(run.stdout, len(lines))
    for number, (code, text) in results.items():
        assert code == 0, f"README line {number} `{lines[number]}` exited {code}:\n{text[-4000:]}\n{run.stderr[-3000:]}"
    said = {command_of(lines[n]): text for n, (_, text) in results.items() if command_of(lines[n])}
    # A fresh clone holds the generated notebook already: start says so, or writes it.
    assert re.search(r"(wrote modules/09_convolutions/09_convolutions.ipynb|"
                     r"modules/09_convolutions/09_convolutions.ipynb is already a fresh copy)",
                     said["tito module start 09"]), log[-3000:]
    assert re.search(r"names: .*\bConv2d\b", said["tito export 09"]), said["tito export 09"]
    assert "09_convolutions: PASSED" in said["tito test 09"], said["tito test 09"][-3000:]
    row = next(line for line in said["tito status"].split("\n") if line.startswith("09_convolutions "))
    assert row.split()[1:4] == ["started", "yours", "passed"], said["tito status"]
    assert "the course had no updates" in said["tito update"], said["tito update"]
    assert "exported 09_convolutions again" in said["tito update"], said["tito update"]
    # The student extra's other tools: JupyterLab to open the notebook, matplotlib for the figures.
    venv = copy / ".venv" / "bin"
    assert (venv / "tito").exists() and (venv / "jupyter-lab").exists(), sorted(p.name for p in venv.iterdir())
    tools = subprocess.run([str(venv / "python"), "-c", "import jupyterlab, matplotlib, ipykernel"],
                           capture_output=True, text=True)
    assert tools.returncode == 0, tools.stderr

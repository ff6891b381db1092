"""Every file that a message, a docstring, a comment or a page of the repository cites exists (issue 23:
messages users saw cited `common.md` and `DESIGN.md`, which the repository never had).

A citation is a path with at least one folder (`src/README.md`, `tinytorch/data/digits.csv.gz`). It
must exist in the repository, in the package (`core/spatial.py`), or in the demo repository that
tito's tests build (`tests/00_demo/test_demo.py`). The paths that cannot exist here are named below,
each with the reason: placeholders, a course folder an instructor makes, other systems' paths.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CITATION = re.compile(r"(?<![\w./<~-])((?:[\w-]+/)+[\w-]+(?:\.[\w-]+)*\.(?:md|py|toml|ini|json|ipynb|cfg|sh|csv|gz|npz))\b")

# Where a citation may live: the repository, the package, the demo repository of tito's tests.
BASES = (ROOT, ROOT / "tinytorch", ROOT / "tests" / "helpers" / "fixture_repo")

# Paths that name a pattern, not a file: a module's folder (NN_name), a student, a package path.
PLACEHOLDERS = ("NN_name", "STUDENT", "alice", "NAME", "09_x", "lib_path")
# Folders outside the repository: an nbgrader course an instructor makes (`tito dev release
# --nbgrader COURSE`: COURSE/, source/, release/, submitted/, its jupyter/ kernel), Gradescope's
# machine (/autograder/results/), and scikit-learn's copy of the digits the data README credits.
ELSEWHERE = ("COURSE/", "source/", "release/", "submitted/", "jupyter/kernels/", "root/results/", "sklearn/")

# What is read: everything a user or a contributor reads, code and prose: the messages and docstrings
# of the library, tito and the autograder, the lessons, the pages. Not generated notebooks (their text
# is src/'s, read there), and not the tests, which cite the files they build in temporary folders;
# but the shared test helpers, which the README points contributors to.
READ = ["README.md", "CHANGELOG.md", "pyproject.toml", "settings.ini", ".ci/run"]
FOLDERS = ["src", "tinytorch", "tito", "autograder", "benchmarks", "milestones", "docs", "tests/helpers"]


def files_read() -> list[Path]:
    found = [ROOT / name for name in READ]
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*"):
            relative = path.relative_to(ROOT).as_posix()
            if path.is_file() and path.suffix in (".py", ".md", ".toml", "") and "__pycache__" not in relative:
                found.append(path)
    return found


def citations(text: str) -> set[str]:
    return {match.group(1) for match in CITATION.finditer(text)}


def missing(cited: str) -> bool:
    if any(token in cited for token in PLACEHOLDERS) or cited.startswith(ELSEWHERE):
        return False
    return not any((base / cited).exists() for base in BASES)


def test_the_scan_finds_citations_and_would_report_a_missing_file():
    judge = (ROOT / "tito" / "grading" / "judge.py").read_text(encoding="utf-8")
    assert "src/README.md" in citations(judge)  # the rules for graded test cells, cited by the judge's messages
    sample = "see tinytorch/data/digits.csv.gz and shared/common.md, or src/NN_name/NN_name.py"
    assert citations(sample) == {"tinytorch/data/digits.csv.gz", "shared/common.md", "src/NN_name/NN_name.py"}
    assert [cited for cited in sorted(citations(sample)) if missing(cited)] == ["shared/common.md"]


def test_every_cited_file_exists():
    unknown = {}
    for path in files_read():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for cited in citations(text):
            if missing(cited):
                unknown.setdefault(cited, []).append(path.relative_to(ROOT).as_posix())
    assert not unknown, "cited, but no such file (fix the citation, or name the pattern in this test): " + "; ".join(
        f"{cited} in {', '.join(sorted(where)[:3])}" for cited, where in sorted(unknown.items()))

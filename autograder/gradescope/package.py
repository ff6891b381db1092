"""Build the zip that Gradescope's "Configure Autograder" page takes, for one module:

    python autograder/gradescope/package.py 09 autograder-09.zip [--visibility after_due_date]

At the zip's root: setup.sh and run_autograder (Gradescope's two required files), MODULE (the
module to grade), VISIBILITY (when students see their results: visible, hidden, after_due_date or
after_published; default visible), and tinytorch/, a copy of this repository's files (those git tracks, and new
ones it does not ignore): the instructor's src/ holds the graded cells, and setup.sh installs it.
"""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXECUTABLE = 0o755 << 16  # zip's external attributes: the Unix mode in the high 16 bits
REGULAR = 0o644 << 16


def repository_files(repo: Path) -> list[str]:
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=repo,
                            capture_output=True, text=True, check=True).stdout
    return sorted(name for name in listed.split("\0") if name and (repo / name).is_file())


def _add(archive: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # fixed: the same files give the same zip
    info.external_attr = mode
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def build(module: str, out: Path, repo: Path = REPO, visibility: str = "visible") -> Path:
    """Write the zip to `out`. Listed before `out` is opened, the repository's files never include the
    zip itself, nor an earlier build lying in the checkout (an untracked .zip is build output)."""
    tracked = set(subprocess.run(["git", "ls-files", "--cached", "-z"], cwd=repo, capture_output=True, text=True,
                                 check=True).stdout.split("\0"))
    names = [name for name in repository_files(repo)
             if (repo / name).resolve() != Path(out).resolve() and (name in tracked or not name.endswith(".zip"))]
    with zipfile.ZipFile(out, "w") as archive:
        for script in ("setup.sh", "run_autograder"):  # bash on Gradescope's Linux: '\n' line endings, whatever
            # the checkout has (a Windows clone made under core.autocrlf=true before .gitattributes said eol=lf)
            _add(archive, script, (HERE / script).read_bytes().replace(b"\r\n", b"\n"), EXECUTABLE)
        _add(archive, "MODULE", (module + "\n").encode(), REGULAR)
        _add(archive, "VISIBILITY", (visibility + "\n").encode(), REGULAR)
        for name in names:
            path = repo / name
            _add(archive, f"tinytorch/{name}", path.read_bytes(), EXECUTABLE if path.stat().st_mode & 0o111 else REGULAR)
    return out


if __name__ == "__main__":
    import argparse

    sys.path.insert(0, str(REPO))
    from tito import paths  # the module must exist: checked before anything is written
    from tito.grading.gradescope import VISIBILITIES

    parser = argparse.ArgumentParser(description="Build the zip for Gradescope's Configure Autograder page.")
    parser.add_argument("module", help="module number or name, e.g. 09")
    parser.add_argument("out", type=Path, help="the zip to write, e.g. autograder-09.zip")
    parser.add_argument("--visibility", choices=VISIBILITIES, default="visible",
                        help="when students see their score and items (default visible)")
    args = parser.parse_args()
    found = paths.find_module(REPO, args.module)
    print(f"wrote {build(found.number, args.out, visibility=args.visibility)} (module {found.slug}, results {args.visibility})")

"""Where things live: the repository layout (the README's Layout section), and module lookup."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import tinytorch

MODULE_DIR = re.compile(r"^(\d\d)_([a-z0-9_]+)$")
# A module's further literate sources, after its lesson: src/09_convolutions/09a_fast_path.py and
# 09b_going_further.py (number, a letter, a name). Each is its own notebook; the package file holds
# their exported cells after the lesson's, in the order of their names (09a's, then 09b's).
CONTINUATION = re.compile(r"^(\d\d)[a-z]_[a-z0-9_]+\.py$")


def continuations(src: Path) -> list[Path]:
    """The sources that continue the lesson `src` (src/NN_name/NN_name.py) in its folder, in order:
    src/NN_name/NN<letter>_<name>.py, e.g. 09a_fast_path.py, 09b_going_further.py. Empty for most modules."""
    number = src.name[:2]
    return sorted(path for path in src.parent.glob(f"{number}?_*.py")
                  if CONTINUATION.match(path.name) and path.name[:2] == number and path.is_file())


def package_dir() -> Path:
    """The directory of the tinytorch package that Python imports (editable or installed)."""
    return Path(tinytorch.__file__).resolve().parent


def repo_root(start: Path | None = None) -> Path:
    """The repository holding `settings.ini` and `src/`: searched upwards from `start`
    (default: the working directory), then next to the imported package."""
    candidates = []
    here = (start or Path.cwd()).resolve()
    candidates += [here, *here.parents]
    candidates.append(package_dir().parent)
    for path in candidates:
        if (path / "settings.ini").is_file() and (path / "src").is_dir():
            return path
    raise FileNotFoundError(
        "Could not find the tinytorch repository (a folder with settings.ini and src/) "
        f"above {here} or next to the installed package {package_dir()}. "
        "Run tito from inside your tinytorch checkout."
    )


class UnknownModule(ValueError):
    """A module number or name that matches no src/NN_name/ folder."""


@dataclass(frozen=True)
class CourseModule:
    """One course module (a lesson: src, notebook, tests), e.g. number '09', slug '09_convolutions'.
    Not a Python module, nor tinytorch's `layers.Module`."""

    number: str
    slug: str
    root: Path

    @property
    def src(self) -> Path:
        return self.root / "src" / self.slug / f"{self.slug}.py"

    @property
    def sources(self) -> list[Path]:
        """Every literate source of the module, the lesson (`src`, the graded notebook) first."""
        return [self.src, *continuations(self.src)]

    @property
    def student_notebook(self) -> Path:
        return self.notebook_of(self.src)

    def notebook_of(self, source: Path) -> Path:
        """The student notebook generated from one of the module's sources."""
        return self.root / "modules" / self.slug / f"{Path(source).stem}.ipynb"

    @property
    def student_notebooks(self) -> list[Path]:
        """One notebook per source, the lesson's first."""
        return [self.notebook_of(source) for source in self.sources]

    @property
    def tests(self) -> Path:
        return self.root / "tests" / self.slug


def all_modules(root: Path) -> list[CourseModule]:
    """Every module with a literate source, in course order."""
    found = []
    for path in sorted((root / "src").iterdir()):
        match = MODULE_DIR.match(path.name)
        if match and (path / f"{path.name}.py").is_file():
            found.append(CourseModule(match.group(1), path.name, root))
    return found


def find_module(root: Path, name: str) -> CourseModule:
    """Resolve '9', '09', '09_convolutions' or 'convolutions' to a module."""
    modules = all_modules(root)
    key = name.strip().lower()
    for module in modules:
        if key in (module.number, module.slug, module.slug[3:]) or (key.isdigit() and int(key) == int(module.number)):
            return module
    known = ", ".join(m.slug for m in modules) or "none"
    raise UnknownModule(f"No module {name!r}. Expected a number or name of one of: {known} "
                        "(e.g. 9, 09, convolutions or 09_convolutions).")

"""Writing files that other commands read: never half-written."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (a batch writes from threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it: set and put back at once
    os.umask(mask)
    return mask


def write_atomically(path: Path, text: str, make_folders: bool = False) -> None:
    """Write then rename in the same folder: the file is never half-written, and a reader sees the old
    content or the new one (a report read by an autograder, tito's progress file).

    The file gets the mode any new file gets (0o666 less the umask), not mkstemp's 0o600: a report
    is read by other users (a web server, a TA). Its folder must exist unless make_folders: a report
    path with a typo is an error (FileNotFoundError, NotADirectoryError), not a new folder tree."""
    path = Path(path)
    if make_folders:
        path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomically(path, lambda handle: handle.write(text.encode("utf-8")))


def write_bytes_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """write(handle) fills a temporary file in path's folder, which then replaces path (a PNG drawn
    by matplotlib's savefig, a report's text): the same never-half-written rule and mode as above."""
    path = Path(path)
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.chmod(partial, 0o666 & ~_umask())
        os.replace(partial, path)
    except BaseException:
        try:
            os.unlink(partial)
        except OSError:
            pass
        raise

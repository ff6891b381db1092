"""The student's progress between commands: `.tito/state.json` at the repository root (gitignored).

`tito export` records, per module, a hash of the exported cells it put into the package (or that
it refused them, and why); `tito test` records its last result. `tito test` and `tito status`
compare the notebook's exported cells with the recorded hash, so that a result that belongs to
older code is never shown as the notebook's. A missing or damaged file just means "nothing
recorded yet": progress is a convenience, never needed to grade.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from .files import write_atomically


def state_file(root: Path) -> Path:
    return root / ".tito" / "state.json"


def _valid_test(entry) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("passed"), bool)
            and all(isinstance(entry.get(key), str) for key in ("summary", "tested_at")))


def _valid_export(entry) -> bool:
    """{"hash": str | None (the last export that went in), "at": str, "refused": str | None (why the
    latest attempt was refused), "refused_hash": str | None (the exported cells it refused)}."""
    return (isinstance(entry, dict) and isinstance(entry.get("at"), str)
            and all(entry.get(key) is None or isinstance(entry.get(key), str)
                    for key in ("hash", "refused", "refused_hash")))


def load(root: Path) -> dict:
    """{"modules": {slug: last test}, "exports": {slug: last export}}; damaged parts are dropped."""
    try:
        data = json.loads(state_file(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    data = data if isinstance(data, dict) else {}
    found = {}
    for key, valid in (("modules", _valid_test), ("exports", _valid_export)):
        part = data.get(key)
        found[key] = {slug: entry for slug, entry in part.items() if valid(entry)} if isinstance(part, dict) else {}
    return found


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _save(root: Path, data: dict) -> None:
    write_atomically(state_file(root), json.dumps(data, indent=2, sort_keys=True) + "\n", make_folders=True)


def record_test(root: Path, slug: str, passed: bool, summary: str) -> None:
    data = load(root)
    data["modules"][slug] = {"passed": passed, "summary": summary, "tested_at": _now()}
    _save(root, data)


def record_export(root: Path, slug: str, cells_hash: str) -> None:
    """An export went in. A test result of different code no longer describes the package: dropped."""
    data = load(root)
    previous = data["exports"].get(slug, {}).get("hash")
    if previous != cells_hash:
        data["modules"].pop(slug, None)
    data["exports"][slug] = {"hash": cells_hash, "at": _now(), "refused": None, "refused_hash": None}
    _save(root, data)


def record_refusal(root: Path, slug: str, cells_hash: str | None, reason: str) -> None:
    """An export was refused: the package keeps the last export (its hash stays), the refusal is noted."""
    data = load(root)
    entry = data["exports"].get(slug, {"hash": None})
    data["exports"][slug] = {"hash": entry.get("hash"), "at": _now(), "refused": reason, "refused_hash": cells_hash}
    _save(root, data)

"""The student's progress between commands: `.tito/state.json` at the repository root (gitignored).

Only `tito test` writes it (its last result per module); `tito status` reads it. A missing or
damaged file just means "no results yet": progress is a convenience, never needed to grade.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path


def state_file(root: Path) -> Path:
    return root / ".tito" / "state.json"


def _valid(entry) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("passed"), bool)
            and all(isinstance(entry.get(key), str) for key in ("summary", "tested_at")))


def load(root: Path) -> dict:
    """{"modules": {slug: {"passed", "summary", "tested_at"}}}; damaged parts are dropped."""
    try:
        data = json.loads(state_file(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    modules = data.get("modules") if isinstance(data, dict) else None
    if not isinstance(modules, dict):
        return {"modules": {}}
    return {"modules": {slug: entry for slug, entry in modules.items() if _valid(entry)}}


def record_test(root: Path, slug: str, passed: bool, summary: str) -> None:
    data = load(root)
    data["modules"][slug] = {"passed": passed, "summary": summary,
                             "tested_at": datetime.now().isoformat(timespec="seconds")}
    path = state_file(root)
    path.parent.mkdir(exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(path)

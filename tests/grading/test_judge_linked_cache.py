"""The shared libraries the child's allow-list needs are asked of ldd once per machine, not once per
tito process (about 0.4 s of CPU each): judge._linked_libraries keeps ldd's answer in tito's user
cache, keyed by the interpreter, each extension object's path, size and modification time, and the
loader's cache. These tests run it on real extension objects with the cache in a folder of their own."""
from __future__ import annotations

import json
import os
import stat
import sys

import numpy as np
import pytest

from tito.grading import judge

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd and the allow-list are Linux's")


@pytest.fixture
def objects():
    found = judge._extension_objects(os.path.dirname(np.__file__))[:6]
    assert found, "numpy has extension objects"
    return found


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "tito"


def _no_ldd(objects):
    raise AssertionError("ldd was asked again")


def test_the_second_process_reads_what_the_first_asked_ldd(objects, cache_home, monkeypatch):
    first = judge._linked_libraries(objects)
    assert first and all(os.path.isabs(lib) for lib in first), first
    (written,) = cache_home.iterdir()
    assert sorted(json.loads(written.read_text())) == sorted(first)
    assert stat.S_IMODE(cache_home.stat().st_mode) == 0o700 and stat.S_IMODE(written.stat().st_mode) == 0o600
    monkeypatch.setattr(judge, "_ldd", _no_ldd)
    assert judge._linked_libraries(objects) == first


def test_a_changed_object_or_a_damaged_cache_asks_ldd_again(objects, cache_home, tmp_path, monkeypatch):
    judge._linked_libraries(objects)
    asked = []
    monkeypatch.setattr(judge, "_ldd", lambda objs: asked.append(list(objs)) or {"/lib/from-ldd.so"})
    copy = tmp_path / "copy.so"
    copy.write_bytes(open(objects[0], "rb").read())
    changed = [str(copy), *objects[1:]]
    assert judge._linked_libraries(changed) == {"/lib/from-ldd.so"} and len(asked) == 1
    os.utime(copy, ns=(copy.stat().st_atime_ns, copy.stat().st_mtime_ns + 10**9))   # the same path, rebuilt
    assert judge._linked_libraries(changed) == {"/lib/from-ldd.so"} and len(asked) == 2
    for damaged in ("{not json", json.dumps({"a": 1}), json.dumps(["relative/lib.so"]), json.dumps([3])):
        for path in cache_home.iterdir():
            path.write_text(damaged)
        assert judge._linked_libraries(objects) == {"/lib/from-ldd.so"}, damaged
    assert len(asked) == 6


def test_an_unwritable_cache_still_gives_the_libraries(objects, tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))   # a file where the folder would go
    assert judge._linked_libraries(objects) == judge._ldd(objects)

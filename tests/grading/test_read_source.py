"""notebooks.read_source parses each text once per process: the notebooks it returns are the
caller's own, and an edited source is read again. notebooks.shared_source gives the parse itself,
the same object to every caller (for callers that only read), with the same cells."""
from __future__ import annotations

import jupytext

from tito import notebooks

SOURCE = '''# %% [markdown]
# # A lesson

# %%
#| export
def add(a, b):
    return a + b
'''


def test_each_call_returns_a_notebook_of_its_own(tmp_path):
    path = tmp_path / "lesson.py"
    path.write_text(SOURCE, encoding="utf-8")
    first = notebooks.read_source(path)
    first.cells[1].source = "edited"
    first.cells.append(first.cells[0])
    second = notebooks.read_source(path)
    assert len(second.cells) == 2 and "def add(a, b):" in second.cells[1].source


def test_the_shared_parse_is_one_object_that_copies_leave_alone(tmp_path):
    path = tmp_path / "lesson.py"
    path.write_text(SOURCE, encoding="utf-8")
    shared = notebooks.shared_source(path)
    assert notebooks.shared_source(path) is shared
    copy = notebooks.read_source(path)
    assert copy == shared and copy is not shared and copy.cells[1] is not shared.cells[1]
    copy.cells[1].source = "edited"
    assert "def add(a, b):" in notebooks.shared_source(path).cells[1].source
    path.write_text(SOURCE.replace("a + b", "a - b"), encoding="utf-8")
    assert "a - b" in notebooks.shared_source(path).cells[1].source and "a + b" in shared.cells[1].source


def test_an_edited_source_is_read_again(tmp_path):
    path = tmp_path / "lesson.py"
    path.write_text(SOURCE, encoding="utf-8")
    assert "a + b" in notebooks.read_source(path).cells[1].source
    path.write_text(SOURCE.replace("a + b", "a - b"), encoding="utf-8")  # same size, maybe the same mtime
    assert "a - b" in notebooks.read_source(path).cells[1].source


def test_windows_line_endings_read_as_jupytext_reads_them(tmp_path):
    unix, windows = tmp_path / "unix.py", tmp_path / "windows.py"
    unix.write_text(SOURCE, encoding="utf-8")
    windows.write_bytes(SOURCE.replace("\n", "\r\n").encode("utf-8"))
    assert notebooks.read_source(windows) == notebooks.read_source(unix)
    assert [c.source for c in notebooks.read_source(windows).cells] == [
        c.source for c in jupytext.read(windows, fmt="py:percent").cells]

"""tito/startup.py: no tito process builds rfc3987_syntax's grammar at start-up, and jsonschema's
"iri" checks answer as they do without tito (the grammar is built on their first use)."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import types

import pytest

from tito import startup

INSTALLED = importlib.util.find_spec(startup.NAME) is not None

# (format, value): valid and invalid IRIs, and an IRI reference with a space (invalid)
SAMPLES = [("iri", "http://example.com/a"), ("iri", "not an iri :: //"), ("iri", "https://例え.jp/パス?q=1"),
           ("iri-reference", "../relative/path#frag"), ("iri-reference", "http://ex.com/a b")]

PROBE = f"""
import json, sys
FIRST
import nbformat, jsonschema
loaded = "rfc3987_syntax.syntax_helpers" in sys.modules
checker = jsonschema.FormatChecker()
answers = [checker.conforms(value, form) if form in checker.checkers else None for form, value in {SAMPLES!r}]
print(json.dumps({{"loaded_before_use": loaded, "answers": answers}}))
"""


def probe(first: str, script: str = PROBE) -> dict:
    """What `script` prints (JSON) in a fresh interpreter, with `first` run before it."""
    result = subprocess.run([sys.executable, "-c", script.replace("FIRST", first)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.skipif(not INSTALLED, reason="rfc3987_syntax is not installed here: no process builds its grammar, "
                                          "with tito or without (test_nothing_stands_in_... covers that case)")
def test_a_tito_process_imports_nbformat_without_building_the_grammar():
    with_tito = probe("import tito.main")
    assert with_tito["loaded_before_use"] is False, "importing tito, then nbformat, built rfc3987_syntax's parser"


@pytest.mark.skipif(not INSTALLED, reason="rfc3987_syntax is not installed here, so jsonschema never imports it: "
                                          "nothing to defer (test_nothing_stands_in_... covers that case)")
def test_the_iri_checks_answer_as_without_tito():
    without = probe("")
    assert without["loaded_before_use"] is True  # what tito saves: jsonschema builds the grammar on import
    with_tito = probe("import tito.main")
    assert with_tito["answers"] == without["answers"] == [True, False, True, True, False]


@pytest.mark.skipif(not INSTALLED, reason="rfc3987_syntax is not installed here: nothing stands in for it")
def test_the_first_call_imports_the_package_once(monkeypatch):
    for name in [name for name in sys.modules if name.split(".")[0] == startup.NAME]:
        monkeypatch.delitem(sys.modules, name)
    startup.defer_rfc3987_syntax()
    stand_in = sys.modules[startup.NAME]
    assert stand_in.is_valid_syntax("iri", "http://example.com/a") is True
    real = sys.modules[startup.NAME]
    assert real is not stand_in and real.__file__ == importlib.util.find_spec(startup.NAME).origin
    assert stand_in.is_valid_syntax("iri", "not an iri :: //") is False
    assert sys.modules[startup.NAME] is real  # later calls use the package imported, never import it again


def test_nothing_stands_in_for_a_package_that_is_not_installed(monkeypatch):
    monkeypatch.delitem(sys.modules, startup.NAME, raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    startup.defer_rfc3987_syntax()
    assert startup.NAME not in sys.modules  # jsonschema's `import rfc3987_syntax` fails as it would without tito


@pytest.mark.skipif(not INSTALLED, reason="rfc3987_syntax is not installed here: nothing stands in for it")
def test_the_stand_in_says_where_the_package_is(monkeypatch):
    monkeypatch.delitem(sys.modules, startup.NAME, raising=False)
    real = importlib.util.find_spec(startup.NAME)
    startup.defer_rfc3987_syntax()
    assert importlib.util.find_spec(startup.NAME).origin == real.origin  # what pytest and importlib ask before importing


def test_an_imported_package_is_left_as_it_is(monkeypatch):
    real = types.ModuleType(startup.NAME)
    monkeypatch.setitem(sys.modules, startup.NAME, real)
    startup.defer_rfc3987_syntax()
    assert sys.modules[startup.NAME] is real


SERVER_INSTALLED = importlib.util.find_spec("jupyter_server") is not None
CONTENTS_MANAGERS = list(startup.JUPYTEXT_CONTENTS_MANAGERS)
JUPYTEXT_PROBE = f"""
import json, sys
FIRST
import jupytext
loaded = sorted(name for name in {CONTENTS_MANAGERS + ["jupyter_server"]!r} if name in sys.modules)
text = jupytext.writes(jupytext.reads("# %%\\nx = 1\\n", fmt="py:percent"), fmt="py:percent")
import jupytext.sync_contentsmanager as later
print(json.dumps({{"loaded": loaded, "text": text, "later": later.TextFileContentsManager.__name__}}))
"""


@pytest.mark.skipif(not SERVER_INSTALLED, reason="jupyter_server is not installed here, so jupytext cannot import its "
                                                 "contents managers with tito or without: nothing to skip")
def test_a_tito_process_imports_jupytext_without_its_contents_managers_and_can_still_import_them_later():
    without = probe("", JUPYTEXT_PROBE)
    assert without["loaded"] == sorted(CONTENTS_MANAGERS + ["jupyter_server"])  # what tito saves
    with_tito = probe("import tito.main", JUPYTEXT_PROBE)
    assert with_tito["loaded"] == []
    assert with_tito["text"] == without["text"]          # reads and writes as before
    assert with_tito["later"] == without["later"] == "SyncJupytextContentsManager"  # an explicit import still works


def test_the_contents_managers_are_skipped_only_while_jupytext_is_being_imported():
    finder = startup._SkipContentsManagers()
    assert finder.find_spec("jupytext.sync_contentsmanager") is None      # jupytext imported already, or not at all
    assert finder.find_spec("jupytext.formats") is None
    spec = types.SimpleNamespace(_initializing=True)
    module = types.ModuleType("jupytext")
    module.__spec__ = spec
    saved = sys.modules.get("jupytext")
    sys.modules["jupytext"] = module
    try:
        with pytest.raises(ImportError, match="not imported by tito"):
            finder.find_spec("jupytext.async_contentsmanager")
        assert finder.find_spec("jupytext.formats") is None              # only the two contents managers
        spec._initializing = False
        assert finder.find_spec("jupytext.sync_contentsmanager") is None
    finally:
        if saved is None:
            del sys.modules["jupytext"]
        else:
            sys.modules["jupytext"] = saved


COMMAND_PROBE = """
import json, sys
import tito.main
tito.main.build_parser().parse_args(ARGS)
FIRST
heavy = ("nbformat", "jupytext", "numpy", "tito.grading.judge", "tito.grading.grade", "tito.workflow")
print(json.dumps({"loaded": sorted(name for name in heavy if name in sys.modules)}))
"""


@pytest.mark.parametrize("args", [["help"], ["--help"], ["grade", "09", "x.ipynb", "--gradescope-visibility", "hidden"],
                                  ["dev", "release", "--nbgrader", "course"]])
def test_reading_the_command_line_imports_neither_the_judge_nor_nbformat(args):
    """Each command imports what it runs when it runs: `tito help`, and a typo in any command, answer
    without loading the grader (numpy, the rules), nbformat or jupytext."""
    script = COMMAND_PROBE.replace("ARGS", repr(args)) if args[0] != "--help" else COMMAND_PROBE.replace(
        "tito.main.build_parser().parse_args(ARGS)", "tito.main.build_parser()")
    assert probe("", script)["loaded"] == []


def test_the_student_commands_import_no_judge():
    """`tito export`, `tito status` and `tito module start` (tito.workflow) import the judge only to run checks."""
    loaded = probe("import tito.workflow", COMMAND_PROBE.replace("tito.main.build_parser().parse_args(ARGS)", ""))
    assert [name for name in loaded["loaded"] if name.startswith("tito.grading")] == []

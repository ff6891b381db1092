"""Every notebook gets a report, and tito's own limits hold (issue 20: item 5, "Limits bound tito too").

Whatever a submission does, `tito grade` prints a printable table (no escape sequence, NUL, BEL or
lone surrogate reaches the terminal), with every failing item's full message below it, writes every
report it was asked for (--json, --gradescope, --junit; items that could not run at 0 with the
reason), and exits 0 whenever it could read the notebook (2, with the reports, when it could not).
The child's replies are bounded in size and count, the judge's own memory is bounded, and reading
and exporting the notebook counts against --total-timeout.

The attacks (each one exported cell) used to end grading with no report at all: a module-level dict
whose key's __hash__ raises on its second call, an exception message holding a lone surrogate, an
expression of 200,000 terms, an exception type whose constructor takes other arguments than a message
(UnicodeDecodeError at import); escape codes in a message reached the table raw. The slow tests grade
each through the real command line next to the same notebook without the attack.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest

from judge_attacks import with_cell
from tito_helpers import DEMO, ROOT, by_number, hang, write_nb
from tito import cells, main, notebooks, paths, tables
from tito.grading import grade, gradescope, judge, junit, remote, wire
from tito.grading.limits import MIB, JSON_WEIGHT, Limits, replies_memory_mb

MODULE = by_number("09")
POINTS = {cell.cell_id: cell.points for cell in cells.graded_cells(MODULE.src)} if MODULE else {}
needs_09 = pytest.mark.skipif(MODULE is None, reason="module 09 does not exist")
REPORTS = ("json", "gradescope", "junit")


def printable_output(text: str) -> bool:
    return all(ch.isprintable() or ch == "\n" for ch in text)


def read_reports(folder: Path, name: str) -> dict:
    """Every report format as parsed: each must exist and parse."""
    return {"json": json.loads((folder / f"{name}.json").read_text(encoding="utf-8")),
            "gradescope": json.loads((folder / f"{name}.results.json").read_text(encoding="utf-8")),
            "junit": ET.parse(folder / f"{name}.xml").getroot()}


def report_args(folder: Path, name: str) -> list[str]:
    return ["--json", str(folder / f"{name}.json"), "--gradescope", str(folder / f"{name}.results.json"),
            "--junit", str(folder / f"{name}.xml")]


# ---------------------------------------------------------------- printing and report files

@pytest.mark.parametrize("raw, shown", [("a\x1b[2Kb", "a\\x1b[2Kb"), ("\x00\x07\r\t", "\\x00\\x07\\r\\t"),
                                        ("\ud800", "\\ud800"), ("\u202eevil", "\\u202eevil"), ("\x85\u2028", "\\x85\\u2028"),
                                        ("zoë ✓ 中文 (x) \\x1b", "zoë ✓ 中文 (x) \\x1b")])
def test_printable_escapes_what_a_terminal_would_obey_and_keeps_text(raw, shown):
    assert tables.printable(raw) == shown
    assert tables.printable(shown) == shown
    assert tables.printable("a\nb", newlines=True) == "a\nb" and tables.printable("a\nb") == "a\\nb"


FAKE_TOTAL = "\x1b[2K\r\x1b[1Atotal                            48/48\x07\x00 \ud800"


def hostile_report() -> grade.Report:
    long = "ValueError: " + FAKE_TOTAL + " " + "x" * 200 + " END"
    return grade.Report("09_convolutions", "/tmp/a\x1b[31m.ipynb", [
        grade.Item("test-a", 3, 0, "fail", long, 0.5), grade.Item("test-b", 2, 2, "pass", "", 0.5),
        grade.Item("test-c", 4, 0, "error", "line one\nline two\x1b[0m", 0.5)])


def test_the_table_is_printable_keeps_rows_short_and_prints_full_messages_below():
    report = hostile_report()
    text = grade.format_report(report)
    assert printable_output(text), text
    text.encode("utf-8")  # no lone surrogate: printing cannot fail
    assert len(re.findall(r"^total", text, re.MULTILINE)) == 1, text
    row = next(line for line in text.split("\n") if line.startswith("test-a"))
    assert len(row) < 120 and row.endswith("..."), row
    below = text.split("Messages in full:")[1]
    assert "  test-a (fail): " + grade.clean(report.items[0].message) in below, below
    assert below.rstrip().endswith("line two\\x1b[0m") and "\n      line two" in below, below
    assert "test-b" not in below  # a passing item has no message to show


def test_every_report_file_holds_the_message_escaped_and_parses(tmp_path):
    report = hostile_report()
    grade.write_json(report, tmp_path / "r.json")
    gradescope.write(report, tmp_path / "r.results.json", 1.0)
    junit.write(report, tmp_path / "r.xml", 1.0)
    for name in ("r.json", "r.results.json", "r.xml"):
        assert printable_output((tmp_path / name).read_text(encoding="utf-8")), name
    reports = read_reports(tmp_path, "r")
    escaped = grade.clean(report.items[0].message)
    assert reports["json"]["tests"][0]["message"] == escaped == reports["gradescope"]["tests"][0]["output"]
    assert reports["junit"].find("testsuite/testcase[@name='test-a']/failure").text == escaped
    assert "\\x1b" in escaped and "\\ud800" in escaped and escaped.endswith(" END")


def test_a_huge_message_is_cut_in_the_report():
    text = grade.clean("y" * 10 ** 6)
    assert len(text) <= grade.MESSAGE_MAX and text.endswith("(1000000 characters in all)")


# ---------------------------------------------------------------- the judge's own code, against what the child sends

def test_syntax_check_describes_what_python_cannot_compile_instead_of_raising():
    nb = notebooks.student_notebook(DEMO.src)
    nb.cells.append(nbformat.v4.new_code_cell("#| export\n_x = " + "+".join(["1"] * 200_000)))
    message = cells.syntax_error(nb)
    assert f"cell {len(nb.cells)} of {len(nb.cells)}" in message and "RecursionError" in message, message
    nb.cells[-1].source = '#| export\n_x = "a\x00b"'
    message = cells.syntax_error(nb)
    assert f"cell {len(nb.cells)} of" in message and "null" in message and "line None" not in message, message


@pytest.mark.parametrize("err", [
    {"type": "UnicodeDecodeError", "builtin": "UnicodeDecodeError", "msg": "bad"},
    {"type": "ExceptionGroup", "builtin": "ExceptionGroup", "msg": "two"},
    {"type": "MyDecodeError", "builtin": "UnicodeDecodeError", "msg": "mine"}])
def test_a_remote_exception_whose_type_takes_other_arguments_still_arrives(err):
    error = remote.remote_exception(err)
    assert isinstance(error, Exception) and type(error).__name__ == err["type"]
    assert judge.describe(error).startswith(f"{err['type']}: {err['msg']}")


def test_describe_survives_an_exception_whose_message_cannot_be_shown():
    class Hostile:
        def __repr__(self):
            raise ValueError("no repr")
    assert judge.describe(KeyError(Hostile())).startswith("KeyError: (its message could not be shown: ValueError)")


class HashOnce:
    hashed = 0

    def __hash__(self):
        HashOnce.hashed += 1
        if HashOnce.hashed > 1:
            raise ValueError("second hash")
        return 1


BAD_VALUES = [
    ({"$": "l", "v": [{"$": "b", "i": 0}, {"$": "b", "i": 0}]}, [bytearray(8)], "used already"),   # one buffer, two copies
    ({"$": "a", "i": 0, "dt": "<f8", "sh": [2 ** 32, 2 ** 32]}, [bytearray(0)], "sent with 0 bytes"),  # wraps in int64
    ({"$": "a", "i": 0, "dt": "<f8", "sh": [2 ** 61, 2 ** 61, 0]}, [bytearray(0)], "numpy cannot make"),
    ({"$": "a", "i": 0, "dt": "S0", "sh": [2 ** 40]}, [bytearray(0)], "not plain data"),
    ({"$": "c", "re": 10 ** 400, "im": 0.0}, [], "complex"),
    ({"$": "zz" * 10 ** 5}, [], "unknown value tag"),
    ({"$": "d", "k": [{"$": "r", "id": 1}], "v": [1]}, [], "unhashable key"),
]


@pytest.mark.parametrize("data, buffers, message", BAD_VALUES, ids=[m for _, _, m in BAD_VALUES])
def test_decode_refuses_hostile_values_with_a_short_protocol_error(data, buffers, message):
    HashOnce.hashed = 1  # the child hashed it once already, building its dict
    with pytest.raises(wire.ProtocolError, match=message) as caught:
        wire.decode(data, buffers, lambda tag: HashOnce())
    assert len(str(caught.value)) < 300


class FakeChild:
    """The judge's end of a channel whose child only writes the replies given: (header, buffers), or
    raw bytes. A thread feeds the pipe, then closes its end."""

    def __init__(self, limits: Limits, replies, seconds: float = 10):
        self.request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        self.conn = remote.Connection(request_write, reply_read, time.monotonic() + seconds, lambda name: None, limits)
        self.fds = [self.request_read, request_write, reply_read]
        threading.Thread(target=self._feed, args=(reply_write, replies), daemon=True).start()

    @staticmethod
    def _feed(fd: int, replies):
        try:
            for reply in replies:
                if isinstance(reply, bytes):
                    os.write(fd, reply)
                else:
                    wire.write_message(fd, *reply)
        except OSError:
            pass  # the judge closed its end
        finally:
            os.close(fd)

    def read_all(self) -> None:
        try:
            while True:
                self.conn.read()
        finally:
            for fd in self.fds:
                os.close(fd)


@pytest.mark.parametrize("limits, replies, allowed, flag", [
    (Limits(replies=50), (({"ok": 1}, []) for _ in range(10 ** 6)), 50, "--replies"),
    (Limits(replies_mb=3), (({"ok": 1}, [b"x" * MIB]) for _ in range(10 ** 6)), 2, "--replies-mb"),
    (Limits(reply_mb=1), [({"ok": 1}, [b"x" * (MIB // 2)]), ({"ok": 1}, [b"x" * (2 * MIB)])], 1, "--reply-mb"),
    (Limits(reply_mb=1), [({"ok": "y" * (MIB // JSON_WEIGHT + 100)}, [])], 0, "--reply-mb"),  # JSON weighs more
], ids=["count", "total", "one-reply", "json"])
def test_replies_over_a_limit_stop_the_child_and_name_the_limit(limits, replies, allowed, flag):
    child = FakeChild(limits, replies)
    with pytest.raises(remote.ChildGone) as gone:
        child.read_all()
    message = str(gone.value)
    assert message.startswith(remote.STOPPED) and f"(raise it with {flag})" in message, message
    assert child.conn.count == allowed + 1  # the refused reply is counted, never read


def test_a_reply_over_the_limit_is_refused_before_its_bytes_arrive():
    """A header declaring 1 GiB of buffers, and nothing after it: refused at once, nothing allocated."""
    header = json.dumps({"ok": 1, "buffers": [2 ** 29]}).encode()
    started = time.monotonic()
    child = FakeChild(Limits(), [len(header).to_bytes(4, "big") + header, b"x"])
    with pytest.raises(remote.ChildGone, match="reply size limit of 64 MiB"):
        child.read_all()
    assert time.monotonic() - started < 1


# ---------------------------------------------------------------- time limits

@pytest.mark.slow
def test_a_per_item_timeout_says_so_and_a_total_one_says_so(tmp_path):
    """The message named the total limit for every timeout: its deadline was set a moment before the
    item started, so the item's time was always a hair under --timeout."""
    nb = hang(notebooks.reference_notebook(DEMO.src), "total_loops")
    path = write_nb(nb, tmp_path / "hang.ipynb")
    own = grade.grade_submission(DEMO, path, paths.package_dir(), Limits(per_test=5, total=120, jobs=2))
    assert [i.status for i in own.items[1:]] == ["timeout", "timeout"], grade.format_report(own)
    assert all("(its time limit of 5 s, --timeout)" in i.message for i in own.items[1:]), grade.format_report(own)
    total = grade.grade_submission(DEMO, path, paths.package_dir(), Limits(per_test=100, total=12, jobs=1))
    assert [i.status for i in total.items[1:]] == ["timeout", "timeout"], grade.format_report(total)
    assert "(the total time limit, --total-timeout)" in total.items[1].message, grade.format_report(total)
    assert total.items[2].message == "not run: the total time limit of 12 s was reached (raise it with --total-timeout)"


def huge_notebook(path: Path, cells_count: int) -> Path:
    """The demo's blank notebook and `cells_count` exported one-line cells, written as JSON directly
    (nbformat would validate every cell while building it, which is the slow part being tested)."""
    data = json.loads(notebooks.notebook_bytes(notebooks.student_notebook(DEMO.src)))
    data["cells"] += [{"cell_type": "code", "execution_count": None, "id": f"x{i}", "metadata": {}, "outputs": [],
                       "source": f"#| export\n_v{i} = {i}"} for i in range(cells_count)]
    path.write_text(json.dumps(data))
    return path


@pytest.mark.slow
def test_reading_and_exporting_counts_against_the_total_timeout(tmp_path):
    path = huge_notebook(tmp_path / "huge.ipynb", 40_000)  # about 35 s to read and export
    started = time.monotonic()
    report = grade.grade_submission(DEMO, path, paths.package_dir(), Limits(total=4))
    elapsed = time.monotonic() - started
    assert elapsed < 4 + 2, f"{elapsed:.1f} s"
    assert report.total == 0 and {i.status for i in report.items} == {"timeout"}, grade.format_report(report)
    assert "took longer than the total time limit of 4 s (raise it with --total-timeout)" in report.error


# ---------------------------------------------------------------- the command line: a report, whatever the notebook

@needs_09
@pytest.mark.parametrize("content", [b"this is not JSON", b'{"cells": 3}', None], ids=["not-json", "not-a-notebook", "missing"])
def test_a_notebook_that_cannot_be_read_gets_every_report_and_exit_code_2(content, tmp_path, capsys):
    path = tmp_path / "bad.ipynb"
    if content is not None:
        path.write_bytes(content)
    code = main.main(["grade", "09", str(path), *report_args(tmp_path, "bad")])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert "No notebook at" in err if content is None else "not a readable Jupyter notebook" in err
    reports = read_reports(tmp_path, "bad")
    items = {cell.cell_id: cell.points for cell in cells.graded_cells(MODULE.src)}
    assert {t["id"]: t["points_possible"] for t in reports["json"]["tests"]} == items
    assert reports["json"]["total"] == reports["gradescope"]["score"] == 0 and reports["json"]["error"]
    assert all(t["score"] == 0 and "not graded" in t["output"] for t in reports["gradescope"]["tests"])
    assert "not graded" in reports["gradescope"]["output"]
    assert int(reports["junit"].find("testsuite").get("errors")) == len(items)
    assert re.search(rf"^total\s+0/{sum(items.values()):g}$", out, re.MULTILINE) and printable_output(out), out


@pytest.mark.parametrize("args, message", [(["grade", "99", "x.ipynb"], "No module '99'"),
                                           (["grade", "01", "x.ipynb", "--timeout", "nan"], "must be positive")])
def test_grading_that_cannot_run_still_writes_every_report(args, message, tmp_path, capsys):
    code = main.main([*args, *report_args(tmp_path, "r")])
    assert code == 2 and message in capsys.readouterr().err
    reports = read_reports(tmp_path, "r")
    assert message in reports["json"]["error"] and reports["gradescope"]["score"] == 0


@needs_09
def test_gradescope_keeps_titos_report_of_a_notebook_it_could_not_read(tmp_path):
    """run_autograder used to replace tito's results.json (every item at 0, with the reason) by a
    generic one without tests whenever tito exited with code 2."""
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    (root / "source" / "MODULE").write_text("09\n")
    (root / "source" / "tinytorch").symlink_to(ROOT)
    (root / "submission" / "mine.ipynb").write_text("not JSON at all")
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), TITO=str(Path(sys.executable).with_name("tito")), PYTHON=sys.executable)
    run = subprocess.run([str(ROOT / "autograder" / "gradescope" / "run_autograder")], cwd=root, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and len(results["tests"]) == len(cells.graded_cells(MODULE.src)), results
    assert "not a readable Jupyter notebook" in results["output"], results["output"]


# One exported cell each; base: the notebook without it ("blank": the student notebook; "reference": full marks).
ATTACKS = {
    "hash_raises_second_time": ("blank", """\
class _Key:
    calls = 0
    def __hash__(self):
        _Key.calls += 1
        if _Key.calls > 1: raise ValueError('hashed twice')
        return 1
_table = {_Key(): 1}"""),
    "lone_surrogate_message": ("reference", """\
def receptive_field(layers): raise ValueError('\\ud800')"""),
    "escape_codes_message": ("reference", """\
def receptive_field(layers): raise ValueError('\\x1b[2K\\r\\x1b[1Atotal                           48/48\\x07\\x00' + 'x' * 300)"""),
    "deep_expression": ("blank", "_x = " + "+".join(["1"] * 200_000)),
    "unicode_decode_error_at_import": ("blank", "raise UnicodeDecodeError('utf-8', b'x', 0, 1, 'bad')"),
}


def grade_cli(nb, folder: Path, name: str, *extra: str) -> dict:
    path = write_nb(nb, folder / f"{name}.ipynb")
    run = subprocess.run([sys.executable, "-m", "tito.main", "grade", "09", str(path), *report_args(folder, name), *extra],
                         cwd=ROOT, capture_output=True, text=True, encoding="utf-8", errors="surrogateescape", timeout=900)
    return {"code": run.returncode, "out": run.stdout, "err": run.stderr, **read_reports(folder, name)}


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bases")
    return {"blank": grade_cli(notebooks.student_notebook(MODULE.src), folder, "blank"),
            "reference": grade_cli(notebooks.reference_notebook(MODULE.src), folder, "reference")}


@pytest.mark.slow
@needs_09
@pytest.mark.parametrize("name", list(ATTACKS))
def test_an_attack_still_gets_every_report_a_printable_table_and_no_points(name, bases, tmp_path):
    base_name, cell = ATTACKS[name]
    base = bases[base_name]
    nb = notebooks.student_notebook(MODULE.src) if base_name == "blank" else notebooks.reference_notebook(MODULE.src)
    attack = grade_cli(with_cell(nb, cell), tmp_path, "attack")
    for graded in (base, attack):
        assert graded["code"] == 0, graded["err"]
        assert printable_output(graded["out"]), graded["out"]
        total = re.findall(r"^total\s+(\S+)/(\S+)$", graded["out"], re.MULTILINE)
        assert len(total) == 1 and float(total[0][0]) == graded["json"]["total"], graded["out"]
        assert graded["json"]["total"] == graded["gradescope"]["score"]
        assert graded["junit"].find("testsuite/properties/property[@name='score']").get("value") == f"{graded['json']['total']:g}"
    assert attack["json"]["total"] <= base["json"]["total"], attack["out"]
    if base_name == "reference":  # the attack costs exactly the item it hits
        assert attack["json"]["total"] == base["json"]["total"] - POINTS["test-receptive-field"], attack["out"]
        assert "test-receptive-field (fail): test_unit_receptive_field: ValueError: " in attack["out"]
    if name == "escape_codes_message":  # the full message, escaped, below the table
        assert "\\x1b[2K \\x1b[1Atotal 48/48\\x07\\x00" + "x" * 200 in attack["out"].split("Messages in full:")[1]


# ---------------------------------------------------------------- reply limits, end to end

GENERATORS = """\
import numpy as _n
class _Endless:
    def __iter__(self):
        while True: yield _n.ones(60 * 2 ** 17)   # 60 MiB each
class _Weight:
    requires_grad = True
    shape = _Endless()
class Conv2d:
    def __init__(self, *args, **kwargs): self.weight = _Weight()
def receptive_field(layers): return _Endless()"""


def judge_peak_mb(command: list[str]) -> tuple[subprocess.CompletedProcess, float]:
    """Run `command`; the peak resident memory of that process alone (VmHWM), in MiB."""
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, out = 0, {}
    readers = [threading.Thread(target=lambda name=name, s=s: out.__setitem__(name, s.read()), daemon=True)
               for name, s in (("out", proc.stdout), ("err", proc.stderr))]
    for reader in readers:
        reader.start()
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as handle:
                peak = max([peak, *(int(line.split()[1]) for line in handle if line.startswith("VmHWM:"))])
        except OSError:
            pass
        time.sleep(0.02)
    for reader in readers:
        reader.join()
    return subprocess.CompletedProcess(command, proc.returncode, out["out"], out["err"]), peak / 1024


@pytest.mark.slow
@needs_09
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the judge's peak memory from /proc")
def test_endless_generators_of_big_arrays_cost_their_items_and_the_judge_stays_small(tmp_path):
    """Two items (run at once) take 60 MiB arrays from endless generators through tuple(...): they
    took the judge to 4.5 GB; now each stops at --replies-mb, and the judge at the documented bound."""
    path = write_nb(with_cell(notebooks.reference_notebook(MODULE.src), GENERATORS), tmp_path / "gen.ipynb")
    run, peak = judge_peak_mb([sys.executable, "-m", "tito.main", "grade", "09", str(path), "--json",
                               str(tmp_path / "gen.json")])
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "gen.json").read_text())
    messages = {t["id"]: t["message"] for t in report["tests"]}
    for item in ("test-conv2d-init", "test-receptive-field"):
        assert messages[item].startswith(remote.STOPPED) and "(raise it with --replies-mb)" in messages[item], messages
    assert report["total"] <= sum(POINTS.values()) - POINTS["test-conv2d-init"] - POINTS["test-receptive-field"], run.stdout
    assert peak < replies_memory_mb(Limits()), f"the judge peaked at {peak:.0f} MiB"


@pytest.mark.slow
@needs_09
@pytest.mark.parametrize("cell, limits, flag", [
    ("import numpy as _n\ndef receptive_field(layers): return _n.ones(2 ** 20)", Limits(reply_mb=4), "--reply-mb"),
    ("def receptive_field(layers): return iter(range(10 ** 9))", Limits(replies=1000), "--replies"),
    ("import numpy as _n\ndef receptive_field(layers): return (_n.ones(2 ** 17) for _ in range(10 ** 9))",
     Limits(replies_mb=16), "--replies-mb"),
], ids=["huge-array", "long-generator", "generator-of-arrays"])
def test_a_function_returning_too_much_costs_its_item_with_the_limit_named(cell, limits, flag, tmp_path):
    nb = with_cell(notebooks.reference_notebook(MODULE.src), cell)
    started = time.monotonic()
    report = grade.grade_submission(MODULE, write_nb(nb, tmp_path / "s.ipynb"), paths.package_dir(), limits)
    item = next(i for i in report.items if i.id == "test-receptive-field")
    assert item.status == "error" and item.message.startswith(remote.STOPPED), grade.format_report(report, 300)
    assert f"(raise it with {flag})" in item.message, item.message
    assert report.total == report.maximum - item.points_possible, grade.format_report(report)
    assert time.monotonic() - started < 120


# A Conv2d whose weights are 63 MiB of int8 (under --reply-mb): the test turns them into float64, 504 MiB.
EIGHT_TIMES = """\
import numpy as _n
class _Weights:
    requires_grad = True
    def __init__(self, shape, big):
        self.shape, self.data = shape, (_n.ones(63 * 2 ** 20, dtype=_n.int8) if big else _n.zeros(shape))
class Conv2d:
    def __init__(self, cin, cout, k, stride=1, padding=0, bias=True):
        kh, kw = (k, k) if isinstance(k, int) else k
        self.weight = _Weights((cout, cin, kh, kw), big=cin == 16)
        self.bias = _Weights((cout,), False) if bias else None"""


@pytest.mark.slow
@needs_09
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the judge's peak memory from /proc")
def test_what_a_test_computes_from_a_reply_stays_within_the_judges_memory_limit(tmp_path):
    path = write_nb(with_cell(notebooks.reference_notebook(MODULE.src), EIGHT_TIMES), tmp_path / "big.ipynb")
    run, peak = judge_peak_mb([sys.executable, "-m", "tito.main", "grade", "09", str(path), "--json",
                               str(tmp_path / "big.json"), "--judge-memory-mb", "400"])
    assert run.returncode == 0, run.stderr
    item = next(t for t in json.loads((tmp_path / "big.json").read_text())["tests"] if t["id"] == "test-conv2d-init")
    assert item["status"] == "fail" and "MemoryError" in item["message"], item
    assert "(raise it with --judge-memory-mb)" in item["message"], item
    assert peak < 400 + 300, f"the judge peaked at {peak:.0f} MiB"  # its start (0.1 GiB resident) and 400 MiB

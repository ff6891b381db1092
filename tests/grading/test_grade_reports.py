"""`tito grade --gradescope` and `--junit`: a partially correct module-09 submission, graded once by
the real command line, gives a Gradescope results.json and a JUnit XML report whose every field
agrees with tito's own JSON report and printed table.

Gradescope's documented format (autograder specifications): top-level `score`, optional
`execution_time`, `output`, `output_format`, `visibility`, `stdout_visibility`; `tests`, each with
`name`, `score`, `max_score`, `status` ("passed"/"failed"), `output`, optional `output_format` and
`visibility`. JUnit: the schema pytest's --junitxml writes (testsuites > testsuite with tests,
failures, errors, skipped, time > testcase with classname, name, time, and a <failure message>
or <error message type> child when it did not pass).
"""
from __future__ import annotations

import contextlib
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

import submissions_09 as subs
from tito import main, notebooks
from tito.grading import grade

if subs.MODULE is None:
    pytest.skip("src/09_convolutions does not exist", allow_module_level=True)

from submissions_09.wrong import WRONG

# Two wrong exercises (no graded item calls both) and one left blank.
WRONG_HERE = ("conv_calls_fast_path", "rf_stops_at_relu")
BLANK_HERE = ("maxpool2d_backward_loops",)
OUTPUT_FORMATS = {"text", "html", "simple_format", "md", "ansi"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports09")
    bodies = dict(WRONG[name] for name in WRONG_HERE)
    submission = folder / "partial.ipynb"
    submission.write_bytes(notebooks.notebook_bytes(subs.build(bodies, blank=BLANK_HERE)))
    files = {kind: folder / name for kind, name in
             (("json", "report.json"), ("gradescope", "results.json"), ("junit", "report.xml"))}
    out = io.StringIO()  # a module-scoped fixture has no capsys
    with contextlib.redirect_stdout(out):
        code = main.main(["grade", "09", str(submission), "--timeout", "60", "--json", str(files["json"]),
                          "--gradescope", str(files["gradescope"]), "--junit", str(files["junit"])])
    assert code == 0, out.getvalue()
    lost_exercises = {WRONG[name][0] for name in WRONG_HERE} | set(BLANK_HERE)
    expected_lost = {item for item, called in subs.exercises_called().items() if called & lost_exercises}
    return {"table": out.getvalue(), "report": json.loads(files["json"].read_text()),
            "gradescope": json.loads(files["gradescope"].read_text()), "junit": ET.parse(files["junit"]).getroot(),
            "expected_lost": expected_lost, "folder": folder}


def test_the_submission_is_partially_correct(graded):
    report = graded["report"]
    lost = {test["id"] for test in report["tests"] if test["points_earned"] < test["points_possible"]}
    assert lost == graded["expected_lost"], graded["table"]
    assert 0 < report["total"] < report["max"]


def test_gradescope_results_follow_the_documented_format(graded):
    results, report = graded["gradescope"], graded["report"]
    assert set(results) <= {"score", "execution_time", "output", "output_format", "visibility", "stdout_visibility",
                            "extra_data", "tests", "leaderboard", "test_output_format", "test_name_format"}
    assert results["score"] == report["total"] == sum(test["score"] for test in results["tests"])
    assert isinstance(results["execution_time"], int) and results["execution_time"] >= 0
    assert results["output_format"] in OUTPUT_FORMATS and results["visibility"] in VISIBILITIES
    assert results["stdout_visibility"] in VISIBILITIES
    assert f"Module 09_convolutions: {report['total']:g}/{report['max']:g} points" == results["output"]
    assert [test["name"] for test in results["tests"]] == [test["id"] for test in report["tests"]]
    for test, ours in zip(results["tests"], report["tests"]):
        assert {"name", "score", "max_score", "status", "output"} <= set(test), test
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert (test["score"], test["max_score"]) == (ours["points_earned"], ours["points_possible"])
        assert test["status"] == ("passed" if ours["status"] == "pass" else "failed")
        assert (test["status"] == "passed") == (test["score"] == test["max_score"] > 0)
        assert test["output"] == ours["message"]
        assert test["output_format"] in OUTPUT_FORMATS and test["visibility"] in VISIBILITIES
    statuses = {test["status"] for test in results["tests"]}
    assert statuses == {"passed", "failed"}


def test_gradescope_output_is_the_message_the_terminal_shows(graded):
    rows = {line.split()[0]: line for line in graded["table"].split("\n") if line.startswith("test-")}
    for test in graded["gradescope"]["tests"]:
        shown = grade.shorten(test["output"], 72)
        assert rows[test["name"]].rstrip().endswith(shown), (rows[test["name"]], shown)
        if test["status"] == "failed":
            assert test["output"], test  # a lost item always says why
    loop_rule = next(test for test in graded["gradescope"]["tests"] if test["name"] == "test-conv2d-loops")
    assert loop_rule["score"] == 0 and "must loop over" in loop_rule["output"], loop_rule


def test_junit_xml_follows_pytests_schema(graded):
    root, report = graded["junit"], graded["report"]
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    items = report["tests"]
    fails = [t for t in items if t["status"] == "fail"]
    errors = [t for t in items if t["status"] not in ("pass", "fail")]
    assert int(suite.get("tests")) == len(items) and int(suite.get("skipped")) == 0
    assert int(suite.get("failures")) == len(fails) and int(suite.get("errors")) == len(errors)
    assert float(suite.get("time")) >= 0 and suite.get("timestamp")
    cases = suite.findall("testcase")
    assert [case.get("name") for case in cases] == [t["id"] for t in items]
    for case, ours in zip(cases, items):
        assert case.get("classname") == "09_convolutions" and float(case.get("time")) >= 0
        points = {p.get("name"): float(p.get("value")) for p in case.find("properties")}
        assert points == {"points": ours["points_earned"], "max_points": ours["points_possible"]}
        failure, error = case.find("failure"), case.find("error")
        if ours["status"] == "pass":
            assert failure is None and error is None
            continue
        found = failure if ours["status"] == "fail" else error
        assert found is not None and (failure is None or error is None), ET.tostring(case)
        first = next(line.strip() for line in ours["message"].split("\n") if line.strip())
        assert found.get("message") == first and found.text == ours["message"]
    assert fails or errors


def test_a_submission_that_does_not_parse_scores_zero_in_every_format(tmp_path, capsys):
    nb = subs.build()
    index = subs.stub_places(subs.read_student_notebook())["conv2d_loops"][0]
    nb.cells[index].source += "\ndef broken(:"
    submission = tmp_path / "broken.ipynb"
    submission.write_bytes(notebooks.notebook_bytes(nb))
    results, xml = tmp_path / "results.json", tmp_path / "report.xml"
    code = main.main(["grade", "09", str(submission), "--gradescope", str(results), "--junit", str(xml)])
    assert code == 0
    gradescope = json.loads(results.read_text())
    assert gradescope["score"] == 0 and gradescope["tests"]
    assert all(test["status"] == "failed" and test["score"] == 0 < test["max_score"] for test in gradescope["tests"])
    assert re.search(r"not graded \(0 points\):\ncell \d+ of \d+ .*line \d+: invalid syntax", gradescope["output"]), \
        gradescope["output"]
    suite = ET.parse(xml).getroot().find("testsuite")
    assert int(suite.get("errors")) == len(gradescope["tests"]) == int(suite.get("tests"))
    assert all("invalid syntax" in case.find("error").text for case in suite.findall("testcase"))


def test_junit_xml_stays_parseable_whatever_the_student_code_raised(tmp_path):
    """A student's exception message can hold characters XML 1.0 cannot (NUL, escape codes): they are
    written escaped, as pytest does, and the file still parses."""
    from tito.grading import junit

    message = "AssertionError: got '\x00\x1b[31m' <&> \"quoted\""
    report = grade.Report("09_convolutions", "sub.ipynb", [
        grade.Item("test-a", 3, 0, "fail", message, 0.25), grade.Item("test-b", 2, 2, "pass", "", 0.5),
        grade.Item("test-c", 4, 0, "timeout", "", 10.0)])
    junit.write(report, tmp_path / "report.xml", 11.0)
    suite = ET.parse(tmp_path / "report.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    failure = suite.find("testcase[@name='test-a']/failure")
    assert failure.get("message") == "AssertionError: got '\\x00\\x1b[31m' <&> \"quoted\"" == failure.text
    error = suite.find("testcase[@name='test-c']/error")
    assert error.get("type") == "timeout" and error.get("message") == "timeout"

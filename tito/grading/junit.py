"""`tito grade --junit report.xml`: the report as JUnit XML, in the dialect pytest writes
(`pytest --junitxml`), which CI services (GitHub Classroom and the like) show per test.

    <testsuites name="tito grade"><testsuite name=... tests= failures= errors= skipped= time= timestamp=>
      <testcase classname="<module slug>" name="<item id>" time=>
        <properties><property name="points" .../><property name="max_points" .../></properties>
        <failure message="<first line>">full message</failure>     (status "fail")
        <error message="<first line>" type="<status>">...</error>   (a timeout or an error)
      </testcase>
    </testsuite></testsuites>

A passing item has no child but its properties. A submission that could not be exported
(e.g. a syntax error) makes every item an error whose text holds the reason.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

from ..files import write_atomically
from .grade import Report, clean


# Characters XML 1.0 cannot hold; a student's exception message may contain any.
_ILLEGAL = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """As pytest does: an illegal character becomes its escape, e.g. \\x00 (the file stays parseable);
    every other control character too (grade.clean), as in the table."""
    return _ILLEGAL.sub(lambda match: repr(match.group())[1:-1], clean(text, newlines=True))


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.split("\n") if line.strip()), "")


def _points(value: float) -> str:
    return f"{value:g}"


def tree(report: Report, seconds: float) -> ET.Element:
    failures = sum(item.status == "fail" for item in report.items)
    errors = sum(item.status not in ("pass", "fail") for item in report.items)
    root = ET.Element("testsuites", name="tito grade")
    suite = ET.SubElement(root, "testsuite", name=f"tito grade {report.module}", errors=str(errors),
                          failures=str(failures), skipped="0", tests=str(len(report.items)), time=f"{seconds:.3f}",
                          timestamp=datetime.now().isoformat(timespec="seconds"))
    props = ET.SubElement(suite, "properties")
    for name, value in (("submission", _xml_safe(report.submission)), ("score", _points(report.total)),
                        ("max_score", _points(report.maximum))):
        ET.SubElement(props, "property", name=name, value=value)
    for item in report.items:
        case = ET.SubElement(suite, "testcase", classname=report.module, name=item.id, time=f"{item.seconds:.3f}")
        points = ET.SubElement(case, "properties")
        ET.SubElement(points, "property", name="points", value=_points(item.points_earned))
        ET.SubElement(points, "property", name="max_points", value=_points(item.points_possible))
        if item.status == "pass":
            continue
        message = _xml_safe(item.message)
        text = message + (f"\n\n{_xml_safe(report.error)}" if report.error else "")
        if item.status == "fail":
            ET.SubElement(case, "failure", message=_first_line(message)).text = text
        else:
            ET.SubElement(case, "error", message=_first_line(message) or item.status, type=item.status).text = text
    return root


def write(report: Report, path: Path, seconds: float) -> None:
    body = ET.tostring(tree(report, seconds), encoding="unicode")
    write_atomically(path, '<?xml version="1.0" encoding="utf-8"?>' + body + "\n")

"""Grade every module 09 submission and print "wrong version -> points got / max".

    .venv/bin/python tests/grading/submissions_09/table.py [--details]

The same grading as tests/grading/test_grade_09_wrong_answers.py (real student notebook, real
grader); --details adds each failing item's message. For the closing note of the lesson.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # tests/grading, as pytest puts it
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "helpers"))   # tito_helpers, as pyproject's pythonpath

import submissions_09 as subs  # noqa: E402
import test_grade_09_wrong_answers as wrong_answers  # noqa: E402
from submissions_09.correct import CORRECT  # noqa: E402


def main(details: bool) -> int:
    with tempfile.TemporaryDirectory(prefix="grade09-") as folder:
        folder = Path(folder)
        results = wrong_answers.grade_wrong_versions(folder)
        print(wrong_answers.points_table(results))
        full = [name for name, graded in results.items()
                if wrong_answers.lost_points(name, graded, wrong_answers.reach()) == 0]
        print(f"\n{len(results)} wrong versions in {len({id(g) for g in results.values()})} notebooks; "
              f"full marks: {', '.join(full) or 'none'}")
        if details:
            for name, graded in results.items():
                for item in graded.report.items:
                    if item.status != "pass" and item.id in wrong_answers.TABLE[name][0]:
                        print(f"  {name} / {item.id}: {item.message}")
        for label, nb in (("independent correct set", subs.build(CORRECT)), ("reference", subs.build()),
                          ("blank", subs.read_student_notebook())):
            report = wrong_answers.grade_notebook(nb, folder, label.replace(" ", "_"))
            print(f"{label:<24} {report.total:g} / {report.maximum:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main("--details" in sys.argv[1:]))

"""A graded test cell that breaks the rules for graded test cells (src/README.md) fails its item with
a message naming the rule and where the rules are written, instead of a verdict nobody can trust.

The demo module is extended with an exported class and three graded cells an instructor might write:
one subclasses the module's class, one passes a test-defined object into the student's code, one
imports a library that is neither numpy nor the standard library. The module's own items still pass.
"""
from __future__ import annotations

import re
import shutil

from tito import paths
from tito_helpers import DEMO, ROOT, grade_notebook, reference_notebook

HEADER = ('# %% nbgrader={{"grade": true, "grade_id": "{id}", "locked": true, "points": 1, "schema_version": 3, '
          '"solution": false, "task": false}}\n')
EXPORTED_CLASS = '''
# %% nbgrader={"grade": false, "grade_id": "demo-box", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
class Box:
    """A value in a box."""
    def __init__(self, value):
        self.value = value
'''
BROKEN_CELLS = {
    "test-subclasses": "def test_unit_subclass():\n    class Bigger(Box):\n        pass\n    assert Bigger(2).value == 2\n",
    "test-passes-object": ("def test_unit_object():\n    class Number:\n        def __radd__(self, other):\n            return other\n"
                           "    assert add(1, Number()) == 1\n"),
    "test-imports-other": "def test_unit_import():\n    import xml_rpc_not_stdlib_lib\n    assert add(1, 2) == 3\n",
}
RULE_OF = {"test-subclasses": "3", "test-passes-object": "3", "test-imports-other": "5"}


def extended_demo(tmp_path) -> paths.CourseModule:
    root = tmp_path / "repo"
    shutil.copytree(DEMO.root, root)
    src = root / "src" / DEMO.slug / f"{DEMO.slug}.py"
    text = src.read_text()
    checks = text.index("# %% [markdown]\n# Checks.")
    text = text[:checks] + EXPORTED_CLASS.lstrip("\n") + "\n" + text[checks:]
    for item, body in BROKEN_CELLS.items():
        name = re.search(r"def (test_unit_\w+)", body).group(1)
        text += "\n" + HEADER.format(id=item) + body + f'\nif __name__ == "__main__":\n    {name}()\n'
    src.write_text(text)
    return paths.CourseModule(DEMO.number, DEMO.slug, root)


def test_a_cell_breaking_a_rule_fails_its_item_naming_the_rule_and_where_it_is_written(tmp_path):
    module = extended_demo(tmp_path)
    report = grade_notebook(module, reference_notebook(module), tmp_path)
    items = {item.id: item for item in report.items}
    for item in ("test-demo-add", "test-demo-total", "test-demo-numpy"):
        assert items[item].status == "pass", (item, items[item].message)
    rules = (ROOT / "src" / "README.md").read_text()
    section = rules[rules.index("## Rules for graded test cells"):]
    for item, rule in RULE_OF.items():
        test = items[item]
        assert test.status in ("fail", "error") and test.points_earned == 0, (item, test.status, test.message)
        assert "judge:" in test.message and re.search(rf"\brules? (\d and )?{rule}\b", test.message), (item, test.message)
        assert "src/README.md" in test.message, (item, test.message)
        assert f"\n{rule}. " in section, f"src/README.md has no rule {rule} for graded test cells"

"""`tito test`'s report (GitHub issue 21, item 3): one line per exported function and class, the first
failure's whole message, the count of the rest, and the reason for every skip with how to install what
is missing. End to end on the demo module (tests/helpers/fixture_repo) in temporary repositories; the
attribution plugin (tito/grading/attribution.py) on a module of its own; module 09 in a slow test.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tito_helpers import DEMO, ROOT, by_number, make_repo, tito, write_nb
from tito import notebooks, paths, test_report, workflow
from tito.grading import attribution

NOTEBOOK = ("modules", "00_demo", "00_demo.ipynb")

# A message of many lines, some far longer than a terminal: shown whole, never cut inside a word.
LONG_MESSAGE = "\n".join(["total_loops([-1.0, 1.0]) should be 0.0: negative values count as negative"] +
                         [f"detail {i}: " + " ".join(f"word{i}x{j}" for j in range(40)) for i in range(14)])

EXTRA_TESTS = f'''\
from tinytorch.core.demo import add, total_loops

LONG_MESSAGE = {LONG_MESSAGE!r}


def test_total_loops_of_negative_values():
    assert total_loops([-1.0, 1.0]) == 0.0, LONG_MESSAGE


def test_total_loops_agrees_with_add():
    # compares two exported functions: the failure is the wrong one's, not the one it is compared with
    assert total_loops([-2.0, 0.5]) == add(-2.0, 0.5)
'''


def solved_with(repo: Path, function: str, old: str, new: str) -> None:
    """The reference notebook with one slip in `function`, exported."""
    nb = notebooks.reference_notebook(DEMO.src)
    cell = next(cell for cell in nb.cells if f"def {function}(" in cell.source)
    assert old in cell.source
    cell.source = cell.source.replace(old, new)
    write_nb(nb, repo.joinpath(*NOTEBOOK))
    exported = tito(repo, "export", "00")
    assert exported.returncode == 0, exported.stdout + exported.stderr


def report(stdout: str) -> list[str]:
    """The report's body: the lines between its header and the summary line."""
    lines = stdout.rstrip("\n").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("00_demo: checks per exported name"))
    assert lines[-1].startswith("00_demo: "), stdout
    return lines[start + 1:-1]


def name_lines(stdout: str) -> dict[str, str]:
    """exported name -> its line ('  FAIL  total_loops  2 of 6 checks failed; ...')."""
    return {line.split()[1]: line for line in report(stdout) if re.match(r"  (ok|FAIL|-) ", line)}


def test_one_wrong_function_is_one_fail_line_with_the_whole_first_message(demo_repo):
    (demo_repo / "tests" / "00_demo" / "test_extra.py").write_text(EXTRA_TESTS)
    # abs(): right on every check of the notebook and of test_demo.py (no negative values there)
    solved_with(demo_repo, "total_loops", "add(result, value)", "add(result, abs(value))")
    result = tito(demo_repo, "test", "00", "--timeout", "60")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = name_lines(result.stdout)
    assert set(lines) == {"add", "total_loops"}, result.stdout
    assert [name for name, line in lines.items() if line.startswith("  FAIL")] == ["total_loops"], result.stdout
    assert re.match(r"  ok    add +\d+ checks$", lines["add"]), result.stdout  # the function it was compared with
    # 3 inline + 1 of test_demo.py + 2 of test_extra.py use total_loops; the 2 of test_extra.py fail
    assert lines["total_loops"].endswith(
        "2 of 6 checks failed; first: tests/00_demo/test_extra.py::test_total_loops_of_negative_values"), result.stdout
    body = "\n".join(report(result.stdout))
    for line in LONG_MESSAGE.split("\n"):  # every line whole (pytest's XML cuts the message after ten)
        assert line in body, line
    assert "and 1 more failed (`tito test 00 -v` lists every check)" in body
    assert "test_total_loops_agrees_with_add" not in body  # the rest are counted, not shown
    assert "00_demo: FAILED (inline 3/3, pytest 2/4 passed)" in result.stdout  # the summary as before


def test_skip_reasons_are_shown_once_with_counts_and_how_to_install(demo_repo):
    tests = demo_repo / "tests" / "00_demo"
    (tests / "test_needs_missing.py").write_text(
        'import pytest\n\npytest.importorskip("a_module_that_does_not_exist")\n\n\ndef test_never_runs():\n    pass\n')
    (tests / "test_optional.py").write_text(
        "import pytest\n\n\n@pytest.mark.parametrize('case', [1, 2, 3])\n"
        "def test_needs_another(case):\n    pytest.importorskip('another_missing_module')\n\n\n"
        "def test_needs_an_oracle():\n    pytest.skip('oracle not installed: pip install oracle')\n")
    write_nb(notebooks.reference_notebook(DEMO.src), demo_repo.joinpath(*NOTEBOOK))
    assert tito(demo_repo, "export", "00").returncode == 0
    result = tito(demo_repo, "test", "00", "--timeout", "60")
    assert result.returncode == 0, result.stdout + result.stderr  # skips are not failures
    body = report(result.stdout)
    skipped = body[body.index("skipped (these did not run; a skip is not a failure):") + 1:]
    missing = "could not import 'a_module_that_does_not_exist': No module named 'a_module_that_does_not_exist'"
    another = "could not import 'another_missing_module': No module named 'another_missing_module'"
    assert skipped == [
        f"  1 file (tests/00_demo/test_needs_missing.py; its checks not counted): {missing}",
        '        install a_module_that_does_not_exist to run them: pip install -e ".[dev]"',
        f"  3 checks: {another}",
        '        install another_missing_module to run these 3 checks: pip install -e ".[dev]"',
        "  1 check: oracle not installed: pip install oracle",  # says how already: no second hint
    ], result.stdout
    assert "00_demo: PASSED (inline 3/3, pytest 2/7 passed, 5 skipped)" in result.stdout
    assert all(line.startswith("  ok ") for line in name_lines(result.stdout).values()), result.stdout


def test_the_dev_extra_installs_the_optional_test_dependencies():
    """The install hint names pyproject.toml's extra that holds hypothesis and torch."""
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]

    def names(extra: str) -> set[str]:  # `tinytorch[test,nbgrader]` inside an extra pulls those extras too
        found = set()
        for requirement in extras[extra]:
            own = re.match(r"tinytorch\[([^\]]+)\]", requirement)
            found |= set().union(*map(names, own.group(1).split(","))) if own else {re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)}
        return found
    assert {"hypothesis", "torch"} <= names(test_report.TEST_EXTRA)


def test_verbose_lists_every_check_and_shortens_only_at_spaces(demo_repo):
    (demo_repo / "tests" / "00_demo" / "test_extra.py").write_text(EXTRA_TESTS)
    solved_with(demo_repo, "total_loops", "add(result, value)", "add(result, abs(value))")
    result = tito(demo_repo, "test", "00", "--timeout", "60", "-v")
    lines = result.stdout.split("\n")
    for check in ("PASS    test-demo-add :: test_unit_add", "PASS    tests/00_demo/test_demo.py::test_add_floats",
                  "FAIL    tests/00_demo/test_extra.py::test_total_loops_agrees_with_add"):
        assert any(line.startswith(f"  {check}") for line in lines), (check, result.stdout)
    prefix = "  FAIL    tests/00_demo/test_extra.py::test_total_loops_of_negative_values  "
    shown = next(line for line in lines if line.startswith(prefix))[len(prefix):]
    assert shown.endswith(" ...") and len(shown) <= test_report.VERBOSE_WIDTH + 4, shown
    whole = " ".join(("AssertionError: " + LONG_MESSAGE).split())
    kept = shown[:-len(" ...")]
    assert whole.startswith(kept) and whole[len(kept)] == " ", shown  # cut at a space, never inside a word
    assert name_lines(result.stdout)["total_loops"].startswith("  FAIL  total_loops")  # the report follows


def test_an_inline_failure_shows_the_whole_exception_and_where_it_was_raised(demo_repo):
    """The child cuts its one-line message at 300 characters; the report takes the traceback's exception."""
    words = " ".join(f"because{i}" for i in range(60))
    solved_with(demo_repo, "add", "return a + b", f"raise ValueError('add is not done:\\n{words}')")
    result = tito(demo_repo, "test", "00", "--timeout", "60")
    body = "\n".join(report(result.stdout))
    line = name_lines(result.stdout)["add"]
    assert line.startswith("  FAIL  add") and line.endswith("first: test-demo-add :: test_unit_add"), result.stdout
    assert f"        ValueError: add is not done:\n        {words}\n        (raised in add() (demo.py line " in body, body


def test_message_lines_keep_forty_lines_and_count_the_rest():
    check = test_report.Check("t", "fail", "\n".join(f"line {i}" for i in range(55)), where="f() (m.py line 3)")
    lines = test_report._message_lines(check)
    assert lines[:2] == ["        line 0", "        line 1"] and lines[39] == "        line 39"
    assert lines[40:] == ["        ... (15 more lines)", "        (raised in f() (m.py line 3))"]
    assert test_report._message_lines(test_report.Check("t", "fail", "a\x1b[2Jb"))[0] == "        a\\x1b[2Jb"  # escaped


def test_an_inline_check_of_several_names_is_charged_to_what_their_code_runs():
    """check-conv-options uses conv2d_vectorized, conv2d_general_loops and Conv2d (whose __init__ is an
    exercise) and fails on values because conv2d_general_loops runs the student's conv2d_loops, which fails
    alone elsewhere: the blame goes to conv2d_loops, found in the module's code (module_reach)."""
    path = paths.package_dir() / "core" / "spatial.py"
    exported, _ = test_report.module_definitions(path)
    reach = test_report.module_reach(path, exported)
    assert "conv2d_loops" in reach["conv2d_general_loops"] and "conv2d_loops" in reach["Conv2d"]
    assert "conv2d_general_loops" not in reach["conv2d_general_loops"] and not reach["conv_output_size"]
    Check = test_report.Check
    names = ["conv2d_vectorized", "conv2d_general_loops", "Conv2d"]
    checks = [Check("alone", "fail", names=["conv2d_loops"]),
              Check("options", "fail", names=names, reached=sorted({r for n in names for r in reach[n]}))]
    test_report.assign_blame(checks, exercises={"conv2d_loops", "Conv2d"})
    assert [check.blame for check in checks] == [["conv2d_loops"], ["conv2d_loops"]]
    checks = [Check("alone", "fail", names=["conv2d_loops"]), Check("options", "fail", names=names)]
    test_report.assign_blame(checks, exercises={"conv2d_loops", "Conv2d"})
    assert checks[1].blame == ["Conv2d"]      # without what their code runs: the exercise among the names


def test_a_failure_raised_inside_an_exercise_is_charged_to_it():
    """H18's sweep: weight[ci, co] in conv2d_loops raises an IndexError under Conv2d(use_loops=True), whose
    traceback pointed at Conv2d, the name the test called: four names failed. The exercise that raised it
    is charged; a failure raised in given code keeps the rules as they were."""
    path = paths.package_dir() / "core" / "spatial.py"
    _, spans = test_report.module_definitions(path)
    first, last = next((a, b) for a, b, name in spans if name == "conv2d_loops")
    assert test_report.raiser(f"conv2d_loops() (spatial.py line {first + 3})", path, spans) == "conv2d_loops"
    assert test_report.raiser(f"test_unit() (test cell x line {first + 3})", path, spans) is None
    assert test_report.raiser("", path, spans) is None
    Check = test_report.Check
    checks = [Check("layer", "fail", names=["Conv2d"], charged=["Conv2d"], raised_in="conv2d_loops"),
              Check("given", "fail", names=["Conv2d"], charged=["Conv2d"], raised_in="_check_conv_args")]
    test_report.assign_blame(checks, exercises={"conv2d_loops", "Conv2d"})
    assert [check.blame for check in checks] == [["conv2d_loops"], ["Conv2d"]]


def test_of_two_exercises_a_check_uses_the_one_that_passes_alone_is_cleared():
    """H18's sweep: receptive_field stopping at the first ReLU failed checks that also build Conv2d layers,
    and both exercises were charged; Conv2d passes a check about it alone (its init), so only
    receptive_field is. With nothing to tell them apart, both stay charged."""
    Check = test_report.Check
    checks = [Check("rf", "fail", names=["Conv2d", "receptive_field"]),
              Check("init", "pass", names=["Conv2d"]),
              Check("rf examples", "pass", names=["Conv2d", "receptive_field"])]
    test_report.assign_blame(checks, exercises={"Conv2d", "receptive_field"})
    assert checks[0].blame == ["receptive_field"]
    checks = [Check("rf", "fail", names=["Conv2d", "receptive_field"])]
    test_report.assign_blame(checks, exercises={"Conv2d", "receptive_field"})
    assert checks[0].blame == ["Conv2d", "receptive_field"]
    # Module 06 (backward giving constants a grad): backward is in every failing check, topological_order,
    # which backward's checks use, in one; backward also passes checks about it alone. Blame backward.
    checks = [Check("inline", "fail", names=["topological_order", "backward"]),
              Check("leaves", "fail", names=["backward", "numerical_gradient"]),
              Check("constants", "fail", names=["backward", "numerical_gradient"]),
              Check("chain", "pass", names=["backward"])]
    test_report.assign_blame(checks, exercises={"topological_order", "backward"})
    assert [check.blame for check in checks[:3]] == [["backward"]] * 3


def test_blame_goes_to_the_name_that_fails_alone():
    """Conv2d(use_loops=True) and a comparison with the given conv2d_vectorized fail because conv2d_loops is
    wrong: conv2d_loops fails alone elsewhere, so they are charged to it; a charge read from the traceback
    stands; with no evidence at all, the student's own function is charged, else every name used."""
    Check = test_report.Check
    checks = [Check("alone", "fail", names=["conv2d_loops"], reached=["conv2d_loops"]),
              Check("layer", "fail", names=["Conv2d"], reached=["Conv2d", "Conv2dFunction", "conv2d_loops"]),
              Check("compare", "fail", names=["conv2d_vectorized", "conv2d_loops"]),
              Check("traceback", "fail", names=["avgpool2d_loops", "AvgPool2d"], charged=["AvgPool2d"]),
              Check("given", "fail", names=["maxpool2d_vectorized", "avgpool2d_vectorized"]),
              Check("mine", "error", names=["maxpool2d_vectorized", "maxpool2d_loops"]),
              Check("passes", "pass", names=["Conv2d", "conv2d_vectorized"])]
    test_report.assign_blame(checks, exercises={"conv2d_loops", "maxpool2d_loops", "avgpool2d_loops", "Conv2d"})
    assert [check.blame for check in checks] == [["conv2d_loops"], ["conv2d_loops"], ["conv2d_loops"], ["AvgPool2d"],
                                                 ["maxpool2d_vectorized", "avgpool2d_vectorized"], ["maxpool2d_loops"], []]
    lines = test_report.report_lines(["conv2d_loops", "conv2d_vectorized", "Conv2d", "receptive_field"], checks, "09")
    assert lines[0] == "  FAIL  conv2d_loops          3 of 3 checks failed; first: alone"
    assert "  ok    conv2d_vectorized     1 check" in lines and "  ok    Conv2d                1 check" in lines
    assert "  -     receptive_field       no checks" in lines
    assert "  FAIL  AvgPool2d             1 of 1 check failed; first: traceback" in lines  # not in __all__: still shown


# ---------------------------------------------------------------- the attribution plugin

MODULE = '''\
__all__ = ["inner", "outer", "documented", "Layer", "Sub"]


def inner(x):
    return x + 1


def outer(x):
    return inner(x) * 2


def _private(x):
    return inner(x)


def documented(x):
    """
    >>> documented(2)
    3
    """
    return x + 1


class _Base:
    def forward(self, x):
        return outer(x)


class Layer(_Base):
    def __init__(self, k=1):
        self.k = k

    def __call__(self, x):
        return self.forward(x)


class Sub(Layer):
    pass
'''

TESTS = '''\
import doctest
import inspect

import pytest

import attr_demo
from attr_demo import Layer, Sub, inner, outer


def test_outer():
    assert outer(1) == 4


def test_private():
    assert attr_demo._private(1) == 2


def test_layer():
    assert Layer()(1) == 4


def test_sub():
    assert Sub()(1) == 4


def test_fails_inside():
    outer("x")


def test_fails_on_values():
    assert inner(1) + outer(1) == 0


def test_wrappers_are_transparent():
    assert str(inspect.signature(outer)) == "(x)" and outer.__name__ == "outer"
    assert outer.__globals__ is attr_demo.__dict__ and outer.__wrapped__(1) == 4
    assert doctest.testmod(attr_demo).attempted == 1


class TestGroup:
    @pytest.mark.parametrize("value", [1, 2])
    def test_param(self, value):
        assert inner(value) == value + 1
'''


def test_the_plugin_records_what_each_test_called_and_charges_failures(tmp_path):
    (tmp_path / "attr_demo.py").write_text(MODULE)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_attr.py").write_text(TESTS)
    calls, xml = tmp_path / "calls.jsonl", tmp_path / "report.xml"
    # this repository's tito first (an installed copy of another checkout would be the one tested)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]), PYTHONDONTWRITEBYTECODE="1")
    run = subprocess.run([sys.executable, "-m", "pytest", "tests", "-p", "no:cacheprovider", "-p", "tito.grading.attribution",
                          "--tito-module", "attr_demo", "--tito-calls", str(calls), f"--junitxml={xml}", "-q"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert "2 failed, 7 passed" in run.stdout, run.stdout + run.stderr  # the wrappers change no verdict
    tests, running = test_report.read_calls(calls)
    assert running is None
    assert {case.id for case in workflow._pytest_cases(xml)} == set(tests)  # joined by junit's names
    seen = {info["nodeid"].split("::", 1)[1]: info for info in tests.values()}
    assert seen["test_outer"]["calls"] == ["outer"] and seen["test_outer"]["reached"] == ["outer", "inner"]
    assert seen["test_private"]["calls"] == ["inner"]  # a private helper is not a name; what it calls is
    assert seen["test_layer"]["calls"] == ["Layer"] and set(seen["test_layer"]["reached"]) == {"Layer", "outer", "inner"}
    assert seen["test_sub"]["calls"] == ["Sub"]  # the nearest exported class of self
    inside = seen["test_fails_inside"]
    assert inside["charged"] == ["outer"]  # inner raised, but the test called outer
    assert re.fullmatch(r"inner\(\) \(attr_demo\.py line \d+\)", inside["where"]), inside
    assert inside["message"].startswith("TypeError: can only concatenate str")
    values = seen["test_fails_on_values"]
    assert values["charged"] is None and values["calls"] == ["inner", "outer"]
    assert seen["TestGroup::test_param[2]"]["calls"] == ["inner"]


NODES_MODULE = '''\
from typing import NamedTuple

__all__ = ["sub_rule", "Node", "rebuild"]


def sub_rule(grad):
    return grad, -grad


class Node:
    def backward(self, grad):
        return self.rule(grad)


class _Op(NamedTuple):
    rule: object
    name: str


_OPS = {"sub": _Op(sub_rule, "Sub")}


def _node_class(name, rule):
    return type(name, (Node,), {"rule": staticmethod(rule), "__module__": __name__})


def rebuild():
    global SubNode
    SubNode = _node_class(_OPS["sub"].name + "Node", _OPS["sub"].rule)


rebuild()
'''

NODES_TESTS = '''\
import nodes_demo


def test_through_a_node():
    assert nodes_demo.SubNode().backward(1) == (1, -1)


def test_through_a_node_made_again():
    nodes_demo.rebuild()
    assert nodes_demo.SubNode().backward(2) == (2, -2)
'''


def test_the_plugin_sees_functions_that_classes_and_tables_hold(tmp_path):
    """H32: module 06's node classes hold their backward rules as staticmethods, made by enable_autograd() from
    the table _OPS: a pytest check whose graph ran a wrong sub_backward never reached it, and `tito test 06`
    charged its failure to backward. The wrapper goes where the module holds the function too."""
    tmp = tmp_path
    (tmp / "nodes_demo.py").write_text(NODES_MODULE)
    (tmp / "tests").mkdir()
    (tmp / "tests" / "test_nodes.py").write_text(NODES_TESTS)
    calls = tmp / "calls.jsonl"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp), str(ROOT)]), PYTHONDONTWRITEBYTECODE="1")
    run = subprocess.run([sys.executable, "-m", "pytest", "tests", "-p", "no:cacheprovider", "-p", "tito.grading.attribution",
                          "--tito-module", "nodes_demo", "--tito-calls", str(calls), "-q"],
                         cwd=tmp, env=env, capture_output=True, text=True, timeout=120)
    assert "2 passed" in run.stdout, run.stdout + run.stderr
    tests, _ = test_report.read_calls(calls)
    seen = {info["nodeid"].split("::", 1)[1]: info for info in tests.values()}
    for name in ("test_through_a_node", "test_through_a_node_made_again"):
        assert "Node" in seen[name]["calls"] and "sub_rule" in seen[name]["reached"], seen[name]


def test_junit_key_names_tests_as_pytests_xml_does():
    assert attribution.junit_key("tests/09_x/test_a.py::TestK::test_b[x/y.py::z]") == "tests.09_x.test_a.TestK::test_b[x/y.py::z]"
    assert attribution.junit_key("tests/test_a.py::test_b") == "tests.test_a::test_b"


# ---------------------------------------------------------------- module 09

# H18: a flipped kernel also failed check-conv-options (charged to Conv2d, whose __init__ is an exercise,
# though conv2d_general_loops ran the student's conv2d_loops) and tests/09's test_blame (its wrong
# answer, built on the student's flipped function, flipped it back): three names for one bug.
ONE_BUG = {"bias left out": ("total += bias[co]", "total += 0.0"),
           "kernel flipped": ("weight[co, ci, ki, kj]", "weight[co, ci, kh - 1 - ki, kw - 1 - kj]")}


@pytest.mark.slow  # module 09's whole suite, about two minutes
@pytest.mark.parametrize("bug", list(ONE_BUG))
def test_module_09_with_one_bug_in_conv2d_loops_fails_one_name(bug, tmp_path):
    module = by_number("09")
    repo = make_repo(tmp_path, [module])
    shutil.copytree(ROOT / "tests" / "helpers", repo / "tests" / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    nb = notebooks.reference_notebook(module.src)
    cell = next(cell for cell in nb.cells if "def conv2d_loops(" in cell.source)
    right, wrong = ONE_BUG[bug]
    assert cell.source.count(right) == 1
    cell.source = cell.source.replace(right, wrong)
    write_nb(nb, repo / "modules" / module.slug / f"{module.slug}.ipynb")
    assert tito(repo, "export", "09").returncode == 0
    result = tito(repo, "test", "09", timeout=900)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    lines = [line for line in result.stdout.split("\n") if re.match(r"  (ok|FAIL|-) ", line)]
    assert [line.split()[1] for line in lines if line.startswith("  FAIL")] == ["conv2d_loops"], result.stdout
    assert len(lines) >= 30 and sum(line.startswith("  ok") for line in lines) == len(lines) - 1, result.stdout


@pytest.mark.slow  # module 06's whole suite
def test_module_06_with_the_minus_sign_of_sub_backward_forgotten_fails_one_name(tmp_path):
    """H31: sub_backward returning (grad, grad) failed sub_backward and, through tests/06's finite-difference
    checks of graphs that run it (the node classes hold the rules, which the plugin did not see), backward."""
    module = by_number("06")
    repo = make_repo(tmp_path, [module])
    shutil.copytree(ROOT / "tests" / "helpers", repo / "tests" / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    nb = notebooks.reference_notebook(module.src)
    cell = next(cell for cell in nb.cells if "def sub_backward(" in cell.source)
    right = "def sub_backward(grad, out, a, b):\n    \"\"\"Gradients of out = a - b.\"\"\"\n    return grad, -grad"
    assert cell.source.count(right) == 1, cell.source
    cell.source = cell.source.replace(right, right.replace("-grad", "grad"))
    write_nb(nb, repo / "modules" / module.slug / f"{module.slug}.ipynb")
    assert tito(repo, "export", "06").returncode == 0
    result = tito(repo, "test", "06", timeout=600)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    lines = [line for line in result.stdout.split("\n") if re.match(r"  (ok|FAIL|-) ", line)]
    assert [line.split()[1] for line in lines if line.startswith("  FAIL")] == ["sub_backward"], result.stdout


def test_an_error_the_test_wrapped_is_charged_to_the_function_that_raised_it_in_the_child(tmp_path):
    """Module 09's checks wrap an IndexError raised in the student's code (in the child) in an
    AssertionError with a hint (`_call`: raise ... from error). The judge keeps the child's traceback
    of the cause, so `tito test` charges the function that raised, not only the test cell."""
    from tito.grading import judge, remote
    module_file = tmp_path / "spatial.py"
    module_file.write_text("def conv2d_loops(x):\n    return x[99]\n\n\ndef maxpool2d_loops(x):\n    return x\n")
    cause = remote.remote_exception({"type": "IndexError", "builtin": "IndexError", "msg": "index 99 is out of bounds",
                               "where": "", "tb": ("Traceback (most recent call last):\n"
                                                   f'  File "{module_file}", line 2, in conv2d_loops\n'
                                                   "    return x[99]\nIndexError: index 99 is out of bounds\n")})

    def test_unit_conv2d_loops():
        try:
            raise cause
        except IndexError as error:
            raise AssertionError("conv2d_loops(...) raised IndexError. Likely bug: an index ran past the end") from error

    try:
        test_unit_conv2d_loops()
    except AssertionError as error:
        text = judge._traceback(error)
    spans = [(1, 2, "conv2d_loops"), (5, 6, "maxpool2d_loops")]
    charged, where = test_report.traceback_charge(text, module_file, spans, ["conv2d_loops", "maxpool2d_loops"])
    assert charged == ["conv2d_loops"] and where == "conv2d_loops() (spatial.py line 2)", text
    assert text.endswith("in conv2d_loops\n    return x[99]\nIndexError: index 99 is out of bounds\n"), text


def test_a_failure_raised_in_given_code_is_charged_to_the_exercise_its_message_names():
    """H25: exp_backward returning a bare array failed in the given _call_node, next to topological_order and
    backward in their solution cell, and `tito test 06` said "FAIL _call_node". Only a function holding a
    solution is an exercise; a failure raised in given code (or by the check's own assert) is charged to the
    exercise its message names."""
    src = Path(__file__).resolve().parents[2] / "src" / "06_autograd" / "06_autograd.py"
    exercises = test_report.exercise_names(src)
    assert {"topological_order", "backward", "exp_backward", "mul_backward", "unbroadcast"} <= exercises
    assert not {"_call_node", "_reduce_input_grad", "neg_backward", "mean_backward"} & exercises
    Check = test_report.Check
    checks = [Check("engine", "fail", "RuntimeError: <ExpBackward>: exp_backward returned an array, not a tuple of "
                    "gradients: return (g,) with the comma", names=["topological_order", "backward"],
                    charged=["backward"], raised_in="_call_node"),
              Check("losses", "fail", "AssertionError: this check runs your mul_backward, which is wrong (see "
                    "test-autograd-elementwise-rules); fix it first", names=["add_backward", "mul_backward", "backward"]),
              Check("attribute", "fail", "AssertionError: loss.backward() gave no gradient", names=["add_backward", "mul_backward"])]
    test_report.assign_blame(checks, exercises)
    assert [check.blame for check in checks][:2] == [["exp_backward"], ["mul_backward"]]
    assert "backward" not in checks[2].blame   # `loss.backward()` is the method, not a name the message gives

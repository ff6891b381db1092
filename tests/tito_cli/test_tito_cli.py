"""The command line's own manners (#22.5): help without a command, `tito help`, `--version`,
`python -m tito`, and a reader that goes away (`tito status | head -1`) without a traceback."""
import os
import re
import subprocess
import sys

import pytest

from tito import main as tito_main

ROOT = tito_main.paths.repo_root()


def run(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "tito", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, **kwargs)


def test_tito_alone_prints_the_overview_and_succeeds():
    result = run()
    assert result.returncode == 0, result.stderr
    assert "usage: tito" in result.stdout and "Student loop" in result.stdout
    for command in ("module", "export", "test", "status", "grade", "dev", "help"):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.M), command
    assert result.stderr == ""


@pytest.mark.parametrize("topic, expected", [(("grade",), "usage: tito grade"),
                                             (("dev", "release"), "usage: tito dev release")])
def test_tito_help_topic_prints_that_commands_options(topic, expected):
    result = run("help", *topic)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(expected)
    assert ("--nbgrader" in result.stdout) == (topic == ("dev", "release"))


def test_tito_help_of_an_unknown_command_names_the_commands():
    result = run("help", "grdae")
    assert result.returncode == 2 and result.stdout == ""
    assert "no command 'grdae'" in result.stderr and "grade" in result.stderr


def test_version_names_tito_python_and_the_system():
    result = run("--version")
    assert result.returncode == 0
    from importlib import metadata
    assert result.stdout.strip().startswith(f"tito {metadata.version('tinytorch')} (Python {sys.version.split()[0]}")


@pytest.mark.skipif(os.name == "nt", reason="a POSIX pipe whose reader has closed")
# Python 3.11's argparse drops help text it cannot write (its _print_message ignores OSError): exit 0;
# 3.10's raises BrokenPipeError, which tito turns into 141 like any other command's output
@pytest.mark.parametrize("command, code", [(("status",), 141), (("help", "grade"), 0 if sys.version_info >= (3, 11) else 141)])
def test_a_reader_that_goes_away_gets_no_traceback(command, code):
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head` that has already exited: the first write raises BrokenPipeError
    try:
        result = subprocess.run([sys.executable, "-m", "tito", *command], cwd=ROOT, stdout=write_end,
                                stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr, result.stderr
    assert result.returncode == code

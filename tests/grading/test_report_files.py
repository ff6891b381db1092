"""The report files `tito grade` writes (#22.6): readable as any new file is (the umask, not 0600),
never in a folder tree a typo made, and Gradescope's visibility as the instructor chose."""
from __future__ import annotations

import json
import os
import stat

import pytest

from tito import files, main, notebooks, paths
from tito.grading import gradescope

ROOT = paths.repo_root()


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_a_written_file_has_the_mode_the_umask_gives(umask, mode, tmp_path):
    old = os.umask(umask)
    try:
        files.write_atomically(tmp_path / "report.json", "{}\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no partial file left


def test_a_missing_folder_is_an_error_unless_asked_for(tmp_path):
    with pytest.raises(FileNotFoundError):
        files.write_atomically(tmp_path / "no" / "such" / "r.json", "{}")
    assert not (tmp_path / "no").exists()
    files.write_atomically(tmp_path / "state" / "s.json", "{}", make_folders=True)
    assert (tmp_path / "state" / "s.json").read_text() == "{}"


def test_gradescope_visibility_is_the_instructors_choice():
    with pytest.raises(ValueError, match="one of visible, hidden, after_due_date, after_published"):
        gradescope.results(_tiny_report(), 1.0, "sometimes")
    for visibility in gradescope.VISIBILITIES:
        results = gradescope.results(_tiny_report(), 1.0, visibility)
        assert results["visibility"] == visibility
        assert {t["visibility"] for t in results["tests"]} == {visibility}


def test_the_command_line_refuses_an_unknown_visibility(capsys):
    with pytest.raises(SystemExit) as exit_:
        main.main(["grade", "01", "x.ipynb", "--gradescope", "r.json", "--gradescope-visibility", "sometimes"])
    assert exit_.value.code == 2 and "invalid choice: 'sometimes'" in capsys.readouterr().err


def _tiny_report():
    from tito.grading import grade
    report = grade.not_graded(paths.find_module(ROOT, "01"), "x.ipynb", "a reason", message="not graded")
    assert report.items
    return report


def test_report_paths_that_cannot_be_written_give_exit_code_2_and_the_reason(tmp_path, capsys):
    module = paths.find_module(ROOT, "01")
    submission = tmp_path / "blank.ipynb"
    notebooks.write_notebook(notebooks.student_notebook(module.src), submission)
    (tmp_path / "a-file").write_text("x")
    old = os.umask(0o022)
    try:
        code = main.main(["grade", "01", str(submission), "--json", str(tmp_path / "ok.json"),
                          "--junit", str(tmp_path / "no" / "such" / "dir" / "x.xml"),
                          "--gradescope", str(tmp_path / "a-file" / "results.json"),
                          "--gradescope-visibility", "after_due_date"])
    finally:
        os.umask(old)
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"could not write the JUnit XML report to {tmp_path / 'no' / 'such' / 'dir' / 'x.xml'} " \
           "(No such file or directory)" in err, err
    assert "could not write the Gradescope report to" in err and "(Not a directory)" in err, err
    assert not (tmp_path / "no").exists()
    report = json.loads((tmp_path / "ok.json").read_text())  # the good path is still written, readable by others
    assert report["max"] > 0 and stat.S_IMODE((tmp_path / "ok.json").stat().st_mode) == 0o644

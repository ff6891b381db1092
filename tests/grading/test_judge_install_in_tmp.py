"""The Python installation may live under /tmp (a clone and its virtualenv made with `mktemp -d`,
as CI may do). The child's new root has an empty private /tmp: the allow-list shows the standard
library and numpy at their own paths inside it, read-only (and a 0700 folder on the way is a new,
passable folder of the new root)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import numpy as np
import pytest

from tito_helpers import ROOT, by_number, write_nb
from tito import notebooks
from tito.grading import processes

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not processes.isolation().namespaces, reason="needs the mount namespace (Linux, unshare)")
def test_grading_with_numpy_installed_under_tmp_scores_the_reference_full_marks(tmp_path):
    module = by_number("01") or pytest.skip("module 01 does not exist")
    home = Path(tempfile.mkdtemp(prefix="tito-venv-", dir="/tmp"))   # 0700, like `mktemp -d`
    try:
        venv = home / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   check=True, capture_output=True, text=True).stdout.strip())
        numpy_home = Path(np.__file__).parent.parent
        for name in ("numpy", "numpy.libs"):       # numpy itself under /tmp, found first
            if (numpy_home / name).is_dir():
                shutil.copytree(numpy_home / name, site / name)
        # Everything else tito needs from this environment, after the copy on sys.path.
        (site / "here.pth").write_text(f"{sysconfig.get_paths()['purelib']}\n{ROOT}\n")
        submission = write_nb(notebooks.reference_notebook(module.src), tmp_path / "reference.ipynb")
        report_path = tmp_path / "report.json"
        result = subprocess.run([str(venv / "bin" / "python"), "-c",
                                 "import numpy, sys; assert numpy.__file__.startswith(sys.argv[1]), numpy.__file__; "
                                 "from tito.main import main; sys.exit(main(sys.argv[2:]))",
                                 str(site), "grade", "01", str(submission), "--json", str(report_path)],
                                cwd=tmp_path, capture_output=True, text=True, timeout=300,
                                env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
        assert result.returncode == 0, result.stdout + result.stderr
        report = json.loads(report_path.read_text())
        assert report["total"] == report["max"] > 0, result.stdout
    finally:
        shutil.rmtree(home, ignore_errors=True)

"""tito's messages reach an output whose encoding cannot write them (tito/main.py's
escape_what_cannot_be_written)."""
from __future__ import annotations

import io
import sys

from tito import main as tito_main


def test_a_message_the_output_cannot_encode_is_escaped_not_fatal(monkeypatch, tmp_path):
    """Windows' stdout into a pipe encodes with the code page (cp1252): `tito grade` naming a notebook
    called Łódź must print its message (escaped), not stop with UnicodeEncodeError."""
    out, err = io.BytesIO(), io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(out, encoding="cp1252"))
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(err, encoding="cp1252"))
    code = tito_main.main(["grade", "09", str(tmp_path / "Łódź.ipynb"), "--json", str(tmp_path / "r.json")])
    sys.stdout.flush()
    sys.stderr.flush()
    said = (out.getvalue() + err.getvalue()).decode("cp1252")
    assert code == 2 and "\\u0141ód\\u017a.ipynb" in said, said

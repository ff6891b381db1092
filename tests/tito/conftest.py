"""pytest configuration for tests/tito (helpers live in tito_helpers.py)."""
from pathlib import Path

import pytest

from tito_helpers import DEMO, make_repo

# The fixture's own pytest suite imports tinytorch.core.demo, which exists only in temporary repos.
collect_ignore = ["fixture_repo"]


@pytest.fixture
def demo_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path, [DEMO])

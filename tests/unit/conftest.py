"""The unit tests' shared fixture: a copy of data/kb to break."""
import shutil
from pathlib import Path

import pytest

from tests.unit.kb_files import KB


@pytest.fixture
def kb_copy(tmp_path) -> Path:
    destination = tmp_path / "kb"
    shutil.copytree(KB, destination)
    return destination

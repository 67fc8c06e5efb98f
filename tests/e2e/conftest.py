from __future__ import annotations

import pytest

from tests.e2e.servers import Assistant


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    running = Assistant(tmp_path_factory.mktemp("assistant")).start()
    yield running
    running.stop()

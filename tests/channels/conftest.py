from __future__ import annotations

import pytest

from tests.channels.twilio_double import FakeTwilioApi
from tests.channels.twilio_line import Line
from tests.e2e.servers import Assistant


@pytest.fixture(scope="session")
def twilio_api():
    api = FakeTwilioApi().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def line(tmp_path_factory, twilio_api):
    """The assistant as Twilio reaches it directly (the signed URL is the request URL); its SMS replies go
    through the real twilio Client to the Twilio API double."""
    assistant = Assistant(tmp_path_factory.mktemp("twilio"), extra_env={"TWILIO_API_BASE_URL": twilio_api.url})
    assistant.start()
    yield Line(assistant)
    assistant.stop()

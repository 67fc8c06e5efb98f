"""The knowledge base the actions read: a real SQLite database, loaded from data/kb/."""
from __future__ import annotations

import pytest

from actions import services
from bot.kb.database import session_factory
from bot.kb.loader import load_into


@pytest.fixture()
def kb(tmp_path, monkeypatch):
    sessions = session_factory(f"sqlite:///{tmp_path / 'kb.db'}")
    assert not load_into(sessions).errors
    monkeypatch.setattr(services, "sessions", lambda: sessions)
    return sessions

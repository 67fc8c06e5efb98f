"""`python -m bot purge --older-than DAYS` (bot/retention.py) against Rasa's own SQL tracker store and the
escalation log: what is older goes, with all its parts; nothing newer is touched."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, select

from bot.escalations import record
from bot.kb.database import session_factory
from bot.kb.models import Alert, CallbackContact, Escalation, UnansweredQuestion
from bot.retention import purge
from bot.unanswered import record as record_unanswered

NOW = datetime(2026, 12, 1, 12, 0)


def _stamp(moment: datetime) -> float:
    return moment.replace(tzinfo=timezone.utc).timestamp()


def test_purge_deletes_old_conversations_and_records_and_nothing_newer(tmp_path):
    tracker_path = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tracker_path))
    check_purge(store, f"sqlite:///{tmp_path / 'kb.db'}", f"sqlite:///{tracker_path}")


def check_purge(store: SQLTrackerStore, kb_url: str, tracker_url: str) -> None:
    """Old and recent conversations and records in `store` and `kb_url`; purge keeps exactly the recent ones
    (tests/postgres runs it on PostgreSQL)."""
    conversations = {"rest:old": NOW - timedelta(days=40), "sms:recent": NOW - timedelta(days=2),
                     # an old conversation the patient came back to: its last event is recent, so it stays whole
                     "rest:returned": NOW - timedelta(days=40)}

    async def save_all():
        for sender, started in conversations.items():
            events = [UserUttered("my back hurts", timestamp=_stamp(started)),
                      BotUttered("I'm sorry to hear that.", timestamp=_stamp(started) + 1)]
            if sender == "rest:returned":
                events.append(UserUttered("hello again", timestamp=_stamp(NOW - timedelta(days=1))))
            await store.save(DialogueStateTracker.from_events(sender, events))

    asyncio.run(save_all())
    sessions = session_factory(kb_url)
    old = record(sessions, "sms:old", "urgent", ["fever"], "twilio", "555", at=NOW - timedelta(days=40),
                 sealed_contact="sealed")
    with sessions.begin() as session:
        session.add(Alert(escalation_id=old.id, status="sent", attempts=1))
    kept = record(sessions, "sms:recent", "emergency", ["chest_pain"], "twilio", "911", at=NOW - timedelta(days=2))
    record_unanswered(sessions, "offered_topics", [{"name": "ask_insurance_cost", "confidence": 0.4}], "rest",
                      at=NOW - timedelta(days=40))
    record_unanswered(sessions, "gave_up", [], "rest", at=NOW - timedelta(days=3))

    done = purge(sessions, tracker_url, 30, now=NOW)

    assert (done.conversations, done.events, done.escalations, done.unanswered) == (1, 2, 1, 1)
    assert asyncio.run(store.retrieve("rest:old")) is None
    assert len(asyncio.run(store.retrieve("rest:returned")).events) >= 3
    assert len(asyncio.run(store.retrieve("sms:recent")).events) >= 2
    with sessions() as session:
        assert session.scalars(select(Escalation.id)).all() == [kept.id]
        assert session.scalar(select(func.count(Alert.id))) == 0
        assert session.scalar(select(func.count()).select_from(CallbackContact)) == 0
        assert session.scalar(select(func.count(UnansweredQuestion.id))) == 1


def test_purge_refuses_less_than_a_day(tmp_path):
    with pytest.raises(ValueError):
        purge(session_factory(f"sqlite:///{tmp_path / 'kb.db'}"), None, 0.5)

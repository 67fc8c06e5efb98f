"""Nobody can page on-call at will (bot/alerts.py): an alert for the same conversation and red flags is sent once
within a window, and past the flood limit one alert says the rest are held back."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot import alerts
from bot.escalations import record
from bot.identity import seal_contact
from bot.kb.database import session_factory
from bot.kb.models import Alert

NOW = datetime(2026, 12, 1, 2, 0)


@pytest.fixture()
def sessions(tmp_path, monkeypatch):
    monkeypatch.setenv("ALERT_WEBHOOK_URL", "http://127.0.0.1:9/never-called")
    monkeypatch.setenv("ALERT_FLOOD_MAX", "3")
    monkeypatch.setenv("ALERT_FLOOD_MINUTES", "10")
    monkeypatch.setenv("ALERT_REPEAT_MINUTES", "30")
    return session_factory(f"sqlite:///{tmp_path / 'kb.db'}")


def escalate(sessions, conversation, codes=("chest_pain",), level="emergency", at=NOW, alert_status="sent",
             contact=None):
    entry = record(sessions, conversation, level, list(codes), "rest", "911", at=at, sealed_contact=contact)
    verdict = alerts.gate(sessions, entry)
    if verdict.startswith("send") and alert_status:
        with sessions.begin() as session:  # as deliver() leaves it
            session.add(Alert(escalation_id=entry.id, status=alert_status, attempts=1))
    return verdict


def test_the_same_red_flag_in_the_same_conversation_is_alerted_once(sessions):
    assert escalate(sessions, "sms:a") == "send"
    assert escalate(sessions, "sms:a", at=NOW + timedelta(minutes=5)) == "repeat"
    assert escalate(sessions, "sms:a", level="urgent", at=NOW + timedelta(minutes=6)) == "repeat"


def test_a_new_red_flag_a_higher_level_or_a_later_time_is_alerted_again(sessions):
    assert escalate(sessions, "sms:a", codes=("fever",), level="urgent") == "send"
    assert escalate(sessions, "sms:a", codes=("fever", "leg_weakness"), level="emergency",
                    at=NOW + timedelta(minutes=1)) == "send"
    assert escalate(sessions, "sms:b", codes=("fever",), level="urgent") == "send"
    assert escalate(sessions, "sms:a", codes=("fever",), level="urgent", at=NOW + timedelta(minutes=45)) == "send"


def test_a_failed_alert_is_tried_again_by_the_next_report(sessions):
    assert escalate(sessions, "sms:a", alert_status="failed") == "send"
    assert escalate(sessions, "sms:a", at=NOW + timedelta(minutes=1)) == "send"


def test_a_flood_is_held_back_after_one_alert_that_says_so(sessions):
    verdicts = [escalate(sessions, f"rest:attacker-{n}", at=NOW + timedelta(seconds=n)) for n in range(6)]
    assert verdicts == ["send", "send", "send", "send_and_hold_others", "held", "held"]
    later = NOW + timedelta(minutes=11)  # the window has passed
    assert escalate(sessions, "rest:someone", at=later) == "send"


def test_schedule_stores_what_it_held_back_and_sends_nothing(sessions):
    async def scenario():
        for n in range(4):
            escalate(sessions, f"rest:x{n}", at=NOW)
        entry = record(sessions, "rest:x9", "emergency", ["chest_pain"], "rest", "911", at=NOW)
        return entry, alerts.schedule(sessions, entry)

    entry, task = asyncio.run(scenario())
    assert task is None
    with sessions() as session:
        assert session.scalars(select(Alert.status).where(Alert.escalation_id == entry.id)).all() == ["held"]


def test_the_alert_carries_the_call_back_number_only_to_the_clinic(sessions, monkeypatch):
    entry = record(sessions, "sms:a", "emergency", ["chest_pain"], "twilio", "911", at=NOW,
                   sealed_contact=seal_contact("+15551234567"))
    from bot.escalations import sealed_contact_of
    from bot.identity import open_contact

    body = alerts.payload(entry, open_contact(sealed_contact_of(sessions, entry.id)), others_held=True)
    assert body["callback_number"] == "+15551234567"
    assert "held back" in body["alerts_held"]
    assert "callback_number" not in alerts.payload(entry)

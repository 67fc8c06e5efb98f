"""The action server is restarted with an on-call alert still pending: the alert is delivered after the restart."""
from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from bot.escalations import list_escalations
from bot.identity import conversation_id
from bot.kb.database import session_factory
from bot.kb.models import Alert
from tests.e2e.servers import Assistant
from scripts.replicated import drop_database, ensure_database
from tests.e2e.test_triage_flows import ALERT_SECRET, Webhook


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(request):
    """The embedded SQLite files, or the local PostgreSQL (a database of its own, dropped afterwards)."""
    if request.param == "sqlite":
        yield {}
        return
    url = f"postgresql://postgres@127.0.0.1:5432/kyphobot_alerts_{uuid.uuid4().hex[:8]}"
    ensure_database(url)
    yield {"DATABASE_URL": url, "TRACKER_STORE_URL": url}
    drop_database(url)


def alert_of(sessions, who):
    [entry] = [e for e in list_escalations(sessions) if e.conversation_id == conversation_id("rest", who)]
    with sessions() as session:
        return entry, session.scalars(select(Alert).where(Alert.escalation_id == entry.id)).first()


def wait_for(condition, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # polling the database for the background delivery
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_an_alert_pending_when_the_action_server_stops_is_sent_after_it_starts_again(tmp_path, stores):
    webhook = Webhook()
    webhook.reset(failures=1000)  # the clinic's pager is down: the alert waits out its backoff, pending
    assistant = Assistant(tmp_path, extra_env={
        "ALERT_WEBHOOK_URL": f"http://127.0.0.1:{webhook.port}/alerts", "ALERT_WEBHOOK_SECRET": ALERT_SECRET,
        "ALERT_ATTEMPTS": "20",
        "ALERT_BACKOFF_SECONDS": "3", "ALERT_STALE_SECONDS": "2", "ALERT_OUTBOX_SECONDS": "1", **stores,
    }).start()
    try:
        sessions = session_factory(assistant.env["DATABASE_URL"])
        replies = assistant.say("restart-patient", "I have crushing chest pain")
        assert any((r.get("custom") or {}).get("triage") == "emergency" for r in replies)
        entry, _ = wait_for(lambda: (lambda e, a: (e, a) if a and a.status == "pending" and a.attempts >= 1 else None)(
            *alert_of(sessions, "restart-patient")))
        assistant.actions.stop()  # with the alert pending
        webhook.reset(failures=0)  # the pager is back
        assistant.actions.start()
        _, alert = wait_for(lambda: (lambda e, a: (e, a) if a.status == "sent" else None)(
            *alert_of(sessions, "restart-patient")))
        assert [body["escalation_id"] for body in webhook.received] == [entry.id]
    finally:
        assistant.stop()
        webhook.server.shutdown()

"""The alert outbox (bot/alerts.py): an alert a stopped process left `pending` is sent by the next one, once."""
from __future__ import annotations

import asyncio
import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from bot import alerts
from bot.escalations import record
from bot.kb.database import session_factory
from bot.kb.models import Alert


@pytest.fixture()
def webhook(monkeypatch):
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("ALERT_WEBHOOK_URL", f"http://127.0.0.1:{server.server_address[1]}/alerts")
    yield received
    server.shutdown()


def test_an_alert_left_pending_by_a_stopped_process_is_sent_once(tmp_path, webhook):
    sessions = session_factory(f"sqlite:///{tmp_path / 'kb.db'}")
    now = datetime.utcnow()
    left = record(sessions, "sms:a", "emergency", ["chest_pain"], "twilio", "911", at=now - timedelta(minutes=5))
    live = record(sessions, "sms:b", "urgent", ["fever"], "twilio", "555", at=now)
    with sessions.begin() as session:
        session.add(Alert(escalation_id=left.id, status="pending", attempts=1, updated_at=now - timedelta(minutes=5)))
        session.add(Alert(escalation_id=live.id, status="pending", attempts=1, updated_at=now))  # another process's

    async def scenario():
        taken = await alerts.resume_stale(sessions)
        await asyncio.gather(*list(alerts._running))
        again = await alerts.resume_stale(sessions)
        return taken, again

    taken, again = asyncio.run(scenario())
    assert (taken, again) == (1, 0)
    assert [body["escalation_id"] for body in webhook] == [left.id]
    with sessions() as session:
        statuses = dict(session.execute(select(Alert.escalation_id, Alert.status)).all())
    assert statuses == {left.id: "sent", live.id: "pending"}


def test_without_a_webhook_nothing_is_taken_up(tmp_path, monkeypatch):
    monkeypatch.delenv("ALERT_WEBHOOK_URL", raising=False)
    assert asyncio.run(alerts.resume_stale(session_factory(f"sqlite:///{tmp_path / 'kb.db'}"))) == 0

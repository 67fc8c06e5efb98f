"""The clinic's retention policy: `python -m bot purge --older-than DAYS` deletes every conversation whose last
event is older than DAYS (all its events, in the tracker store), and the escalations (with their alerts and
sealed call-back numbers) and unanswered-question records created before then. Nothing newer is touched."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy import bindparam, create_engine, delete, inspect, select, text
from sqlalchemy.orm import sessionmaker

from bot.kb.models import Alert, CallbackContact, Escalation, UnansweredQuestion


@dataclass(frozen=True)
class Purged:
    conversations: int
    events: int
    escalations: int
    unanswered: int


def _purge_conversations(tracker_url: str, cutoff: datetime) -> tuple:
    """Rasa's SQL tracker store keeps one row per event in `events`, with a Unix `timestamp`."""
    engine = create_engine(tracker_url, future=True)
    try:
        if not inspect(engine).has_table("events"):
            return 0, 0
        with engine.begin() as connection:
            old = connection.execute(text(
                "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"),
                {"cutoff": cutoff.replace(tzinfo=timezone.utc).timestamp()}).scalars().all()
            events = 0
            for start in range(0, len(old), 500):
                chunk = old[start:start + 500]
                events += connection.execute(text("DELETE FROM events WHERE sender_id IN :ids").bindparams(
                    bindparam("ids", expanding=True)), {"ids": chunk}).rowcount
        return len(old), events
    finally:
        engine.dispose()


def purge(session_maker: sessionmaker, tracker_url: Optional[str], older_than_days: float,
          now: Optional[datetime] = None) -> Purged:
    if older_than_days < 1:
        raise ValueError("--older-than must be at least 1 day")
    cutoff = (now or datetime.utcnow()) - timedelta(days=older_than_days)
    conversations, events = _purge_conversations(tracker_url, cutoff) if tracker_url else (0, 0)
    with session_maker.begin() as session:
        old = select(Escalation.id).where(Escalation.created_at < cutoff)
        bulk = {"synchronize_session": False}  # nothing of these rows is loaded in the session
        session.execute(delete(Alert).where(Alert.escalation_id.in_(old)), execution_options=bulk)
        session.execute(delete(CallbackContact).where(CallbackContact.escalation_id.in_(old)), execution_options=bulk)
        escalations = session.execute(delete(Escalation).where(Escalation.created_at < cutoff),
                                      execution_options=bulk).rowcount
        unanswered = session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.created_at < cutoff),
                                     execution_options=bulk).rowcount
    return Purged(conversations, events, escalations, unanswered)

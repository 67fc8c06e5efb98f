"""Alerts to the on-call staff for `urgent` and `emergency` escalations, through a configurable webhook
(ALERT_WEBHOOK_URL; optional ALERT_WEBHOOK_SECRET signs the body with HMAC-SHA256). Delivery runs in the
background with retries and backoff, so it never delays or changes what the patient is told; each
outcome, failure included, is stored in the `alerts` table.

Nobody can page on-call at will: an alert for a conversation and red flags already alerted within
ALERT_REPEAT_MINUTES is not sent again (status `repeat`), and past ALERT_FLOOD_MAX alerts within
ALERT_FLOOD_MINUTES the next one is sent saying that the rest are held back, and the rest are `held` (listed by
`python -m bot escalations`). The patient's own reply never depends on any of this."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta
from typing import Optional, Set

import aiohttp
from sqlalchemy import func, select, update
from sqlalchemy.orm import sessionmaker

from bot.escalations import sealed_contact_of
from bot.failures import failure
from bot.identity import open_contact
from bot.kb.models import Alert, Escalation
from bot.triage.levels import rank
from bot.settings import settings

logger = logging.getLogger(__name__)
ALERTED_LEVELS = ("urgent", "emergency")
ATTEMPTED = ("pending", "sent", "failed")
_running: Set[asyncio.Task] = set()  # the loop keeps only weak references to its tasks


def webhook_url() -> Optional[str]:
    return settings().alert_webhook_url


def payload(escalation: Escalation, callback_number: Optional[str] = None, others_held: bool = False) -> dict:
    """What the on-call staff need, and nothing the patient typed. The number to call back on goes only to the
    clinic's own signed webhook."""
    body = {
        "escalation_id": escalation.id, "conversation_id": escalation.conversation_id, "level": escalation.level,
        "symptoms": escalation.symptom_codes, "channel": escalation.channel,
        "number_given": escalation.number_given, "at": escalation.created_at.isoformat() + "Z",
    }
    if callback_number:
        body["callback_number"] = callback_number
    if others_held:
        body["alerts_held"] = (f"more than {_flood_max()} alerts within {timedelta(minutes=settings().alert_flood_minutes)}: "
                               "further alerts are held back; `python -m bot escalations` lists them")
    return body


def _flood_max() -> int:
    return settings().alert_flood_max


def gate(session_maker: sessionmaker, escalation: Escalation) -> str:
    """`send`, `send_and_hold_others` (the first one past the flood limit), `repeat` or `held`."""
    now = escalation.created_at
    with session_maker() as session:
        earlier = session.execute(
            select(Escalation.level, Escalation.symptom_codes).join(Alert, Alert.escalation_id == Escalation.id)
            .where(Escalation.conversation_id == escalation.conversation_id, Escalation.id != escalation.id,
                   Escalation.created_at >= now - timedelta(minutes=settings().alert_repeat_minutes),
                   Alert.status.in_(("pending", "sent")))).all()
        if any(set(escalation.symptom_codes) <= set(codes) and rank(escalation.level) <= rank(level)
               for level, codes in earlier):
            return "repeat"
        attempted = session.scalar(
            select(func.count(Alert.id)).join(Escalation, Alert.escalation_id == Escalation.id)
            .where(Escalation.created_at >= now - timedelta(minutes=settings().alert_flood_minutes),
                   Alert.status.in_(ATTEMPTED)))
    if attempted < _flood_max():
        return "send"
    return "send_and_hold_others" if attempted == _flood_max() else "held"


def _headers(body: bytes) -> dict:
    headers = {"Content-Type": "application/json"}
    secret = settings().alert_webhook_secret
    if secret:
        headers["X-Signature-SHA256"] = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return headers


def _save(session_maker: sessionmaker, alert_id: int, status: str, attempts: int, error: Optional[str]) -> None:
    with session_maker.begin() as session:
        alert = session.get(Alert, alert_id)
        alert.status, alert.attempts, alert.last_error = status, attempts, (error or None) and error[:200]
        alert.updated_at = datetime.utcnow()


async def deliver(session_maker: sessionmaker, escalation: Escalation, url: str, attempts: int = 4,
                  backoff_seconds: float = 0.5, timeout_seconds: float = 5.0, others_held: bool = False,
                  alert_id: Optional[int] = None) -> str:
    """POST the alert; retry with exponential backoff; store the outcome. Returns 'sent' or 'failed'. The alert row
    is written `pending` before the first attempt and touched after each one: a row left pending by a process that
    stopped is the outbox `resume_stale` works through. `alert_id`: such a row, taken up again."""
    if alert_id is None:
        with session_maker.begin() as session:
            alert = Alert(escalation_id=escalation.id, status="pending", attempts=0)
            session.add(alert)
        alert_id = alert.id
    callback = open_contact(sealed_contact_of(session_maker, escalation.id))
    body = json.dumps(payload(escalation, callback, others_held)).encode()
    error = None
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_seconds)) as http:
        for attempt in range(1, attempts + 1):
            try:
                async with http.post(url, data=body, headers=_headers(body)) as response:
                    if response.status < 300:
                        _save(session_maker, alert_id, "sent", attempt, None)
                        return "sent"
                    error = f"HTTP {response.status}"
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            if attempt < attempts:
                _save(session_maker, alert_id, "pending", attempt, error)  # still ours: not stale
                await asyncio.sleep(backoff_seconds * 2 ** (attempt - 1))
    failure("alert_not_sent", "on-call alert for escalation %s not sent after %s attempts: %s", escalation.id,
            attempts, error)
    _save(session_maker, alert_id, "failed", attempts, error)
    return "failed"


def _stale_after() -> timedelta:
    return timedelta(seconds=settings().alert_stale_seconds)


async def resume_stale(session_maker: sessionmaker, now: Optional[datetime] = None) -> int:
    """Sends again every alert left `pending` by a process that stopped (untouched for ALERT_STALE_SECONDS); each
    row is claimed first, so that two action servers do not both send it. Returns how many were taken up."""
    url = webhook_url()
    if not url:
        return 0
    now = now or datetime.utcnow()
    with session_maker() as session:
        stale = session.execute(select(Alert.id, Alert.updated_at).where(
            Alert.status == "pending", Alert.updated_at < now - _stale_after())).all()
    taken = 0
    for alert_id, seen_at in stale:
        with session_maker.begin() as session:
            claimed = session.execute(update(Alert).where(Alert.id == alert_id, Alert.updated_at == seen_at)
                                      .values(updated_at=datetime.utcnow()),
                                      execution_options={"synchronize_session": False}).rowcount
            escalation = session.get(Escalation, session.get(Alert, alert_id).escalation_id) if claimed else None
        if escalation is None:
            continue
        logger.warning("on-call alert for escalation %s was left pending by a stopped process: sending it now",
                       escalation.id)
        _start_delivery(session_maker, escalation, url, alert_id=alert_id)
        taken += 1
    return taken


async def outbox_worker(session_maker: sessionmaker) -> None:
    """Runs in each action server: alerts a stopped process left pending are sent after a restart, looked for every
    ALERT_OUTBOX_SECONDS (30)."""
    every_seconds = settings().alert_outbox_seconds
    while True:
        try:
            await resume_stale(session_maker)
        except Exception:  # the database may be away for a moment: say so, and look again
            failure("alert_outbox_unreadable", "the alert outbox could not be read", with_traceback=True)
        await asyncio.sleep(every_seconds)


def schedule(session_maker: sessionmaker, escalation: Escalation) -> Optional[asyncio.Task]:
    """Start delivery in the background if the level calls for it, a webhook is configured and the gate lets
    it through; an alert held back is stored with its reason."""
    url = webhook_url()
    if escalation.level not in ALERTED_LEVELS or not url:
        return None
    verdict = gate(session_maker, escalation)
    if verdict in ("repeat", "held"):
        logger.warning("on-call alert for escalation %s not sent: %s", escalation.id, verdict)
        with session_maker.begin() as session:
            session.add(Alert(escalation_id=escalation.id, status=verdict, attempts=0))
        return None
    return _start_delivery(session_maker, escalation, url, others_held=verdict == "send_and_hold_others")


def _start_delivery(session_maker: sessionmaker, escalation: Escalation, url: str, **options) -> asyncio.Task:
    """deliver() in the background, with ALERT_ATTEMPTS and ALERT_BACKOFF_SECONDS, kept referenced until it ends."""
    task = asyncio.get_running_loop().create_task(deliver(
        session_maker, escalation, url, settings().alert_attempts, settings().alert_backoff_seconds, **options))
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task

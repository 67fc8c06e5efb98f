"""Alerts to the on-call staff for `urgent` and `emergency` escalations, through a configurable webhook
(ALERT_WEBHOOK_URL; optional ALERT_WEBHOOK_SECRET signs the body with HMAC-SHA256). Delivery runs in the
background with retries and backoff, so it never delays or changes what the patient is told; each
outcome, failure included, is stored in the `alerts` table."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
from datetime import datetime
from typing import Optional

import aiohttp
from sqlalchemy.orm import sessionmaker

from bot.kb.models import Alert, Escalation

logger = logging.getLogger(__name__)
ALERTED_LEVELS = ("urgent", "emergency")


def webhook_url() -> Optional[str]:
    return os.environ.get("ALERT_WEBHOOK_URL") or None


def payload(escalation: Escalation) -> dict:
    """What the on-call staff need, and nothing the patient typed."""
    return {
        "escalation_id": escalation.id, "conversation_id": escalation.conversation_id, "level": escalation.level,
        "symptoms": escalation.symptom_codes, "channel": escalation.channel,
        "number_given": escalation.number_given, "at": escalation.created_at.isoformat() + "Z",
    }


def _headers(body: bytes) -> dict:
    headers = {"Content-Type": "application/json"}
    secret = os.environ.get("ALERT_WEBHOOK_SECRET")
    if secret:
        headers["X-Signature-SHA256"] = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return headers


def _save(session_maker: sessionmaker, alert_id: int, status: str, attempts: int, error: Optional[str]) -> None:
    with session_maker.begin() as session:
        alert = session.get(Alert, alert_id)
        alert.status, alert.attempts, alert.last_error = status, attempts, (error or None) and error[:200]
        alert.updated_at = datetime.utcnow()


async def deliver(session_maker: sessionmaker, escalation: Escalation, url: str, attempts: int = 4,
                  backoff_seconds: float = 0.5, timeout_seconds: float = 5.0) -> str:
    """POST the alert; retry with exponential backoff; store the outcome. Returns 'sent' or 'failed'."""
    with session_maker.begin() as session:
        alert = Alert(escalation_id=escalation.id, status="pending", attempts=0)
        session.add(alert)
    body = json.dumps(payload(escalation)).encode()
    error = None
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_seconds)) as http:
        for attempt in range(1, attempts + 1):
            try:
                async with http.post(url, data=body, headers=_headers(body)) as response:
                    if response.status < 300:
                        _save(session_maker, alert.id, "sent", attempt, None)
                        return "sent"
                    error = f"HTTP {response.status}"
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            if attempt < attempts:
                await asyncio.sleep(backoff_seconds * 2 ** (attempt - 1))
    logger.warning("on-call alert for escalation %s failed after %s attempts: %s", escalation.id, attempts, error)
    _save(session_maker, alert.id, "failed", attempts, error)
    return "failed"


def schedule(session_maker: sessionmaker, escalation: Escalation) -> Optional[asyncio.Task]:
    """Start delivery in the background if the level calls for it and a webhook is configured."""
    url = webhook_url()
    if escalation.level not in ALERTED_LEVELS or not url:
        return None
    attempts = int(os.environ.get("ALERT_ATTEMPTS", "4"))
    backoff = float(os.environ.get("ALERT_BACKOFF_SECONDS", "0.5"))
    return asyncio.get_running_loop().create_task(deliver(session_maker, escalation, url, attempts, backoff))

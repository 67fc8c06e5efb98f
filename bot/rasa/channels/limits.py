"""Rate limits on the public webhooks, per sender and per client address, in one-minute windows:
RATE_LIMIT_PER_SENDER (default 20 messages a minute) and RATE_LIMIT_PER_ADDRESS (default 120: a waiting room
behind one router). 0 lifts a limit: load tests and evaluations on loopback set both to 0 (docs/security.md).
A patient who is held back is told to wait, and given the clinic's number for the hour and the emergency number.

The counters live in each Rasa process; with several replicas behind nginx, nginx's own `limit_req` is the
shared limit in front of them. (The `limits` library needs a newer `packaging` than rasa 3.6 allows.)"""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Optional, Tuple

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.clinic import load_profile
from bot.safety_texts import TOO_FAST
from bot.settings import settings

WINDOW_SECONDS = 60.0


class WindowCounter:
    """Hits per key in the current window; the keys least recently seen are forgotten past `max_keys`."""

    def __init__(self, max_keys: int = 50_000) -> None:
        self.max_keys = max_keys
        self._windows: "OrderedDict[str, Tuple[float, int]]" = OrderedDict()

    def allow(self, key: str, limit: int, now: Optional[float] = None) -> bool:
        if limit <= 0:
            return True
        now = time.monotonic() if now is None else now
        started, hits = self._windows.get(key, (now, 0))
        if now - started >= WINDOW_SECONDS:
            started, hits = now, 0
        self._windows[key] = (started, hits + 1)
        self._windows.move_to_end(key)
        while len(self._windows) > self.max_keys:
            self._windows.popitem(last=False)
        return hits < limit


_senders, _addresses = WindowCounter(), WindowCounter()


def held_back_text() -> str:
    profile = load_profile()
    return TOO_FAST.format(number=profile.number_for_now(), emergency_number=profile.emergency_number)


def allowed(request: Request, sender_key: Optional[str], by_address: bool = True) -> bool:
    """Counts this request against its sender and its client address (behind a proxy, the address Sanic's
    PROXIES_COUNT / FORWARDED_SECRET settings give)."""
    address = request.remote_addr or request.ip or "unknown"
    by_address = not by_address or _addresses.allow(address, settings().rate_limit_per_address)
    by_sender = sender_key is None or _senders.allow(sender_key, settings().rate_limit_per_sender)
    return by_address and by_sender


def sender_allowed(sender_key: str) -> bool:
    """For socket.io, whose messages come over a connection already open: the sender's limit only."""
    return _senders.allow(sender_key, settings().rate_limit_per_sender)


def too_many(request: Request, sender_key: str) -> Optional[HTTPResponse]:
    """None when the request may go on; else the REST answer a held-back client gets (429, with a reply)."""
    if allowed(request, sender_key):
        return None
    return response.json([{"recipient_id": sender_key.split(":", 1)[-1], "text": held_back_text()}], status=429,
                         headers={"Retry-After": str(int(WINDOW_SECONDS))})

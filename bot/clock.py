"""The current time. ASSISTANT_NOW (ISO 8601 with offset) fixes it, for tests and demos of after-hours routing."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.settings import settings


def now() -> datetime:
    fixed = settings().assistant_now
    return fixed if fixed else datetime.now(timezone.utc)

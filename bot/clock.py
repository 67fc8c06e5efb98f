"""The current time. ASSISTANT_NOW (ISO 8601 with offset) fixes it, for tests and demos of after-hours routing."""
from __future__ import annotations

import os
from datetime import datetime, timezone


def now() -> datetime:
    fixed = os.environ.get("ASSISTANT_NOW")
    return datetime.fromisoformat(fixed) if fixed else datetime.now(timezone.utc)

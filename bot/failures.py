"""Failures that leave a gap in what the clinic relies on (an escalation not recorded, an on-call alert not sent, a
reply missing from the record): logged loudly, each with its running count per process, so that a log alert on
"FAILURE" finds them and the count shows how often."""
from __future__ import annotations

import logging
from collections import Counter
from typing import Dict

logger = logging.getLogger("bot.failures")
_counts: Counter = Counter()


def failure(kind: str, message: str, *args: object, with_traceback: bool = False) -> int:
    """Logs `message` at ERROR as FAILURE <kind> #<n>; returns n, this process's count of `kind` so far."""
    _counts[kind] += 1
    logger.error(f"FAILURE {kind} #%d: {message}", _counts[kind], *args, exc_info=with_traceback)
    return _counts[kind]


def counts() -> Dict[str, int]:
    return dict(_counts)

"""Triage levels of the reply contract, from least to most urgent."""
from __future__ import annotations

from typing import Optional

# self_care: expected after the procedure; soon: call in office hours;
# urgent: call the clinic / on-call doctor now; emergency: call the emergency number now.
LEVELS = ("self_care", "soon", "urgent", "emergency")


def rank(level: Optional[str]) -> int:
    return LEVELS.index(level) if level in LEVELS else -1


def higher_level(a: Optional[str], b: Optional[str]) -> Optional[str]:
    return a if rank(a) >= rank(b) else b

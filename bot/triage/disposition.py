"""What the patient is told for a triage level, and the reply metadata. The sentences are reviewed data
(data/kb/safety_texts.yml, through bot.safety_texts); this module chooses one and fills it in."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

from bot.clinic import ClinicProfile
from bot.safety_texts import disposition, whom_to_call


@dataclass(frozen=True)
class Disposition:
    level: str
    text: str
    number: Optional[str]
    metadata: Dict[str, Any] = field(default_factory=dict)


def _joined(labels: List[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def decide(level: str, labels: List[str], codes: List[str], profile: ClinicProfile,
           now: Optional[datetime] = None, advice: Optional[str] = None) -> Disposition:
    """The reply for a triaged symptom report. `advice` is a sourced knowledge-base answer (self-care)."""
    what = _joined(labels).capitalize() or "What you describe"
    several = len(labels) > 1
    emergency = profile.emergency_number
    number = profile.number_for_now(now)
    values = dict(what=what, needs_or_need="need" if several else "needs", is_or_are="are" if several else "is",
                  whom_to_call=whom_to_call(profile, now), emergency_number=emergency, number=number,
                  office_phone=profile.office_phone, hours=profile.hours_text(),
                  er_fallback_minutes=str(profile.setting("er_fallback_minutes")), advice=advice or "")
    reply = "crisis" if "crisis" in codes else level if level in ("emergency", "urgent", "soon") else "self_care"
    text = disposition(reply, **values)
    number = {"crisis": emergency, "emergency": emergency, "urgent": number, "soon": profile.office_phone,
              "self_care": None}[reply]
    metadata: Dict[str, Any] = {"triage": level, "symptoms": codes}
    if number:
        metadata["call"] = number
    return Disposition(level, text, number, metadata)

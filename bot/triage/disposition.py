"""What the patient is told for a triage level: whom to call at this hour, and the reply metadata."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

from bot.clinic import ClinicProfile


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


def whom_to_call(profile: ClinicProfile, now: Optional[datetime] = None) -> str:
    if profile.is_open(now):
        return f"The clinic is open now: call {profile.office_phone}."
    return f"The clinic is closed now: call the on-call doctor at {profile.on_call_phone}."


def decide(level: str, labels: List[str], codes: List[str], profile: ClinicProfile,
           now: Optional[datetime] = None, advice: Optional[str] = None) -> Disposition:
    """The reply for a triaged symptom report. `advice` is a sourced knowledge-base answer (self-care)."""
    what = _joined(labels).capitalize() or "What you describe"
    several = len(labels) > 1
    emergency = profile.emergency_number
    number = profile.number_for_now(now)
    wait = profile.setting("er_fallback_minutes")
    if "crisis" in codes:
        text = (f"You can also talk to your care team: {whom_to_call(profile, now)} "
                f"If you are in danger now, call {emergency}.")
        number = emergency
    elif level == "emergency":
        # The last number on a night-time screen is the emergency number (clinical review, November 2026).
        text = (f"{what} can be a sign of a serious problem. Once help is on the way, someone can let your care "
                f"team know: {profile.number_for_now(now)}. Call {emergency} now.")
        number = emergency
    elif level == "urgent":
        text = (f"{what} after the procedure {'need' if several else 'needs'} a call to your care team now. {whom_to_call(profile, now)} "
                f"If you cannot reach anyone within {wait} minutes, go to the nearest emergency room; do not drive "
                f"yourself. Call {emergency} if you get chest pain, trouble breathing, new weakness or numbness in an "
                f"arm or leg, or lose control of your bladder or bowels.")
    elif level == "soon":
        text = (f"{what} should be checked by your care team. Please call the clinic at {profile.office_phone} "
                f"during opening hours ({profile.hours_text()}). If it gets worse or you get new symptoms, "
                f"call now: {number}.")
        number = profile.office_phone
    else:
        text = (f"{what} {'are' if several else 'is'} common after the procedure. " + (advice + " " if advice else "")
                + f"Call the clinic at {profile.office_phone} if it gets worse or does not get better.")
        number = None
    metadata: Dict[str, Any] = {"triage": level, "symptoms": codes}
    if number:
        metadata["call"] = number
    return Disposition(level, text, number, metadata)

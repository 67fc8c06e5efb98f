"""The fixed safety sentences (data/kb/safety_texts.yml): what every channel adds whatever fails behind it, the
actions' fallbacks, the widget's introduction, whom to call at this hour, and the reply to a triaged symptom by
level. Read once, at import: a missing or broken file stops the process at start-up rather than leaving a patient
without the emergency number."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Dict, Optional

import yaml

from bot.clinic import ClinicProfile
from bot.config import kb_dir

PLACEHOLDERS = ("emergency_number", "number", "whom_to_call")
DISPOSITION_PLACEHOLDERS = ("what", "needs_or_need", "is_or_are", "whom_to_call", "emergency_number", "number",
                            "office_phone", "hours", "er_fallback_minutes", "advice")
DISPOSITION_LEVELS = ("crisis", "emergency", "urgent", "soon", "self_care")
# the replies that must give the emergency number (the others point to the clinic)
NAMES_THE_EMERGENCY_NUMBER = ("crisis", "emergency", "urgent")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _check_fields(where: str, text: str, allowed: tuple) -> None:
    try:
        text.format(**{name: "" for name in allowed})
    except (KeyError, IndexError, ValueError) as error:
        raise ValueError(f"{where}: unknown or broken placeholder {error}") from None


def load(path: Optional[Path] = None) -> Dict[str, str]:
    path = path or kb_dir() / "safety_texts.yml"
    texts = _read(path)["texts"]
    for key, text in texts.items():
        if "{emergency_number}" not in text:
            raise ValueError(f"{path.name}: '{key}' does not give the emergency number")
        _check_fields(f"{path.name}: '{key}'", text, PLACEHOLDERS)
    return {key: _one_line(text) for key, text in texts.items()}


def load_dispositions(path: Optional[Path] = None) -> Dict[str, str]:
    """The reply for each triage level, and the two whom-to-call sentences (as `whom_to_call:open` and `:closed`)."""
    path = path or kb_dir() / "safety_texts.yml"
    document = _read(path)
    replies = document.get("dispositions") or {}
    missing = [level for level in DISPOSITION_LEVELS if level not in replies]
    if missing:
        raise ValueError(f"{path.name}: no disposition reply for {', '.join(missing)}")
    for level in NAMES_THE_EMERGENCY_NUMBER:
        if "{emergency_number}" not in replies[level]:
            raise ValueError(f"{path.name}: the {level} reply does not give the emergency number")
    for level, text in replies.items():
        _check_fields(f"{path.name}: disposition '{level}'", text, DISPOSITION_PLACEHOLDERS)
    whom = document.get("whom_to_call") or {}
    for hour, phone in (("open", "{office_phone}"), ("closed", "{on_call_phone}")):
        if phone not in whom.get(hour, ""):
            raise ValueError(f"{path.name}: whom_to_call '{hour}' must give {phone}")
    return {**{level: _one_line(text) for level, text in replies.items()},
            "whom_to_call:open": _one_line(whom["open"]), "whom_to_call:closed": _one_line(whom["closed"])}


TEXTS = load()
DISPOSITIONS = load_dispositions()


def whom_to_call(profile: ClinicProfile, now: Optional[datetime] = None) -> str:
    """Whom the patient calls at this hour: the office while the clinic is open, else the on-call doctor."""
    hour = "open" if profile.is_open(now) else "closed"
    return DISPOSITIONS[f"whom_to_call:{hour}"].format(office_phone=profile.office_phone,
                                                      on_call_phone=profile.on_call_phone)


def disposition(level: str, **values: str) -> str:
    """The reply for a triage level (or "crisis") with its values filled in."""
    return _one_line(DISPOSITIONS[level].format(**values))


def text(key: str, **values: str) -> str:
    """The sentence `key` with the clinic's values filled in."""
    return TEXTS[key].format(**values)


def for_clinic(key: str, profile: ClinicProfile, now: Optional[datetime] = None) -> str:
    """The sentence `key` with this clinic's numbers for the hour (`now`, default the clock's)."""
    return text(key, emergency_number=profile.emergency_number, number=profile.number_for_now(now),
                whom_to_call=whom_to_call(profile, now))


# the guard's sentences, by the names the channels use
DISCLAIMER, EMPTY, NO_ANSWER = TEXTS["disclaimer"], TEXTS["empty"], TEXTS["no_answer"]
TOO_FAST, CUT_SHORT, ONE_AT_A_TIME = TEXTS["too_fast"], TEXTS["cut_short"], TEXTS["one_at_a_time"]

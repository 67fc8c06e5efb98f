"""The fixed safety sentences (data/kb/safety_texts.yml): what every channel adds whatever fails behind it, the
actions' fallbacks and the widget's introduction. Read once, at import: a missing or broken file stops the process
at start-up rather than leaving a patient without the emergency number."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Dict, Optional

import yaml

from bot.clinic import ClinicProfile
from bot.config import KB_DIR
from bot.triage.disposition import whom_to_call

PLACEHOLDERS = ("emergency_number", "number", "whom_to_call")


def load(path: Path = KB_DIR / "safety_texts.yml") -> Dict[str, str]:
    texts = yaml.safe_load(path.read_text(encoding="utf-8"))["texts"]
    for key, text in texts.items():
        if "{emergency_number}" not in text:
            raise ValueError(f"{path.name}: '{key}' does not give the emergency number")
    return {key: " ".join(text.split()) for key, text in texts.items()}


TEXTS = load()


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

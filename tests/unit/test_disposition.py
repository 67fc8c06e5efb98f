"""bot.triage.disposition.decide: what the patient is told, whom to call at this hour, the reply metadata."""
from __future__ import annotations

import copy
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.clinic import load_profile, parse_profile
from bot.safety_texts import whom_to_call
from bot.triage.disposition import decide

CHICAGO = ZoneInfo("America/Chicago")
OFFICE, ON_CALL, EMERGENCY = "(555) 222-0100", "(555) 222-0199", "112"
HOURS = "Mon\u2013Wed 9 am\u20135 pm (Chicago time)"
DOCUMENT = {
    "clinic": {
        "name": "Test Spine Center", "address": "1 Test Road", "timezone": "America/Chicago",
        "emergency_number": EMERGENCY, "phones": {"office": OFFICE, "on_call": ON_CALL},
        "hours": {"mon": ["09:00", "17:00"], "tue": ["09:00", "17:00"], "wed": ["09:00", "17:00"]},
        "holidays": ["2026-11-25"],
        "settings": {"er_fallback_minutes": {"value": 45, "sources": ["x"]},
                     "fever_threshold_f": {"value": 100.4, "sources": ["x"]}},
    }
}
OPEN = datetime(2026, 11, 24, 10, 0, tzinfo=CHICAGO)       # Tuesday 10:00
CLOSED = datetime(2026, 11, 24, 19, 0, tzinfo=CHICAGO)     # Tuesday 19:00
HOLIDAY = datetime(2026, 11, 25, 10, 0, tzinfo=CHICAGO)    # Wednesday, a holiday
OPEN_IN_UTC = datetime(2026, 11, 24, 22, 30, tzinfo=timezone.utc)    # 16:30 in Chicago
CLOSED_IN_UTC = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)   # 06:00 in Chicago

OPEN_NOW = f"The clinic is open now: call {OFFICE}."
CLOSED_NOW = f"The clinic is closed now: call the on-call doctor at {ON_CALL}."


@pytest.fixture(scope="module")
def profile():
    return parse_profile(DOCUMENT)


# ---------------------------------------------------------------- emergency

@pytest.mark.parametrize("now, whom", [(OPEN, OPEN_NOW), (CLOSED, CLOSED_NOW), (HOLIDAY, CLOSED_NOW),
                                       (OPEN_IN_UTC, OPEN_NOW), (CLOSED_IN_UTC, CLOSED_NOW)])
def test_emergency(profile, now, whom):
    d = decide("emergency", ["chest pain"], ["chest_pain"], profile, now=now)
    assert d.level == "emergency"
    assert d.number == EMERGENCY
    clinic = OFFICE if whom == OPEN_NOW else ON_CALL
    assert d.text == (f"Chest pain can be a sign of a serious problem. Once help is on the way, someone can let "
                      f"your care team know: {clinic}. Call {EMERGENCY} now.")
    assert d.text.endswith(f"Call {EMERGENCY} now.")  # the last number on the screen is the emergency number
    assert d.metadata == {"triage": "emergency", "symptoms": ["chest_pain"], "call": EMERGENCY}


# ---------------------------------------------------------------- urgent

@pytest.mark.parametrize("now, number, whom", [
    (OPEN, OFFICE, OPEN_NOW), (CLOSED, ON_CALL, CLOSED_NOW), (HOLIDAY, ON_CALL, CLOSED_NOW),
    (OPEN_IN_UTC, OFFICE, OPEN_NOW), (CLOSED_IN_UTC, ON_CALL, CLOSED_NOW),
])
def test_urgent(profile, now, number, whom):
    d = decide("urgent", ["fever"], ["fever"], profile, now=now)
    assert d.number == number
    assert d.text == (f"Fever after the procedure needs a call to your care team now. {whom} "
                      f"If you cannot reach anyone within 45 minutes, go to the nearest emergency room; do not "
                      f"drive yourself. Call {EMERGENCY} if you get chest pain, trouble breathing, new weakness or "
                      f"numbness in an arm or leg, or lose control of your bladder or bowels.")
    assert d.metadata == {"triage": "urgent", "symptoms": ["fever"], "call": number}


def test_urgent_er_fallback_minutes_come_from_the_profile():
    doc = copy.deepcopy(DOCUMENT)
    doc["clinic"]["settings"]["er_fallback_minutes"]["value"] = 20
    d = decide("urgent", ["fever"], ["fever"], parse_profile(doc), now=CLOSED)
    assert "within 20 minutes, go to the nearest emergency room" in d.text
    assert "45" not in d.text


def test_urgent_with_the_real_profile():
    real = load_profile()
    now = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo(real.timezone))  # a Tuesday morning
    d = decide("urgent", ["fever"], ["fever"], real, now=now)
    assert f"within {real.setting('er_fallback_minutes')} minutes" in d.text
    assert real.setting("er_fallback_minutes") == 30
    assert d.number == real.office_phone == "(555) 010-0100"


def test_missing_er_fallback_setting_is_an_error():
    doc = copy.deepcopy(DOCUMENT)
    del doc["clinic"]["settings"]["er_fallback_minutes"]
    with pytest.raises(KeyError, match="er_fallback_minutes"):
        decide("urgent", ["fever"], ["fever"], parse_profile(doc), now=OPEN)


# ---------------------------------------------------------------- soon

@pytest.mark.parametrize("now, call_now", [(OPEN, OFFICE), (CLOSED, ON_CALL), (HOLIDAY, ON_CALL)])
def test_soon(profile, now, call_now):
    d = decide("soon", ["pain that is not getting better"], ["pain_not_improving"], profile, now=now)
    # the number to use is always the office (in opening hours); "call now" is the number for this hour
    assert d.number == OFFICE
    assert d.text == (f"Pain that is not getting better should be checked by your care team. Please call the "
                      f"clinic at {OFFICE} during opening hours ({HOURS}). If it gets worse or you get new "
                      f"symptoms, call now: {call_now}.")
    assert d.metadata == {"triage": "soon", "symptoms": ["pain_not_improving"], "call": OFFICE}


# ---------------------------------------------------------------- self care

@pytest.mark.parametrize("now", [OPEN, CLOSED])
def test_self_care(profile, now):
    d = decide("self_care", ["tiredness"], ["tiredness"], profile, now=now)
    assert d.number is None
    assert d.text == (f"Tiredness is common after the procedure. "
                      f"Call the clinic at {OFFICE} if it gets worse or does not get better.")
    assert d.metadata == {"triage": "self_care", "symptoms": ["tiredness"]}


def test_self_care_with_advice(profile):
    d = decide("self_care", ["soreness at the needle site"], ["needle_site_soreness"], profile, now=CLOSED,
               advice="Use an ice pack for 20 minutes at a time.")
    assert d.text == ("Soreness at the needle site is common after the procedure. Use an ice pack for 20 minutes "
                      f"at a time. Call the clinic at {OFFICE} if it gets worse or does not get better.")
    assert d.metadata == {"triage": "self_care", "symptoms": ["needle_site_soreness"]}


# ---------------------------------------------------------------- labels

@pytest.mark.parametrize("labels, what", [
    ([], "What you describe"),
    (["chest pain"], "Chest pain"),
    (["chest pain", "sudden shortness of breath"], "Chest pain and sudden shortness of breath"),
    (["chest pain", "fever", "sudden shortness of breath"], "Chest pain, fever and sudden shortness of breath"),
])
def test_labels_are_joined(profile, labels, what):
    d = decide("emergency", labels, ["a", "b"], profile, now=OPEN)
    assert d.text.startswith(f"{what} can be a sign of a serious problem.")
    assert d.metadata["symptoms"] == ["a", "b"]


def test_crisis_ends_on_the_emergency_number(profile):
    d = decide("emergency", ["thoughts of ending your life"], ["crisis"], profile, now=CLOSED)
    assert d.number == EMERGENCY and d.metadata["call"] == EMERGENCY
    assert ON_CALL in d.text and d.text.endswith(f"If you are in danger now, call {EMERGENCY}.")


def test_whom_to_call(profile):
    assert whom_to_call(profile, OPEN) == OPEN_NOW
    assert whom_to_call(profile, CLOSED) == CLOSED_NOW
    assert whom_to_call(profile, HOLIDAY) == CLOSED_NOW

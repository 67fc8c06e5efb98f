"""bot.clinic: opening hours, holidays and time zone (with explicit aware datetimes), placeholders, and
the errors of parse_profile."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.clinic import ClinicProfile, load_profile, parse_profile
from tests.unit.clinic_document import DOCUMENT, OFFICE, ON_CALL, document

ROOT = Path(__file__).resolve().parents[2]
CHICAGO = ZoneInfo("America/Chicago")
UTC = timezone.utc

@pytest.fixture(scope="module")
def profile() -> ClinicProfile:
    return parse_profile(DOCUMENT)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=CHICAGO)


# ---------------------------------------------------------------- is_open / number_for_now, local times

@pytest.mark.parametrize("now, is_open", [
    (local(2026, 11, 24, 10, 0), True),       # Tuesday, inside hours
    (local(2026, 11, 24, 8, 0), True),        # opening minute
    (local(2026, 11, 24, 7, 59, 59), False),  # before opening
    (local(2026, 11, 24, 16, 59), True),
    (local(2026, 11, 24, 17, 0), False),      # closing time is already closed
    (local(2026, 11, 24, 21, 30), False),     # evening
    (local(2026, 11, 24, 0, 0), False),       # midnight
    (local(2026, 11, 27, 15, 59), True),      # Friday closes at 16:00
    (local(2026, 11, 27, 16, 30), False),
    (local(2026, 11, 28, 10, 0), False),      # Saturday
    (local(2026, 11, 29, 10, 0), False),      # Sunday
    (local(2026, 11, 26, 10, 0), False),      # Thanksgiving, a Thursday inside hours
    (local(2026, 12, 25, 9, 0), False),       # Christmas, a Friday inside hours
    (local(2026, 12, 24, 9, 0), True),        # the day before is a normal Thursday
])
def test_is_open_and_number_for_now(profile, now, is_open):
    assert profile.is_open(now) is is_open
    assert profile.number_for_now(now) == (OFFICE if is_open else ON_CALL)


# ---------------------------------------------------------------- times given in another zone

@pytest.mark.parametrize("now, is_open", [
    (datetime(2026, 11, 24, 14, 0, tzinfo=UTC), True),     # 08:00 in Chicago
    (datetime(2026, 11, 24, 13, 59, tzinfo=UTC), False),   # 07:59 in Chicago
    (datetime(2026, 11, 24, 22, 30, tzinfo=UTC), True),    # 16:30 in Chicago (22:30 would be closed in UTC)
    (datetime(2026, 11, 24, 23, 0, tzinfo=UTC), False),    # 17:00 in Chicago
    (datetime(2026, 11, 24, 10, 0, tzinfo=UTC), False),    # 04:00 in Chicago (10:00 would be open in UTC)
    (datetime(2026, 11, 25, 2, 0, tzinfo=UTC), False),     # Tue 20:00 in Chicago
    (datetime(2026, 11, 28, 1, 0, tzinfo=UTC), False),     # Saturday in UTC, Friday 19:00 in Chicago
    (datetime(2026, 11, 26, 16, 0, tzinfo=UTC), False),    # Thanksgiving 10:00 in Chicago
    (datetime(2026, 7, 14, 13, 0, tzinfo=UTC), True),      # summer time: 08:00 CDT
    (datetime(2026, 7, 14, 12, 59, tzinfo=UTC), False),    # 07:59 CDT (would be open on CST)
    (datetime(2026, 11, 24, 15, 30, tzinfo=ZoneInfo("Europe/Paris")), True),  # 08:30 in Chicago
])
def test_time_in_another_zone_is_converted(profile, now, is_open):
    assert profile.is_open(now) is is_open
    assert profile.number_for_now(now) == (OFFICE if is_open else ON_CALL)


@pytest.mark.parametrize("fixed, is_open", [
    ("2026-11-24T22:30:00+00:00", True),    # 16:30 in Chicago
    ("2026-11-24T10:00:00+00:00", False),   # 04:00 in Chicago
    ("2026-11-24T10:00:00-06:00", True),
    ("2026-11-26T10:00:00-06:00", False),   # Thanksgiving
])
def test_without_a_time_the_clock_is_used(profile, monkeypatch, fixed, is_open):
    monkeypatch.setenv("ASSISTANT_NOW", fixed)
    assert profile.is_open() is is_open
    assert profile.number_for_now() == (OFFICE if is_open else ON_CALL)
    assert profile.local_now() == datetime.fromisoformat(fixed)


def test_local_now_converts_to_the_clinic_zone(profile):
    converted = profile.local_now(datetime(2026, 11, 24, 22, 30, tzinfo=UTC))
    assert converted == local(2026, 11, 24, 16, 30)
    assert converted.tzinfo == CHICAGO
    assert converted.replace(tzinfo=None) == datetime(2026, 11, 24, 16, 30)


def test_holidays_use_the_local_date():
    # Auckland is UTC+13 in November: the local date is a day ahead of the UTC date during office hours.
    far = parse_profile(document(timezone="Pacific/Auckland", holidays=["2026-11-24"]))
    # Tue 24 Nov 09:00 in Auckland (still Monday 23 in UTC): holiday, closed
    assert far.is_open(datetime(2026, 11, 23, 20, 0, tzinfo=UTC)) is False
    assert far.number_for_now(datetime(2026, 11, 23, 20, 0, tzinfo=UTC)) == ON_CALL
    # Wed 25 Nov 09:00 in Auckland (Tuesday 24 in UTC, the holiday's date): open
    assert far.is_open(datetime(2026, 11, 24, 20, 0, tzinfo=UTC)) is True
    assert far.number_for_now(datetime(2026, 11, 24, 20, 0, tzinfo=UTC)) == OFFICE


def test_the_real_profile_is_closed_on_its_holidays():
    real = load_profile()
    raw = yaml.safe_load((ROOT / "data" / "kb" / "clinic.yml").read_text(encoding="utf-8"))["clinic"]
    assert real.holidays == [date.fromisoformat(str(day)) for day in raw["holidays"]]
    assert real.holidays, "the sample profile lists holidays"
    zone = ZoneInfo(raw["timezone"])
    for holiday in real.holidays:
        at_noon = datetime.combine(holiday, time(12, 0), tzinfo=zone)
        assert real.is_open(at_noon) is False
        assert real.number_for_now(at_noon) == str(raw["phones"]["on_call"])


def test_the_real_profile_values():
    real = load_profile()
    raw = yaml.safe_load((ROOT / "data" / "kb" / "clinic.yml").read_text(encoding="utf-8"))["clinic"]
    assert real.office_phone == str(raw["phones"]["office"])
    assert real.on_call_phone == str(raw["phones"]["on_call"])
    assert real.emergency_number == str(raw["emergency_number"])
    assert real.timezone == raw["timezone"]
    assert real.setting("er_fallback_minutes") == raw["settings"]["er_fallback_minutes"]["value"]
    assert real.sample_data is bool(raw.get("sample_data"))


# ---------------------------------------------------------------- texts and values

def test_hours_text(profile):
    # said as people say it (clinical review, item 19): days in a row with the same hours together, 12-hour clock
    assert profile.hours_text() == "Mon\u2013Thu 8 am\u20135 pm, Fri 8 am\u20134 pm (Chicago time)"


def test_hours_text_keeps_days_apart_when_not_in_a_row_or_not_the_same():
    other = parse_profile(document(hours={"mon": ["09:30", "12:00"], "wed": ["09:30", "12:00"],
                                          "thu": ["13:00", "18:30"]}))
    assert other.hours_text() == "Mon 9:30 am\u201312 pm, Wed 9:30 am\u201312 pm, Thu 1 pm\u20136:30 pm (Chicago time)"


def test_the_fever_threshold_is_said_in_both_scales(profile):
    assert profile.placeholders()["fever_threshold"] == "100.4 \u00b0F (38 \u00b0C)"


@pytest.mark.parametrize("zone, suffix", [
    ("America/Argentina/Buenos_Aires", "(Buenos Aires time)"),
    ("America/New_York", "(New York time)"),
    ("UTC", "(UTC time)"),
])
def test_hours_text_zone_name(zone, suffix):
    other = parse_profile(document(timezone=zone, hours={"sat": ["09:30", "12:00"]}))
    assert other.hours_text() == f"Sat 9:30 am\u201312 pm {suffix}"


def test_placeholders(profile):
    assert profile.placeholders() == {
        "fever_threshold_f": "100.4",
        "fever_threshold": "100.4 \u00b0F (38 \u00b0C)",
        "er_fallback_minutes": "30",
        "clinic_name": "Test Spine Center",
        "address": "1 Test Road",
        "emergency_number": "911",
        "office_phone": OFFICE,
        "on_call_phone": ON_CALL,
        "hours_text": profile.hours_text(),
    }


def test_float_settings_are_formatted_without_trailing_zeros():
    doc = document()
    doc["clinic"]["settings"]["fever_threshold_f"]["value"] = 101.0
    assert parse_profile(doc).placeholders()["fever_threshold_f"] == "101"


def test_setting(profile):
    assert profile.setting("fever_threshold_f") == 100.4
    assert profile.setting("er_fallback_minutes") == 30
    with pytest.raises(KeyError, match="clinic setting 'no_such' is not in the clinic profile"):
        profile.setting("no_such")


def test_parsed_fields(profile):
    assert profile.hours["fri"] == (time(8, 0), time(16, 0))
    assert profile.holidays == [date(2026, 11, 26), date(2026, 12, 25)]
    assert profile.sample_data is False
    numbers = parse_profile(document(emergency_number=911, phones={"office": 5550100, "on_call": "x"}))
    assert (numbers.emergency_number, numbers.office_phone) == ("911", "5550100")


def test_a_setting_with_a_unit_is_said_with_it_singular_or_plural():
    from bot.clinic import _format_setting

    assert _format_setting(1, "day") == "1 day"
    assert _format_setting(2, "day") == "2 days"
    assert _format_setting(100.4) == "100.4"
    assert load_profile().placeholders()["no_shower_days"] == "1 day"  # "Do not shower for 1 day", not "1 days"


def test_a_weight_in_pounds_is_also_said_in_kilos_rounded_down():
    from bot.clinic import _format_setting

    assert _format_setting(5, "pound") == "5 pounds (about 2 kg)"  # 2.27 kg: never above the limit
    assert _format_setting(10, "pound") == "10 pounds (about 4.5 kg)"
    assert _format_setting(1, "pound") == "1 pound"  # under half a kilo: no kilos

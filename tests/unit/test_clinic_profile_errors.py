"""bot.clinic.parse_profile on broken profiles: each mistake is refused with a message that names the field or the
file."""
from __future__ import annotations

import copy

import pytest
import yaml

from bot.clinic import ProfileError, load_profile, parse_profile
from tests.unit.clinic_document import DOCUMENT, document


def without(*path):
    doc = copy.deepcopy(DOCUMENT)
    node = doc
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return doc


@pytest.mark.parametrize("doc, message", [
    ({}, "clinic.yml: missing field 'clinic'"),
    (without("clinic", "name"), "clinic.yml: missing field 'name'"),
    (without("clinic", "address"), "clinic.yml: missing field 'address'"),
    (without("clinic", "timezone"), "clinic.yml: missing field 'timezone'"),
    (without("clinic", "emergency_number"), "clinic.yml: missing field 'emergency_number'"),
    (without("clinic", "phones"), "clinic.yml: missing field 'phones'"),
    (without("clinic", "phones", "on_call"), "clinic.yml: missing field 'on_call'"),
])
def test_missing_fields(doc, message):
    with pytest.raises(ProfileError) as error:
        parse_profile(doc)
    assert str(error.value) == message


@pytest.mark.parametrize("span, message", [
    (["8am", "17:00"], "clinic.yml hours.mon: '8am' is not a time like 08:00"),
    (["08:00", "25:00"], "clinic.yml hours.mon: '25:00' is not a time like 08:00"),
    (["08:00", "17.30"], "clinic.yml hours.mon: '17.30' is not a time like 08:00"),
    (["08:00"], "clinic.yml hours.mon: expected a weekday (mon..sun) with [open, close]"),
    (["08:00", "12:00", "17:00"], "clinic.yml hours.mon: expected a weekday (mon..sun) with [open, close]"),
])
def test_bad_times(span, message):
    doc = copy.deepcopy(DOCUMENT)
    doc["clinic"]["hours"]["mon"] = span
    with pytest.raises(ProfileError) as error:
        parse_profile(doc)
    assert str(error.value) == message


def test_bad_weekday():
    doc = copy.deepcopy(DOCUMENT)
    doc["clinic"]["hours"]["monday"] = ["08:00", "17:00"]
    with pytest.raises(ProfileError) as error:
        parse_profile(doc)
    assert str(error.value) == "clinic.yml hours.monday: expected a weekday (mon..sun) with [open, close]"


def test_unquoted_times_in_yaml_are_rejected_not_misread():
    # YAML 1.1 reads an unquoted 17:00 as the sexagesimal integer 1020 (08:00 stays a string)
    doc = yaml.safe_load("clinic:\n  hours:\n    mon: [08:00, 17:00]\n")
    assert doc["clinic"]["hours"]["mon"] == ["08:00", 1020]
    bad = copy.deepcopy(DOCUMENT)
    bad["clinic"]["hours"] = doc["clinic"]["hours"]
    with pytest.raises(ProfileError) as error:
        parse_profile(bad)
    assert str(error.value) == "clinic.yml hours.mon: 1020 is not a time like 08:00"


@pytest.mark.parametrize("entry", [{"value": 30}, {"value": 30, "sources": []}, {"sources": ["a"]}, 30])
def test_setting_without_value_or_sources(entry):
    doc = copy.deepcopy(DOCUMENT)
    doc["clinic"]["settings"]["er_fallback_minutes"] = entry
    with pytest.raises(ProfileError) as error:
        parse_profile(doc)
    assert str(error.value) == "clinic.yml settings.er_fallback_minutes: needs a value and its sources"


def test_bad_holiday_date():
    with pytest.raises(ProfileError) as error:
        parse_profile(document(holidays=["2026-13-01"]))
    assert str(error.value) == "clinic.yml: month must be in 1..12"


def test_bad_time_zone_is_a_profile_error():
    with pytest.raises(ProfileError) as error:
        parse_profile(document(timezone="Mars/Olympus_Mons"))
    assert str(error.value).startswith("clinic.yml: ")
    assert "Mars/Olympus_Mons" in str(error.value)


def test_bad_time_zone_is_not_reported_as_a_missing_field():
    with pytest.raises(ProfileError) as error:
        parse_profile(document(timezone="Mars/Olympus_Mons"))
    assert "missing field" not in str(error.value)


def test_where_names_the_file(tmp_path):
    path = tmp_path / "other_clinic.yml"
    path.write_text(yaml.safe_dump(without("clinic", "name")), encoding="utf-8")
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    assert str(error.value) == "other_clinic.yml: missing field 'name'"
    with pytest.raises(ProfileError) as error:
        parse_profile(document(timezone="Nowhere/Here"), where="x.yml")
    assert str(error.value).startswith("x.yml: ")

"""bot.triage.temperature.find_temperature_f: temperatures as patients write them, in °F."""
from __future__ import annotations

import pytest

from bot.triage.temperature import find_temperature_f


@pytest.mark.parametrize("text, expected", [
    # digits, Fahrenheit
    ("101.5", 101.5),
    ("100.4 F", 100.4),
    ("100.4°F", 100.4),
    ("102.5f", 102.5),
    ("99 F", 99.0),
    ("temp 99", 99.0),
    ("my temp is 101 degrees", 101.0),
    ("98.6", 98.6),
    ("I have a fever of 103", 103.0),
    # Celsius, with a unit or in the body-temperature range 34-43 without one
    ("38.6C", 101.5),
    ("38.6 °C", 101.5),
    ("38.6 degrees c", 101.5),
    ("39 c", 102.2),
    ("it was 38°C", 100.4),
    ("38.6", 101.5),
    ("temp 37", 98.6),
    # spoken
    ("a hundred and one", 101.0),
    ("ninety nine point five", 99.5),
    ("one hundred and two", 102.0),
    ("hundred and one point five", 101.5),
    ("A Hundred And One", 101.0),
    ("ninety-nine", 99.0),
    ("a hundred", 100.0),
    ("hundred point four", 100.4),
    # several: the highest
    ("my temp was 99.5 this morning, now 101.2", 101.2),
    ("it was ninety nine, now 101.4", 101.4),
    ("37.5 yesterday and 38.6C today", 101.5),
    ("fever of 101 and I lost 10 pounds", 101.0),
])
def test_temperatures(text, expected):
    found = find_temperature_f(text)
    assert isinstance(found, float)
    assert found == expected


def test_a_decimal_comma_is_a_decimal_point():
    # "38,6" is how much of the world writes 38.6 °C = 101.5 °F; reading it low would miss fevers.
    assert find_temperature_f("38,6") == 101.5
    assert find_temperature_f("temp 38,6C") == 101.5
    assert find_temperature_f("37,9") == 100.2
    assert find_temperature_f("101,5") == 101.5


@pytest.mark.parametrize("text", [
    "",
    "no fever",
    "I feel hot and have chills",
    "my temperature is normal",
    "hot and cold all night",
])
def test_no_number_is_none(text):
    assert find_temperature_f(text) is None


@pytest.mark.parametrize("text", [
    "10 pounds",
    "I lost 10 pounds",
    "lifted 5 lb",
    "took 2 tylenol",
    "heart rate 120",
    "my pin is 1015",
    "it hurts 8 out of 10",
    "3 days after the procedure",
    "500 mg of acetaminophen",
])
def test_irrelevant_numbers_are_none(text):
    assert find_temperature_f(text) is None


UNITS_BUG = ("a number without a unit in 90-110 is taken as °F even when followed by a non-temperature unit or "
             "used as an age / blood pressure; in a fever sentence triage then downgrades the fever from urgent to "
             "soon because the 'temperature' is below the threshold (e.g. 'my mother is 92 and has a fever')")


@pytest.mark.parametrize("text", [
    "my mother is 92 and has a fever",
    "I am 95 years old",
    "I lifted 100 lbs yesterday",
    "I weigh 98 kg",
    "my bp is 140/95",
])
def test_ages_weights_and_blood_pressure_are_not_temperatures(text):
    assert find_temperature_f(text) is None

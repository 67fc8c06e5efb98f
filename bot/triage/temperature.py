"""Temperatures written by patients ("101.5", "38.6C", "38,6", "a hundred and one") in °F.

A bare number counts only when it is clearly a temperature: it has a unit or a decimal, or it follows
a word like "temp" or "fever" ("my temperature is 101"). "My mother is 92 and has a fever" has none:
reading 92 as a temperature would wrongly lower the fever's level. In the follow-up question about the
temperature the context is known, and a bare number is enough (`asked=True`)."""
from __future__ import annotations

import re
from typing import Optional

_CUE = re.compile(r"(temp|temperature|fever|thermometer|reading|reads|running|spiked?|hit)\W+(?:\w+\W+){0,3}$",
                  re.IGNORECASE)
_NUMBER = re.compile(
    r"(?<![\d./])(\d{2,3})(?:[.,](\d))?"
    r"(?!\s*(?:years?|yrs?|y/?o|lbs?|pounds?|kgs?|kilos?|mg|%|/|minutes?|mins?|hours?|hrs?|days?|weeks?|times))"
    r"\s*(°|degrees?|deg)?\s*([cf](?![a-z]))?",
    re.IGNORECASE,
)
# "I know the cutoff on the sheet is 100.4", "the limit they gave us was 38": a number the clinic gave, not a reading;
# "99.1 tonight. I know it's under 100.4" (lookalikes l): the number it is under
_REFERENCE = re.compile(r"\b(cut\s*-?\s*off|threshold|limit)\b(?:\W+\w+){0,5}\W+$"
                        r"|\b(under|below|less than|lower than|short of|not quite|not up to)\W+$", re.IGNORECASE)
_WORDS = {"ninety": 90, "hundred": 100}
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_SPOKEN = re.compile(
    r"\b(?:a |one )?(hundred|ninety)(?:[ -](?:and )?(one|two|three|four|five|six|seven|eight|nine))?"
    r"(?: point (one|two|three|four|five|six|seven|eight|nine))?\b",
    re.IGNORECASE,
)


def _to_fahrenheit(value: float, unit: Optional[str]) -> Optional[float]:
    unit = (unit or "").lower()
    if unit == "c" or (not unit and 34.0 <= value <= 43.0):
        return round(value * 9 / 5 + 32, 1) if 34.0 <= value <= 43.0 else None
    if 90.0 <= value <= 110.0:
        return value
    return None


def is_reference(before: str) -> bool:
    """Whether a number that follows `before` is the clinic's cutoff rather than the patient's reading."""
    return bool(_REFERENCE.search(before[-80:]))


def find_temperature_f(text: str, asked: bool = False) -> Optional[float]:
    """The highest body temperature mentioned in the text, in °F, or None."""
    found = []
    for match in _NUMBER.finditer(text):
        whole, decimal, degrees, unit = match.groups()
        clear = asked or decimal or degrees or unit or _CUE.search(text[: match.start()])
        if not clear or is_reference(text[: match.start()]):
            continue
        value = _to_fahrenheit(float(f"{whole}.{decimal or 0}"), unit)
        if value is not None:
            found.append(value)
    for match in _SPOKEN.finditer(text):
        value = _WORDS[match.group(1).lower()] + _UNITS.get((match.group(2) or "").lower(), 0)
        if match.group(3):
            value += _UNITS[match.group(3).lower()] / 10
        found.append(float(value))
    return max(found) if found else None

"""How long ago the procedure was, when the patient says so ("I had kyphoplasty 5 days ago",
"it's been two weeks since the surgery", "my procedure was yesterday")."""
from __future__ import annotations

import re
from typing import Optional

_PROCEDURE = re.compile(r"\b(kyphoplast\w*|vertebroplast\w*|procedure|surgery|operation|operated|cement|op)\b", re.I)
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple of": 2, "few": 3}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}
_AMOUNT = re.compile(
    r"\b(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|couple of|few)\s+"
    r"(day|week|month)s?\s+(ago|since|after|post|back)\b", re.I)
# The procedure still to come ("her procedure is Monday", "I'm booked for kyphoplasty next week"): the days a
# message gives are then not days since it.
_FUTURE = re.compile(
    r"\b(is|are|'s|will be|booked|scheduled|planned|set|due|coming up|having|getting|going to have)\b"
    r"[\w' ]{0,30}?(?<!since )(?<!last )\b(on (mon|tues|wednes|thurs|fri|satur|sun)day|(mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|"
    r"next (week|month|\w+day)|in (\d+|a|an|one|two|three|four|five|six|a few|a couple of) (days?|weeks?|months?)|"
    r"this (coming )?(week|\w+day))\b|\b(before|ahead of) (my|the|his|her|mum's|mom's|dad's) (kyphoplast\w*|"
    r"vertebroplast\w*|procedure|surgery|operation|op)\b(?! (was|two|three|\d))", re.I)
_RELATIVE = {"yesterday": 1, "today": 0, "this morning": 0, "last night": 1, "last week": 7, "last month": 30}


def procedure_to_come(text: str) -> bool:
    """The message speaks of the procedure as still to come ("my kyphoplasty is next week")."""
    return bool(text) and bool(_PROCEDURE.search(text)) and bool(_FUTURE.search(text))


def days_since_procedure(text: str) -> Optional[int]:
    """Days since the procedure, if the message gives them and is about the procedure; else None."""
    if not text or not _PROCEDURE.search(text) or procedure_to_come(text):
        return None
    match = _AMOUNT.search(text)
    if match:
        amount = match.group(1).lower()
        number = int(amount) if amount.isdigit() else _WORD_NUMBERS[amount]
        return number * _UNIT_DAYS[match.group(2).lower()]
    for phrase, days in _RELATIVE.items():
        if re.search(rf"\b{phrase}\b", text, re.I):
            return days
    return None

"""A clinic profile document for the tests of bot.clinic, and a changed copy of it."""
from __future__ import annotations

import copy

OFFICE, ON_CALL = "(555) 010-0100", "(555) 010-0199"

# 2026-11-23 is a Monday; 2026-11-26 (Thanksgiving) is a holiday; Chicago is UTC-6 in November, UTC-5 in July.
DOCUMENT = {
    "clinic": {
        "name": "Test Spine Center",
        "address": "1 Test Road",
        "timezone": "America/Chicago",
        "emergency_number": "911",
        "phones": {"office": OFFICE, "on_call": ON_CALL},
        "hours": {"mon": ["08:00", "17:00"], "tue": ["08:00", "17:00"], "wed": ["08:00", "17:00"],
                  "thu": ["08:00", "17:00"], "fri": ["08:00", "16:00"]},
        "holidays": ["2026-11-26", "2026-12-25"],
        "settings": {
            "fever_threshold_f": {"value": 100.4, "sources": ["a"]},
            "er_fallback_minutes": {"value": 30, "sources": ["b"]},
        },
    }
}


def document(**changes) -> dict:
    doc = copy.deepcopy(DOCUMENT)
    doc["clinic"].update(changes)
    return doc

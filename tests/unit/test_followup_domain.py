"""The follow-up questions are defined once, in bot/triage/followup.py; domain.yml must say the same in its three
places (the slots, their questions, the form), or a question would be asked that nothing reads, or never asked."""
from pathlib import Path

import yaml

from bot.triage.followup import QUESTIONS

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
SLOTS = [slot for family in QUESTIONS.values() for slot in family]


def test_every_follow_up_is_a_slot_filled_only_while_the_form_asks_it():
    domain_slots = {name for name in DOMAIN["slots"] if name.startswith("fu_") and name != "fu_unclear"}
    assert domain_slots == set(SLOTS)
    for slot in SLOTS:
        [mapping] = DOMAIN["slots"][slot]["mappings"]
        assert mapping["conditions"] == [{"active_loop": "triage_form", "requested_slot": slot}]


def test_every_follow_up_has_its_question_and_is_in_the_form_in_order():
    assert all(f"utter_ask_{slot}" in DOMAIN["responses"] for slot in SLOTS)
    assert DOMAIN["forms"]["triage_form"]["required_slots"] == SLOTS

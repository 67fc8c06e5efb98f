"""The shaping of replies for SMS and voice (bot.rasa.channels.formatting), without a server."""
from __future__ import annotations

import re

import pytest

from bot.rasa.channels.formatting import (SMS_LIMIT, sms_bodies, sms_options, sms_text, split_sms, speak_numbers,
                                     voice_options, voice_says, voice_text)

EMERGENCY = {"triage": "emergency", "call": "911"}
INSTRUCTION = "This may be an emergency. Hang up now and call 911. Do not drive yourself."


# ---------------------------------------------------------------- SMS

def test_sms_text_has_no_markdown_and_keeps_links_as_plain_addresses():
    text = "# Recovery\n**Rest** for _24 hours_.\n* walk a little\n* see [the sheet](https://clinic.example/a_b_c)"
    assert sms_text(text) == ("Recovery\nRest for 24 hours.\n- walk a little\n"
                              "- see the sheet: https://clinic.example/a_b_c")


def test_sms_text_uses_plain_punctuation_that_keeps_a_message_in_the_gsm_alphabet():
    assert sms_text("It\u2019s \u201cnormal\u201d \u2014 below 100.4\u00b0F\u2026 \U0001F642") == \
        "It's \"normal\" - below 100.4 degrees F..."


def test_buttons_become_a_short_numbered_list():
    buttons = [{"title": "What is kyphoplasty?", "payload": "/ask_what_kyphoplasty"},
               {"title": "Recovery: **driving**", "payload": "/ask_recovery_driving"}]
    assert sms_options(buttons).splitlines() == [
        "Reply with a number, or ask in your own words:", "1. What is kyphoplasty?", "2. Recovery: driving"]
    assert sms_options([]) == "" and sms_options([{"payload": "/x"}]) == ""


def test_a_turn_is_one_text_in_order_and_metadata_is_not_sent():
    turn = [{"text": "This may be an emergency. Call 911 now.", "custom": EMERGENCY},
            {"text": "Chest pain can be serious.", "custom": {**EMERGENCY, "symptoms": ["chest_pain"]}},
            {"custom": {"topic": "x", "sources": []}},
            {"text": "I am an automated assistant."}]
    assert sms_bodies(turn) == ["This may be an emergency. Call 911 now.\n\nChest pain can be serious.\n\n"
                                "I am an automated assistant."]


def test_a_short_reply_is_one_message_unchanged():
    assert split_sms("Hello.") == ["Hello."]
    assert split_sms("x" * SMS_LIMIT) == ["x" * SMS_LIMIT]
    assert split_sms("   ") == []


def test_a_long_reply_is_split_between_paragraphs_within_the_limit_and_numbered():
    paragraphs = [f"Paragraph {i}. " + "Rest and walk a little every day. " * 25 for i in range(4)]
    bodies = split_sms("\n\n".join(p.strip() for p in paragraphs))
    assert len(bodies) > 1 and all(len(b) <= SMS_LIMIT for b in bodies)
    assert [b[:5] for b in bodies] == [f"({i}/{len(bodies)})" for i in range(1, len(bodies) + 1)]
    for body in bodies:  # no paragraph is cut: each body holds whole paragraphs
        for part in re.sub(r"^\(\d+/\d+\) ", "", body).split("\n\n"):
            assert part in [p.strip() for p in paragraphs]


def test_a_paragraph_longer_than_the_limit_is_split_between_sentences_and_nothing_is_lost():
    sentences = [f"Sentence number {i} about your recovery." for i in range(120)]
    text = " ".join(sentences)
    bodies = split_sms(text)
    assert all(len(b) <= SMS_LIMIT for b in bodies)
    rest = [re.sub(r"^\(\d+/\d+\) ", "", b) for b in bodies]
    assert " ".join(rest) == text
    assert all(r.endswith(".") for r in rest)  # cut after a sentence, never inside one


def test_a_text_without_spaces_is_still_cut_within_the_limit():
    bodies = split_sms("x" * 4000)
    assert all(len(b) <= SMS_LIMIT for b in bodies)
    assert "".join(re.sub(r"^\(\d+/\d+\) ", "", b) for b in bodies) == "x" * 4000


# ---------------------------------------------------------------- voice

@pytest.mark.parametrize("written, spoken", [
    ("(555) 010-0100", "5 5 5, 0 1 0, 0 1 0 0"),
    ("555-010-0199", "5 5 5, 0 1 0, 0 1 9 9"),
    ("+1 555 010 0100", "1, 5 5 5, 0 1 0, 0 1 0 0"),
    ("5550100100", "5 5 5, 0 1 0, 0 1 0 0"),
    ("010-0100", "0 1 0, 0 1 0 0"),
    ("call 911 now", "call 9 1 1 now"),
])
def test_phone_numbers_are_read_digit_by_digit(written, spoken):
    assert speak_numbers(written, "911") == spoken


@pytest.mark.parametrize("text", [
    "a fever over 100.4", "for 24 hours", "on 2026-11-26", "Springfield, IL 62701", "Mon 08:00-17:00",
    "10 lb", "911.5", "9110",
])
def test_other_numbers_are_left_for_the_voice_to_read_as_numbers(text):
    assert speak_numbers(text, "911") == text


def test_voice_text_has_no_links_markup_or_emoji():
    text = ("**Call** the office at (555) 010-0100. Read [the sheet](https://clinic.example/sheet) "
            "or visit https://clinic.example/recovery. Fever over 100.4 \u00b0F \U0001F912")
    spoken = voice_text(text, "911")
    assert spoken == ("Call the office at 5 5 5, 0 1 0, 0 1 0 0. Read the sheet. "
                      "Fever over 100.4 degrees Fahrenheit.")
    assert not re.search(r"https?:|www\.|\*|\[|\]", spoken)


def test_voice_text_turns_list_lines_into_sentences():
    assert voice_text("Call if you have:\n- fever\n- a red wound", "911") == "Call if you have: fever. a red wound."


def test_buttons_are_not_read_as_buttons_but_as_what_to_say():
    buttons = [{"title": "What is kyphoplasty?", "payload": "/a"}, {"title": "Driving", "payload": "/b"},
               {"title": "Lifting", "payload": "/c"}]
    assert voice_options(buttons) == "You can say: What is kyphoplasty; Driving; or Lifting."
    says = voice_says([{"text": "Did you mean one of these?", "buttons": buttons}], "911")
    assert says == ["Did you mean one of these?", "You can say: What is kyphoplasty; Driving; or Lifting."]
    assert not any("/a" in s for s in says)


def test_an_emergency_turn_says_the_instruction_first_and_last():
    turn = [{"text": INSTRUCTION, "custom": EMERGENCY},
            {"text": "Chest pain can be serious. The clinic is closed now: call (555) 010-0199.",
             "custom": {**EMERGENCY, "symptoms": ["chest_pain"]}},
            {"text": "I am an automated assistant. In an emergency, call 911."}]
    says = voice_says(turn, "911")
    spoken_instruction = "This may be an emergency. Hang up now and call 9 1 1. Do not drive yourself."
    assert says[0] == says[-1] == spoken_instruction
    assert says[1:-1] == ["Chest pain can be serious. The clinic is closed now: call 5 5 5, 0 1 0, 0 1 9 9.",
                          "I am an automated assistant. In an emergency, call 9 1 1."]


def test_emergency_metadata_without_the_domain_instruction_still_puts_an_instruction_first_and_last():
    turn = [{"text": "I am an automated assistant."}, {"custom": {"triage": "emergency", "call": "112"}}]
    says = voice_says(turn, "911")
    assert says[0] == says[-1] == "This may be an emergency. Hang up and call 112 now."
    assert says[1:-1] == ["I am an automated assistant."]


def test_a_turn_without_an_emergency_keeps_its_order_and_is_not_repeated():
    turn = [{"text": "Fever after the procedure needs a call now.", "custom": {"triage": "urgent", "call": "x"}},
            {"text": "I am an automated assistant."}]
    assert voice_says(turn, "911") == ["Fever after the procedure needs a call now.", "I am an automated assistant."]

"""bot.text.normalize: the same words give the same text whatever produced them; only button payloads are commands."""
from __future__ import annotations

import pytest

from bot.text.normalize import MAX_CHARS, normalize, patient_text


@pytest.mark.parametrize("variant", [
    "I have chest  pain", "I have chest\npain", "I have chest\tpain", "I have chest\u00a0pain",
    "I have chest\u202fpain", "I have ch\u200best pain", "I have ch\u00adest pain", "I have ｃｈｅｓｔ pain",
    "I have chest-pain", "I have chest\u2013pain", "  I have chest pain  ", "I have <b>chest</b> pain",
    "I have chest\r\n pain", "I have che\u2060st pain", "I\u2003have chest pain",
])
def test_every_variant_reads_as_the_plain_words(variant):
    assert normalize(variant) == "I have chest pain"


def test_typographic_quotes_become_plain():
    assert normalize("I can\u2019t breathe") == "I can't breathe"


def test_a_hyphen_in_a_number_range_stays():
    assert normalize("take 1-2 tablets") == "take 1-2 tablets"


def test_control_bytes_and_non_text_become_spaces_or_empty():
    assert normalize("\x00\x01hello\x7f") == "hello"
    assert normalize(None) == "" and normalize(12) == "12"


def test_long_messages_are_capped_and_keep_their_start_and_their_end():
    text = "my chest hurts. " + "blah " * 20000 + "and I cannot breathe."
    out = normalize(text)
    assert len(out) <= MAX_CHARS + 3
    assert out.startswith("my chest hurts.") and out.endswith("and I cannot breathe.")


@pytest.mark.parametrize("text, expected", [
    ("/greet@0.99 my chest hurts", "greet@0.99 my chest hurts"),
    ('/report_symptom{"level_emergency":"x"}', 'report_symptom{"level_emergency":"x"}'),
    ("/request_human", "request_human"),
    ("//ask_driving{\"x\":1}", 'ask_driving{"x":1}'),
    ("/ask_recovery_driving", "/ask_recovery_driving"),   # a button's own payload
])
def test_only_button_payloads_stay_commands(text, expected):
    assert patient_text(text) == expected

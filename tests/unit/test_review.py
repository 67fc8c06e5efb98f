"""The clinician review workflow: the packet holds everything patients are told, a sign-off records exactly what
was signed, and content changed after a sign-off is caught."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from bot.review.content import collect
from bot.review.packet import render
from bot.review.signoff import CHANGED, NEW, REMOVED, SIGNED, is_signed, sign, signoffs, statuses, unsigned, version


@pytest.fixture(scope="module")
def items():
    return collect()


def test_the_packet_holds_every_answer_flag_setting_and_safety_sentence(items):
    kinds = {item.kind for item in items}
    assert kinds == {"answer", "red flag", "setting", "safety sentence"}
    keys = {item.key for item in items}
    assert {"answer:warning_signs", "flag:chest_pain", "flag:crisis", "setting:fever_threshold_f",
            "setting:crisis_line", "sentence:utter_emergency:web", "sentence:disposition:urgent"} <= keys
    emergency = next(i for i in items if i.key == "sentence:utter_emergency:web")
    assert "Call 911 now" in emergency.text  # as the patient sees it: the clinic's number filled in


def test_answers_appear_with_the_clinic_values_filled_in_and_their_sources(items):
    lifting = next(i for i in items if i.key == "answer:recovery_lifting")
    assert "{" not in lifting.text and "5 pounds" in lifting.text
    assert lifting.sources and all(title for _, title, _ in lifting.sources)


def test_a_sign_off_records_who_when_and_exactly_what(items, tmp_path):
    record = sign(items, "Ada Nurse", "RN, nurse educator", review_dir=tmp_path, on=date(2026, 12, 1))
    assert record == {"reviewer": "Ada Nurse", "role": "RN, nurse educator", "date": "2026-12-01",
                      "version": version(items), "items": len(items)}
    assert signoffs(tmp_path) == [record]
    assert all(s.state == SIGNED for s in statuses(items, tmp_path))
    assert is_signed("answer:pain_relief", items, tmp_path)


def test_an_answer_changed_after_the_sign_off_is_caught_with_what_was_signed(items, tmp_path):
    sign(items, "Ada Nurse", "RN", review_dir=tmp_path)
    edited = [dataclasses.replace(i, text=i.text + " Extra.") if i.key == "answer:pain_relief" else i for i in items]
    left = unsigned(edited, tmp_path)
    assert [(s.item.key, s.state) for s in left] == [("answer:pain_relief", CHANGED)]
    assert left[0].signed_text == next(i.text for i in items if i.key == "answer:pain_relief")
    assert not is_signed("answer:pain_relief", edited, tmp_path)
    assert version(edited) != version(items)


def test_new_and_removed_items_are_caught(items, tmp_path):
    sign(items[1:], "Ada Nurse", "RN", review_dir=tmp_path)
    states = {s.item.key: s.state for s in statuses(items[:-1], tmp_path)}
    assert states[items[0].key] == NEW and states[items[-1].key] == REMOVED


def test_a_sign_off_needs_a_name_and_a_role(items, tmp_path):
    with pytest.raises(ValueError):
        sign(items, " ", "RN", review_dir=tmp_path)


def test_the_packet_shows_states_and_escapes_text(items, tmp_path):
    sign(items, "Ada <b>Nurse</b>", "RN", review_dir=tmp_path)
    edited = [dataclasses.replace(i, text="<script>x</script>") if i.key == "answer:balloon" else i for i in items]
    page = render(edited, tmp_path)
    assert "changed since the last sign-off" in page and "Signed before:" in page
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page and "Ada &lt;b&gt;Nurse" in page


def test_content_signed_off_in_the_repository_has_not_changed_since(items):
    """Fails when a signed answer, flag, setting or sentence changes without a new sign-off being recorded."""
    drifted = [(s.item.key, s.state) for s in statuses(items) if s.state in (CHANGED, REMOVED)]
    assert not drifted, f"changed after the last sign-off, sign again (python -m bot review sign): {drifted}"


def test_every_fixed_safety_sentence_is_in_the_packet_with_the_emergency_number():
    from bot import safety_texts
    from bot.clinic import load_profile
    from bot.review.content import collect

    items = {item.key: item for item in collect()}
    for key in safety_texts.TEXTS:
        item = items[f"sentence:fixed:{key}"]
        assert load_profile().emergency_number in item.text and item.sources

"""The Rasa NLU component: entities and intent for the rules, whatever DIET predicted."""
from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from bot.clinic import load_profile
from bot.rasa.nlu.red_flag_detector import RedFlagDetector

PROFILE = load_profile()


@pytest.fixture(scope="module")
def detector(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    return RedFlagDetector.create({}, storage, Resource("red_flags"), ExecutionContext(None, "test"))


def parse(detector, text, intent="ask_warning_signs"):
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.8},
                            "intent_ranking": [{"name": intent, "confidence": 0.8}]})
    detector.process([message])
    entities = {}
    for e in message.get("entities", []):
        entities.setdefault(e["entity"], []).append(e["value"])
    return message.get("intent")["name"], entities, message


def test_an_affirmed_emergency_overrides_the_classifier_and_brings_the_numbers(detector):
    intent, entities, message = parse(detector, "i have crushing chest pain", intent="ask_complication_cement_embolism")
    assert intent == "report_symptom"
    assert entities["level_emergency"] == ["chest_pain"]
    assert entities["symptom"] == ["chest_pain"]
    assert entities["emergency_number"] == [PROFILE.emergency_number]
    assert entities["clinic_number"] == [PROFILE.number_for_now()]
    # the classifier's guess stays visible in the ranking
    assert [r["name"] for r in message.get("intent_ranking")] == ["report_symptom", "ask_complication_cement_embolism"]


def test_highest_level_wins_with_several_symptoms(detector):
    _, entities, _ = parse(detector, "I have a fever of 101 and now I can't feel my legs")
    assert "level_emergency" in entities and "level_urgent" not in entities
    assert sorted(entities["symptom"]) == ["fever", "leg_weakness"]


@pytest.mark.parametrize("text", ["I have no fever", "what if I get a fever?", "my husband had chest pain",
                                  "I had chest pain last year"])
def test_negated_hypothetical_other_person_and_past_do_not_escalate(detector, text):
    intent, entities, _ = parse(detector, text)
    assert intent == "ask_warning_signs"
    assert not any(name.startswith("level_") for name in entities)
    assert "emergency_number" not in entities
    assert entities["symptom_mentioned"]


def test_expected_soreness_keeps_the_question_the_patient_asked(detector):
    intent, entities, _ = parse(detector, "my back is sore, when can I drive?", intent="ask_recovery_driving")
    assert intent == "ask_recovery_driving"
    assert entities["level_self_care"] == ["needle_site_soreness"]


def test_a_message_without_symptoms_is_left_alone(detector):
    intent, entities, message = parse(detector, "what is kyphoplasty", intent="ask_what_kyphoplasty")
    assert intent == "ask_what_kyphoplasty" and entities == {}


@pytest.mark.parametrize("classified_as", ["greet", "nlu_fallback", "ask_recovery_driving"])
def test_detection_failure_fails_safe(detector, monkeypatch, classified_as):
    """If detection raises, the message still goes to the rule that gives the clinic's number and 911."""
    monkeypatch.setattr(detector.engine, "decide", lambda text: (_ for _ in ()).throw(RuntimeError("boom")))
    intent, entities, _ = parse(detector, "I have chest pain", intent=classified_as)
    assert intent == "report_symptom"
    assert entities["triage_failed"] == ["true"]
    assert entities["emergency_number"] == ["911"] and entities["clinic_number"]


def test_days_since_the_procedure_are_extracted_for_the_slot(detector):
    _, entities, _ = parse(detector, "I had kyphoplasty 5 days ago and my pain is not getting better")
    assert entities["days_since_procedure"] == ["5"]
    assert entities["level_soon"] == ["pain_not_improving"]


def test_an_emergency_overrides_the_fallback_too(detector):
    intent, entities, message = parse(detector, "I have chest pain", intent="nlu_fallback")
    assert intent == "report_symptom" and entities["level_emergency"] == ["chest_pain"]


def parse_with_confidence(detector, text, intent, confidence):
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": confidence},
                            "intent_ranking": [{"name": intent, "confidence": confidence}]})
    detector.process([message])
    return message.get("intent")["name"], {e["entity"] for e in message.get("entities", [])}


def test_a_sure_question_is_answered_not_screened(detector):
    # "bleeding" reads as a symptom word, but nothing is placed: the question the classifier is sure of is answered
    assert detector.engine.decide("Bleeding risk").unplaced
    intent, entities = parse_with_confidence(detector, "Bleeding risk", "ask_prep_blood_thinners", 0.9)
    assert intent == "ask_prep_blood_thinners" and "unplaced" not in entities


def test_an_unsure_reading_of_a_symptom_word_is_still_screened(detector):
    intent, entities = parse_with_confidence(detector, "Bleeding risk", "ask_prep_blood_thinners", 0.4)
    assert intent == "report_symptom" and "unplaced" in entities


def test_blood_thinners_and_blood_pressure_pills_are_no_symptom_words(detector):
    # questions 40: "the refill on my blood pressure pills" got the screening question
    for text in ("Blood thinners", "the refill on my blood pressure pills", "when is my blood test"):
        assert not detector.engine.decide(text).unplaced, text


def test_a_sure_question_never_hides_a_red_flag(detector):
    intent, entities = parse_with_confidence(detector, "my legs went numb this morning, could that leave me paralysed?",
                                             "ask_complication_nerve_injury", 0.99)
    assert intent == "report_symptom" and "level_emergency" in entities


def test_a_sign_the_net_doubted_is_asked_about_and_marked_for_the_record(detector, monkeypatch):
    from bot.triage.decision import Decision

    doubted = Decision(level=None, codes=(), mentioned=("chest_pain",), asked_about=("chest_pain",),
                       doubted=("chest_pain",))
    monkeypatch.setattr(detector.engine, "decide", lambda text: doubted)
    intent, entities, _ = parse(detector, "my chest pain joke fell flat", intent="nlu_fallback")
    assert intent == "report_symptom"
    assert entities["symptom_asked_about"] == ["chest_pain"] and entities["symptom_doubted"] == ["chest_pain"]
    assert "level_emergency" not in entities

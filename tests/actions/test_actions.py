"""The rasa_sdk actions, run with a CollectingDispatcher on a tracker, against a real SQLite knowledge base."""
from __future__ import annotations

import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions import answers, triage
from bot.clinic import load_profile
from bot.escalations import list_escalations
from tests.actions.run_action import entity, run, tracker

PROFILE = load_profile()


def test_answer_topic_gives_the_kb_answer_with_topic_and_sources(kb):
    events, messages = run(answers.ActionAnswerTopic(), tracker("ask_recovery_driving"))
    assert len(messages) == 1
    message = messages[0]
    assert message["text"].startswith(f"Do not drive for at least {PROFILE.setting('no_driving_days')} days")
    assert len(message["text"]) <= 320  # two text messages at most: the rule first, the detail behind "more"
    assert message["custom"]["topic"] == "recovery_driving"
    assert message["custom"]["reviewed"] is False  # nothing is signed off yet
    assert {s["id"] for s in message["custom"]["sources"]} >= {"krames_kyphoplasty"}
    assert message["buttons"] == [{"title": "Tell me more", "payload": "/ask_more"}]
    assert events == [{"event": "slot", "timestamp": None, "name": "last_topic", "value": "recovery_driving"}]


def test_an_answer_names_the_askers_own_medicine_and_cites_where_that_advice_comes_from(kb):
    asked = tracker("ask_recovery_activity")
    asked.latest_message["text"] = "Once I've had it, when can I play golf again? I'm on Eliquis too."
    _, [message] = run(answers.ActionAnswerTopic(), asked)
    assert "You asked about golf." in message["text"] and "You mentioned Eliquis." in message["text"]
    assert PROFILE.office_phone in message["text"]
    cited = [s["id"] for s in message["custom"]["sources"]]
    assert "journeylite_blood_thinners" in cited and len(cited) == len(set(cited))


def test_a_second_question_on_another_topic_is_answered_after_the_first(kb):
    asked = tracker("ask_recovery_driving", [entity("also_asked", "ask_recovery_showering")])
    asked.latest_message["text"] = "When can I drive? And when can I shower? I'm on Eliquis."
    events, messages = run(answers.ActionAnswerTopic(), asked)
    assert [m["custom"]["topic"] for m in messages] == ["recovery_driving", "recovery_showering"]
    # one "Tell me more" (the first answer's, which the slot remembers) and the medicine's sentence once
    assert messages[0]["buttons"] and not messages[1].get("buttons")
    assert sum("You mentioned Eliquis." in m["text"] for m in messages) == 1
    assert events == [{"event": "slot", "timestamp": None, "name": "last_topic", "value": "recovery_driving"}]


def test_a_second_topic_that_is_the_first_is_not_answered_twice(kb):
    _, messages = run(answers.ActionAnswerTopic(),
                      tracker("ask_recovery_driving", [entity("also_asked", "ask_recovery_driving")]))
    assert len(messages) == 1


def test_more_gives_the_detail_behind_the_last_answer_once(kb):
    t = tracker("ask_more")
    t.slots["last_topic"] = "recovery_driving"
    events, messages = run(answers.ActionAnswerMore(), t)
    assert messages[0]["custom"]["topic"] == "recovery_driving_more"
    assert "Advice on this differs" in messages[0]["text"]
    assert events == [{"event": "slot", "timestamp": None, "name": "last_topic", "value": None}]
    _, messages = run(answers.ActionAnswerMore(), tracker("ask_more"))
    assert messages[0]["text"].startswith("I have nothing more on that.")


def test_an_answer_without_detail_offers_no_more(kb):
    events, messages = run(answers.ActionAnswerTopic(), tracker("ask_warning_signs"))
    assert not messages[0].get("buttons")
    assert events == [{"event": "slot", "timestamp": None, "name": "last_topic", "value": None}]


def test_answer_topic_for_an_unknown_intent_gives_the_clinic_number(kb):
    _, messages = run(answers.ActionAnswerTopic(), tracker("ask_something_else"))
    assert len(messages) == 1
    assert PROFILE.emergency_number in messages[0]["text"]
    assert PROFILE.number_for_now() in messages[0]["text"]


def test_urgent_triage_gives_the_number_for_the_hour_and_is_recorded(kb):
    entities = [entity("symptom", "fever"), entity("level_urgent", "fever")]
    events, messages = run(triage.ActionTriage(), tracker("report_symptom", entities))
    assert events == [{"event": "slot", "name": "reported_symptoms", "timestamp": None, "value": ["fever:urgent"]}]
    assert len(messages) == 1
    number = PROFILE.number_for_now()
    assert messages[0]["custom"] == {"triage": "urgent", "symptoms": ["fever"], "call": number}
    assert number in messages[0]["text"]
    assert f"within {PROFILE.setting('er_fallback_minutes')} minutes" in messages[0]["text"]
    [record] = list_escalations(kb)
    assert (record.conversation_id, record.level, record.symptom_codes, record.channel, record.number_given) == (
        "patient-1", "urgent", ["fever"], "rest", number)


def test_emergency_with_several_symptoms_names_them_and_calls_the_emergency_number(kb):
    entities = [entity("symptom", "chest_pain"), entity("symptom", "fever"), entity("level_emergency", "chest_pain,fever")]
    _, messages = run(triage.ActionTriage(), tracker("report_symptom", entities))
    assert messages[0]["custom"] == {"triage": "emergency", "symptoms": ["chest_pain", "fever"],
                                     "call": PROFILE.emergency_number}
    assert messages[0]["text"].startswith("Chest pain and fever can be a sign of a serious problem.")
    assert messages[0]["text"].endswith("Call 911 now.")
    assert [r.level for r in list_escalations(kb)] == ["emergency"]


def test_symptoms_reported_earlier_add_up_and_a_denied_one_is_forgotten(kb):
    t = tracker("report_symptom", [entity("symptom", "tiredness"), entity("level_self_care", "tiredness")])
    t.slots["reported_symptoms"] = ["fever:urgent"]
    events, messages = run(triage.ActionTriage(), t)
    assert messages[0]["custom"]["triage"] == "urgent" and messages[0]["custom"]["symptoms"] == ["fever", "tiredness"]
    assert events[0]["value"] == ["fever:urgent", "tiredness:self_care"]
    t = tracker("report_symptom", [entity("symptom_mentioned", "fever")])
    t.slots["reported_symptoms"] = ["fever:urgent", "tiredness:self_care"]
    events, _ = run(triage.ActionTriage(), t)
    assert events[0]["value"] == ["tiredness:self_care"]


def test_self_care_is_not_recorded(kb):
    entities = [entity("symptom", "tiredness"), entity("level_self_care", "tiredness")]
    _, messages = run(triage.ActionTriage(), tracker("report_symptom", entities))
    assert messages[0]["custom"]["triage"] == "self_care"
    assert "common after the procedure" in messages[0]["text"]
    assert list_escalations(kb) == []


def test_symptom_only_mentioned_gets_the_warning_signs_not_a_triage(kb):
    _, messages = run(triage.ActionTriage(), tracker("report_symptom", [entity("symptom_mentioned", "chest_pain")]))
    assert messages[0]["text"].startswith("It sounds like you do not have chest pain right now.")
    assert messages[1]["custom"]["topic"] == "warning_signs"
    assert all("triage" not in (m.get("custom") or {}) for m in messages)
    assert list_escalations(kb) == []


def test_handoff_gives_the_number_for_the_hour_and_is_recorded(kb):
    _, messages = run(triage.ActionHandoff(), tracker("request_human", channel="twilio"))
    number = PROFILE.number_for_now()
    assert messages[0]["custom"] == {"handoff": True, "call": number}
    [record] = list_escalations(kb)
    assert (record.level, record.channel, record.number_given) == ("handoff", "twilio", number)


def test_clarify_offers_the_likeliest_topics_as_buttons(kb):
    t = tracker("nlu_fallback")
    t.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.5}, {"name": "deny", "confidence": 0.2},
        {"name": "ask_recovery_lifting", "confidence": 0.15}, {"name": "greet", "confidence": 0.1},
        {"name": "request_human", "confidence": 0.08}, {"name": "ask_recovery_driving", "confidence": 0.05},
        {"name": "ask_cement", "confidence": 0.04}, {"name": "ask_balloon", "confidence": 0.03},
    ]
    _, messages = run(answers.ActionClarify(), t)
    # only knowledge-base topics, the three likeliest
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_recovery_lifting", "/ask_recovery_driving",
                                                              "/ask_cement"]


def test_clarify_without_likely_topics_offers_the_general_ones(kb):
    t = tracker("nlu_fallback")
    t.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.4},
                                          {"name": "affirm", "confidence": 0.39}, {"name": "ask_cement", "confidence": 0.01}]
    _, messages = run(answers.ActionClarify(), t)
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_cement", "/ask_warning_signs", "/ask_what_kyphoplasty"]


def test_second_fallback_in_a_row_gives_the_clinic_number(kb):
    earlier = {"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    t = tracker("nlu_fallback", events=[earlier])
    t.latest_message["intent_ranking"] = [{"name": "ask_recovery_lifting", "confidence": 0.3}]
    _, messages = run(answers.ActionClarify(), t)
    assert "buttons" not in messages[0] or not messages[0]["buttons"]
    assert messages[0]["custom"] == {"handoff": True, "call": PROFILE.number_for_now()}


def test_a_failing_escalation_log_does_not_change_what_the_patient_is_told(kb, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(triage.escalations, "record", broken)
    entities = [entity("symptom", "fever"), entity("level_urgent", "fever")]
    _, messages = run(triage.ActionTriage(), tracker("report_symptom", entities))
    assert messages[0]["custom"]["triage"] == "urgent"


def test_pain_not_yet_better_before_the_review_day_is_self_care(kb):
    entities = [entity("symptom", "pain_not_improving"), entity("level_soon", "pain_not_improving")]
    early = tracker("report_symptom", entities)
    early.slots["days_since_procedure"] = 3.0
    _, messages = run(triage.ActionTriage(), early)
    assert messages[0]["custom"]["triage"] == "self_care"
    assert messages[0]["custom"]["topic"] == "recovery_pain"  # self-care advice, not a debate about evidence (clinical review, item 5)
    assert list_escalations(kb) == []
    with_back_pain = tracker("report_symptom", entities + [entity("symptom", "back_pain")])
    with_back_pain.slots["days_since_procedure"] = 3.0
    _, messages = run(triage.ActionTriage(), with_back_pain)
    assert messages[0]["custom"]["triage"] == "self_care"
    late = tracker("report_symptom", entities)
    late.slots["days_since_procedure"] = float(PROFILE.setting("pain_review_days"))
    _, messages = run(triage.ActionTriage(), late)
    assert messages[0]["custom"]["triage"] == "soon"
    assert [e.level for e in list_escalations(kb)] == ["soon"]


def _asking(text, ranking, entities):
    t = tracker("report_symptom", entities)
    t.latest_message["text"] = text
    t.latest_message["intent_ranking"] = [{"name": "report_symptom", "confidence": 1.0}] + ranking
    return t


def test_a_question_asked_beside_a_symptom_for_office_hours_is_answered_first(kb):
    entities = [entity("symptom", "pain_not_improving"), entity("level_soon", "pain_not_improving")]
    t = _asking("I've had a brace for 6 weeks and the pain is not much better. Can I have the procedure?",
                [{"name": "ask_candidacy", "confidence": 0.8}, {"name": "ask_pain_relief", "confidence": 0.1}], entities)
    _, messages = run(triage.ActionTriage(), t)
    assert messages[0]["custom"]["topic"] == "candidacy"
    assert messages[1]["custom"]["triage"] == "soon" and PROFILE.office_phone in messages[1]["text"]


def test_a_question_asked_beside_an_expected_symptom_is_answered_then_the_self_care(kb):
    entities = [entity("symptom", "tiredness"), entity("level_self_care", "tiredness")]
    t = _asking("I'm a bit tired since the procedure. When can I drive again?",
                [{"name": "ask_recovery_driving", "confidence": 0.9}], entities)
    _, messages = run(triage.ActionTriage(), t)
    assert messages[0]["custom"]["topic"] == "recovery_driving"
    assert messages[1]["custom"]["triage"] == "self_care"


def test_no_answer_beside_an_urgent_sign_nor_to_an_unsure_guess_nor_without_a_question(kb):
    urgent = [entity("symptom", "fever"), entity("level_urgent", "fever")]
    t = _asking("I have a fever, can I still have the procedure on Monday?",
                [{"name": "ask_prep_reschedule_if_ill", "confidence": 0.99}], urgent)
    _, messages = run(triage.ActionTriage(), t)
    assert [m["custom"].get("topic") for m in messages] == [None]  # the instruction stands alone
    soon = [entity("symptom", "pain_not_improving"), entity("level_soon", "pain_not_improving")]
    unsure = _asking("the pain is not much better, can I have it done?", [{"name": "ask_candidacy", "confidence": 0.4}],
                     soon)
    no_question = _asking("the pain is not much better after 6 weeks", [{"name": "ask_candidacy", "confidence": 0.9}],
                          soon)
    for t in (unsure, no_question):
        _, messages = run(triage.ActionTriage(), t)
        assert len(messages) == 1 and messages[0]["custom"]["triage"] == "soon"


def validate(slot, text, unclear=None):
    t = tracker("nlu_fallback")
    t.slots[triage.UNCLEAR] = unclear
    dispatcher = CollectingDispatcher()
    result = asyncio.run(getattr(triage.ValidateTriageForm(), f"validate_{slot}")(text, dispatcher, t, {}))
    return result, [m.get("response") for m in dispatcher.messages]


def test_an_unclear_follow_up_answer_is_asked_again_once_then_taken_as_i_dont_know():
    first, said = validate("fu_numb_new", "how long does recovery take?")
    assert first == {"fu_numb_new": None, triage.UNCLEAR: 1} and said == ["utter_followup_unclear"]
    second, said = validate("fu_numb_new", "what is kyphoplasty?", unclear=first[triage.UNCLEAR])
    assert second == {"fu_numb_new": "unknown", triage.UNCLEAR: None} and said == ["utter_followup_assumed"]


def test_a_clear_follow_up_answer_resets_the_count():
    assert validate("fu_temperature", "101.5", unclear=1)[0] == {"fu_temperature": "101.5", triage.UNCLEAR: None}
    assert validate("fu_numb_worse", "yes", unclear=1)[0] == {"fu_numb_worse": "yes", triage.UNCLEAR: None}


def test_leaving_the_follow_up_questions_resets_the_count(kb):
    t = tracker("request_human")
    t.slots[triage.UNCLEAR] = 1
    events, _ = run(triage.ActionHandoff(), t)
    assert {"event": "slot", "name": triage.UNCLEAR, "value": None, "timestamp": None} in events


def test_unanswered_questions_are_recorded_with_the_guesses_never_the_words(kb):
    from bot.unanswered import GAVE_UP, OFFERED_TOPICS, by_likeliest_topic, list_unanswered

    first = tracker("nlu_fallback", channel="twilio")
    first.latest_message["text"] = "my neighbour Mrs Smith at 12 Oak Road asked about the cement"
    first.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.4},
                                              {"name": "ask_cement", "confidence": 0.31},
                                              {"name": "greet", "confidence": 0.2},
                                              {"name": "ask_cement_lifespan", "confidence": 0.12}]
    run(answers.ActionClarify(), first)
    second = tracker("nlu_fallback", events=[{"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}}])
    second.latest_message["intent_ranking"] = [{"name": "ask_cement", "confidence": 0.2}]
    run(answers.ActionClarify(), second)

    rows = list_unanswered(kb)
    assert [(r.outcome, r.guesses, r.channel) for r in rows] == [
        (OFFERED_TOPICS, [["cement", 0.31], ["cement_lifespan", 0.12]], "twilio"), (GAVE_UP, [["cement", 0.2]], "rest")]
    stored = repr([(r.outcome, r.guesses, r.channel, r.created_at) for r in rows])
    assert "Smith" not in stored and "Oak" not in stored
    assert by_likeliest_topic(rows) == [("cement", 2, 1)]


def test_a_failing_unanswered_log_still_offers_the_topics(kb, monkeypatch):
    monkeypatch.setattr(answers.unanswered, "record", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("db down")))
    t = tracker("nlu_fallback")
    t.latest_message["intent_ranking"] = [{"name": "ask_recovery_lifting", "confidence": 0.3}]
    _, messages = run(answers.ActionClarify(), t)
    assert messages[0]["buttons"][0]["payload"] == "/ask_recovery_lifting"



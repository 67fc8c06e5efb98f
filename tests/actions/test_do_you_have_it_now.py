"""After a question about a warning sign, or when the two nets disagree on one: "Do you have <the sign> now?", with
what to do if so; a typed "yes" to it is triaged as that sign."""
from __future__ import annotations

from actions import answers, triage, yes_now
from bot.escalations import list_escalations
from tests.actions.run_action import entity, run, tracker


def test_a_question_about_a_warning_sign_is_answered_then_asks_if_the_patient_has_it_now(kb):
    t = tracker("ask_complication_nerve_injury", [entity("symptom_mentioned", "new_numbness"),
                                                  entity("symptom_asked_about", "new_numbness")])
    _, messages = run(answers.ActionAnswerTopic(), t)
    assert messages[0]["custom"]["topic"] == "complication_nerve_injury"
    # what to do if so comes with the question: a typed "yes" is not left without it
    assert messages[1]["text"].startswith("Do you have new numbness or tingling now? If you do, call your care team "
                                          "now: The clinic is")
    assert [b["payload"] for b in messages[1]["buttons"]] == ["Yes, I have new numbness or tingling now", "No"]
    assert messages[1]["custom"] == {"asked_if_had_now": "new_numbness"}


def test_only_warning_signs_are_asked_about_and_one_question_at_a_time(kb):
    t = tracker("ask_recovery_pain", [entity("symptom_asked_about", "tiredness"), entity("symptom_asked_about", "fever"),
                                      entity("symptom_asked_about", "leg_weakness")])
    _, messages = run(answers.ActionAnswerTopic(), t)
    assert [m["text"] for m in messages[1:]] == ["Do you have new weakness, numbness or paralysis of the legs now? "
                                                 "If you do, call 911 now."]


def test_an_urgent_sign_asked_about_says_whom_to_call_if_the_patient_has_it(kb):
    _, messages = run(answers.ActionAnswerTopic(), tracker("ask_complication_infection",
                                                           [entity("symptom_asked_about", "fever")]))
    assert messages[1]["text"].startswith("Do you have fever now? If you do, call your care team now: The clinic is")
    assert messages[1]["text"].endswith("In an emergency, call 911.")


def test_a_sign_the_nets_disagree_on_gets_the_warning_signs_and_the_question_whether_the_patient_has_it(kb):
    entities = [entity("symptom_mentioned", "chest_pain"), entity("symptom_asked_about", "chest_pain")]
    _, messages = run(triage.ActionTriage(), tracker("report_symptom", entities))
    assert messages[0]["custom"]["topic"] == "warning_signs"
    assert messages[1]["text"] == "Do you have chest pain now? If you do, call 911 now."
    assert [b["payload"] for b in messages[1]["buttons"]][1] == "No"
    assert list_escalations(kb) == []


def test_a_sign_the_net_doubted_is_recorded_for_the_clinic_without_an_alert(kb):
    entities = [entity("symptom_mentioned", "chest_pain"), entity("symptom_asked_about", "chest_pain"),
                entity("symptom_doubted", "chest_pain")]
    _, messages = run(triage.ActionTriage(), tracker("report_symptom", entities, channel="twilio"))
    assert messages[1]["text"] == "Do you have chest pain now? If you do, call 911 now."
    [entry] = list_escalations(kb)
    assert (entry.level, entry.symptom_codes, entry.channel, entry.number_given) == ("doubted", ["chest_pain"], "twilio", None)
    assert list_escalations(kb, level="emergency") == []


def _after_the_bot_said(*texts):
    """The events of a conversation where the bot's last turn said `texts`, and the patient now says "yes"."""
    earlier = {"intent": {"name": "ask_complication_nerve_injury", "confidence": 0.9}, "entities": [], "text": "…"}
    asked = {"Do you have new weakness, numbness or paralysis of the legs now? If you do, call 911 now.": "leg_weakness"}
    return [{"event": "user", "parse_data": earlier, "text": "…"}] + [
        {"event": "bot", "text": t, "data": {"custom": {"asked_if_had_now": asked[t]} if t in asked else None}}
        for t in texts]


def test_a_typed_yes_to_do_you_have_it_now_is_triaged_as_that_sign(kb):
    events = _after_the_bot_said("Numbness can be a sign of nerve irritation.",
                                 "Do you have new weakness, numbness or paralysis of the legs now? If you do, call 911 now.",
                                 "I am an automated assistant. I do not replace your doctor or nurse.")
    _, messages = run(yes_now.ActionYes(), tracker("affirm", events=events))
    assert messages[0]["custom"]["triage"] == "emergency" and "911" in messages[0]["text"]
    assert [e.level for e in list_escalations(kb)] == ["emergency"]


def test_a_yes_to_anything_else_gets_anything_else(kb):
    for events in ([], _after_the_bot_said("Most people go home the same day.")):
        _, messages = run(yes_now.ActionYes(), tracker("affirm", events=events))
        assert [m.get("response") for m in messages] == ["utter_anything_else"]
    assert list_escalations(kb) == []


def test_a_denied_sign_is_not_asked_about_again(kb):
    _, messages = run(answers.ActionAnswerTopic(), tracker("ask_recovery_driving", [entity("symptom_mentioned", "fever")]))
    assert len(messages) == 1

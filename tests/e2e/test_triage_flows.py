"""Triage through the real Rasa server and action server: follow-up questions, symptoms adding up,
after-hours routing (the clock is set), escalation records and on-call alerts through a webhook."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from bot.clinic import load_profile
from bot.escalations import list_escalations
from bot.identity import conversation_id
from bot.kb.database import session_factory
from bot.kb.models import Alert
from tests.e2e.servers import Assistant, free_port

PROFILE = load_profile()
AFTER_HOURS = "2026-11-25T09:30:00+00:00"  # 03:30 in Chicago, a Wednesday


ALERT_SECRET = "test-alert-secret"


class Webhook:
    """The on-call alert receiver, as a clinic would run it: it refuses a body whose HMAC-SHA256 signature
    (ALERT_WEBHOOK_SECRET) does not match, fails the first `failures` calls of each alert, then accepts.
    Counted per escalation, as alerts of earlier tests may still arrive in the background."""

    def __init__(self) -> None:
        self.received, self.failures, self.calls, self.unsigned = [], 0, {}, 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                expected = hmac.new(ALERT_SECRET.encode(), raw, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(self.headers.get("X-Signature-SHA256", ""), expected):
                    hook.unsigned += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                body = json.loads(raw)
                escalation = body["escalation_id"]
                hook.calls[escalation] = hook.calls.get(escalation, 0) + 1
                if hook.calls[escalation] <= hook.failures:
                    self.send_response(503)
                else:
                    hook.received.append(body)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self, failures: int) -> None:
        self.received, self.failures = [], failures


@pytest.fixture(scope="module")
def webhook():
    hook = Webhook()
    yield hook
    hook.server.shutdown()


@pytest.fixture(scope="module")
def night(tmp_path_factory, webhook):
    running = Assistant(tmp_path_factory.mktemp("night"), extra_env={
        "ASSISTANT_NOW": AFTER_HOURS, "ALERT_WEBHOOK_URL": f"http://127.0.0.1:{webhook.port}/alerts",
        "ALERT_WEBHOOK_SECRET": ALERT_SECRET,
        "ALERT_BACKOFF_SECONDS": "0.05", "ALERT_ATTEMPTS": "3",
        "ALERT_FLOOD_MAX": "1000",  # many test patients in a few minutes: the flood limit has its own test
    }).start()
    yield running
    running.stop()


def talk(assistant, sender, *messages):
    replies = []
    for message in messages:
        replies = assistant.say(sender, message)
    return replies


def triage_of(replies):
    return [r["custom"] for r in replies if r.get("custom", {}).get("triage")]


def texts(replies):
    return [r["text"] for r in replies if r.get("text")]


def sender():
    return f"night-{uuid.uuid4().hex[:10]}"


def rest_id(who: str) -> str:
    return conversation_id("rest", who)


def wait_for_alert(assistant, who, timeout=20.0):
    sessions = session_factory(assistant.env["DATABASE_URL"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # polling for the background delivery's outcome
        [entry] = [e for e in list_escalations(sessions) if e.conversation_id == rest_id(who)]
        with sessions() as session:
            alert = session.scalars(select(Alert).where(Alert.escalation_id == entry.id)).first()
            if alert and alert.status != "pending":
                return entry, alert
        time.sleep(0.1)
    raise AssertionError("the alert was neither sent nor failed in time")


def test_fever_without_a_number_asks_the_temperature_then_routes_to_the_on_call_line(night, webhook):
    webhook.reset(failures=0)
    who = sender()
    first = night.say(who, "I think I have a fever")
    assert any(t.startswith("What is your temperature now?") for t in texts(first))
    assert not triage_of(first)
    answered = night.say(who, "it's 101.5")
    [meta] = triage_of(answered)
    assert meta == {"triage": "urgent", "symptoms": ["fever"], "call": PROFILE.on_call_phone}
    # the answer is a fever report too: the level is given, and the question it answered is not asked again
    assert not any(t.startswith("What is your temperature now?") for t in texts(answered))
    assert texts(night.say(who, "thank you"))[0] and not triage_of(night.say(who, "what is kyphoplasty"))
    entry, alert = wait_for_alert(night, who)
    assert (entry.level, entry.number_given, alert.status, alert.attempts) == ("urgent", PROFILE.on_call_phone, "sent", 1)
    [alerted] = [body for body in webhook.received if body["conversation_id"] == rest_id(who)]
    assert alerted["symptoms"] == ["fever"] and alerted["level"] == "urgent" and "text" not in alerted


@pytest.mark.parametrize("answer, level", [("38.6C", "urgent"), ("99.1", "soon"), ("I don't know", "urgent"),
                                           ("a hundred and one", "urgent")])
def test_the_temperature_answer_sets_the_level(night, answer, level):
    replies = talk(night, sender(), "I have a fever", answer)
    assert [m["triage"] for m in triage_of(replies)] == [level]


def test_an_unclear_answer_is_asked_again(night):
    who = sender()
    night.say(who, "i have a fever")
    replies = night.say(who, "banana")
    assert texts(replies)[0].startswith("Sorry, I didn't get that.")
    assert any(t.startswith("What is your temperature now?") for t in texts(replies))


def test_a_patient_who_asks_questions_instead_of_answering_is_not_held_in_the_questions(night):
    who = sender()
    night.say(who, "i have a fever")
    night.say(who, "how long does the recovery take?")  # asked again once
    replies = night.say(who, "what is kyphoplasty?")
    assert texts(replies)[0].startswith("I still couldn't tell, so I'll count that as \"I don't know\"")
    assert [m["triage"] for m in triage_of(replies)] == ["urgent"]  # a fever of unknown height: the safer level
    after = night.say(who, "when can I drive?")
    assert any((m.get("custom") or {}).get("topic") == "recovery_driving" for m in after)


def test_numbness_questions_one_at_a_time_and_bladder_change_is_an_emergency(night):
    who = sender()
    asked = [texts(night.say(who, "I have tingling in my hands"))]
    for answer in ["no", "yes", "no", "no"]:
        asked.append(texts(night.say(who, answer)))
    assert any("one side of your face" in t and "hard to speak" in t for t in asked[0])
    assert any("new since the procedure" in t for t in asked[1])
    assert any("both legs" in t for t in asked[2])
    assert any("getting worse" in t for t in asked[3])
    assert any("bladder or bowels" in t for t in asked[4])
    [meta] = triage_of(night.say(who, "yes"))
    assert meta["triage"] == "emergency" and "bladder_bowel" in meta["symptoms"]


def test_a_weak_or_numb_arm_or_face_or_hard_speech_is_an_emergency(night):
    who = sender()
    first = texts(night.say(who, "I have tingling in my hands"))
    assert any("one side of your face" in t for t in first)
    [meta] = triage_of(night.say(who, "yes"))
    assert meta["triage"] == "emergency" and "stroke_signs" in meta["symptoms"]


def test_an_emergency_instead_of_an_answer_gets_the_emergency_reply_at_once(night):
    who = sender()
    night.say(who, "my back hurts")
    replies = night.say(who, "now I have chest pain and can't breathe")
    assert texts(replies)[0].startswith(f"This may be an emergency. Call {PROFILE.emergency_number} now.")
    # the questions stopped: a new question is answered normally
    later = night.say(who, "what is kyphoplasty")
    assert any(r.get("custom", {}).get("topic") == "what_kyphoplasty" for r in later)


def test_asking_for_a_person_during_the_questions(night):
    who = sender()
    night.say(who, "my wound looks weird")
    replies = night.say(who, "can I talk to a nurse")
    assert {"handoff": True, "call": PROFILE.on_call_phone} in [r.get("custom") for r in replies]
    assert [e.level for e in list_escalations(session_factory(night.env["DATABASE_URL"]))
            if e.conversation_id == rest_id(who)] == ["handoff"]


def test_symptoms_told_over_several_turns_add_up(night):
    who = sender()
    talk(night, who, "my temperature is 101.2")
    [meta] = triage_of(night.say(who, "and I'm very tired"))
    assert meta["triage"] == "urgent" and meta["symptoms"] == ["fever", "tiredness"]


def test_several_symptoms_in_one_message_the_highest_level_wins(night):
    [_, meta] = triage_of(night.say(sender(), "I have a fever of 102 and my chest hurts"))
    assert meta["triage"] == "emergency" and meta["symptoms"] == ["chest_pain", "fever"]


def test_a_failing_webhook_is_retried_with_backoff_and_the_patient_is_told_the_same(night, webhook):
    webhook.reset(failures=2)
    who = sender()
    replies = night.say(who, "the needle site is red and oozing pus")
    assert triage_of(replies)[0]["call"] == PROFILE.on_call_phone
    _, alert = wait_for_alert(night, who)
    assert (alert.status, alert.attempts) == ("sent", 3)


def test_a_webhook_that_never_answers_is_recorded_as_failed(night, webhook):
    webhook.reset(failures=100)
    who = sender()
    replies = night.say(who, "my temperature is 39.2 C")
    assert triage_of(replies)[0]["triage"] == "urgent"
    _, alert = wait_for_alert(night, who)
    assert (alert.status, alert.attempts) == ("failed", 3) and alert.last_error == "HTTP 503"


def test_a_question_about_a_warning_sign_gets_the_answer_then_do_you_have_it_now(night):
    who = sender()
    replies = night.say(who, "should I watch out for numbness after the procedure?")
    assert not triage_of(replies)  # a question, not a report: no 911 or clinic instruction as a triage
    assert any(r.get("custom", {}).get("topic") for r in replies)
    [asked] = [r for r in replies if r.get("text", "").startswith("Do you have")]
    yes, no = asked["buttons"]
    assert (yes["title"], no["title"], no["payload"]) == ("Yes", "No", "No")
    after_yes = texts(night.say(who, yes["payload"]))  # the patient taps Yes: the numbness questions begin
    assert any(t.startswith("Is an arm, a leg or one side of your face suddenly weak or numb") for t in after_yes), after_yes


def test_a_typed_yes_to_do_you_have_it_now_is_triaged_as_that_sign(night):
    """The Yes button sends the sign's own words; a patient who types "yes" instead is triaged as having the sign."""
    who = sender()
    replies = night.say(who, "should I watch out for numbness after the procedure?")
    assert any(r.get("text", "").startswith("Do you have new numbness or tingling now? If you do") for r in replies)
    after_yes = night.say(who, "yes")
    assert triage_of(after_yes)[0]["triage"] == "urgent", texts(after_yes)
    assert triage_of(night.say(sender(), "yes")) == []  # a yes to nothing is not a symptom

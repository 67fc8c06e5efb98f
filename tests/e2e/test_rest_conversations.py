"""End to end over the REST channel: the real Rasa server and action server, a real SQLite tracker
store and knowledge base. Replies are joined per turn; metadata comes as `custom` messages."""
from __future__ import annotations

import socket
import threading
import uuid

import pytest

from bot.clinic import load_profile
from bot.escalations import list_escalations
from bot.identity import conversation_id
from bot.kb.database import session_factory

PROFILE = load_profile()
DISCLAIMER_START = "I am an automated assistant"


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def texts(replies):
    return [r["text"] for r in replies if r.get("text")]


def customs(replies):
    return [r["custom"] for r in replies if r.get("custom")]


def shown_in_tracker(assistant, sender: str, shown: list, wait: float = 10) -> list:
    """The bot events in the sender's tracker (Rasa's SQL tracker store), once they end with the texts `shown`
    (the guard stores its own in the background), or as they are after `wait` seconds."""
    import json
    import time

    import sqlalchemy as sa

    engine = sa.create_engine(assistant.env["TRACKER_STORE_URL"])
    deadline = time.monotonic() + wait
    while True:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :id AND type_name = 'bot' "
                                              "ORDER BY id"), {"id": conversation_id("rest", sender)}).fetchall()
        events = [json.loads(row[0]) for row in rows]
        if [e["text"] for e in events[-len(shown):]] == shown or time.monotonic() > deadline:
            engine.dispose()
            return events


def test_first_reply_carries_the_disclaimer_once(assistant):
    sender = new_sender()
    first = texts(assistant.say(sender, "hello"))
    assert first[0].startswith("Hello.")
    assert first[-1].startswith(DISCLAIMER_START) and f"call {PROFILE.emergency_number}" in first[-1]
    second = texts(assistant.say(sender, "thanks"))
    assert not any(t.startswith(DISCLAIMER_START) for t in second)


def test_every_reply_the_patient_was_shown_is_in_the_tracker_the_guards_own_included(assistant):
    sender = new_sender()
    shown = texts(assistant.say(sender, "hello"))
    stored = shown_in_tracker(assistant, sender, shown)
    assert [e["text"] for e in stored] == shown  # the disclaimer (added by the guard) last, as shown
    assert stored[-1]["metadata"]["sent_by"] == "guard" and stored[-1]["text"].startswith(DISCLAIMER_START)
    # a later turn: the guard's note that a very long message was read only in part
    shown = texts(assistant.say(sender, "what is kyphoplasty " + "and also " * 1000))
    stored = shown_in_tracker(assistant, sender, shown)
    assert "read only its beginning and its end" in shown[-1]
    assert [e["text"] for e in stored[-len(shown):]] == shown and stored[-1]["metadata"]["sent_by"] == "guard"


@pytest.mark.parametrize("question, topic", [
    ("what is kyphoplasty", "what_kyphoplasty"),
    ("whats the difference between kyphoplasty and vertebroplasty", "difference"),
    ("how long before i can drive again", "recovery_driving"),
    ("do i need to stop my blood thinners before", "prep_blood_thinners"),
    ("can the cement leak out", "complication_cement_leakage"),
    ("what is the phone number of the clinic", "clinic_contact"),
])
def test_questions_are_answered_from_the_knowledge_base_with_sources(assistant, question, topic):
    replies = assistant.say(new_sender(), question)
    [meta] = [c for c in customs(replies) if "topic" in c]
    assert meta["topic"] == topic
    assert meta["sources"] and all(s["id"] and s["title"] for s in meta["sources"])
    assert "{" not in texts(replies)[0]


def test_clinic_contact_gives_the_profile_numbers(assistant):
    answer = texts(assistant.say(new_sender(), "what are your opening hours and phone number"))[0]
    assert PROFILE.office_phone in answer and PROFILE.on_call_phone in answer


def test_emergency_reply_comes_first_with_its_metadata_and_is_recorded(assistant):
    sender = new_sender()
    replies = assistant.say(sender, "my legs went numb and i cant move them")
    assert texts(replies)[0].startswith(f"This may be an emergency. Call {PROFILE.emergency_number} now.")
    assert {"triage": "emergency", "call": PROFILE.emergency_number} in customs(replies)
    assert any("leg_weakness" in c.get("symptoms", []) for c in customs(replies))
    records = list_escalations(session_factory(assistant.env["DATABASE_URL"]))
    assert any(r.conversation_id == conversation_id("rest", sender) and r.level == "emergency" for r in records)


def test_an_earlier_emergency_does_not_repeat_on_later_messages(assistant):
    sender = new_sender()
    assistant.say(sender, "I have chest pain")
    for later in ["I don't have chest pain anymore", "how long does the procedure take", "thanks"]:
        replies = assistant.say(sender, later)
        assert not any(c.get("triage") == "emergency" for c in customs(replies)), later
        assert not any("This may be an emergency" in t for t in texts(replies)), later


@pytest.mark.parametrize("message, level", [
    ("my temperature is 101.8", "urgent"),
    ("the needle site is red and oozing pus", "urgent"),
    ("my back pain is still not getting better after 3 weeks", "soon"),
    ("i feel a bit tired today", "self_care"),
    ("my mom had kyphoplasty yesterday and now she cant breathe", "emergency"),
])
def test_symptom_reports_are_triaged_at_the_right_level(assistant, message, level):
    sender = new_sender()
    replies = assistant.say(sender, message)
    for _ in range(4):  # a report that needs more facts gets follow-up questions: answer "no" to each
        if any(c.get("triage") for c in customs(replies)) or not any(t.endswith("?") for t in texts(replies)):
            break
        replies = assistant.say(sender, "no")
    assert level in [c.get("triage") for c in customs(replies)]


@pytest.mark.parametrize("message", ["what if I get a fever?", "I have no fever", "my husband had chest pain"])
def test_hypothetical_negated_and_other_person_mentions_do_not_escalate(assistant, message):
    replies = assistant.say(new_sender(), message)
    assert not any(c.get("triage") in ("emergency", "urgent") for c in customs(replies))
    assert texts(replies)


def test_urgent_reply_gives_the_number_for_this_hour(assistant):
    replies = assistant.say(new_sender(), "i have a fever of 102")
    [meta] = [c for c in customs(replies) if c.get("triage") == "urgent"]
    assert meta["call"] == PROFILE.number_for_now()


def test_asking_for_a_person_gives_the_number_for_the_hour(assistant):
    replies = assistant.say(new_sender(), "can i talk to a real nurse please")
    assert {"handoff": True, "call": PROFILE.number_for_now()} in customs(replies)


@pytest.mark.parametrize("message", [
    "", "   ", "<script>alert('x')</script>", "'; DROP TABLE events; --", "\x00\x01\x02binary\xff",
    "¿Qué es la cifoplastia?", "椎体成形术是什么", "a" * 20000, "what is kyphoplasty " * 2000, 12345, None,
])
def test_bad_input_gets_a_clear_reply_and_loses_nothing(assistant, message):
    sender = new_sender()
    replies = assistant.say(sender, message)
    assert texts(replies), f"empty reply to {message!r:.40}"
    follow_up = assistant.say(sender, "what is vertebroplasty")
    assert any(c.get("topic") == "what_vertebroplasty" for c in customs(follow_up))


def test_an_emergency_inside_a_very_long_message_is_not_missed(assistant):
    message = "I had my kyphoplasty on monday and everything went fine. " * 200 + "Now I have chest pain."
    replies = assistant.say(new_sender(), message)
    assert any(c.get("triage") == "emergency" for c in customs(replies))


@pytest.fixture()
def actions_stopped(assistant):
    assistant.actions.stop()
    yield assistant
    assistant.actions.start()


@pytest.mark.parametrize("message", [
    "what is kyphoplasty", "I have a fever of 101", "hello", "can I talk to a person", "blah blah qwerty",
    "my incision is draining", "thank you",
])
def test_without_the_action_server_no_message_is_met_with_silence(actions_stopped, message):
    replies = actions_stopped.say(new_sender(), message)
    joined = " ".join(texts(replies))
    assert joined
    if message not in ("hello", "thank you"):
        assert PROFILE.number_for_now() in joined or PROFILE.emergency_number in joined


@pytest.fixture()
def actions_hanging(assistant):
    """An action server that takes the connection and never answers."""
    assistant.actions.stop()
    listener = socket.create_server(("0.0.0.0", assistant.action_port))
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield assistant
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()
    assistant.actions.start()


def test_a_hanging_action_server_still_gets_the_patient_a_reply_in_time(actions_hanging):
    # Rasa would wait 5 minutes for the action server; the guard answers after TURN_TIMEOUT_SECONDS (10 s)
    replies = actions_hanging.say(new_sender(), "I have chest pain and I can't breathe", timeout=60)
    assert texts(replies)[0].startswith(f"This may be an emergency. Call {PROFILE.emergency_number} now.")
    assert any(t.startswith("I'm sorry, I can't answer that right now. Please call the clinic at "
                            f"{PROFILE.number_for_now()}") for t in texts(replies))



def test_without_the_action_server_the_emergency_reply_still_comes(actions_stopped):
    replies = actions_stopped.say(new_sender(), "I have chest pain and I can't breathe")
    assert texts(replies)[0].startswith(f"This may be an emergency. Call {PROFILE.emergency_number} now.")
    assert {"triage": "emergency", "call": PROFILE.emergency_number} in customs(replies)

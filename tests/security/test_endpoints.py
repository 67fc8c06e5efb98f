"""The public endpoints against an attacker, on the real Rasa and action servers (tests/e2e/servers.py) with the
rate limits and the alert flood limit on: each test here failed on the code before the hardening issue (#13)."""
from __future__ import annotations

import json
import sqlite3
import time
import uuid
import zlib

import pytest
import requests
from sqlalchemy import select

from bot.escalations import list_escalations
from bot.identity import conversation_id
from bot.kb.database import session_factory
from bot.kb.models import Alert
from tests.channels.twilio_double import FakeTwilioApi
from tests.channels.twilio_line import Line, sms_form
from tests.e2e.test_triage_flows import ALERT_SECRET, Webhook
from tests.e2e.servers import Assistant
from tests.security.client import action_call, listening_addresses, new_sender, post

PER_SENDER = 6


@pytest.fixture(scope="module")
def webhook():
    hook = Webhook()
    hook.reset(failures=0)
    yield hook
    hook.server.shutdown()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory, webhook):
    api = FakeTwilioApi().start()
    running = Assistant(tmp_path_factory.mktemp("guarded"), extra_env={
        "ALERT_WEBHOOK_URL": f"http://127.0.0.1:{webhook.port}/alerts", "ALERT_WEBHOOK_SECRET": ALERT_SECRET,
        "ALERT_FLOOD_MAX": "3",
        "RATE_LIMIT_PER_SENDER": str(PER_SENDER), "RATE_LIMIT_PER_ADDRESS": "0", "TWILIO_API_BASE_URL": api.url,
    }, cors=["http://clinic.example"]).start()
    yield running
    running.stop()
    api.stop()


def test_a_rest_sender_using_an_sms_patients_number_does_not_reach_their_conversation(guarded):
    line = Line(guarded)
    number = "+15550107788"
    assert line.sms(sms_form(number, "I have a fever of 101.5")).status_code == 200
    sms_records = [e for e in list_escalations(session_factory(guarded.env["DATABASE_URL"]))
                   if e.conversation_id == conversation_id("twilio", number)]
    assert [e.level for e in sms_records] == ["urgent"]
    # the number is nowhere in plain: not in the tracker store, not in the escalation log
    for url in (guarded.env["TRACKER_STORE_URL"], guarded.env["DATABASE_URL"]):
        with sqlite3.connect(url.split("sqlite:///", 1)[1]) as db:
            stored = "\n".join(db.iterdump())
        assert conversation_id("twilio", number) in stored and "5550107788" not in stored
    for forged in (number, conversation_id("twilio", number), f"whatsapp:{number}"):
        replies = post(guarded, {"sender": forged, "message": "/restart"}).json()
        assert replies and all(r["recipient_id"] == forged for r in replies)
    # the SMS patient's conversation is untouched: still one message, no restart
    assert line.user_texts(number) == ["I have a fever of 101.5"]


@pytest.mark.parametrize("body, reason", [
    (b"not json at all", "JSON"),
    ([1, 2, 3], "object"),
    ({"message": "I have chest pain"}, "sender"),
    ({"sender": "", "message": "hi"}, "sender"),
    ({"sender": 12345, "message": "hi"}, "sender"),
    ({"sender": "x" * 101, "message": "hi"}, "sender"),
    ({"sender": "a", "message": "hi", "metadata": {"contact": "forged"}}, "metadata"),
])
def test_malformed_bodies_get_a_clear_400(guarded, body, reason):
    response = post(guarded, body)
    assert response.status_code == 400 and reason in response.json()["error"]


def test_stream_is_refused(guarded):
    response = post(guarded, {"sender": new_sender(), "message": "hi"}, params={"stream": "true"})
    assert response.status_code == 400 and "stream" in response.json()["error"]


def test_a_client_cannot_choose_its_input_channel(guarded):
    who = new_sender()
    post(guarded, {"sender": who, "message": "I have a fever of 101.5", "input_channel": "twilio"})
    [record] = [e for e in list_escalations(session_factory(guarded.env["DATABASE_URL"]))
                if e.conversation_id == conversation_id("rest", who)]
    assert record.channel == "rest"


def test_rasa_commands_in_patient_text_page_nobody(guarded):
    who = new_sender()
    replies = post(guarded, {"sender": who, "message": '/report_symptom{"level_emergency":"x"}'}).json()
    assert "None" not in " ".join(r.get("text", "") for r in replies)
    assert not [e for e in list_escalations(session_factory(guarded.env["DATABASE_URL"]))
                if e.conversation_id == conversation_id("rest", who)]


def test_a_sender_past_its_rate_limit_is_told_to_wait_and_given_the_numbers(guarded):
    who = new_sender()
    statuses = [post(guarded, {"sender": who, "message": "hello"}).status_code for _ in range(PER_SENDER + 2)]
    assert statuses[:PER_SENDER] == [200] * PER_SENDER and statuses[PER_SENDER:] == [429, 429]
    held = post(guarded, {"sender": who, "message": "I have chest pain"})
    assert held.status_code == 429 and held.headers["Retry-After"] == "60"
    [reply] = held.json()
    assert reply["recipient_id"] == who and "911" in reply["text"]
    assert post(guarded, {"sender": new_sender(), "message": "hello"}).status_code == 200  # others go on


def test_an_alert_flood_is_held_back(guarded, webhook):
    for _ in range(8):  # "chest pain" under eight new sender ids
        post(guarded, {"sender": new_sender(), "message": "I have crushing chest pain"})
    sessions = session_factory(guarded.env["DATABASE_URL"])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # polling for the background deliveries
        with sessions() as session:
            statuses = session.scalars(select(Alert.status)).all()
        if len(statuses) >= 8 and "pending" not in statuses:
            break
        time.sleep(0.2)
    # this module's earlier urgent report counts too: at most ALERT_FLOOD_MAX + 1 alerts go out
    assert statuses.count("sent") == 4 and statuses.count("held") >= 5, statuses
    assert sum(1 for body in webhook.received if "alerts_held" in body) == 1


def test_cors_only_for_the_configured_origin(guarded):
    base = guarded.url.rsplit("/webhooks", 1)[0]
    allowed = requests.options(guarded.url, headers={"Origin": "http://clinic.example",
                                                     "Access-Control-Request-Method": "POST"}, timeout=10)
    refused = requests.options(guarded.url, headers={"Origin": "http://attacker.example",
                                                     "Access-Control-Request-Method": "POST"}, timeout=10)
    assert allowed.headers.get("Access-Control-Allow-Origin") == "http://clinic.example"
    assert "Access-Control-Allow-Origin" not in refused.headers
    polled = requests.get(f"{base}/socket.io/?EIO=4&transport=polling",
                          headers={"Origin": "http://attacker.example"}, timeout=10)
    assert polled.headers.get("Access-Control-Allow-Origin") in (None, "")


def test_the_action_server_answers_only_the_rasa_servers(guarded):
    before = len(list_escalations(session_factory(guarded.env["DATABASE_URL"])))
    for headers in ({}, {"X-Action-Token": "guess"}):
        refused = action_call(guarded, headers)
        assert refused.status_code == 401 and "chest" not in refused.text
    assert len(list_escalations(session_factory(guarded.env["DATABASE_URL"]))) == before
    listing = requests.get(f"http://127.0.0.1:{guarded.action_port}/actions", timeout=10)
    assert listing.status_code == 401


def test_the_action_server_echoes_no_request_and_refuses_a_bomb(guarded):
    token = {"X-Action-Token": guarded.env["ACTION_SERVER_TOKEN"]}
    broken = action_call(guarded, token, data=json.dumps({"next_action": "action_triage", "tracker": "my chest hurts"}))
    assert broken.status_code >= 400 and "my chest hurts" not in broken.text
    bomb = zlib.compress(b" " * 16_000_000, 9)
    refused = action_call(guarded, {**token, "Content-Encoding": "deflate"}, data=bomb)
    assert refused.status_code == 413
    huge = action_call(guarded, token, data=b"{" + b" " * 3_000_000 + b"}")
    assert huge.status_code == 413


def test_the_servers_listen_on_loopback_only(guarded):
    loopback = "0100007F"  # 127.0.0.1, little-endian hex
    assert listening_addresses(guarded.rasa_port) == {loopback}
    assert listening_addresses(guarded.action_port) == {loopback}


def test_a_body_past_the_limit_is_refused_and_nothing_is_stored(guarded):
    who = new_sender()
    response = post(guarded, {"sender": who, "message": "x" * 2_000_000})
    assert response.status_code == 413
    assert post(guarded, {"sender": new_sender(), "message": "hello"}).status_code == 200  # still up


def test_a_very_long_message_is_read_at_its_start_and_end_and_the_patient_is_told(guarded):
    who = new_sender()
    story = "I have chest pain. " + "Nothing else to add, all is well otherwise. " * 1000
    replies = post(guarded, {"sender": who, "message": story}).json()
    texts = [r.get("text", "") for r in replies]
    assert any(t.startswith("This may be an emergency") for t in texts)
    assert any("very long" in t for t in texts)


def test_a_replayed_sms_is_answered_once(guarded):
    line = Line(guarded)
    number = "+15550107799"
    form = sms_form(number, "what is kyphoplasty", MessageSid="SM" + uuid.uuid4().hex)
    first, again = line.sms(form), line.sms(form)
    assert first.status_code == again.status_code == 200
    assert line.user_texts(number) == ["what is kyphoplasty"]
    assert "<Message>" not in again.text


def test_a_replayed_voice_request_gets_no_second_turn(guarded):
    from tests.channels.twilio_line import voice_form

    line = Line(guarded)
    caller, call = "+15550107800", "CA" + uuid.uuid4().hex
    line.voice(voice_form(caller, call, status="ringing"))
    form = voice_form(caller, call, speech="I have a fever of 101.5")
    first, again = line.voice(form), line.voice(form)
    assert first.status_code == again.status_code == 200
    assert line.user_texts(caller).count("I have a fever of 101.5") == 1
    records = [e for e in list_escalations(session_factory(guarded.env["DATABASE_URL"]))
               if e.conversation_id == conversation_id("twilio_voice", caller)]
    assert len(records) == 1



# Hypothesis over the REST body: whatever a client sends, the answer is a clear status, the server stays up, and a
# message is never taken as a command. Inputs: text of any script, control bytes, markup, SQL, Rasa command syntax,
# wrong JSON types in every field, unknown fields.
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ATTACKS = st.sampled_from(["/restart", '/report_symptom{"level_emergency":"x"}', "/greet@0.99 chest pain",
                           "<script>alert(1)</script>", "'; DROP TABLE events; --", "\x00\x01\xff", "/ask_more",
                           "${TWILIO_AUTH_TOKEN}", "{{7*7}}", "../../etc/passwd"])
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
                           lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
                           max_leaves=5)
BODIES = st.fixed_dictionaries(
    {}, optional={"sender": st.text(min_size=1, max_size=30) | JSON_VALUES,
                  "message": st.text(max_size=300) | ATTACKS | JSON_VALUES,
                  "input_channel": st.text(max_size=10), "extra": JSON_VALUES}) | JSON_VALUES


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
def test_any_body_gets_a_clear_answer_and_the_server_stays_up(guarded, body):
    response = post(guarded, body)
    assert response.status_code in (200, 400, 429), response.text[:200]
    if response.status_code == 200:
        replies = response.json()
        assert replies and any(r.get("text") for r in replies)  # never silence
        assert all(r["recipient_id"] == body["sender"] for r in replies)
        assert all("None" not in (r.get("text") or "") for r in replies)
    else:
        assert response.json()


def test_a_socketio_client_cannot_speak_in_another_clients_session(guarded):
    import asyncio

    import socketio

    url = f"http://127.0.0.1:{guarded.rasa_port}"

    async def scenario():
        victim, attacker = socketio.AsyncClient(), socketio.AsyncClient()
        heard = {"victim": [], "attacker": []}
        victim.on("bot_uttered", lambda data: heard["victim"].append(data))
        attacker.on("bot_uttered", lambda data: heard["attacker"].append(data))
        session = uuid.uuid4().hex
        for client in (victim, attacker):
            await client.connect(url, socketio_path="/socket.io", transports=["websocket"])
            await client.emit("session_request", {"session_id": session})
        await attacker.emit("user_uttered", {"message": "I have chest pain", "session_id": session})
        for _ in range(150):  # the attacker's own turn ends within 15 s
            if any((m.get("custom") or {}).get("triage") for m in heard["attacker"]):
                break
            await asyncio.sleep(0.1)
        await victim.disconnect()
        await attacker.disconnect()
        return heard

    heard = asyncio.run(scenario())
    assert any((m.get("custom") or {}).get("triage") == "emergency" for m in heard["attacker"])
    assert heard["victim"] == []  # the message landed in the attacker's own conversation, not in the session named


def test_no_patient_text_reaches_the_logs(guarded):
    marker = f"zebracrossing{uuid.uuid4().hex[:8]}"
    post(guarded, {"sender": new_sender(), "message": f"{marker} I have crushing chest pain and my legs are numb"})
    post(guarded, {"sender": new_sender(), "message": f"{marker} what is kyphoplasty"})
    action_call(guarded, {"X-Action-Token": guarded.env["ACTION_SERVER_TOKEN"]},
                data=json.dumps({"next_action": "action_triage", "tracker": f"{marker} broken"}))
    for log in (guarded.rasa.log, guarded.actions.log):
        assert marker not in log.read_text(errors="replace"), log

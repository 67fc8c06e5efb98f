"""The replicated layout (scripts/replicated.py) against the real nginx, PostgreSQL and Redis of these machines: two
Rasa servers and two action servers behind nginx. A conversation keeps its state while its turns alternate between
the Rasa servers, and goes on through the other when one is killed in the middle of it, with no lost turn."""
from __future__ import annotations

import json
import uuid

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.identity import conversation_id
from scripts.replicated import Layout, drop_database, ensure_database

REDIS_URL = "redis://127.0.0.1:6379/14"  # db 14 is left to this test


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    name = f"kyphobot_replicated_{uuid.uuid4().hex[:8]}"
    database_url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    ensure_database(database_url)
    running = Layout(tmp_path_factory.mktemp("replicated"), rasa=2, actions=2,
                     env={"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
                          "RATE_LIMIT_PER_SENDER": "0", "RATE_LIMIT_PER_ADDRESS": "0"})
    running.database_url = database_url
    try:
        yield running.start()
    finally:
        running.stop()
        drop_database(database_url)


def say(layout, sender: str, message: str) -> list:
    response = requests.post(f"{layout.url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                             timeout=60)
    response.raise_for_status()
    return response.json()


def texts(replies) -> list:
    return [r["text"] for r in replies if r.get("text")]


def stored_user_turns(layout, sender: str) -> list:
    engine = create_engine(layout.database_url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT data FROM events WHERE sender_id = :id AND type_name = 'user' "
                                       "ORDER BY id"), {"id": conversation_id("rest", sender)}).scalars().all()
    engine.dispose()
    return [json.loads(row)["text"] for row in rows]


def test_the_page_and_the_webhooks_answer_on_one_port(layout):
    assert requests.get(f"{layout.url}/", timeout=10).status_code == 200
    assert requests.get(f"{layout.url}/config.json", timeout=10).json()["rasa_url"] == layout.url


def test_a_conversation_keeps_its_state_while_its_turns_alternate_between_the_rasa_servers(layout):
    sender = f"alternating-{uuid.uuid4().hex[:8]}"
    before = len(layout.upstreams())
    say(layout, sender, "hello")
    # the follow-up question is asked by one server and its answer read by the other
    asked = say(layout, sender, "I think I have a fever")
    assert any(t.startswith("What is your temperature now?") for t in texts(asked)), asked
    answered = say(layout, sender, "it's 101.5")
    assert [r["custom"]["triage"] for r in answered if "triage" in (r.get("custom") or {})] == ["urgent"]
    taken_by = layout.upstreams(at_least=before + 3)[before:]
    assert len(taken_by) == 3 and len(set(taken_by)) == 2  # both servers took turns of this conversation
    assert stored_user_turns(layout, sender) == ["hello", "I think I have a fever", "it's 101.5"]


def test_a_rasa_server_killed_in_the_middle_of_a_conversation_loses_no_turn(layout):
    sender = f"killed-{uuid.uuid4().hex[:8]}"
    sent = ["hello", "what is kyphoplasty", "how long does it take"]
    for message in sent:
        assert texts(say(layout, sender, message))
    layout.rasa[0].kill()
    after = ["when can I drive", "can I shower", "thank you"]
    for message in after:
        assert texts(say(layout, sender, message)), f"no answer to {message!r} with one Rasa server down"
    sent += after
    assert stored_user_turns(layout, sender) == sent
    layout.rasa[0].start()  # back, and taking turns again
    more = ["what is vertebroplasty", "what is the phone number of the clinic"]
    for message in more:
        assert texts(say(layout, sender, message))
    assert stored_user_turns(layout, sender) == sent + more

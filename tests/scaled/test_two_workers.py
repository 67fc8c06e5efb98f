"""The production layout on one machine: two Sanic workers sharing the conversation lock in the local Redis
(REDIS_URL, SANIC_WORKERS=2). Messages of one conversation sent at once are handled one after the other,
whichever worker takes them; no reply is lost."""
from __future__ import annotations

import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.servers import Assistant

REDIS_URL = "redis://127.0.0.1:6379/15"  # runs on these machines; db 15 is left to the tests


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("scaled")
    running = Assistant(workdir, {"SANIC_WORKERS": "2", "REDIS_URL": REDIS_URL}).start()
    running.workdir = workdir
    yield running
    running.stop()


def worker_processes(pid: int) -> int:
    children = open(f"/proc/{pid}/task/{pid}/children").read().split()
    return sum("rasa" in open(f"/proc/{child}/cmdline").read() for child in children)


def test_two_workers_run(scaled):
    assert worker_processes(scaled.rasa.process.pid) == 2


def test_messages_of_one_conversation_sent_at_once_are_handled_in_turn(scaled):
    sender = f"burst-{uuid.uuid4().hex[:8]}"
    scaled.say(sender, "hello")
    # Rasa's lock looks again every second for a message waiting behind another of its conversation, so four
    # at once take about four seconds, well within the guard's 10 s (TURN_TIMEOUT_SECONDS)
    questions = ["how long does the procedure take?", "when can I drive?", "can I shower?", "what is kyphoplasty?"]
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        replies = list(pool.map(lambda text: scaled.say(sender, text), questions))
    assert all(any(m.get("text") for m in reply) for reply in replies)
    assert all(any((m.get("custom") or {}).get("topic") for m in reply) for reply in replies), replies

    # in the tracker: each message's actions come before the next message (no two handled at once)
    with sqlite3.connect(scaled.workdir / "tracker.db") as db:
        kinds = [(t, a) for t, a in db.execute(
            "select type_name, action_name from events where sender_id = ? and type_name in ('user', 'action') "
            "order by id", (f"rest:{sender}",))]
    turns = [i for i, (kind, _) in enumerate(kinds) if kind == "user"]
    assert len(turns) == 1 + len(questions)
    for start, end in zip(turns, turns[1:] + [len(kinds)]):
        actions = [name for _, name in kinds[start + 1:end]]
        assert actions and actions[-1] == "action_listen", actions
        assert actions.count("action_listen") == 1, actions


def test_an_emergency_is_answered_by_either_worker(scaled):
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(pool.map(lambda i: scaled.say(f"em-{uuid.uuid4().hex[:6]}-{i}", "I have chest pain"),
                                range(6)))
    for reply in replies:
        assert any((m.get("custom") or {}).get("triage") == "emergency" for m in reply)
        assert "911" in " ".join(m.get("text") or "" for m in reply)

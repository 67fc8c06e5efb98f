"""The socket.io channel, as a widget would use it: a session, a message, the replies with their metadata."""
from __future__ import annotations

import asyncio
import uuid

import socketio

from bot.clinic import load_profile

PROFILE = load_profile()


async def _converse(url: str, messages, expected_turn_ends) -> list:
    client = socketio.AsyncClient()
    received, session = [], uuid.uuid4().hex
    confirmed = asyncio.Event()

    @client.on("session_confirm")
    async def on_confirm(data):
        confirmed.set()

    @client.on("bot_uttered")
    async def on_bot(data):
        received.append(data)

    await client.connect(url, socketio_path="/socket.io", transports=["websocket"])
    await client.emit("session_request", {"session_id": session})
    await asyncio.wait_for(confirmed.wait(), 10)
    turns = []
    for message, turn_ended in zip(messages, expected_turn_ends):
        received.clear()
        await client.emit("user_uttered", {"message": message, "session_id": session})
        for _ in range(200):  # wait for the turn's last expected message, at most 20 s
            if turn_ended(received):
                break
            await asyncio.sleep(0.1)
        turns.append(list(received))
    await client.disconnect()
    return turns


def test_socketio_replies_carry_their_metadata(assistant):
    url = f"http://127.0.0.1:{assistant.rasa_port}"
    has_triage = lambda msgs: any((m.get("custom") or {}).get("symptoms") for m in msgs)
    has_topic = lambda msgs: any((m.get("custom") or {}).get("topic") for m in msgs)
    emergency, answer = asyncio.run(_converse(url, ["I have chest pain", "what is vertebroplasty"],
                                              [has_triage, has_topic]))
    assert emergency[0]["text"].startswith(f"This may be an emergency. Call {PROFILE.emergency_number} now.")
    assert {"triage": "emergency", "call": PROFILE.emergency_number} in [m.get("custom") for m in emergency]
    assert any(m.get("text", "").startswith("I am an automated assistant") for m in emergency)
    [meta] = [m["custom"] for m in answer if (m.get("custom") or {}).get("topic")]
    assert meta["topic"] == "what_vertebroplasty" and meta["sources"]

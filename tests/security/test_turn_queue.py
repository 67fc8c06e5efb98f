"""A conversation holds a bounded queue of turns (bot/rasa/channels/guard.py): past MAX_WAITING_TURNS, a message is
answered at once with "one message at a time" and the clinic's number, and no message goes unanswered."""
from __future__ import annotations

import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.rasa.channels import guard


def test_past_the_queue_a_message_is_answered_at_once(monkeypatch):
    monkeypatch.setenv("MAX_WAITING_TURNS", "2")
    monkeypatch.setattr(guard, "_is_new_conversation", lambda sender: asyncio.sleep(0, result=False))
    release = asyncio.Event()
    handled = []

    async def slow_turn(message: UserMessage) -> None:  # Rasa holding the conversation's lock
        await release.wait()
        handled.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, f"answer to {message.text}")

    async def scenario():
        handle = guard.guarded(slow_turn)
        outputs = [CollectingOutputChannel() for _ in range(4)]
        tasks = [asyncio.ensure_future(handle(UserMessage(f"q{n}", out, "rest:flood"))) for n, out in enumerate(outputs)]
        await asyncio.sleep(0.05)
        third, fourth = outputs[2].messages, outputs[3].messages
        assert [m["text"] for m in third] and "one message at a time" in third[0]["text"]
        assert "one message at a time" in fourth[0]["text"]
        release.set()
        await asyncio.gather(*tasks)
        again = CollectingOutputChannel()  # once the queue is empty, the next message is a turn again
        await handle(UserMessage("q4", again, "rest:flood"))
        assert [m["text"] for m in again.messages] == ["answer to q4"]
        return outputs

    outputs = asyncio.run(scenario())
    assert handled == ["q0", "q1", "q4"]
    assert [m["text"] for m in outputs[0].messages] == ["answer to q0"]
    assert guard._waiting == {}  # nothing left counted once the turns are over

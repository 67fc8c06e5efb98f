"""Rasa's socket.io channel with two fixes for rasa 3.6.21, and the guard of bot.rasa.channels.guard.

Rasa passes a `custom` payload to python-socketio's emit() as keyword arguments, which raises
(`AsyncServer.emit() got an unexpected keyword argument ...`): the reply's metadata never reaches the
browser and the turn is not saved. Here it is sent as socket.io data, `{"custom": {...}}`.
python-socketio stays below 5.10 (requirements.txt), where `enter_room` is still synchronous as Rasa
expects (Rasa issue #13027)."""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.rasa import internals
from bot.rasa.channels.guard import guarded
from bot.rasa.channels.limits import held_back_text, sender_allowed
from bot.identity import NAMESPACES, conversation_id


class SocketIOOutputWithCustom(SocketIOOutput):
    """Sends the metadata as data, and keeps what it sent so that the guard can check the reply."""

    def __init__(self, sio: Any, bot_message_evt: Text) -> None:
        super().__init__(sio, bot_message_evt)
        self.messages: list = []

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        self.messages.append(response)
        await super()._send_message(socket_room(socket_id), response)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


def socket_room(conversation: Text) -> Text:
    """The socket.io room of a conversation in the `web:` namespace (its session id)."""
    return conversation.split(":", 1)[1] if conversation.startswith(f"{NAMESPACES['socketio']}:") else conversation


def _with_custom_output(on_new_message: Callable[[UserMessage], Awaitable[None]]):
    async def handle(message: UserMessage) -> None:
        original = message.output_channel
        message.output_channel = SocketIOOutputWithCustom(original.sio, original.bot_message_evt)
        message.sender_id = conversation_id("socketio", message.sender_id)
        message.metadata = None  # a client's metadata is not the assistant's to keep
        if not sender_allowed(message.sender_id):
            await message.output_channel.send_text_message(message.sender_id, held_back_text())
            return
        await on_new_message(message)

    return handle


class GuardedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        internals.require("the web chat channel (socketio)")
        return super().blueprint(_with_custom_output(guarded(on_new_message)))

"""Rasa's REST channel (/webhooks/rest/webhook) behind the guard of bot.channels.guard."""
from __future__ import annotations

from typing import Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from bot.channels.guard import guarded
from bot.text.normalize import patient_text


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _extract_message(self, req) -> Optional[Text]:
        # a number, a list or null in "message" must not break the turn before the guard sees it
        return patient_text((req.json or {}).get("message"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        return super().blueprint(guarded(on_new_message))

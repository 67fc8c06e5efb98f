"""Rasa's REST channel (/webhooks/rest/webhook) behind the guard of bot.rasa.channels.guard, taking `{sender, message}`
as Rasa's does, and nothing else from the client: the sender lives in the `rest:` namespace (it can never reach
an SMS or voice conversation), the input channel is always `rest`, client metadata and `stream` are refused,
and a malformed body gets a clear 400."""
from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa.channels.guard import guarded
from bot.rasa.channels.limits import too_many
from bot.identity import MAX_SENDER_CHARS, conversation_id
from bot.log_privacy import hold_logs_at_info
from bot.production_secrets import check_all

logger = logging.getLogger(__name__)


def _bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


def _as_sent_to(messages: List[Dict[str, Any]], sender: str) -> List[Dict[str, Any]]:
    """The replies addressed to the client's own sender id, as Rasa's REST channel answers."""
    return [{**message, "recipient_id": sender} for message in messages]


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        check_all()  # at start-up: in production, no development secret
        hold_logs_at_info()  # no patient text in production logs, even with --debug
        handle = guarded(on_new_message)
        webhook = Blueprint("custom_webhook_GuardedRestInput", url_prefix="/webhooks/rest")

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # Sanic raises on a body that is not JSON
                return _bad_request("the body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}")
            if not isinstance(body, dict):
                return _bad_request("the body must be a JSON object: {\"sender\": \"...\", \"message\": \"...\"}")
            sender = body.get("sender")
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
                return _bad_request(f"`sender` must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
            if request.args.get("stream") or body.get("metadata") is not None:
                return _bad_request("`stream` and `metadata` are not accepted on this channel")
            refused = too_many(request, f"rest:{sender}")
            if refused:
                return refused
            collector = CollectingOutputChannel()
            text = body.get("message")  # the guard normalises it; a number or a list is read as its text
            text = text if isinstance(text, str) else "" if text is None else json.dumps(text)
            message = UserMessage(text, collector, conversation_id(self.name(), sender), input_channel=self.name())
            await handle(message)
            return response.json(_as_sent_to(collector.messages, sender))

        return webhook

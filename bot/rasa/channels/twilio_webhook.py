"""The webhook side of the Twilio channels: the X-Twilio-Signature check over the URL Twilio called and the form it
posted, the routes of a signed webhook, and the memory of requests Twilio sent again."""
from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Awaitable, Callable, List, Optional, Text
from urllib.parse import parse_qs

from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.production_secrets import DEVELOPMENT_DEFAULTS, checked

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"


class FormParams(dict):
    """Form fields as lists of values, blank ones included (Twilio signs them; Sanic's request.form drops
    them), with the getlist() that twilio's RequestValidator reads."""

    def getlist(self, key: str) -> List[str]:
        return list(self.get(key, []))

    def first(self, key: str) -> Optional[str]:
        values = self.get(key)
        return values[0] if values else None


def form_params(request: Request) -> FormParams:
    if not (request.content_type or "").lower().startswith("application/x-www-form-urlencoded"):
        return FormParams()
    body = (request.body or b"").decode("utf-8", errors="replace")
    return FormParams(parse_qs(body, keep_blank_values=True))


class TwilioSignature:
    """Checks X-Twilio-Signature over the URL Twilio called and the form it posted."""

    def __init__(self, auth_token: Optional[Text], public_url: Optional[Text] = None) -> None:
        if not auth_token:
            raise InvalidConfigException("The Twilio channels need `auth_token` to check X-Twilio-Signature.")
        auth_token = checked("TWILIO_AUTH_TOKEN", auth_token)  # in production, never the development default
        self.validator = RequestValidator(auth_token)
        self.public_url = (public_url or "").strip().rstrip("/") or None
        if auth_token == DEVELOPMENT_DEFAULTS["TWILIO_AUTH_TOKEN"]:
            logger.warning("The Twilio channels use the development auth token of scripts/env.sh: set "
                           "TWILIO_AUTH_TOKEN to the account's own before taking real calls or messages.")

    def url_for(self, request: Request) -> str:
        if not self.public_url:
            return request.url
        query = f"?{request.query_string}" if request.query_string else ""
        return f"{self.public_url}{request.path}{query}"

    def is_valid(self, request: Request, params: FormParams) -> bool:
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return False
        try:
            return bool(self.validator.validate(self.url_for(request), params, signature))
        except Exception:  # a malformed signature or URL is a forged one
            logger.debug("signature check failed", exc_info=True)
            return False


def forbidden(channel: str, request: Request) -> HTTPResponse:
    problem = "an invalid" if request.headers.get(SIGNATURE_HEADER) else "no"
    logger.warning("%s: rejected a request with %s %s header", channel, problem, SIGNATURE_HEADER)
    return response.text("Forbidden", status=403)


def signed_webhook(name: str, channel: str, signature: TwilioSignature,
                   answer: Callable[[Request, FormParams], Awaitable[HTTPResponse]]) -> Blueprint:
    """The routes of a Twilio channel: a health check, and the webhook, which passes on only requests that
    carry a valid X-Twilio-Signature (the others get 403 and reach no conversation)."""
    webhook = Blueprint(name, __name__)

    @webhook.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @webhook.route("/webhook", methods=["POST"])
    async def receive(request: Request) -> HTTPResponse:
        params = form_params(request)
        if not signature.is_valid(request, params):
            return forbidden(channel, request)
        return await answer(request, params)

    return webhook


class Replays:
    """Twilio calls a webhook again when the first call got no answer in time: a MessageSid (or a CallSid with its
    speech result) seen within `ttl_seconds` is answered without a second turn, escalation, alert or SMS. Kept in
    the process, as the conversation lock is: Twilio retries to the same address, which nginx keeps on the same
    server by the caller's number."""

    def __init__(self, ttl_seconds: float, max_items: int = 20_000) -> None:
        self.ttl, self.max_items = ttl_seconds, max_items
        self._seen: "OrderedDict[str, float]" = OrderedDict()

    def first_time(self, key: Optional[str]) -> bool:
        if not key:
            return True
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) < now - self.ttl:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        if len(self._seen) > self.max_items:
            self._seen.popitem(last=False)
        return True

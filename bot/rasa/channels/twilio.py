"""The after-hours line: Rasa's `twilio` (SMS) and `twilio_voice` channels behind a check of the
X-Twilio-Signature header, with the guard of bot.rasa.channels.guard (never silence, first-reply disclaimer)
and replies shaped for the channel (bot.rasa.channels.formatting).

Webhooks stay /webhooks/twilio/webhook and /webhooks/twilio_voice/webhook. A request without a valid
signature gets 403 and reaches no conversation. Twilio signs the public URL it called: behind a proxy,
set `public_url` (the public base, e.g. https://clinic.example.org); empty means the URL of the request.
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput
from rasa.core.channels.twilio_voice import TwilioVoiceInput
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from bot.rasa import internals
from bot.rasa.channels.formatting import sms_bodies, voice_says, voice_text
from bot.rasa.channels.guard import _is_new_conversation, guarded, no_answer_text
from bot.clinic import load_profile
from bot.identity import conversation_id, seal_contact
from bot.rasa.channels.limits import allowed, held_back_text
from bot.log_privacy import hold_logs_at_info
from bot.production_secrets import check_all
from bot.rasa.channels.twilio_webhook import FormParams, Replays, TwilioSignature, signed_webhook

logger = logging.getLogger(__name__)
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)  # logs every API request's headers at INFO

MESSAGE_KEYS = ("text", "buttons", "quick_replies", "custom", "image", "attachment", "elements")


def _turn_messages(events: List[Any]) -> List[Dict[str, Any]]:
    """The bot messages of the latest turn in a tracker (after the latest user message)."""
    messages: List[Dict[str, Any]] = []
    for event in reversed(events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            data = event.data or {}
            messages.append({"text": event.text, **{k: data[k] for k in MESSAGE_KEYS if k != "text" and data.get(k)}})
    return list(reversed(messages))


async def _latest_turn(request: Request, sender_id: Optional[str]) -> List[Dict[str, Any]]:
    if not sender_id:
        return []
    try:
        tracker = await request.app.ctx.agent.tracker_store.retrieve(sender_id)
    except Exception:
        logger.exception("could not read the tracker")
        return []
    return _turn_messages(list(tracker.events)) if tracker else []


# ---------------------------------------------------------------- output channels

class TurnCollectingOutput(CollectingOutputChannel):
    """Collects the messages of one turn, one dict per bot message (text with its buttons and custom
    payload together), so that the reply can be shaped as a whole once the turn is over."""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        kept = {key: message[key] for key in MESSAGE_KEYS if message.get(key)}
        if kept:
            await self._persist_message({"recipient_id": recipient_id, **kept})


class SmsOutput(TurnCollectingOutput):
    """Collects the turn, then sends it as few SMS as the length limit allows through the Twilio REST API
    (Rasa's TwilioOutput sends every message, and every paragraph, as an SMS of its own)."""

    @classmethod
    def name(cls) -> Text:
        return "twilio"  # the domain's `channel: twilio` variations

    def __init__(self, account_sid: Optional[Text], auth_token: Optional[Text], twilio_number: Optional[Text],
                 api_base_url: Optional[Text] = None) -> None:
        super().__init__()
        self.account_sid, self.auth_token, self.twilio_number = account_sid, auth_token, twilio_number
        self.api_base_url = (api_base_url or "").strip() or None

    def client(self) -> Client:
        client = Client(self.account_sid, self.auth_token)
        if self.api_base_url:  # a Twilio API double (tests) instead of https://api.twilio.com
            client.api.base_url = self.api_base_url
        return client

    async def flush(self, recipient_id: Text) -> List[str]:
        """Sends the turn's reply; returns the bodies that could not be sent."""
        bodies = sms_bodies(self.messages)
        if not bodies:
            return []
        client = self.client()
        for index, body in enumerate(bodies):
            try:
                await asyncio.to_thread(client.messages.create, to=recipient_id, from_=self.twilio_number, body=body)
            except Exception as exc:  # the body is not logged
                logger.error("sending an SMS reply through the Twilio API failed (%s); replying with TwiML",
                             type(exc).__name__)
                return bodies[index:]
        return []


class VoiceOutput(TurnCollectingOutput):
    @classmethod
    def name(cls) -> Text:
        return "twilio_voice"  # the domain's `channel: twilio_voice` variations


# ---------------------------------------------------------------- input channels

def _option_choice(text: str, turn: List[Dict[str, Any]]) -> Optional[str]:
    """A bare number replying to the numbered options of the previous reply: that button's payload."""
    match = re.fullmatch(r"\s*(\d{1,2})\s*[.)]?\s*", text or "")
    if not match:
        return None
    buttons = [b for m in turn for b in (m.get("buttons") or m.get("quick_replies") or [])
               if isinstance(b, dict) and b.get("title")]
    index = int(match.group(1)) - 1
    if 0 <= index < len(buttons) and buttons[index].get("payload"):
        return str(buttons[index]["payload"])
    return None


def _metadata(caller: Optional[str], **ids: Optional[str]) -> Dict[str, str]:
    """Twilio's ids of the message or call, and the caller's number sealed for a call back (bot/identity.py):
    the tracker keeps this metadata, so the number is never in it in plain."""
    metadata = {key: value for key, value in ids.items() if value}
    if caller:
        metadata["contact"] = seal_contact(caller)
    return metadata


class SignedTwilioInput(TwilioInput):
    """SMS through Twilio, signature-checked and guarded. Credentials: account_sid, auth_token,
    twilio_number, public_url (optional), api_base_url (optional, a Twilio API double for tests)."""

    @classmethod
    def name(cls) -> Text:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(credentials.get("account_sid"), credentials.get("auth_token"), credentials.get("twilio_number"),
                   public_url=credentials.get("public_url"), api_base_url=credentials.get("api_base_url"))

    def __init__(self, account_sid: Optional[Text], auth_token: Optional[Text], twilio_number: Optional[Text],
                 debug_mode: bool = False, public_url: Optional[Text] = None,
                 api_base_url: Optional[Text] = None) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode)
        if not account_sid or not twilio_number:
            raise InvalidConfigException("The twilio channel needs `account_sid` and `twilio_number`.")
        self.signature = TwilioSignature(auth_token, public_url)
        self.api_base_url = api_base_url

    def get_output_channel(self) -> SmsOutput:
        return SmsOutput(self.account_sid, self.auth_token, self.twilio_number, self.api_base_url)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        check_all()  # at start-up: in production, no development secret
        internals.require("the SMS channel (twilio)")
        hold_logs_at_info()  # no patient text in production logs, even with --debug
        handle = guarded(on_new_message)
        replays = Replays(ttl_seconds=3600)

        async def message(request: Request, params: FormParams) -> HTTPResponse:
            sender = params.first("From")
            if not sender:
                return response.text("missing From", status=400)
            if not replays.first_time(params.first("MessageSid")):
                return response.text(str(MessagingResponse()), content_type="text/xml")  # answered the first time
            conversation = conversation_id(self.name(), sender)
            if not allowed(request, conversation, by_address=False):  # Twilio's own addresses are shared
                twiml = MessagingResponse()
                twiml.message(held_back_text())
                return response.text(str(twiml), content_type="text/xml")
            text = (params.first("Body") or "").replace("¡", "@")  # @ signs get corrupted by some carriers
            choice = _option_choice(text, await _latest_turn(request, conversation)) if text.strip().isdigit() else None
            output = self.get_output_channel()
            metadata = _metadata(sender, message_sid=params.first("MessageSid"))
            await handle(UserMessage(choice or text, output, conversation, input_channel=self.name(), metadata=metadata))
            unsent = await output.flush(sender)
            twiml = MessagingResponse()
            for body in unsent:  # the REST API failed: Twilio delivers these from the webhook's answer
                twiml.message(body)
            return response.text(str(twiml), content_type="text/xml")

        return signed_webhook("twilio_webhook", self.name(), self.signature, message)


class SignedTwilioVoiceInput(TwilioVoiceInput):
    """Calls through Twilio Voice, signature-checked and guarded; what is said is voice-safe. Credentials:
    those of Rasa's twilio_voice, plus auth_token and public_url (optional)."""

    @classmethod
    def name(cls) -> Text:
        return "twilio_voice"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            credentials.get("initial_prompt", "hello"),
            credentials.get("reprompt_fallback_phrase", "I'm sorry, I didn't hear you. Please say your question again."),
            credentials.get("assistant_voice", "woman"),
            str(credentials.get("speech_timeout", "5")),
            credentials.get("speech_model", "default"),
            str(credentials.get("enhanced", "false")).lower(),
            auth_token=credentials.get("auth_token"),
            public_url=credentials.get("public_url"),
        )

    def __init__(self, initial_prompt: Optional[Text], reprompt_fallback_phrase: Optional[Text],
                 assistant_voice: Optional[Text], speech_timeout: Text = "5", speech_model: Text = "default",
                 enhanced: Text = "false", auth_token: Optional[Text] = None, public_url: Optional[Text] = None) -> None:
        super().__init__(initial_prompt, reprompt_fallback_phrase, assistant_voice, speech_timeout, speech_model,
                         enhanced)
        self.signature = TwilioSignature(auth_token, public_url)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        internals.require("the voice channel (twilio_voice)")
        replays = Replays(ttl_seconds=20)  # a caller may well say "yes" twice in one call, but not within seconds

        async def call(request: Request, params: FormParams) -> HTTPResponse:
            sender = params.first("From") or params.first("CallSid")
            conversation = conversation_id(self.name(), sender or "")
            text = (params.first("SpeechResult") or "").strip()
            replayed = bool(params.first("CallSid")) and not replays.first_time(
                f"{params.first('CallSid')}|{params.first('CallStatus')}|{text}")
            if replayed:
                text = ""  # a retried request: say the last turn again, as for silence, with no second turn
            call_starts = params.first("CallStatus") == "ringing" and not replayed
            if not text and call_starts:
                text = self.initial_prompt or "hello"
            emergency_number = load_profile().emergency_number

            if text and not allowed(request, conversation, by_address=False):
                says = [voice_text(held_back_text(), emergency_number)]
                twiml = self._build_twilio_voice_response([{"text": say} for say in says])
                return response.text(str(twiml), content_type="text/xml")
            if text:
                async def first_reply(message: UserMessage) -> bool:
                    return call_starts or await _is_new_conversation(message.sender_id)

                output = VoiceOutput()
                metadata = _metadata(params.first("From"), call_sid=params.first("CallSid"))
                await guarded(on_new_message, first_reply)(
                    UserMessage(text, output, conversation, input_channel=self.name(), metadata=metadata))
                says = voice_says(output.messages, emergency_number)
            else:  # the caller said nothing: say the last turn again
                says = voice_says(await _latest_turn(request, conversation), emergency_number)
                says = says or [voice_text(self.reprompt_fallback_phrase, emergency_number)]
            says = [say for say in says if say] or [voice_text(no_answer_text(), emergency_number)]
            twiml = self._build_twilio_voice_response([{"text": say} for say in says])
            return response.text(str(twiml), content_type="text/xml")

        return signed_webhook("Twilio_voice_webhook", self.name(), self.signature, call)

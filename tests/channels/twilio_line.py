"""Requests shaped like Twilio's webhooks (form-encoded, signed with X-Twilio-Signature) against the
assistant's real Rasa server, and what the tracker store recorded."""
from __future__ import annotations

import json
import random
import sqlite3
import uuid
import xml.etree.ElementTree as ET
from typing import Dict, List, Optional

import requests
from twilio.request_validator import RequestValidator

from bot.identity import conversation_id
from tests.e2e.servers import TWILIO_ENV, Assistant

TOKEN = TWILIO_ENV["TWILIO_AUTH_TOKEN"]
ACCOUNT_SID = TWILIO_ENV["TWILIO_ACCOUNT_SID"]
LINE_NUMBER = TWILIO_ENV["TWILIO_NUMBER"]


def new_phone() -> str:
    return "+1555" + "".join(random.choice("0123456789") for _ in range(7))


def signature(url: str, params: Dict[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def sms_form(sender: str, body: str, **extra: str) -> Dict[str, str]:
    return {"MessageSid": "SM" + uuid.uuid4().hex, "SmsSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
            "From": sender, "To": LINE_NUMBER, "Body": body, "NumMedia": "0", "NumSegments": "1",
            "ApiVersion": "2010-04-01", **extra}


def voice_form(sender: str, call_sid: str, speech: Optional[str] = None, status: str = "in-progress",
               **extra: str) -> Dict[str, str]:
    form = {"CallSid": call_sid, "AccountSid": ACCOUNT_SID, "From": sender, "To": LINE_NUMBER,
            "CallStatus": status, "Direction": "inbound", "ApiVersion": "2010-04-01", **extra}
    if speech is not None:
        form.update(SpeechResult=speech, Confidence="0.91")
    return form


class Line:
    """The after-hours line of one running assistant."""

    def __init__(self, assistant: Assistant, public_url: Optional[str] = None) -> None:
        self.assistant = assistant
        self.local = f"http://127.0.0.1:{assistant.rasa_port}"
        self.public_url = public_url

    def signed_url(self, path: str) -> str:
        return f"{self.public_url or self.local}{path}"

    def post(self, path: str, form: Dict[str, str], sign: bool = True, token: str = TOKEN,
             signed_url: Optional[str] = None, signed_form: Optional[Dict[str, str]] = None,
             header: Optional[str] = None) -> requests.Response:
        headers = {}
        if header is not None:
            headers["X-Twilio-Signature"] = header
        elif sign:
            headers["X-Twilio-Signature"] = signature(signed_url or self.signed_url(path), signed_form or form, token)
        return requests.post(f"{self.local}{path}", data=form, headers=headers, timeout=60)

    def sms(self, form: Dict[str, str], **kwargs) -> requests.Response:
        return self.post("/webhooks/twilio/webhook", form, **kwargs)

    def voice(self, form: Dict[str, str], **kwargs) -> requests.Response:
        return self.post("/webhooks/twilio_voice/webhook", form, **kwargs)

    # what the tracker store recorded (the SQLite file of this assistant), under the caller's SMS and voice ids
    def events(self, caller: str) -> List[dict]:
        path = self.assistant.env["TRACKER_STORE_URL"].split("sqlite:///", 1)[1]
        ids = (conversation_id("twilio", caller), conversation_id("twilio_voice", caller))
        with sqlite3.connect(path) as db:
            try:
                rows = db.execute("SELECT data FROM events WHERE sender_id IN (?, ?) ORDER BY id", ids).fetchall()
            except sqlite3.OperationalError:  # no table yet: nothing stored
                return []
        return [json.loads(row[0]) for row in rows]

    def user_texts(self, sender: str) -> List[str]:
        return [e.get("text") for e in self.events(sender) if e.get("event") == "user"]


def says(twiml: str) -> List[str]:
    """The <Say> texts of a TwiML answer, in the order they are spoken."""
    root = ET.fromstring(twiml)
    return [(say.text or "").strip() for say in root.iter("Say")]


def messages(twiml: str) -> List[str]:
    root = ET.fromstring(twiml)
    return [(m.text or "").strip() for m in root.iter("Message")]

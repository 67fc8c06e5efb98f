"""Who a conversation belongs to. Each channel has its own namespace ("rest:…", "sms:…"), so that an id chosen
by a REST client can never reach an SMS patient's conversation; a phone number is kept only as a keyed hash
(HMAC-SHA256 with CONVERSATION_ID_SECRET), and where staff need to call back, sealed with CONTACT_KEY."""
from __future__ import annotations

import hashlib
import hmac
import re
from typing import Optional

from cryptography.fernet import Fernet, InvalidToken

from bot.production_secrets import secret

# Rasa's channel names, and the namespace each one's conversations live in.
NAMESPACES = {"rest": "rest", "socketio": "web", "twilio": "sms", "twilio_voice": "voice"}
PHONE_CHANNELS = ("twilio", "twilio_voice")
MAX_SENDER_CHARS = 100


def phone_key(number: str) -> str:
    """The same number, however it is written, gives the same key; the key does not give the number back."""
    canonical = re.sub(r"[^\d+]", "", number or "")
    digest = hmac.new(secret("CONVERSATION_ID_SECRET").encode(), canonical.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def conversation_id(channel: str, sender: str) -> str:
    """The tracker's id for what a channel calls its sender."""
    namespace = NAMESPACES[channel]
    if channel in PHONE_CHANNELS:
        return f"{namespace}:{phone_key(sender)}"
    return f"{namespace}:{sender}"


def seal_contact(number: str) -> str:
    """The number, encrypted: only a holder of CONTACT_KEY (the clinic's staff tools) can read it."""
    return Fernet(secret("CONTACT_KEY").encode()).encrypt(number.encode()).decode()


def open_contact(sealed: Optional[str]) -> Optional[str]:
    if not sealed:
        return None
    try:
        return Fernet(secret("CONTACT_KEY").encode()).decrypt(sealed.encode()).decode()
    except (InvalidToken, ValueError):
        return None

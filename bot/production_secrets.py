"""Secrets come from the environment through the settings (bot/settings.py), and one rule holds for all of them: in production
(ASSISTANT_ENV=production) a missing secret or a development default refuses to start, so that nobody who
reads this repository can sign a Twilio request, call the action server or reverse a phone hash."""
from __future__ import annotations

from typing import Optional

from bot.settings import settings

# The development defaults: public, so never good enough for a real clinic.
DEVELOPMENT_DEFAULTS = {
    "TWILIO_AUTH_TOKEN": "development-auth-token-not-a-secret",
    "CONVERSATION_ID_SECRET": "development-conversation-id-secret",
    "CONTACT_KEY": "ZGV2ZWxvcG1lbnQtY29udGFjdC1rZXktbm90LXJlYWw=",  # a Fernet key
    "ACTION_SERVER_TOKEN": "development-action-server-token",
}


class MissingSecret(RuntimeError):
    """A production deployment without its own value for a secret."""


def production() -> bool:
    return settings().assistant_env.strip().lower() == "production"


def secret(name: str) -> str:
    """The secret's value from the settings (the environment); its development default outside production."""
    value = getattr(settings(), name.lower())
    return checked(name, value.get_secret_value() if value is not None else None)


def checked(name: str, value: Optional[str]) -> str:
    """A secret given by other means (a channel's credentials): refused in production if it is missing or
    the development default."""
    value = (value or "").strip()
    default = DEVELOPMENT_DEFAULTS[name]
    if production() and value in ("", default):
        raise MissingSecret(f"{name} is not set, or is the development default: ASSISTANT_ENV=production needs "
                            f"the clinic's own value (docs/security.md)")
    return value or default


def check_all() -> None:
    """Every secret at once, at start-up: a production server with a gap does not start."""
    for name in DEVELOPMENT_DEFAULTS:
        secret(name)

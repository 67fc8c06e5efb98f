"""The assistant's settings from the environment, typed and checked in one place (pydantic's BaseSettings). Every
process checks them at start-up (`check()`), so that a mistyped number stops it with a clear message rather than
failing at a patient's first message. Read when asked (`settings()`): a test or a process that changes the
environment is seen at once. bot/production_secrets.py gives the secrets from here (refusing development defaults in
production), bot/config.py the paths and databases."""
from __future__ import annotations

import os
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Optional

from pydantic import BaseSettings, SecretStr, ValidationError, validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    # the clock (ISO 8601 with offset): fixed for tests and demos of after-hours routing
    assistant_now: Optional[datetime] = None
    assistant_env: str = ""  # "production" refuses development secrets
    # files and databases (bot/config.py): the knowledge base, the working directory, the databases
    kb_dir: Path = PROJECT_ROOT / "data" / "kb"
    var_dir: Path = PROJECT_ROOT / "var"
    database_url: Optional[str] = None  # the knowledge base and escalations; default SQLite in var/
    tracker_store_url: Optional[str] = None  # the conversations; default DATABASE_URL, else SQLite in var/
    # servers
    rasa_port: int = 5005
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    action_max_body_bytes: int = 2_000_000
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    web_rasa_url: Optional[str] = None
    web_transcript_hours: float = 12
    # the conversation lock: several Sanic workers must share it in Redis
    redis_url: str = ""
    sanic_workers: int = 1
    # the guard of every channel
    max_waiting_turns: int = 5
    turn_timeout_seconds: float = 10
    rate_limit_per_sender: int = 20  # messages a minute; 0 lifts the limit
    rate_limit_per_address: int = 120
    # on-call alerts (bot/alerts.py)
    alert_webhook_url: Optional[str] = None
    alert_webhook_secret: Optional[str] = None
    alert_attempts: int = 4
    alert_backoff_seconds: float = 0.5
    alert_flood_max: int = 20
    alert_flood_minutes: float = 10
    alert_repeat_minutes: float = 30
    alert_stale_seconds: float = 60
    alert_outbox_seconds: float = 30
    # secrets: bot/production_secrets.py gives them, with its development defaults refused in production
    twilio_auth_token: Optional[SecretStr] = None
    conversation_id_secret: Optional[SecretStr] = None
    contact_key: Optional[SecretStr] = None
    action_server_token: Optional[SecretStr] = None

    @validator("*", pre=True)
    def _empty_is_unset(cls, value, field):  # noqa: N805 (pydantic's signature)
        """`NAME=` in an env file means the default, as it always has here."""
        return field.default if isinstance(value, str) and not value.strip() else value

    @validator("sanic_workers", "alert_attempts", "max_waiting_turns")
    def _at_least_one(cls, value, field):  # noqa: N805
        if value < 1:
            raise ValueError(f"{field.name.upper()} must be at least 1")
        return value

    @validator("rate_limit_per_sender", "rate_limit_per_address", "action_max_body_bytes", "rasa_port",
               "action_port", "web_port", "alert_flood_max")
    def _not_negative(cls, value, field):  # noqa: N805
        if value < 0:
            raise ValueError(f"{field.name.upper()} must not be negative")
        return value


def settings() -> Settings:
    """The settings as the environment holds them now (parsed again only when one of their variables changed)."""
    return _parsed(tuple(os.environ.get(name) for name in _VARIABLES))


_VARIABLES = [name.upper() for name in Settings.__fields__]


@lru_cache(maxsize=16)
def _parsed(values: tuple) -> Settings:
    return check()


class SettingsError(SystemExit):
    pass


def check() -> Settings:
    """The settings, or exit naming each bad variable (for the start of every process)."""
    try:
        return Settings()
    except ValidationError as error:
        lines = [f"  {'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()]
        raise SettingsError("the environment has settings the assistant cannot use:\n" + "\n".join(lines))

"""Conversations kept apart (bot/identity.py) and secrets refused in production (bot/production_secrets.py)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.identity import conversation_id, open_contact, phone_key, seal_contact
from bot.production_secrets import DEVELOPMENT_DEFAULTS, MissingSecret, check_all, checked, secret

ROOT = Path(__file__).resolve().parents[2]


def test_each_channel_has_its_own_namespace():
    assert conversation_id("rest", "abc") == "rest:abc"
    assert conversation_id("socketio", "abc") == "web:abc"
    assert conversation_id("twilio", "+15551234567").startswith("sms:")
    assert conversation_id("twilio_voice", "+15551234567").startswith("voice:")


def test_a_rest_sender_cannot_name_an_sms_conversation():
    sms = conversation_id("twilio", "+15551234567")
    for forged in (sms, "+15551234567", sms.split(":", 1)[1]):
        assert conversation_id("rest", forged) != sms


def test_a_phone_number_is_kept_only_as_a_keyed_hash(monkeypatch):
    conversation = conversation_id("twilio", "+1 (555) 123-4567")
    assert "5551234567" not in conversation
    assert conversation == conversation_id("twilio", "+15551234567")  # however it is written
    assert conversation != conversation_id("twilio", "+15551234568")
    monkeypatch.setenv("CONVERSATION_ID_SECRET", "another-clinic-secret")
    assert conversation_id("twilio", "+15551234567") != conversation  # the key matters: no lookup table helps
    assert re.fullmatch(r"[0-9a-f]{32}", phone_key("+15551234567"))


def test_the_call_back_number_is_sealed_and_opens_only_with_the_key(monkeypatch):
    sealed = seal_contact("+15551234567")
    assert "5551234567" not in sealed
    assert open_contact(sealed) == "+15551234567"
    monkeypatch.setenv("CONTACT_KEY", Fernet.generate_key().decode())
    assert open_contact(sealed) is None
    assert open_contact(None) is None and open_contact("not a token") is None


@pytest.mark.parametrize("name", sorted(DEVELOPMENT_DEFAULTS))
def test_production_refuses_a_missing_or_development_secret(monkeypatch, name):
    monkeypatch.setenv("ASSISTANT_ENV", "production")
    monkeypatch.delenv(name, raising=False)
    with pytest.raises(MissingSecret, match=name):
        secret(name)
    monkeypatch.setenv(name, DEVELOPMENT_DEFAULTS[name])
    with pytest.raises(MissingSecret, match=name):
        secret(name)
    monkeypatch.setenv(name, "the-clinic's-own-value")
    assert secret(name) == "the-clinic's-own-value"


def test_outside_production_the_development_defaults_serve(monkeypatch):
    monkeypatch.delenv("ASSISTANT_ENV", raising=False)
    for name in DEVELOPMENT_DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    check_all()
    assert secret("ACTION_SERVER_TOKEN") == DEVELOPMENT_DEFAULTS["ACTION_SERVER_TOKEN"]
    assert checked("TWILIO_AUTH_TOKEN", "") == DEVELOPMENT_DEFAULTS["TWILIO_AUTH_TOKEN"]


def test_env_sh_gives_the_same_development_defaults():
    """scripts/env.sh fills the environment for `make run`: its defaults are the ones production refuses."""
    done = subprocess.run(["bash", "-c", "env -i bash -c 'source scripts/env.sh && env'"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    exported = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    for name, value in DEVELOPMENT_DEFAULTS.items():
        assert exported[name] == value, name


def test_the_twilio_channel_refuses_the_development_token_in_production(monkeypatch):
    from bot.rasa.channels.twilio_webhook import TwilioSignature

    monkeypatch.setenv("ASSISTANT_ENV", "production")
    with pytest.raises(MissingSecret):
        TwilioSignature(DEVELOPMENT_DEFAULTS["TWILIO_AUTH_TOKEN"])
    assert TwilioSignature("the-account's-own-token").validator is not None


def test_in_production_the_action_server_does_not_start_on_a_development_secret():
    import os
    import sys

    env = {**os.environ, "ASSISTANT_ENV": "production", "ACTION_SERVER_TOKEN": DEVELOPMENT_DEFAULTS["ACTION_SERVER_TOKEN"],
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bot.rasa.action_server", "--port", "0"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "ASSISTANT_ENV=production" in done.stderr


def test_in_production_debug_logs_that_carry_patient_text_are_held_at_info(monkeypatch):
    import logging

    from bot.log_privacy import LOGGERS_WITH_PATIENT_TEXT_AT_DEBUG, hold_logs_at_info

    loggers = [logging.getLogger(name) for name in LOGGERS_WITH_PATIENT_TEXT_AT_DEBUG]
    before = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.DEBUG)  # as `rasa run --debug` leaves them
        monkeypatch.delenv("ASSISTANT_ENV", raising=False)
        hold_logs_at_info()
        assert all(logger.getEffectiveLevel() == logging.DEBUG for logger in loggers)  # development: as asked
        monkeypatch.setenv("ASSISTANT_ENV", "production")
        hold_logs_at_info()
        assert all(logger.getEffectiveLevel() == logging.INFO for logger in loggers)
    finally:
        for logger, level in zip(loggers, before):
            logger.setLevel(level)

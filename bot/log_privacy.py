"""What the servers may log: never a patient's words. Our own code logs no message text at any level, but Rasa logs
each message's text at DEBUG (`rasa run --debug`): in production (ASSISTANT_ENV=production) the loggers that could
carry it are held at INFO, whatever the command line says."""
from __future__ import annotations

import logging

from bot.production_secrets import production

LOGGERS_WITH_PATIENT_TEXT_AT_DEBUG = ("rasa", "rasa_sdk", "sanic", "bot", "actions")


def hold_logs_at_info() -> None:
    if not production():
        return
    for name in LOGGERS_WITH_PATIENT_TEXT_AT_DEBUG:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)

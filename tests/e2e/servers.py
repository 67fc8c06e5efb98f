"""Starts the real action server and Rasa server for a test, on free ports, with their own tracker DB."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import requests

from scripts.launch import BIN, MODEL, ROOT, Service, free_port, rasa_server, with_env_sh  # noqa: F401  (re-exported to tests)
# credentials.yml needs these (Rasa refuses to start on an unset ${VAR}): development values, as in
# scripts/env.sh; the channel tests sign their Twilio requests with this token.
TWILIO_ENV = {
    "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000000",
    "TWILIO_AUTH_TOKEN": "development-auth-token-not-a-secret",
    "TWILIO_NUMBER": "+15550100150",
    "TWILIO_PUBLIC_URL": "",
    "TWILIO_API_BASE_URL": "",
}
# The rate limits are lifted on loopback, as for evaluations (docs/security.md), except where a test sets them.
SERVER_ENV = {"RATE_LIMIT_PER_SENDER": "0", "RATE_LIMIT_PER_ADDRESS": "0"}


class Assistant:
    """Both servers, talking over the REST channel like the web widget does."""

    def __init__(self, workdir: Path, extra_env: Optional[Dict[str, str]] = None,
                 cors: Sequence[str] = ("*",)) -> None:
        self.rasa_port, self.action_port = free_port(), free_port()
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(ROOT), RASA_PORT=str(self.rasa_port), ACTION_PORT=str(self.action_port),
            TRACKER_STORE_URL=f"sqlite:///{workdir / 'tracker.db'}", DATABASE_URL=f"sqlite:///{workdir / 'kb.db'}",
            TF_CPP_MIN_LOG_LEVEL="2", RASA_TELEMETRY_ENABLED="false", SQLALCHEMY_SILENCE_UBER_WARNING="1",
        )
        env.update(TWILIO_ENV)
        env.update(SERVER_ENV)
        env.update(extra_env or {})
        self.env = env = with_env_sh(env)
        subprocess.run([str(BIN / "python"), "-m", "bot", "kb", "load"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        self.actions = Service(
            "action server", [str(BIN / "python"), "-m", "bot.rasa.action_server", "--port", str(self.action_port)],
            env, workdir / "actions.log", f"http://127.0.0.1:{self.action_port}/health",
        )
        self.rasa = Service(
            "rasa server", rasa_server(MODEL, self.rasa_port, list(cors)),
            env, workdir / "rasa.log", f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/",
        )
        self.url = f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def start(self) -> "Assistant":
        self.actions.start()
        self.rasa.start()
        return self

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()

    def say(self, sender: str, message, timeout: float = 30) -> List[dict]:
        response = requests.post(self.url, json={"sender": sender, "message": message}, timeout=timeout)
        response.raise_for_status()
        return response.json()

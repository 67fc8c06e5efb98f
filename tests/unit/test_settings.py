"""The settings (bot/settings.py): typed, an empty variable is the default, a bad one stops a process at start-up
naming the variable."""
import subprocess
import sys

import pytest

from bot.settings import SettingsError, check, settings
from scripts.launch import ROOT


def test_defaults_and_typed_values(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PER_SENDER", "")
    monkeypatch.setenv("ALERT_BACKOFF_SECONDS", "0.25")
    assert settings().rate_limit_per_sender == 20
    assert settings().alert_backoff_seconds == 0.25


def test_a_change_of_the_environment_is_seen_at_once(monkeypatch):
    monkeypatch.setenv("MAX_WAITING_TURNS", "3")
    assert settings().max_waiting_turns == 3
    monkeypatch.setenv("MAX_WAITING_TURNS", "4")
    assert settings().max_waiting_turns == 4


@pytest.mark.parametrize("name, value", [("RATE_LIMIT_PER_SENDER", "twenty"), ("SANIC_WORKERS", "0"),
                                         ("ASSISTANT_NOW", "tomorrow"), ("ALERT_FLOOD_MAX", "-1")])
def test_a_bad_value_is_refused_by_name(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        check()


def test_a_server_with_a_bad_setting_does_not_start():
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "WEB_TRANSCRIPT_HOURS": "half a day"}
    done = subprocess.run([sys.executable, "-m", "bot.web.server", "--port", "0"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "WEB_TRANSCRIPT_HOURS" in done.stderr


def test_paths_and_databases_follow_the_environment_without_a_restart(monkeypatch, tmp_path):
    from bot import config

    assert config.kb_dir() == ROOT / "data" / "kb"
    monkeypatch.setenv("KB_DIR", str(tmp_path / "kb"))
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    assert config.kb_dir() == tmp_path / "kb"
    assert config.database_url() == f"sqlite:///{tmp_path / 'var' / 'kb.db'}"
    assert config.tracker_store_url() == f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/test")
    assert config.tracker_store_url() == "postgresql://localhost/test"  # the conversations share it unless told
    monkeypatch.setenv("TRACKER_STORE_URL", "sqlite:///elsewhere.db")
    assert config.tracker_store_url() == "sqlite:///elsewhere.db"

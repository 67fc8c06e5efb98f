"""Where the assistant's files and databases are: the knowledge base, the working directory (var/), the databases.
Taken from the settings (bot/settings.py) each time they are asked for, so that a process or a test that sets
KB_DIR, VAR_DIR or DATABASE_URL is seen at once; the embedded defaults are data/kb, var/ and SQLite files in var/."""
from __future__ import annotations

from pathlib import Path

from bot.settings import PROJECT_ROOT, settings

__all__ = ["PROJECT_ROOT", "kb_dir", "var_dir", "database_url", "tracker_store_url"]


def kb_dir() -> Path:
    return settings().kb_dir


def var_dir() -> Path:
    return settings().var_dir


def _sqlite_in_var(name: str) -> str:
    var_dir().mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{var_dir() / name}"


def database_url() -> str:
    """The knowledge-base / escalation database: DATABASE_URL, else var/kb.db."""
    return settings().database_url or _sqlite_in_var("kb.db")


def tracker_store_url() -> str:
    """The conversations' database: TRACKER_STORE_URL, else DATABASE_URL, else var/tracker.db."""
    return settings().tracker_store_url or settings().database_url or _sqlite_in_var("tracker.db")

"""Settings from the environment, with embedded defaults (SQLite files under var/)."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KB_DIR = Path(os.environ.get("KB_DIR", PROJECT_ROOT / "data" / "kb"))
VAR_DIR = Path(os.environ.get("VAR_DIR", PROJECT_ROOT / "var"))


def database_url() -> str:
    """The knowledge-base / escalation database: DATABASE_URL, else var/kb.db."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / 'kb.db'}"

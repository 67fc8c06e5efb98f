"""Helpers of the knowledge-base loader tests: reading and writing copies of data/kb, counting rows."""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import text

from bot.kb.database import session_factory
from bot.kb.loader import load_into

ROOT = Path(__file__).resolve().parents[2]
KB = ROOT / "data" / "kb"
PYTHON = ROOT / ".venv" / "bin" / "python"
TABLES = ("sources", "topics", "topic_sources", "escalations")
LEVELS_MESSAGE = "level must be one of self_care, soon, urgent, emergency"


# ---------------------------------------------------------------- helpers

def read(path: Path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def write(path: Path, document) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(document, handle, allow_unicode=True, sort_keys=False, width=10_000)


def yaml_answers(kb_dir: Path = KB):
    """Every answer entry of answers/*.yml, as the YAML says it."""
    return [entry for path in sorted((kb_dir / "answers").glob("*.yml")) for entry in read(path)["answers"]]


def counts(session_maker) -> dict:
    with session_maker() as session:
        return {table: session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() for table in TABLES}


def sessions_in(tmp_path: Path, name: str = "kb.db"):
    return session_factory(f"sqlite:///{tmp_path / name}")


def assert_rejected(kb_dir: Path, tmp_path: Path, expected_errors=None):
    """load_into reports exactly `expected_errors` (None: exactly one error) and leaves a fresh database empty."""
    session_maker = sessions_in(tmp_path, "rejected.db")
    kb = load_into(session_maker, kb_dir)
    if expected_errors is None:
        assert len(kb.errors) == 1, kb.errors
    else:
        assert kb.errors == expected_errors
    assert counts(session_maker) == dict.fromkeys(TABLES, 0)
    return kb



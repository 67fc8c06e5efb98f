"""bot.escalations: what is recorded, listing with filters, and `python -m bot escalations`."""
from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from bot import escalations
from bot.__main__ import main
from bot.escalations import list_escalations, record, should_record
from bot.kb.database import session_factory

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"

HEADER = "when (UTC)           level      channel     number given      alert    conversation  symptoms"
LINES = {
    "a": "2026-11-23 15:00:00  soon       rest        (555) 010-0100    -        conv-a  pain_not_improving",
    "b": "2026-11-24 03:15:00  urgent     rest        (555) 010-0199    -        conv-b  fever,wound_infection",
    "c": "2026-11-24 16:45:30  emergency  socketio    911               -        conv-c  chest_pain",
    "d": "2026-11-25 09:00:00  handoff    -           -                 -        conv-d  -",
    "e": "2026-11-25 00:00:00  urgent     -           (555) 010-0100    -        conv-e  fever",
}


def fill(session_maker) -> None:
    """Five records, not written in time order."""
    record(session_maker, "conv-c", "emergency", ["chest_pain"], "socketio", "911", at=datetime(2026, 11, 24, 16, 45, 30))
    record(session_maker, "conv-a", "soon", ["pain_not_improving"], "rest", "(555) 010-0100",
           at=datetime(2026, 11, 23, 15, 0))
    record(session_maker, "conv-d", escalations.HANDOFF, [], None, None, at=datetime(2026, 11, 25, 9, 0))
    record(session_maker, "conv-b", "urgent", ["wound_infection", "fever"], "rest", "(555) 010-0199",
           at=datetime(2026, 11, 24, 3, 15))
    record(session_maker, "conv-e", "urgent", ["fever"], "", "(555) 010-0100", at=datetime(2026, 11, 25, 0, 0))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """Read-only for the tests that use it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('escalations') / 'escalations.db'}"
    session_maker = session_factory(url)
    fill(session_maker)
    return url, session_maker


def ids(rows):
    return [row.conversation_id for row in rows]


# ---------------------------------------------------------------- should_record

@pytest.mark.parametrize("level, recorded", [
    ("emergency", True), ("urgent", True), ("soon", True), ("handoff", True),
    ("self_care", False), (None, False), ("", False), ("unknown", False), ("URGENT", False),
])
def test_should_record(level, recorded):
    assert should_record(level) is recorded


# ---------------------------------------------------------------- record

def test_record_keeps_only_what_the_decision_needs(tmp_path):
    session_maker = session_factory(f"sqlite:///{tmp_path / 'one.db'}")
    entry = record(session_maker, "c" * 200, "urgent", ["wound_infection", "fever", "chest_pain"],
                   "x" * 50, "(555) 010-0199", at=datetime(2026, 11, 24, 10, 0))
    assert entry.id == 1
    [row] = list_escalations(session_maker)
    for item in (entry, row):
        assert item.conversation_id == "c" * 120
        assert item.level == "urgent"
        assert item.symptom_codes == ["chest_pain", "fever", "wound_infection"]
        assert item.channel == "x" * 40
        assert item.number_given == "(555) 010-0199"
        assert item.created_at == datetime(2026, 11, 24, 10, 0)


def test_record_without_channel_or_time(tmp_path):
    session_maker = session_factory(f"sqlite:///{tmp_path / 'one.db'}")
    before = datetime.utcnow()
    record(session_maker, "conv", "handoff", [], "", None)
    after = datetime.utcnow()
    [row] = list_escalations(session_maker)
    assert (row.channel, row.number_given, row.symptom_codes) == (None, None, [])
    assert row.created_at.tzinfo is None
    assert before <= row.created_at <= after


# ---------------------------------------------------------------- list_escalations

def test_list_everything_in_time_order(db):
    _, session_maker = db
    assert ids(list_escalations(session_maker)) == ["conv-a", "conv-b", "conv-c", "conv-e", "conv-d"]


@pytest.mark.parametrize("level, expected", [
    ("urgent", ["conv-b", "conv-e"]),
    ("emergency", ["conv-c"]),
    ("soon", ["conv-a"]),
    ("handoff", ["conv-d"]),
    ("self_care", []),
])
def test_list_by_level(db, level, expected):
    _, session_maker = db
    assert ids(list_escalations(session_maker, level=level)) == expected


def test_list_by_date_range(db):
    _, session_maker = db
    # since is inclusive, until is exclusive
    assert ids(list_escalations(session_maker, since=datetime(2026, 11, 24))) == ["conv-b", "conv-c", "conv-e", "conv-d"]
    assert ids(list_escalations(session_maker, since=datetime(2026, 11, 24, 3, 15))) == [
        "conv-b", "conv-c", "conv-e", "conv-d"]
    assert ids(list_escalations(session_maker, until=datetime(2026, 11, 24, 3, 15))) == ["conv-a"]
    assert ids(list_escalations(session_maker, since=datetime(2026, 11, 24), until=datetime(2026, 11, 25))) == [
        "conv-b", "conv-c"]
    assert ids(list_escalations(session_maker, since=datetime(2026, 11, 26))) == []


def test_list_by_level_and_date_range(db):
    _, session_maker = db
    assert ids(list_escalations(session_maker, level="urgent", since=datetime(2026, 11, 24),
                                until=datetime(2026, 11, 25))) == ["conv-b"]
    assert ids(list_escalations(session_maker, level="urgent", since=datetime(2026, 11, 24, 12))) == ["conv-e"]


# ---------------------------------------------------------------- the command line

def run_cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), DATABASE_URL=url, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([str(PYTHON), "-m", "bot", "escalations", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_cli_level_urgent(db):
    url, _ = db
    result = run_cli(url, "--level", "urgent")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "\n".join([HEADER, LINES["b"], LINES["e"], "2 record(s)"]) + "\n"


def test_cli_since_until(db):
    url, _ = db
    result = run_cli(url, "--since", "2026-11-24", "--until", "2026-11-25T09:00")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "\n".join([HEADER, LINES["b"], LINES["c"], LINES["e"], "3 record(s)"]) + "\n"


def test_cli_rejects_an_unknown_level(db):
    url, _ = db
    result = run_cli(url, "--level", "self_care")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "argument --level: invalid choice: 'self_care'" in result.stderr


@pytest.mark.parametrize("args, expected", [
    ([], ["a", "b", "c", "e", "d"]),
    (["--level", "handoff"], ["d"]),
    (["--level", "emergency", "--since", "2026-11-24T16:45:30"], ["c"]),
    (["--level", "emergency", "--since", "2026-11-24T16:46"], []),
    (["--until", "2026-11-24"], ["a"]),
])
def test_main_in_process(db, monkeypatch, capsys, args, expected):
    url, _ = db
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["escalations", *args]) == 0
    out = capsys.readouterr().out
    assert out == "\n".join([HEADER, *(LINES[k] for k in expected), f"{len(expected)} record(s)"]) + "\n"


def test_main_rejects_a_bad_date(db, monkeypatch, capsys):
    url, _ = db
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(SystemExit) as exit_:
        main(["escalations", "--since", "yesterday"])
    assert exit_.value.code == 2
    assert "argument --since: invalid fromisoformat value: 'yesterday'" in capsys.readouterr().err

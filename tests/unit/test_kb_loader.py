"""bot.kb.loader: the real data/kb validates and loads; reloading replaces the content; the escalation log is never
touched by a load; the command line. Broken copies: test_kb_loader_errors.py."""
from __future__ import annotations

import os
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import escalations
from bot.kb.database import session_factory
from bot.kb.loader import load_into, read_knowledge_base
from bot.kb.models import Escalation, Source, Topic
from tests.unit.kb_files import (KB, PYTHON, ROOT, TABLES, counts,
                                  read, sessions_in, write, yaml_answers)

# ---------------------------------------------------------------- the real content

@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    session_maker = session_factory(f"sqlite:///{tmp_path_factory.mktemp('kb') / 'kb.db'}")
    kb = load_into(session_maker)
    return kb, session_maker


def test_real_knowledge_base_has_no_errors():
    assert read_knowledge_base(KB).errors == []


def test_real_knowledge_base_loads_every_entry(loaded):
    kb, session_maker = loaded
    assert kb.errors == []
    answers = yaml_answers()
    sources = read(KB / "sources.yml")["sources"]
    assert len(kb.answers) == len(answers) > 0
    assert len(kb.sources) == len(sources) > 0
    found = counts(session_maker)
    assert found["topics"] == len(answers)
    assert found["sources"] == len(sources)
    assert found["topic_sources"] == sum(len(set(a["sources"])) for a in answers)
    assert found["escalations"] == 0


def test_every_answer_has_sources_and_a_review_trail(loaded):
    _, session_maker = loaded
    expected = {a["topic"]: a for a in yaml_answers()}
    with session_maker() as session:
        topics = session.scalars(select(Topic)).all()
    assert {t.id for t in topics} == set(expected)
    for topic in topics:
        entry = expected[topic.id]
        assert len(topic.sources) >= 1, topic.id
        assert [s.id for s in topic.sources] == sorted(set(entry["sources"])), topic.id
        assert topic.reviewed_by == entry["reviewed_by"] and len(topic.reviewed_by) >= 3, topic.id
        assert isinstance(topic.reviewed_on, date) and topic.reviewed_on == entry["reviewed_on"], topic.id
        assert topic.intent == f"ask_{topic.id}"
        assert topic.title == entry["title"]
        assert topic.category == entry["category"]
        assert topic.answer == entry["text"]


def test_clinic_contact_row(loaded):
    _, session_maker = loaded
    with session_maker() as session:
        topic = session.get(Topic, "clinic_contact")
        assert topic.intent == "ask_clinic_contact"
        assert topic.category == "clinic"
        assert [s.id for s in topic.sources][0] == "clinic_instructions"
        assert topic.sources[0].kind == "clinic"
        assert topic.sources[0].url is None  # the clinic's own settings: no address


def test_sources_are_stored_as_written(loaded):
    _, session_maker = loaded
    with session_maker() as session:
        sources = {s.id: s for s in session.scalars(select(Source))}
    for entry in read(KB / "sources.yml")["sources"]:
        row = sources[entry["id"]]
        assert (row.title, row.url, row.kind) == (entry["title"], entry.get("url"), entry["kind"])

def test_broken_content_leaves_a_loaded_database_unchanged(kb_copy, tmp_path):
    session_maker = sessions_in(tmp_path)
    assert load_into(session_maker, KB).errors == []
    before = counts(session_maker)
    with session_maker() as session:
        text_before = session.get(Topic, "clinic_contact").answer

    path = kb_copy / "answers" / "clinic.yml"
    doc = read(path)
    doc["answers"][0]["text"] = "A brand new text that must never reach the database {oops}."
    doc["answers"][0]["sources"] = ["no_such_source"]
    write(path, doc)
    kb = load_into(session_maker, kb_copy)
    assert kb.errors == [
        "answers/clinic.yml entry 1 (clinic_contact): unknown source 'no_such_source'",
        "answers/clinic.yml entry 1 (clinic_contact): unknown placeholder {oops}",
    ]
    assert counts(session_maker) == before
    with session_maker() as session:
        assert session.get(Topic, "clinic_contact").answer == text_before


# ---------------------------------------------------------------- reloading, and the escalation log

def test_loading_twice_replaces_the_content(kb_copy, tmp_path):
    session_maker = sessions_in(tmp_path)
    assert load_into(session_maker, KB).errors == []
    first = counts(session_maker)

    assert load_into(session_maker, KB).errors == []  # the same content again: no duplicates
    assert counts(session_maker) == first

    path = kb_copy / "answers" / "clinic.yml"
    doc = read(path)
    doc["answers"][0]["title"] = "Call the clinic"
    doc["answers"][0]["sources"] = ["clinic_page"] + doc["answers"][0]["sources"]
    write(path, doc)
    assert load_into(session_maker, kb_copy).errors == []
    assert counts(session_maker) == dict(first, topic_sources=first["topic_sources"] + 1)
    with session_maker() as session:
        topic = session.get(Topic, "clinic_contact")
        assert topic.title == "Call the clinic"
        assert sorted(s.id for s in topic.sources) == sorted(doc["answers"][0]["sources"])


def test_loading_into_a_database_that_has_escalations_keeps_them(tmp_path):
    session_maker = sessions_in(tmp_path)
    escalations.record(session_maker, "conv-1", "urgent", ["fever"], "rest", "(555) 010-0199",
                       at=datetime(2026, 11, 24, 15, 30))
    assert load_into(session_maker, KB).errors == []
    rows = escalations.list_escalations(session_maker)
    assert [(r.conversation_id, r.level, r.symptom_codes, r.created_at) for r in rows] == [
        ("conv-1", "urgent", ["fever"], datetime(2026, 11, 24, 15, 30))]


def test_escalations_survive_a_reload(tmp_path):
    session_maker = sessions_in(tmp_path)
    assert load_into(session_maker, KB).errors == []
    escalations.record(session_maker, "conv-1", "emergency", ["chest_pain"], "rest", "911",
                       at=datetime(2026, 11, 24, 15, 30))
    assert load_into(session_maker, KB).errors == []
    with session_maker() as session:
        rows = session.scalars(select(Escalation)).all()
    assert [(r.conversation_id, r.level, r.number_given) for r in rows] == [("conv-1", "emergency", "911")]


# ---------------------------------------------------------------- `python -m bot kb load`

def run_kb_load(tmp_path: Path, kb_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), KB_DIR=str(kb_dir),
               DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}", TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([str(PYTHON), "-m", "bot", "kb", "load"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def test_cli_kb_load(tmp_path):
    result = run_kb_load(tmp_path, KB)
    answers, sources = len(yaml_answers()), len(read(KB / "sources.yml")["sources"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"knowledge base loaded: {answers} answers, {sources} sources\n"
    assert counts(sessions_in(tmp_path, "cli.db"))["topics"] == answers
    again = run_kb_load(tmp_path, KB)  # `make run` loads on every start, into the existing database
    assert again.returncode == 0, again.stderr
    assert again.stdout == result.stdout
    assert counts(sessions_in(tmp_path, "cli.db"))["topics"] == answers


def test_cli_kb_load_reports_errors_and_exits_1(kb_copy, tmp_path):
    path = kb_copy / "answers" / "clinic.yml"
    doc = read(path)
    doc["answers"][0]["sources"] = ["no_such_source"]
    write(path, doc)
    result = run_kb_load(tmp_path, kb_copy)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == ("knowledge base NOT loaded: 1 error(s)\n"
                             "  answers/clinic.yml entry 1 (clinic_contact): unknown source 'no_such_source'\n")
    assert counts(sessions_in(tmp_path, "cli.db")) == dict.fromkeys(TABLES, 0)

"""bot.kb.loader: the real data/kb validates and loads; broken copies are reported (file + entry) and
nothing is written; reloading replaces the content; the escalation log is never touched by a load."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, text

from bot import escalations
from bot.kb.database import session_factory
from bot.kb.loader import load_into, read_knowledge_base
from bot.kb.models import Escalation, Source, Topic

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


@pytest.fixture
def kb_copy(tmp_path) -> Path:
    destination = tmp_path / "kb"
    shutil.copytree(KB, destination)
    return destination


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
        assert [s.id for s in topic.sources] == ["clinic_instructions"]
        assert topic.sources[0].kind == "clinic"
        assert topic.sources[0].url is None


def test_sources_are_stored_as_written(loaded):
    _, session_maker = loaded
    with session_maker() as session:
        sources = {s.id: s for s in session.scalars(select(Source))}
    for entry in read(KB / "sources.yml")["sources"]:
        row = sources[entry["id"]]
        assert (row.title, row.url, row.kind) == (entry["title"], entry.get("url"), entry["kind"])


def test_unknown_source_id(kb_copy, tmp_path):
    path = kb_copy / "answers" / "procedure.yml"
    doc = read(path)
    entry = doc["answers"][1]
    entry["sources"].append("no_such_source")
    write(path, doc)
    assert_rejected(kb_copy, tmp_path,
                    [f"answers/procedure.yml entry 2 ({entry['topic']}): unknown source 'no_such_source'"])


def test_missing_text(kb_copy, tmp_path):
    path = kb_copy / "answers" / "recovery.yml"
    doc = read(path)
    topic = doc["answers"][0]["topic"]
    del doc["answers"][0]["text"]
    write(path, doc)
    assert_rejected(kb_copy, tmp_path, [f"answers/recovery.yml entry 1 ({topic}): text: field required"])


def test_answer_without_sources(kb_copy, tmp_path):
    path = kb_copy / "answers" / "recovery.yml"
    doc = read(path)
    topic = doc["answers"][2]["topic"]
    doc["answers"][2]["sources"] = []
    write(path, doc)
    assert_rejected(kb_copy, tmp_path,
                    [f"answers/recovery.yml entry 3 ({topic}): sources: every answer names at least one source"])


def test_duplicate_topic_across_files(kb_copy, tmp_path):
    contact = read(kb_copy / "answers" / "clinic.yml")["answers"][0]
    assert contact["topic"] == "clinic_contact"
    path = kb_copy / "answers" / "recovery.yml"
    doc = read(path)
    doc["answers"].append(dict(contact))
    write(path, doc)
    entry = len(doc["answers"])
    assert_rejected(kb_copy, tmp_path,
                    [f"answers/recovery.yml entry {entry} (clinic_contact): duplicate topic id"])


def test_unknown_placeholder(kb_copy, tmp_path):
    path = kb_copy / "answers" / "preparation.yml"
    doc = read(path)
    topic = doc["answers"][0]["topic"]
    doc["answers"][0]["text"] = "Call the pharmacy at {pharmacy_phone} or the office at {office_phone}."
    write(path, doc)
    assert_rejected(kb_copy, tmp_path,
                    [f"answers/preparation.yml entry 1 ({topic}): unknown placeholder {{pharmacy_phone}}"])


@pytest.mark.parametrize("bad_text, message", [
    ("Call the office at {office_phone for help.", "expected '}' before end of string"),
    ("Call the office at office_phone} for help.", "Single '}' encountered in format string"),
])
def test_stray_brace(kb_copy, tmp_path, bad_text, message):
    path = kb_copy / "answers" / "complications.yml"
    doc = read(path)
    topic = doc["answers"][3]["topic"]
    doc["answers"][3]["text"] = bad_text
    write(path, doc)
    assert_rejected(kb_copy, tmp_path,
                    [f"answers/complications.yml entry 4 ({topic}): text has a stray brace: {message}"])


def test_bad_yaml_in_an_answer_file(kb_copy, tmp_path):
    path = kb_copy / "answers" / "preparation.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    line_no = next(i for i, line in enumerate(lines) if line.startswith("    category:"))
    lines[line_no] = lines[line_no].replace("category: ", "category: [", 1)
    path.write_text("".join(lines), encoding="utf-8")
    kb = assert_rejected(kb_copy, tmp_path)
    error = kb.errors[0]
    assert error.startswith("preparation.yml: not valid YAML: while parsing a flow sequence")
    assert f'preparation.yml", line {line_no + 1}, column' in error


def test_bad_yaml_in_red_flags(kb_copy, tmp_path):
    path = kb_copy / "red_flags.yml"
    path.write_text(path.read_text(encoding="utf-8") + "  - code: [broken\n", encoding="utf-8")
    kb = assert_rejected(kb_copy, tmp_path)
    assert "red_flags.yml" in kb.errors[0]
    assert "while parsing a flow sequence" in kb.errors[0]


def test_red_flag_without_sources(kb_copy, tmp_path):
    path = kb_copy / "red_flags.yml"
    doc = read(path)
    code = doc["red_flags"][2]["code"]
    del doc["red_flags"][2]["sources"]
    write(path, doc)
    assert_rejected(kb_copy, tmp_path,
                    [f"red_flags.yml entry 3 ({code}): every red flag names its source(s)"])


def test_red_flag_with_unknown_source(kb_copy, tmp_path):
    path = kb_copy / "red_flags.yml"
    doc = read(path)
    code = doc["red_flags"][0]["code"]
    doc["red_flags"][0]["sources"] = ["no_such_source"]
    write(path, doc)
    assert_rejected(kb_copy, tmp_path, [f"red_flags.yml {code}: unknown source 'no_such_source'"])


@pytest.mark.parametrize("level", ["severe", "Emergency"])
def test_bad_level_in_red_flags(kb_copy, tmp_path, level):
    path = kb_copy / "red_flags.yml"
    doc = read(path)
    code = doc["red_flags"][4]["code"]
    doc["red_flags"][4]["level"] = level
    write(path, doc)
    assert_rejected(kb_copy, tmp_path, [f"red_flags.yml entry 5 ({code}): {LEVELS_MESSAGE}"])


def test_red_flag_with_unknown_topic(kb_copy, tmp_path):
    path = kb_copy / "red_flags.yml"
    doc = read(path)
    code = doc["red_flags"][-1]["code"]
    doc["red_flags"][-1]["topic"] = "no_such_topic"
    write(path, doc)
    assert_rejected(kb_copy, tmp_path, [f"red_flags.yml {code}: unknown topic 'no_such_topic'"])


def test_clinic_setting_with_unknown_source(kb_copy, tmp_path):
    path = kb_copy / "clinic.yml"
    doc = read(path)
    doc["clinic"]["settings"]["er_fallback_minutes"]["sources"] = ["no_such_source"]
    write(path, doc)
    assert_rejected(kb_copy, tmp_path,
                    ["clinic.yml settings.er_fallback_minutes: unknown source 'no_such_source'"])


def _break_time_zone(kb_dir: Path) -> None:
    path = kb_dir / "clinic.yml"
    doc = read(path)
    doc["clinic"]["timezone"] = "Mars/Olympus_Mons"
    write(path, doc)


def test_bad_clinic_time_zone_is_reported_and_nothing_written(kb_copy, tmp_path):
    _break_time_zone(kb_copy)
    session_maker = sessions_in(tmp_path)
    kb = load_into(session_maker, kb_copy)
    clinic_errors = [e for e in kb.errors if e.startswith("clinic.yml")]
    assert len(clinic_errors) == 1
    assert "Mars/Olympus_Mons" in clinic_errors[0]
    assert counts(session_maker) == dict.fromkeys(TABLES, 0)


def test_bad_clinic_time_zone_error_names_the_field(kb_copy):
    _break_time_zone(kb_copy)
    error = next(e for e in read_knowledge_base(kb_copy).errors if e.startswith("clinic.yml"))
    assert "missing field" not in error
    assert "timezone" in error


def test_unquoted_holiday_dates_load_or_are_reported(kb_copy, tmp_path):
    path = kb_copy / "clinic.yml"
    source = path.read_text(encoding="utf-8")
    quoted = re.search(r"^  holidays: \[.*\]", source, re.MULTILINE).group(0)
    path.write_text(source.replace(quoted, "  holidays: [2026-11-26, 2026-12-25]"), encoding="utf-8")
    assert read(path)["clinic"]["holidays"] == [date(2026, 11, 26), date(2026, 12, 25)]
    assert read_knowledge_base(kb_copy).errors == []  # validation accepts them
    session_maker = sessions_in(tmp_path)
    kb = load_into(session_maker, kb_copy)
    if kb.errors:  # a reported error is acceptable, if it names the file and writes nothing
        assert all(e.startswith("clinic.yml") for e in kb.errors)
        assert counts(session_maker) == dict.fromkeys(TABLES, 0)
    else:
        assert counts(session_maker)["topics"] > 0


def test_every_error_is_reported_not_only_the_first(kb_copy, tmp_path):
    path = kb_copy / "answers" / "procedure.yml"
    doc = read(path)
    first, second = doc["answers"][0]["topic"], doc["answers"][1]["topic"]
    doc["answers"][0]["sources"] = ["nowhere"]
    doc["answers"][1]["text"] = "Call {nobody} today, please."
    write(path, doc)
    assert_rejected(kb_copy, tmp_path, [
        f"answers/procedure.yml entry 1 ({first}): unknown source 'nowhere'",
        f"answers/procedure.yml entry 2 ({second}): unknown placeholder {{nobody}}",
    ])


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
    doc["answers"][0]["sources"] = ["clinic_page", "clinic_instructions"]
    write(path, doc)
    assert load_into(session_maker, kb_copy).errors == []
    assert counts(session_maker) == dict(first, topic_sources=first["topic_sources"] + 1)
    with session_maker() as session:
        topic = session.get(Topic, "clinic_contact")
        assert topic.title == "Call the clinic"
        assert [s.id for s in topic.sources] == ["clinic_instructions", "clinic_page"]


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

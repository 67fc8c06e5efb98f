"""bot.kb.loader on broken copies of data/kb: each error is reported with its file and entry, and nothing is written."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.kb.loader import load_into, read_knowledge_base
from tests.unit.kb_files import LEVELS_MESSAGE, TABLES, assert_rejected, counts, read, sessions_in, write


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



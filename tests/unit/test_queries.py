"""bot.kb.queries: answers by intent / topic with the clinic profile's values filled in, and their sources."""
from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest
import yaml

from bot.clinic import load_profile, parse_profile
from bot.kb.database import session_factory
from bot.kb.loader import load_into
from bot.kb.queries import Answer, KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
KB = ROOT / "data" / "kb"


def read(path: Path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


CLINIC = read(KB / "clinic.yml")["clinic"]
SOURCES = {s["id"]: s for s in read(KB / "sources.yml")["sources"]}
ANSWERS = {a["topic"]: a for path in sorted((KB / "answers").glob("*.yml")) for a in read(path)["answers"]}


# The sample clinic's hours as a person says them (worked out by hand, independently of bot.clinic).
HOURS_SAID = {"mon=08:00-17:00 tue=08:00-17:00 wed=08:00-17:00 thu=08:00-17:00 fri=08:00-16:00":
              "Mon\u2013Thu 8 am\u20135 pm, Fri 8 am\u20134 pm"}


def expected_values(clinic: dict) -> dict:
    """The placeholder values, worked out from the raw YAML (independently of bot.clinic)."""
    zone = clinic["timezone"].split("/")[-1].replace("_", " ")
    hours = HOURS_SAID[" ".join(f"{day}={start}-{end}" for day, (start, end) in clinic["hours"].items())]
    values = {key: str(entry["value"]) + (f" {entry['unit']}" + ("" if entry["value"] == 1 else "s") if "unit" in entry else "")
              for key, entry in clinic["settings"].items()}
    for key, entry in clinic["settings"].items():
        if entry.get("unit") == "pound":  # and in kilos, rounded down to a half
            values[key] += f" (about {int(entry['value'] * 0.45359237 * 2) / 2:g} kg)"
    values.update(clinic_name=clinic["name"], address=clinic["address"], emergency_number=clinic["emergency_number"],
                  office_phone=clinic["phones"]["office"], on_call_phone=clinic["phones"]["on_call"],
                  hours_text=f"{hours} ({zone} time)", fever_threshold="100.4 \u00b0F (38 \u00b0C)")
    return values


def rendered(text: str, values: dict) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def expected_sources(topic: str):
    return [{"id": s, "title": SOURCES[s]["title"], "url": SOURCES[s].get("url")}
            for s in sorted(set(ANSWERS[topic]["sources"]))]


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    session_maker = session_factory(f"sqlite:///{tmp_path_factory.mktemp('queries') / 'kb.db'}")
    assert load_into(session_maker).errors == []
    return session_maker


@pytest.fixture(scope="module")
def kb(sessions):
    return KnowledgeBase(sessions, load_profile().placeholders())


def test_clinic_contact_is_filled_from_the_clinic_profile(kb):
    answer = kb.answer_for_intent("ask_clinic_contact")
    assert isinstance(answer, Answer)
    assert answer.topic == "clinic_contact"
    assert answer.title == ANSWERS["clinic_contact"]["title"] == "Contact the clinic"
    assert CLINIC["phones"]["office"] in answer.text
    assert CLINIC["phones"]["on_call"] in answer.text
    assert f"call {CLINIC['emergency_number']}." in answer.text
    assert f"within {CLINIC['settings']['er_fallback_minutes']['value']} minutes" in answer.text
    assert CLINIC["name"] in answer.text and CLINIC["address"] in answer.text
    assert "{" not in answer.text and "}" not in answer.text
    assert answer.text == rendered(ANSWERS["clinic_contact"]["text"], expected_values(CLINIC))
    assert answer.sources[0] == {"id": "clinic_instructions", "title": SOURCES["clinic_instructions"]["title"],
                                 "url": None}
    assert sorted(s["id"] for s in answer.sources) == sorted(ANSWERS["clinic_contact"]["sources"])


def test_hours_placeholder(kb):
    # the sample profile: Mon-Thu 08:00-17:00, Fri 08:00-16:00, America/Chicago
    text = kb.answer_for_topic("clinic_contact").text
    assert f"Our office hours are {expected_values(CLINIC)['hours_text']}." in text
    if CLINIC["timezone"] == "America/Chicago":
        assert "(Chicago time)" in text


def test_settings_are_filled_in_recovery_answers(kb):
    settings = {key: entry["value"] for key, entry in CLINIC["settings"].items()}
    assert f"for at least {settings['no_driving_days']} days" in kb.answer_for_topic("recovery_driving").text
    assert f"heavier than {settings['lifting_limit_lb']} pounds" in kb.answer_for_topic("recovery_lifting").text
    assert f"fever of {settings['fever_threshold_f']:g} \u00b0F (38 \u00b0C) or higher" in kb.answer_for_topic("recovery_wound_care").text


@pytest.mark.parametrize("topic", sorted(ANSWERS))
def test_every_answer_by_topic_and_by_intent(kb, topic):
    answer = kb.answer_for_topic(topic)
    assert answer.topic == topic
    assert answer.title == ANSWERS[topic]["title"]
    assert "{" not in answer.text and "}" not in answer.text
    assert answer.text == rendered(ANSWERS[topic]["text"], expected_values(CLINIC))
    assert answer.sources == expected_sources(topic)
    assert len(answer.sources) >= 1
    assert kb.answer_for_intent(f"ask_{topic}") == answer


def test_values_come_from_the_profile_given(sessions):
    document = copy.deepcopy(read(KB / "clinic.yml"))
    document["clinic"]["phones"]["office"] = "(555) 777-1234"
    document["clinic"]["settings"]["er_fallback_minutes"]["value"] = 45
    other = KnowledgeBase(sessions, parse_profile(document).placeholders())
    text = other.answer_for_intent("ask_clinic_contact").text
    assert "call the office at (555) 777-1234." in text
    assert CLINIC["phones"]["office"] not in text
    assert "within 45 minutes" in text


@pytest.mark.parametrize("intent", ["ask_nothing_like_this", "", "clinic_contact", "ASK_CLINIC_CONTACT", "greet"])
def test_unknown_intent_is_none(kb, intent):
    assert kb.answer_for_intent(intent) is None


@pytest.mark.parametrize("topic", ["no_such_topic", "", "ask_clinic_contact"])
def test_unknown_topic_is_none(kb, topic):
    assert kb.answer_for_topic(topic) is None


def test_titles_for_intents(kb):
    assert kb.titles_for_intents(["ask_clinic_contact", "ask_recovery_driving", "ask_nope", "greet"]) == {
        "ask_clinic_contact": "Contact the clinic",
        "ask_recovery_driving": ANSWERS["recovery_driving"]["title"],
    }
    assert kb.titles_for_intents([]) == {}
    assert kb.titles_for_intents(["ask_nope"]) == {}
    everything = kb.titles_for_intents([f"ask_{t}" for t in ANSWERS])
    assert everything == {f"ask_{t}": a["title"] for t, a in ANSWERS.items()}


def test_answer_is_immutable(kb):
    answer = kb.answer_for_topic("clinic_contact")
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.text = "changed"

"""The fixed safety sentences have one source, data/kb/safety_texts.yml: no module writes its own."""
import re
from pathlib import Path

import pytest
import yaml

from bot import safety_texts

ROOT = Path(__file__).resolve().parents[2]
# the last resort when the clinic's data could not be read, in the page server and the widget
LAST_RESORT = "call your local emergency number"


def test_no_module_writes_its_own_emergency_sentence():
    code = [p for d in ("bot", "actions") for p in (ROOT / d).rglob("*.py")] + [ROOT / "bot/web/static/widget.js"]
    written = [f"{p.relative_to(ROOT)}: {line.strip()}" for p in code
               for line in p.read_text(encoding="utf-8").splitlines()
               if re.search(r"emergency, call", line, re.IGNORECASE) and LAST_RESORT not in line]
    assert written == []


def test_a_sentence_without_the_emergency_number_is_refused(tmp_path):
    broken = tmp_path / "safety_texts.yml"
    broken.write_text("texts:\n  handoff: To talk to a person, call the clinic.\n", encoding="utf-8")
    with pytest.raises(ValueError, match="handoff"):
        safety_texts.load(broken)


def test_the_placeholders_are_filled():
    text = safety_texts.text("handoff", emergency_number="911", number="(555) 010-0100",
                             whom_to_call="The clinic is open now: call (555) 010-0100.")
    assert text == "To talk to a person: The clinic is open now: call (555) 010-0100. In an emergency, call 911."


def _with_dispositions(tmp_path, **changes) -> Path:
    document = yaml.safe_load((ROOT / "data/kb/safety_texts.yml").read_text(encoding="utf-8"))
    document["dispositions"].update(changes)
    path = tmp_path / "safety_texts.yml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_the_disposition_replies_are_data_and_the_urgent_levels_give_the_emergency_number():
    replies = safety_texts.load_dispositions()
    assert set(safety_texts.DISPOSITION_LEVELS) <= set(replies)
    for level in ("crisis", "emergency", "urgent"):
        assert "{emergency_number}" in replies[level]


@pytest.mark.parametrize("changes, problem", [
    ({"urgent": "{what} needs a call to your care team now. {whom_to_call}"}, "urgent reply does not give"),
    ({"soon": "{what} should be checked at {clinic_fax}."}, "unknown or broken placeholder 'clinic_fax'"),
    ({"self_care": "{what is common."}, "disposition 'self_care'"),
])
def test_a_broken_disposition_reply_is_refused_at_load(tmp_path, changes, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        safety_texts.load_dispositions(_with_dispositions(tmp_path, **changes))


def test_a_missing_disposition_level_is_refused(tmp_path):
    path = _with_dispositions(tmp_path)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    del document["dispositions"]["soon"]
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ValueError, match="no disposition reply for soon"):
        safety_texts.load_dispositions(path)

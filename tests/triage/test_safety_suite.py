"""The safety suite: labelled patient messages, through the assistant's decision (both nets). No emergency may be
triaged below emergency, no urgent below urgent, and every red flag named in a case must be found; the false-alarm
benign messages are asserted one by one: each must stay below urgent, except the accepted false alarms listed by name,
with the reason, in accepted_false_alarms.yml (strict: one that stops alarming must leave the list). The suite is also training data of the learned net: these are held-in
figures. The figures that count, on wording nobody tuned to, are in tests/triage/test_frozen_split.py."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.triage.levels import rank

HERE = Path(__file__).resolve().parent
CASES = yaml.safe_load((HERE.parents[1] / "data" / "triage" / "cases.yml").read_text(encoding="utf-8"))["cases"]
BENIGN = [c for c in CASES if c["level"] in ("none", "self_care")]
ACCEPTED = {a["text"]: a["why"] for a in
            yaml.safe_load((HERE / "accepted_false_alarms.yml").read_text(encoding="utf-8"))["accepted"]}
ESCALATING = ("emergency", "urgent")


def _expected(case):
    return None if case["level"] == "none" else case["level"]


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:60] for c in CASES])
def test_no_under_triage(engine, case):
    expected = _expected(case)
    decision = engine.decide(case["text"])
    if expected in ESCALATING:
        assert rank(decision.level) >= rank(expected), f"under-triaged: {case['text']!r} -> {decision.level}, expected {expected}"
    for code in case.get("codes", []):
        if expected is not None:
            assert code in decision.codes, f"{code} missed in {case['text']!r}"


def _benign_param(case):
    why = ACCEPTED.get(case["text"])
    marks = [pytest.mark.xfail(strict=True, reason=f"accepted false alarm: {why}")] if why else []
    return pytest.param(case, id=case["text"][:60], marks=marks)


@pytest.mark.parametrize("case", [_benign_param(c) for c in BENIGN])
def test_no_false_alarm(engine, case):
    decision = engine.decide(case["text"])
    assert rank(decision.level) < rank("urgent"), f"false alarm: {case['text']!r} -> {decision.level} {decision.codes}"


def test_accepted_false_alarms_are_benign_cases_of_the_suite():
    assert set(ACCEPTED) <= {c["text"] for c in BENIGN}
    assert all(why.strip() for why in ACCEPTED.values())
    assert len(ACCEPTED) <= 0.05 * len(BENIGN)  # the suite's own target: 5 % at most


def test_suite_size_and_balance():
    levels = [c["level"] for c in CASES]
    assert len(CASES) >= 300
    assert levels.count("emergency") >= 60 and levels.count("urgent") >= 60 and levels.count("none") >= 60

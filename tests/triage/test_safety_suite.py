"""The safety suite: labelled patient messages. No emergency may be triaged below emergency, no urgent
below urgent; the false-alarm rate on benign messages is printed (target: at most 5 %)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.triage.levels import rank

CASES = yaml.safe_load((Path(__file__).resolve().parents[2] / "data" / "triage" / "cases.yml").read_text(encoding="utf-8"))["cases"]
ESCALATING = ("emergency", "urgent")


def _expected(case):
    return None if case["level"] == "none" else case["level"]


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:60] for c in CASES])
def test_no_under_triage(triage, case):
    expected = _expected(case)
    got = triage.assess(case["text"]).level
    if expected in ESCALATING:
        assert rank(got) >= rank(expected), f"under-triaged: {case['text']!r} -> {got}, expected {expected}"
    for code in case.get("codes", []):
        if expected is not None:
            assert code in triage.assess(case["text"]).codes, f"{code} missed in {case['text']!r}"


def test_false_alarm_rate_on_benign_messages(triage):
    benign = [c for c in CASES if c["level"] in ("none", "self_care")]
    alarms = [c["text"] for c in benign if rank(triage.assess(c["text"]).level) >= rank("urgent")]
    rate = len(alarms) / len(benign)
    print(f"\nfalse alarms (urgent or emergency on a benign message): {len(alarms)}/{len(benign)} = {rate:.1%}")
    for text in alarms:
        print(f"  false alarm: {text}")
    assert rate <= 0.05


def test_suite_size_and_balance():
    levels = [c["level"] for c in CASES]
    assert len(CASES) >= 300
    assert levels.count("emergency") >= 60 and levels.count("urgent") >= 60 and levels.count("none") >= 60

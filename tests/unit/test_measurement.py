"""The measurement code of `make eval` and `make bench`, without Rasa: figures from known inputs."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import List

import pytest

from bench import load
from bot.eval import report, triage_report


@dataclass
class _Flag:
    code: str
    label: str
    level: str


@dataclass
class _Lexicon:
    red_flags: List[_Flag]


@dataclass
class _Assessment:
    level: str = None
    codes: List[str] = field(default_factory=list)


class _FakeTriage:
    """Flags chest pain whenever the text says "chest", whatever the context."""

    lexicon = _Lexicon([_Flag("chest_pain", "chest pain", "emergency"), _Flag("fever", "fever", "urgent")])

    def assess(self, text):
        return _Assessment("emergency", ["chest_pain"]) if "chest" in text else _Assessment()


CASES = [
    {"text": "my chest hurts", "level": "emergency", "codes": ["chest_pain"], "kind": "affirmed"},
    {"text": "no chest pain at all", "level": "none", "codes": ["chest_pain"], "kind": "negated"},
    {"text": "i have a fever", "level": "urgent", "codes": ["fever"], "kind": "affirmed"},
    {"text": "what is kyphoplasty", "level": "none", "kind": "benign_question"},
]


def test_triage_figures_per_flag_and_level():
    result = triage_report.evaluate(CASES, _FakeTriage())
    flags = {f.code: f for f in result.flags}
    assert (flags["chest_pain"].tp, flags["chest_pain"].fp, flags["chest_pain"].tn) == (1, 1, 2)
    assert flags["chest_pain"].sensitivity == 1.0 and flags["chest_pain"].specificity == pytest.approx(2 / 3)
    assert (flags["fever"].tp, flags["fever"].fn) == (0, 1)
    assert result.confusion[("none", "emergency")] == 1 and result.confusion[("urgent", "none")] == 1
    assert [t for t, _, _ in result.under_triaged] == ["i have a fever"]
    assert [t for t, _, _ in result.over_triaged] == ["no chest pain at all"]
    text = triage_report.render(result)
    assert "| `fever` fever | urgent | 1 | 0.0%" in text and "“i have a fever”" in text


def test_wilson_interval():
    low, high = triage_report.wilson(10, 10)
    assert high == pytest.approx(1.0) and 0.69 < low < 0.73


def test_cross_validation_means_from_the_log(tmp_path):
    log = tmp_path / "cv.log"
    log.write_text("x INFO rasa.model_testing  - Intent evaluation results\n"
                   "x INFO rasa.nlu.test  - train F1-score: 0.989 (0.003)\n"
                   "x INFO rasa.nlu.test  - test F1-score: 0.630 (0.015)\n"
                   "x INFO rasa.model_testing  - Entity evaluation results\n"
                   "x INFO rasa.nlu.test  - test F1-score: 0.100 (0.000)\n")
    assert report.cv_means(log) == {"train": {"F1-score": (0.989, 0.003)}, "test": {"F1-score": (0.63, 0.015)}}


def test_percentile_and_summary():
    assert load.percentile([1, 2, 3, 4], 50) == 2.5 and load.percentile([5], 99) == 5
    result = load.LevelResult("x", 1, 10.0, [load.Sample("question", 0.0, 1.0, True),
                                             load.Sample("symptom", 1.0, 3.0, True, degraded=True),
                                             load.Sample("question", 9.0, 2.0, True),  # ends after the window
                                             load.Sample("question", 4.0, 0.5, False)], {"HTTP 500": 1})
    summary = load.summarise(result)
    assert summary["ok"] == 3 and summary["errors"] == 1 and summary["degraded"] == 1
    assert summary["p50"] == 2.0 and summary["throughput"] == pytest.approx(0.2)


def test_load_scripts_are_the_same_for_both_systems():
    pools = load.load_pools()
    assert pools.questions and pools.symptoms and all(pools.small_talk.values())
    first = [t for _, t in zip(range(30), load.script(7, pools))]
    assert first == [t for _, t in zip(range(30), load.script(7, pools))]
    kinds = [kind for _, kind, _ in (t for t in first)]
    assert kinds[0] == "small_talk" and {"question", "symptom"} <= set(kinds)
    assert load.conversation(random.Random(1), pools)[-1][0] == "small_talk"

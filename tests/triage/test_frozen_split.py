"""The frozen split (tests/triage/frozen/frozen.yml): messages and short conversations written blind by a helper who
never saw the lexicon, the training data or the suite, never trained or tuned on. Only its aggregate figures are
ever looked at. The recall targets of the red-flag issue must hold on it; false alarms are held at the level
measured when it was frozen (the 5 % target is not met yet: docs/triage.md)."""
from __future__ import annotations

from pathlib import Path

import pytest

from eval.fresh import evaluate, load_batch

FROZEN = Path(__file__).parent / "frozen" / "frozen.yml"
# 18/100 on 2026-12-01 (docs/triage.md), the target being 5 %: a change that raises it must say why.
FALSE_ALARM_CEILING = 0.18


@pytest.fixture(scope="module")
def figures(engine):
    from bot.triage.decision import TriageState

    def conversation_level(turns):
        state = TriageState()
        for turn in turns:
            state = engine.decide(turn, state).state
        return state.highest_level

    return evaluate(load_batch(FROZEN), lambda text: engine.decide(text).level, conversation_level)


def test_the_split_is_big_enough_to_mean_something():
    batch = load_batch(FROZEN)
    levels = [m["level"] for m in batch["messages"]]
    assert len(levels) >= 200 and levels.count("emergency") >= 50 and levels.count("none") >= 50


def test_emergency_recall_at_least_95_percent(figures):
    print("\nfrozen split: " + "; ".join(figures.lines()))
    assert figures.emergency.hits / figures.emergency.total >= 0.95


def test_urgent_or_higher_recall_at_least_97_percent(figures):
    assert figures.urgent_or_higher.hits / figures.urgent_or_higher.total >= 0.97


def test_false_alarms_stay_at_their_measured_level(figures):
    alarms, benign = figures.false_alarms
    assert alarms / benign <= FALSE_ALARM_CEILING

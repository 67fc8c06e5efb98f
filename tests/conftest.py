"""Shared fixtures: the triage pipeline is built once per session (it takes a few seconds); the clock is pinned."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# One clock for the tests and the servers they start (which inherit it): the number for the hour a test expects is
# the one the servers give, even when a run crosses the clinic's opening or closing time. A Tuesday, 10:00 in
# Chicago, office hours; tests of after-hours routing set their own ASSISTANT_NOW.
os.environ.setdefault("ASSISTANT_NOW", "2026-11-24T16:00:00+00:00")


@pytest.fixture(scope="session")
def triage():
    from bot.clinic import load_profile
    from bot.triage.decision import triage_for

    return triage_for(load_profile())  # the clinic's temperatures, as the assistant runs


@pytest.fixture(scope="session")
def engine(triage):
    """The assistant's decision: the lexicon with ConText, the learned net, typo correction (bot.triage.decision)."""
    from bot.triage.decision import build_engine

    return build_engine(triage)

"""Shared fixtures: the triage pipeline is built once per session (it takes a few seconds)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


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

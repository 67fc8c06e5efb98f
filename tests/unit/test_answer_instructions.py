"""No answer of the knowledge base gives a weaker instruction than the level of a red flag it names: a sentence
that tells the patient to call about an emergency sign names the emergency number, one about an urgent sign says
to call right away or now (clinical review, November 2026, item 7)."""
from __future__ import annotations

import re

import pytest
import yaml

from bot.config import kb_dir
from bot.triage.levels import rank

ANSWERS = [a for path in sorted((kb_dir() / "answers").glob("*.yml"))
           for a in yaml.safe_load(path.read_text(encoding="utf-8"))["answers"]]
URGENT_WORDS = re.compile(r"right away|\bnow\b|\{emergency_number\}|\{on_call_phone\}", re.I)


def instructions(text):
    """The sentences (and list items) that tell the patient to call."""
    parts = re.split(r"(?<=[.;:])\s+", " ".join(text.split()))
    return [part for part in parts if re.search(r"\bcall\b", part, re.I)]


@pytest.mark.parametrize("answer", ANSWERS, ids=[a["topic"] for a in ANSWERS])
def test_the_instruction_matches_the_level_of_the_flags_it_names(triage, answer):
    text = answer["text"]
    sentences = instructions(text)
    for index, sentence in enumerate(sentences):
        # an item of a list ("Call 911 now for: a; b; c") takes the instruction that opened the list
        opener = next((s for s in reversed(sentences[: index + 1]) if s.rstrip().endswith(":") or "for:" in s), sentence)
        said = sentence + " " + opener
        named = triage.assess(sentence).findings
        level = max((f.level for f in named), key=rank, default=None)
        if level == "emergency":
            assert "{emergency_number}" in said, f"{answer['topic']}: an emergency sign without the emergency number: {sentence!r}"
        elif level == "urgent":
            assert URGENT_WORDS.search(said), f"{answer['topic']}: an urgent sign without 'right away': {sentence!r}"

"""Writes the blank English spaCy pipeline that Rasa's SpacyNLP loads (no model download needed)."""
from __future__ import annotations

import sys
from pathlib import Path

import spacy


def build(path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)  # var/ is not in a fresh clone
    spacy.blank("en").to_disk(path)


if __name__ == "__main__":
    build(sys.argv[1] if len(sys.argv) > 1 else "var/spacy_en_blank")

"""The sentence after a general answer that names the asker's own detail (a condition, a medicine, an activity) and
says who decides it (data/kb/own_details.yml)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Mapping, Tuple

import yaml

DETAILS = Path(__file__).resolve().parents[2] / "data" / "kb" / "own_details.yml"
MAX_THINGS = 2
# the answer names the thing in another form ("Can I travel?" after "cement travels through a vein", questions 44)
_ENDINGS = r"(s|es|ed|d|ing|led|ling)?"


@dataclass(frozen=True)
class DetailKind:
    name: str
    sentence: str
    sources: Tuple[str, ...]
    words: re.Pattern
    closing: bool  # whether the office's number follows (not after a sentence that already says whom to ask)


@dataclass(frozen=True)
class DetailSentence:
    kind: str
    text: str
    sources: Tuple[str, ...]


@lru_cache(maxsize=4)
def load_details(path: Path = DETAILS) -> Tuple[str, Tuple[DetailKind, ...]]:
    """The closing sentence and the kinds of detail."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    kinds = []
    for name, entry in data["kinds"].items():
        words = sorted({w.lower() for w in entry["words"]}, key=len, reverse=True)  # "type 2 diabetes" before "diabetes"
        pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", re.I)
        kinds.append(DetailKind(name, " ".join(entry["sentence"].split()), tuple(entry["sources"]), pattern,
                                bool(entry["closing"])))
    return data["closing"], tuple(kinds)


def _joined(things: List[str]) -> str:
    return " and ".join(things)


def detail_sentences(question: str, answer_text: str, placeholders: Mapping[str, str],
                     path: Path = DETAILS) -> List[DetailSentence]:
    """One sentence per kind of detail the question names and the answer does not, the closing after the last."""
    closing, kinds = load_details(path)
    answer = (answer_text or "").lower()
    sentences, closes = [], False
    for kind in kinds:
        things = []  # as the patient wrote them
        for match in kind.words.finditer(question or ""):
            thing = match.group(1)
            if thing.lower() not in [t.lower() for t in things] \
                    and not re.search(rf"(?<![\w-]){re.escape(thing.lower())}{_ENDINGS}(?![\w-])", answer):
                things.append(thing)
        if things:
            things = things[:MAX_THINGS]
            text = kind.sentence.format_map({**placeholders, "things": _joined(things),
                                             "it": "them" if len(things) > 1 else "it"})
            sentences.append(DetailSentence(kind.name, text, kind.sources))
            closes = closes or kind.closing  # a condition or a medicine: whom to ask, once
    if closes:
        last = sentences[-1]
        sentences[-1] = DetailSentence(last.kind, f"{last.text} {closing.format_map(placeholders)}", last.sources)
    return sentences

"""The symptom lexicon and the ConText rules, read and checked from data/kb/ (rules as data)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import List, Optional, Pattern

import yaml

from bot.config import kb_dir as default_kb_dir
from bot.triage.levels import LEVELS

CONTEXT_CATEGORIES = ("NEGATED_EXISTENCE", "HYPOTHETICAL", "HISTORICAL", "FAMILY", "OTHER_PERSON", "PSEUDO",
                      "TERMINATE")
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO")


class LexiconError(ValueError):
    pass


@dataclass(frozen=True)
class RedFlagEntry:
    code: str
    label: str
    level: str
    sources: List[str]
    phrases: List[str] = field(default_factory=list)
    patterns: List[str] = field(default_factory=list)  # regular expressions over the lower-cased text
    topic: Optional[str] = None  # knowledge-base topic with the self-care advice
    said_now: Optional[str] = None  # how a patient who has it says so, where "I have <label> now" reads otherwise
    net_needs: List[str] = field(default_factory=list)  # words of its field: the learned net's guess needs one
    net_idioms: List[str] = field(default_factory=list)  # phrases that only sound like it: the net reads past them

    @cached_property
    def field_words(self) -> Optional[Pattern]:
        return _any_of(self.net_needs)

    @cached_property
    def idiom_words(self) -> Optional[Pattern]:
        return _any_of(self.net_idioms)

    @property
    def yes_now(self) -> str:
        """The patient's "yes" to "Do you have <label> now?": words that the triage reads as having it."""
        return f"Yes, {self.said_now}" if self.said_now else f"Yes, I have {self.label} now"


def _any_of(alternatives: List[str]) -> Optional[Pattern]:
    return re.compile(r"\b(" + "|".join(alternatives) + r")\b", re.I) if alternatives else None


@dataclass(frozen=True)
class ContextEntry:
    literal: str
    category: str
    direction: str = "BIDIRECTIONAL"
    pattern: Optional[str] = None
    max_scope: Optional[int] = None  # tokens on each side; none: the sentence (cut short by TERMINATE rules)


@dataclass(frozen=True)
class Lexicon:
    red_flags: List[RedFlagEntry]
    context: List[ContextEntry]

    def by_code(self, code: str) -> RedFlagEntry:
        return next(flag for flag in self.red_flags if flag.code == code)

    def has(self, code: str) -> bool:
        return any(flag.code == code for flag in self.red_flags)


def _read(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def load_lexicon(kb_dir: Optional[Path] = None) -> Lexicon:
    kb_dir = Path(kb_dir) if kb_dir else default_kb_dir()
    flags_doc = _read(kb_dir / "red_flags.yml")
    context_doc = _read(kb_dir / "context_rules.yml")
    flags, seen = [], set()
    for index, raw in enumerate(flags_doc.get("red_flags") or []):
        where = f"red_flags.yml entry {index + 1} ({raw.get('code', '?')})"
        if raw.get("level") not in LEVELS:
            raise LexiconError(f"{where}: level must be one of {', '.join(LEVELS)}")
        if not raw.get("sources"):
            raise LexiconError(f"{where}: every red flag names its source(s)")
        if not (raw.get("phrases") or raw.get("patterns")):
            raise LexiconError(f"{where}: needs phrases or patterns")
        if raw["code"] in seen:
            raise LexiconError(f"{where}: duplicate code")
        seen.add(raw["code"])
        flags.append(
            RedFlagEntry(
                code=raw["code"], label=raw["label"], level=raw["level"], sources=list(raw["sources"]),
                phrases=list(raw.get("phrases") or []), patterns=list(raw.get("patterns") or []),
                topic=raw.get("topic"), said_now=raw.get("said_now"), net_needs=list(raw.get("net_needs") or []),
                net_idioms=list(raw.get("net_idioms") or []),
            )
        )
    context = []
    for index, raw in enumerate(context_doc.get("context_rules") or []):
        where = f"context_rules.yml entry {index + 1} ({raw.get('literal', '?')})"
        if raw.get("category") not in CONTEXT_CATEGORIES:
            raise LexiconError(f"{where}: category must be one of {', '.join(CONTEXT_CATEGORIES)}")
        direction = raw.get("direction", "BIDIRECTIONAL")
        if direction not in DIRECTIONS:
            raise LexiconError(f"{where}: direction must be one of {', '.join(DIRECTIONS)}")
        context.append(ContextEntry(raw["literal"], raw["category"], direction, raw.get("pattern"), raw.get("max_scope")))
    return Lexicon(flags, context)

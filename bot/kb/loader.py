"""Validates the knowledge-base YAML in data/kb/ and loads it into the database in one transaction.
Every error names its file and entry; nothing is written unless everything is valid."""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import List, Optional

import yaml
from pydantic import BaseModel, ValidationError, constr, validator
from sqlalchemy import delete
from sqlalchemy.orm import sessionmaker

from bot.clinic import ProfileError, parse_profile
from bot.config import kb_dir as default_kb_dir
from bot.kb.models import Source, Topic, topic_sources
from bot.triage.lexicon import LexiconError, load_lexicon

CATEGORIES = ("condition", "procedure", "preparation", "recovery", "complications", "clinic")
DETAIL_SUFFIX = "_more"  # `<topic>_more` holds the detail behind the answer `<topic>` ("Tell me more")
Identifier = constr(regex=r"^[a-z][a-z0-9_]*$", max_length=80)


class SourceEntry(BaseModel):
    id: Identifier
    title: constr(min_length=3, max_length=300)
    url: Optional[constr(regex=r"^https?://", max_length=500)] = None
    kind: constr(regex=r"^(clinic|patient-education|guideline|study|reference)$")  # reference: written for clinicians


class AnswerEntry(BaseModel):
    topic: Identifier
    category: str
    title: constr(min_length=3, max_length=40)
    text: constr(min_length=20, max_length=1200)
    sources: List[Identifier]
    reviewed_by: constr(min_length=3)
    reviewed_on: date

    @validator("category")
    def known_category(cls, value):
        if value not in CATEGORIES:
            raise ValueError(f"must be one of {', '.join(CATEGORIES)}")
        return value

    @validator("sources")
    def at_least_one_source(cls, value):
        if not value:
            raise ValueError("every answer names at least one source")
        return value

    @property
    def intent(self) -> str:
        return f"ask_{self.topic}"

    @property
    def is_detail(self) -> bool:
        return self.topic.endswith(DETAIL_SUFFIX)


@dataclass
class KnowledgeBaseFiles:
    """What data/kb/ holds, as read and checked (bot.kb.queries.KnowledgeBase answers from the database)."""
    sources: List[SourceEntry] = field(default_factory=list)
    answers: List[AnswerEntry] = field(default_factory=list)
    profile_document: dict = field(default_factory=dict)
    errors: List[str] = field(default_factory=list)


def _read_yaml(path: Path, errors: List[str]) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
    except FileNotFoundError:
        errors.append(f"{path.name}: file is missing")
        return {}
    except yaml.YAMLError as exc:
        errors.append(f"{path.name}: not valid YAML: {exc}")
        return {}
    if not isinstance(document, dict):
        errors.append(f"{path.name}: expected a mapping at the top")
        return {}
    return document


def _pydantic_errors(where: str, exc: ValidationError) -> List[str]:
    return [f"{where}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]


def read_knowledge_base(kb_dir: Optional[Path] = None) -> KnowledgeBaseFiles:
    kb_dir = Path(kb_dir) if kb_dir else default_kb_dir()
    kb = KnowledgeBaseFiles()
    for index, raw in enumerate(_read_yaml(kb_dir / "sources.yml", kb.errors).get("sources") or []):
        try:
            kb.sources.append(SourceEntry(**raw))
        except (ValidationError, TypeError) as exc:
            where = f"sources.yml entry {index + 1}"
            kb.errors += _pydantic_errors(where, exc) if isinstance(exc, ValidationError) else [f"{where}: {exc}"]
    source_ids = {s.id for s in kb.sources}
    if len(source_ids) != len(kb.sources):
        kb.errors.append("sources.yml: duplicate source ids")

    kb.profile_document = _read_yaml(kb_dir / "clinic.yml", kb.errors)
    placeholders = set()
    try:
        profile = parse_profile(kb.profile_document)
        placeholders = set(profile.placeholders())
        for key, entry in profile.settings.items():
            for source in entry["sources"]:
                if source not in source_ids:
                    kb.errors.append(f"clinic.yml settings.{key}: unknown source {source!r}")
    except ProfileError as exc:
        kb.errors.append(str(exc))

    answer_files = sorted((kb_dir / "answers").glob("*.yml"))
    if not answer_files:
        kb.errors.append("answers/: no answer files")
    seen = set()
    for path in answer_files:
        for index, raw in enumerate(_read_yaml(path, kb.errors).get("answers") or []):
            where = f"answers/{path.name} entry {index + 1} ({(raw or {}).get('topic', '?')})"
            try:
                answer = AnswerEntry(**raw)
            except (ValidationError, TypeError) as exc:
                kb.errors += _pydantic_errors(where, exc) if isinstance(exc, ValidationError) else [f"{where}: {exc}"]
                continue
            if answer.topic in seen:
                kb.errors.append(f"{where}: duplicate topic id")
            seen.add(answer.topic)
            for source in answer.sources:
                if source not in source_ids:
                    kb.errors.append(f"{where}: unknown source {source!r}")
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(answer.text) if name is not None}
            except ValueError as exc:
                kb.errors.append(f"{where}: text has a stray brace: {exc}")
                continue
            for name in sorted(names - placeholders):
                kb.errors.append(f"{where}: unknown placeholder {{{name}}}")
            kb.answers.append(answer)

    try:
        lexicon = load_lexicon(kb_dir)
        topics = {a.topic for a in kb.answers}
        for flag in lexicon.red_flags:
            for source in flag.sources:
                if source not in source_ids:
                    kb.errors.append(f"red_flags.yml {flag.code}: unknown source {source!r}")
            if flag.topic and flag.topic not in topics:
                kb.errors.append(f"red_flags.yml {flag.code}: unknown topic {flag.topic!r}")
    except (LexiconError, OSError, yaml.YAMLError) as exc:
        kb.errors.append(str(exc))
    return kb


def question_intents(kb_dir: Optional[Path] = None) -> List[str]:
    """The intents patients' questions are classified into: one per answer, the `_more` details aside."""
    kb = read_knowledge_base(kb_dir)
    if kb.errors:
        raise ValueError("knowledge base is not valid:\n" + "\n".join(kb.errors))
    return [answer.intent for answer in kb.answers if not answer.is_detail]


def load_into(session_maker: sessionmaker, kb_dir: Optional[Path] = None) -> KnowledgeBaseFiles:
    """Replace the knowledge base in the database with the YAML content, if it is valid."""
    kb = read_knowledge_base(kb_dir)
    if kb.errors:
        return kb
    with session_maker.begin() as session:
        # association rows first: SQLite does not cascade deletes unless foreign keys are switched on
        session.execute(topic_sources.delete())
        for model in (Topic, Source):
            session.execute(delete(model))
        sources = {s.id: Source(id=s.id, title=s.title, url=s.url, kind=s.kind) for s in kb.sources}
        session.add_all(sources.values())
        for a in kb.answers:
            session.add(
                Topic(id=a.topic, category=a.category, title=a.title, intent=a.intent, answer=a.text,
                      reviewed_by=a.reviewed_by, reviewed_on=a.reviewed_on,
                      sources=[sources[s] for s in a.sources])
            )
    return kb

"""Read-side of the knowledge base, as the actions need it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.kb.models import Source, Topic


@dataclass(frozen=True)
class Answer:
    topic: str
    title: str
    text: str
    sources: List[Dict[str, Optional[str]]]


class KnowledgeBase:
    """Answers by intent or topic id, with the clinic's values filled in."""

    def __init__(self, session_maker: sessionmaker, placeholders: Dict[str, str]) -> None:
        self._sessions = session_maker
        self._placeholders = placeholders

    def _answer(self, topic: Optional[Topic]) -> Optional[Answer]:
        if topic is None:
            return None
        return Answer(
            topic=topic.id, title=topic.title, text=topic.answer.format_map(self._placeholders),
            sources=[{"id": s.id, "title": s.title, "url": s.url} for s in topic.sources],
        )

    def answer_for_intent(self, intent: str) -> Optional[Answer]:
        with self._sessions() as session:
            return self._answer(session.scalars(select(Topic).where(Topic.intent == intent)).first())

    def answer_for_topic(self, topic_id: str) -> Optional[Answer]:
        with self._sessions() as session:
            return self._answer(session.get(Topic, topic_id))

    def titles_for_intents(self, intents: List[str]) -> Dict[str, str]:
        with self._sessions() as session:
            rows = session.execute(select(Topic.intent, Topic.title).where(Topic.intent.in_(intents))).all()
        return {intent: title for intent, title in rows}

    def sources(self, ids: List[str]) -> List[Dict[str, Optional[str]]]:
        """The catalogue's entries for these source ids, in their order (unknown ids left out)."""
        with self._sessions() as session:
            found = {s.id: s for s in session.scalars(select(Source).where(Source.id.in_(ids)))}
        return [{"id": i, "title": found[i].title, "url": found[i].url} for i in ids if i in found]

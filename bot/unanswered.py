"""Questions the assistant could not answer, so that the clinic sees what to add to the knowledge base. The
patient's words are never kept: only the topics the classifier guessed (with its confidence), the channel and
the time. `python -m bot unanswered` groups and counts them."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import List, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.kb.models import UnansweredQuestion

OFFERED_TOPICS, GAVE_UP = "offered_topics", "gave_up"
GUESSES_KEPT = 3
NO_GUESS = "(no topic guessed)"


def record(session_maker: sessionmaker, outcome: str, ranking: Sequence[dict], channel: Optional[str],
           at: Optional[datetime] = None) -> UnansweredQuestion:
    """`ranking` is Rasa's intent ranking ([{name, confidence}]); only its question topics are kept."""
    guesses = [[entry["name"][len("ask_"):], round(float(entry.get("confidence") or 0), 3)]
               for entry in ranking if str(entry.get("name", "")).startswith("ask_")][:GUESSES_KEPT]
    entry = UnansweredQuestion(outcome=outcome, guesses=guesses, channel=(channel or "")[:40] or None,
                               created_at=at or datetime.utcnow())
    with session_maker.begin() as session:
        session.add(entry)
    return entry


def list_unanswered(session_maker: sessionmaker, since: Optional[datetime] = None) -> List[UnansweredQuestion]:
    query = select(UnansweredQuestion).order_by(UnansweredQuestion.created_at)
    if since:
        query = query.where(UnansweredQuestion.created_at >= since)
    with session_maker() as session:
        return list(session.scalars(query))


def by_likeliest_topic(rows: Sequence[UnansweredQuestion]) -> List[Tuple[str, int, int]]:
    """(likeliest topic, questions, of which the assistant gave up), most frequent first."""
    asked = Counter(row.guesses[0][0] if row.guesses else NO_GUESS for row in rows)
    gave_up = Counter(row.guesses[0][0] if row.guesses else NO_GUESS for row in rows if row.outcome == GAVE_UP)
    return [(topic, count, gave_up[topic]) for topic, count in asked.most_common()]

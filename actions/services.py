"""The bot.* services the actions share, made once per action-server process."""
from __future__ import annotations

from functools import lru_cache

from bot import safety_texts
from bot.clinic import ClinicProfile, load_profile
from bot.kb.database import session_factory
from bot.kb.queries import KnowledgeBase
from bot.triage.lexicon import Lexicon, load_lexicon


@lru_cache(maxsize=1)
def sessions():
    return session_factory()


def profile() -> ClinicProfile:
    return load_profile()


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return load_lexicon()


def safety_sentence(key: str) -> str:
    """A fixed safety sentence of data/kb/safety_texts.yml, for this clinic and this hour."""
    return safety_texts.for_clinic(key, profile())


def knowledge_base() -> KnowledgeBase:
    return KnowledgeBase(sessions(), profile().placeholders())


@lru_cache(maxsize=1)
def signed_off() -> frozenset:
    """The content items a clinician has signed off, as they are now (read once per process)."""
    from bot.review.content import collect
    from bot.review.signoff import SIGNED, statuses

    return frozenset(s.item.key for s in statuses(collect()) if s.state == SIGNED)

"""Engine and session factory: one engine per URL, a Session per unit of work."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.config import database_url
from bot.kb.schema import upgrade


@lru_cache(maxsize=None)
def engine_for(url: str) -> Engine:
    engine = create_engine(url, future=True, pool_pre_ping=True)
    upgrade(engine)  # the tables are the migrations' (bot/kb/migrations/), never create_all's
    return engine


def session_factory(url: str | None = None) -> sessionmaker:
    return sessionmaker(engine_for(url or database_url()), future=True, expire_on_commit=False)

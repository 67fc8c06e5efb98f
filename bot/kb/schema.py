"""The project's own tables are made and changed by Alembic migrations (bot/kb/migrations/), applied when a process
first opens the database. Several processes may start at once (Rasa servers, action servers): on PostgreSQL they
take turns with an advisory lock; SQLite serialises writers itself."""
from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
INITIAL = "0001"
_LOCK_KEY = 7_461_026  # any constant shared by every process of the assistant
_MADE_BEFORE_MIGRATIONS = "escalations"  # a table every database made by create_all has


def only_ours(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: Rasa's tracker tables may share the database (on PostgreSQL they do); never touch them."""
    return not (type_ == "table" and reflected and compare_to is None)


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection):
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        config = _config(connection)
        if current_revision(connection) is None and inspect(connection).has_table(_MADE_BEFORE_MIGRATIONS):
            logger.warning("the database was made before migrations: stamped at revision %s", INITIAL)
            command.stamp(config, INITIAL)
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(_config(connection), revision)

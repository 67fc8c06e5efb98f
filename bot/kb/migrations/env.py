"""Alembic's entry point for the project's own tables (bot/kb/models.py). Rasa's tracker store tables are Rasa's.
Run by bot/kb/schema.py on the connection it passes in `config.attributes["connection"]`, or by the alembic command
line with this folder's alembic.ini and DATABASE_URL (to write a new revision: see README.md here)."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.kb.models import Base
from bot.kb.schema import only_ours


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # the alembic command line
        from bot.config import database_url

        with create_engine(database_url(), future=True).connect() as connection:
            _migrate(connection)
            connection.commit()
    else:
        _migrate(connection)


def _migrate(connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      compare_type=True, include_object=only_ours)
    with context.begin_transaction():
        context.run_migrations()


run()

"""The production backend: the knowledge base, the escalation log and Rasa's tracker store on the local
PostgreSQL server (trust authentication, as on these machines). Each test run uses its own database."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from bot.escalations import list_escalations, record
from bot.kb.database import session_factory
from bot.kb.loader import load_into
from bot.kb.queries import KnowledgeBase
from bot.clinic import load_profile
from tests.e2e.servers import Assistant

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def database_url():
    name = f"kyphobot_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_knowledge_base_loads_and_answers_on_postgresql(database_url):
    sessions = session_factory(database_url)
    assert load_into(sessions).errors == []
    assert load_into(sessions).errors == []  # a reload replaces the content
    answer = KnowledgeBase(sessions, load_profile().placeholders()).answer_for_intent("ask_recovery_lifting")
    assert answer.topic == "recovery_lifting" and answer.sources


def test_escalations_are_stored_on_postgresql(database_url):
    sessions = session_factory(database_url)
    record(sessions, "pg-patient", "urgent", ["wound_infection", "fever"], "rest", "(555) 010-0100")
    [entry] = list_escalations(sessions, level="urgent")
    assert (entry.conversation_id, entry.symptom_codes) == ("pg-patient", ["fever", "wound_infection"])


def test_the_assistant_runs_on_postgresql(database_url, tmp_path):
    assistant = Assistant(tmp_path, extra_env={"DATABASE_URL": database_url, "TRACKER_STORE_URL": database_url})
    assistant.start()
    try:
        replies = assistant.say("pg-conversation", "I have a fever of 101.5")
        assert any(r.get("custom", {}).get("triage") == "urgent" for r in replies)
    finally:
        assistant.stop()
    engine = create_engine(database_url, future=True)
    with engine.connect() as connection:
        events = connection.execute(
            text("SELECT count(*) FROM events WHERE sender_id = 'rest:pg-conversation' AND type_name = 'user'")).scalar()
        escalations = connection.execute(
            text("SELECT level FROM escalations WHERE conversation_id = 'rest:pg-conversation'")).scalars().all()
    engine.dispose()
    assert events == 1 and escalations == ["urgent"]


def test_the_migrations_match_the_models_on_postgresql_beside_rasas_tables(database_url):
    """Runs after the assistant ran on this database: Rasa's tracker tables sit beside the project's, untouched."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import inspect

    from bot.kb.models import Base
    from bot.kb.schema import current_revision, only_ours, upgrade

    engine = create_engine(database_url, future=True)
    upgrade(engine)  # a second start: nothing to do
    with engine.connect() as connection:
        assert current_revision(connection) is not None
        differences = compare_metadata(MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": only_ours}), Base.metadata)
    assert "events" in inspect(engine).get_table_names()
    engine.dispose()
    assert differences == []


def test_purge_on_postgresql_deletes_what_is_old_and_nothing_newer():
    """In a database of its own: the other tests of this module leave escalations in theirs."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from scripts.replicated import drop_database, ensure_database
    from tests.unit.test_retention import check_purge

    name = f"kyphobot_purge_{uuid.uuid4().hex[:8]}"
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    ensure_database(url)
    try:
        store = SQLTrackerStore(Domain.empty(), dialect="postgresql", host="127.0.0.1", port=5432, db=name,
                                username="postgres")
        check_purge(store, url, url)
        store.engine.dispose()
    finally:
        drop_database(url)


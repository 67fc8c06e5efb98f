"""The project's tables come from the Alembic migrations (bot/kb/migrations/), and the migrations agree with the
models: a model changed without a migration fails here."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from bot.kb.models import Base
from bot.kb.schema import INITIAL, current_revision, downgrade, only_ours, upgrade


def _differences(engine):
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": only_ours}), Base.metadata)


def test_the_migrations_make_exactly_the_tables_of_the_models(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'kb.db'}", future=True)
    upgrade(engine)
    assert _differences(engine) == []
    with engine.connect() as connection:
        assert current_revision(connection) is not None


def test_a_model_change_without_a_migration_is_noticed(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'kb.db'}", future=True)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_escalations_level"))
    assert [d[0] for d in _differences(engine)] == ["add_index"]


def test_a_database_made_before_migrations_is_stamped_and_keeps_its_rows(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}", future=True)
    upgrade(engine, INITIAL)  # the tables create_all made before there were migrations, unstamped
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO escalations (conversation_id, level, symptom_codes, created_at) "
                                "VALUES ('rest:old', 'urgent', '[]', '2026-11-30 10:00:00')"))
    upgrade(engine)
    with engine.connect() as connection:
        assert current_revision(connection) is not None
        assert connection.execute(text("SELECT conversation_id FROM escalations")).scalar_one() == "rest:old"
    assert _differences(engine) == []


def test_downgrading_to_before_the_first_revision_removes_the_projects_tables_and_no_other(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'kb.db'}", future=True)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY)"))  # Rasa's, not ours
    upgrade(engine)
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) == {"events", "alembic_version"}
    upgrade(engine)
    assert _differences(engine) == []

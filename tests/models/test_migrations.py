"""The migrated schema must be exactly what the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import SQLModel

from models.migrate import current_revision, head_revision


def test_database_is_at_head(migrated_engine: Engine) -> None:
    assert current_revision(migrated_engine) == head_revision()


def test_migrated_schema_equals_models(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"

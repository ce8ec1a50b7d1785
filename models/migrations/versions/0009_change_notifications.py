"""change notifications: on PostgreSQL, a statement that changes a case, a user or a partner
sends NOTIFY vigil_changes '<table>' (delivered at commit), so every API process empties its
caches of those rows at once (api/change_feed.py). SQLite has no NOTIFY: nothing to do.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 14:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("case", "user", "partner")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION vigil_notify_change() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('vigil_changes', TG_TABLE_NAME);
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
        """
    )
    for table in TABLES:
        op.execute(
            "CREATE TRIGGER vigil_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION vigil_notify_change()'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f'DROP TRIGGER IF EXISTS vigil_changes ON "{table}"')
    op.execute("DROP FUNCTION IF EXISTS vigil_notify_change()")

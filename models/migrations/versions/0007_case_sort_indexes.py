"""case sort indexes: the queue's other sort orders, alone and within a topic

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "state IN ('new', 'triaged', 'in_progress', 'in_review', 'reopened')"
INDEXES = {
    "sla": ["sla_due_at"],
    "recent": ["first_detected_at"],
    "reach": ["reach"],
    "topic_sla": ["topic", "sla_due_at"],
    "topic_recent": ["topic", "first_detected_at"],
    "topic_reach": ["topic", "reach"],
}


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(
                f"ix_case_open_{name}",
                [*columns, "id"],
                unique=False,
                postgresql_where=sa.text(OPEN),
                sqlite_where=sa.text(OPEN),
            )


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        for name in reversed(INDEXES):
            batch_op.drop_index(f"ix_case_open_{name}")

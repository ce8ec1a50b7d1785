from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, text
from sqlmodel import Field, SQLModel

from models.enums import CaseState
from models.types import UTCDateTime, utcnow

# Must list the same states as rebuttal.workflow.OPEN_STATES, so the planner can match the
# queue's `state IN (...)` to these partial indexes.
OPEN_CASES_SQL = "state IN ('new', 'triaged', 'in_progress', 'in_review', 'reopened')"
SORT_INDEXES: dict[str, tuple[str, ...]] = {
    "sla": ("sla_due_at",),
    "recent": ("first_detected_at",),
    "reach": ("reach",),
    "topic_sla": ("topic", "sla_due_at"),
    "topic_recent": ("topic", "first_detected_at"),
    "topic_reach": ("topic", "reach"),
}


class Case(SQLModel, table=True):
    """The unit of work in the triage queue: one claim or one cluster of posts."""

    __table_args__ = (
        Index("ix_case_queue", "state", "priority"),
        # The triage queue reads open cases by priority, often within one topic or for one
        # assignee; partial indexes keep those first pages to a short index scan.
        Index(
            "ix_case_open_priority",
            "priority",
            "id",
            postgresql_where=text(OPEN_CASES_SQL),
            sqlite_where=text(OPEN_CASES_SQL),
        ),
        Index(
            "ix_case_open_topic_priority",
            "topic",
            "priority",
            "id",
            postgresql_where=text(OPEN_CASES_SQL),
            sqlite_where=text(OPEN_CASES_SQL),
        ),
        Index(
            "ix_case_open_assignee_priority",
            "assignee_id",
            "priority",
            "id",
            postgresql_where=text(OPEN_CASES_SQL),
            sqlite_where=text(OPEN_CASES_SQL),
        ),
        # The other sort orders (due time, newest, reach), alone or within one topic: without
        # them a topic's page sorted by reach read and sorted all its open cases (~4 ms).
        *(
            Index(
                f"ix_case_open_{name}",
                *columns,
                "id",
                postgresql_where=text(OPEN_CASES_SQL),
                sqlite_where=text(OPEN_CASES_SQL),
            )
            for name, columns in SORT_INDEXES.items()
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_type=Text)
    state: CaseState = Field(default=CaseState.new, sa_type=String(16))
    priority: float = 0.0
    priority_reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    # Set when staff fixed the priority by hand, so new reach does not recompute it.
    priority_manual: bool = False
    topic: str | None = Field(default=None, max_length=64, index=True)
    claim_id: int | None = Field(default=None, foreign_key="claim.id", index=True)
    cluster_id: int | None = Field(default=None, foreign_key="postcluster.id", index=True)
    assignee_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    opened_by: str = Field(default="auto", max_length=16)
    risk_score: float = 0.0
    reach: int = 0
    refute_reach: int = 0
    first_detected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sla_due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    merged_into_id: int | None = Field(default=None, foreign_key="case.id")
    dismiss_reason: str | None = Field(default=None, sa_type=Text)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CasePost(SQLModel, table=True):
    case_id: int = Field(foreign_key="case.id", primary_key=True, ondelete="CASCADE")
    post_id: int = Field(foreign_key="post.id", primary_key=True, ondelete="CASCADE")
    # spreads: the post repeats the case's claim; refutes: it answers it (counts as rebuttal reach).
    stance: str = Field(default="spreads", sa_type=String(16))
    reach: int = 0
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CaseEvent(SQLModel, table=True):
    """The audit trail: who did what to a case, when, from which state to which."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True, ondelete="CASCADE")
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=32)
    from_state: str | None = Field(default=None, sa_type=String(16))
    to_state: str | None = Field(default=None, sa_type=String(16))
    note: str | None = Field(default=None, sa_type=Text)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)

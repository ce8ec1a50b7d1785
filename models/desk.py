"""Tables of the rebuttal desk beyond the foundation: topic policies, partner receipts,
publications, commissions, review comments, public reports and feedback labels."""

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class TopicPolicy(SQLModel, table=True):
    """Per-topic routing and queue settings; topics without a row use the desk defaults."""

    topic: str = Field(primary_key=True, max_length=64)
    # A detection opens a case when its risk score reaches this.
    threshold: float = 0.6
    sla_hours: int = 24
    weight: float = 1.0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BriefRecipient(SQLModel, table=True):
    """A brief sent to one partner; the partner acknowledges it here."""

    brief_id: int = Field(foreign_key="brief.id", primary_key=True, ondelete="CASCADE")
    partner_id: int = Field(foreign_key="partner.id", primary_key=True, ondelete="CASCADE")
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by: str | None = Field(default=None, max_length=100)


class Publication(SQLModel, table=True):
    """A partner's article that carried a brief, with the reach it reported."""

    __table_args__ = (UniqueConstraint("brief_id", "partner_id", "url", name="uq_publication"),)

    id: int | None = Field(default=None, primary_key=True)
    brief_id: int = Field(foreign_key="brief.id", index=True, ondelete="CASCADE")
    partner_id: int = Field(foreign_key="partner.id", index=True, ondelete="CASCADE")
    url: str = Field(sa_type=Text)
    reach: int = 0
    reported_by: str = Field(max_length=100)
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Commission(SQLModel, table=True):
    """An order carried by a brief: a deliverable the partner accepts or declines, then delivers."""

    id: int | None = Field(default=None, primary_key=True)
    brief_id: int = Field(foreign_key="brief.id", index=True, ondelete="CASCADE")
    partner_id: int = Field(foreign_key="partner.id", index=True, ondelete="CASCADE")
    deliverable: str = Field(sa_type=Text)
    deadline: datetime = Field(sa_type=UTCDateTime)
    budget_note: str = Field(default="", sa_type=Text)
    status: str = Field(default="offered", sa_type=String(16), index=True)
    response_note: str | None = Field(default=None, sa_type=Text)
    delivered_url: str | None = Field(default=None, sa_type=Text)
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RebuttalComment(SQLModel, table=True):
    """A reviewer's or author's comment on a rebuttal version."""

    id: int | None = Field(default=None, primary_key=True)
    rebuttal_id: int = Field(foreign_key="rebuttal.id", index=True, ondelete="CASCADE")
    author_id: int = Field(foreign_key="user.id")
    kind: str = Field(default="comment", sa_type=String(24))
    version_number: int
    body: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Report(SQLModel, table=True):
    """A suspected false or toxic post reported by the public, without logging in."""

    id: int | None = Field(default=None, primary_key=True)
    # The reporter's receipt: the only way to look the report up again.
    token: str = Field(max_length=64, unique=True)
    url: str = Field(sa_type=Text)
    canonical_url: str = Field(sa_type=Text, index=True)
    description: str = Field(sa_type=Text)
    contact: str | None = Field(default=None, max_length=320)
    client_hash: str = Field(max_length=64)
    status: str = Field(default="received", sa_type=String(24), index=True)
    post_id: int | None = Field(default=None, foreign_key="post.id", ondelete="SET NULL")
    case_id: int | None = Field(default=None, foreign_key="case.id", ondelete="SET NULL")
    claim_id: int | None = Field(default=None, foreign_key="claim.id", ondelete="SET NULL")
    needs_crawl: bool = Field(default=True, index=True)
    # The crawl of the reported page: tries so far, when it last ended and why it failed.
    crawl_attempts: int = Field(default=0)
    crawled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    crawl_error: str | None = Field(default=None, max_length=300)
    notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Telling the reporter the outcome: tries so far, when the last began, the last failure.
    notify_attempts: int = Field(default=0)
    notify_tried_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notify_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FeedbackLabel(SQLModel, table=True):
    """A staff decision about a post, kept as a training label (latest decision per case)."""

    __table_args__ = (UniqueConstraint("post_id", "case_id", name="uq_feedback_post_case"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    case_id: int | None = Field(default=None, foreign_key="case.id", ondelete="SET NULL")
    label: str = Field(sa_type=String(24))
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

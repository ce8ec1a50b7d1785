from datetime import datetime

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.enums import EvidenceKind, RebuttalStatus
from models.types import UTCDateTime, utcnow


class Rebuttal(SQLModel, table=True):
    """The verified answer to a claim."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    claim_id: int | None = Field(default=None, foreign_key="claim.id")
    verdict: str = Field(sa_type=String(32))
    summary: str = Field(sa_type=Text)
    body: str = Field(default="", sa_type=Text)
    key_facts: list[str] = Field(default_factory=list, sa_type=JSON)
    status: RebuttalStatus = Field(default=RebuttalStatus.draft, sa_type=String(20))
    author_id: int = Field(foreign_key="user.id")
    approver_id: int | None = Field(default=None, foreign_key="user.id")
    current_version: int = 1
    version: int = 1
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RebuttalVersion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("rebuttal_id", "number", name="uq_rebuttal_version"),)

    id: int | None = Field(default=None, primary_key=True)
    rebuttal_id: int = Field(foreign_key="rebuttal.id", index=True, ondelete="CASCADE")
    number: int
    verdict: str = Field(sa_type=String(32))
    summary: str = Field(sa_type=Text)
    body: str = Field(default="", sa_type=Text)
    key_facts: list[str] = Field(default_factory=list, sa_type=JSON)
    author_id: int = Field(foreign_key="user.id")
    note: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Evidence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    rebuttal_id: int = Field(foreign_key="rebuttal.id", index=True, ondelete="CASCADE")
    kind: EvidenceKind = Field(sa_type=String(32))
    title: str = Field(sa_type=Text)
    url: str | None = Field(default=None, sa_type=Text)
    description: str | None = Field(default=None, sa_type=Text)
    # For a confirmation by the competent authority: which authority, who confirmed, when.
    authority: str | None = Field(default=None, max_length=300)
    confirmed_by: str | None = Field(default=None, max_length=300)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    added_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

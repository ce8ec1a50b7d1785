from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class Claim(SQLModel, table=True):
    """A statement that was checked; known false claims are what new posts match against."""

    __table_args__ = (UniqueConstraint("origin", "external_id", name="uq_claim_origin_external"),)

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_type=Text)
    # Hash of the normalised text, so the same claim imported twice is one row.
    text_hash: str = Field(max_length=64, unique=True)
    verdict: str | None = Field(default=None, sa_type=String(32))
    origin: str = Field(default="manual", max_length=32)
    external_id: str | None = Field(default=None, max_length=255)
    url: str | None = Field(default=None, sa_type=Text)
    topics: list[str] = Field(default_factory=list, sa_type=JSON)
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PostClaimLink(SQLModel, table=True):
    """A post matched to a known claim, with the post's stance towards it."""

    post_id: int = Field(foreign_key="post.id", primary_key=True, ondelete="CASCADE")
    claim_id: int = Field(foreign_key="claim.id", primary_key=True, ondelete="CASCADE")
    similarity: float
    stance: str = Field(sa_type=String(16))
    auto_linked: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # A person's review (models.enums.LinkReview): it outranks the matcher, so re-analysing
    # the post never re-creates a rejected link nor overwrites a reviewed stance.
    review: str | None = Field(default=None, sa_type=String(16))
    reviewed_by: str | None = Field(default=None, max_length=64)
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

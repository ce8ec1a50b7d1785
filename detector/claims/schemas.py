"""Input and output models for known claims (the Claim table lives in models/claims.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from models.enums import LinkReview, Stance, Verdict


class ClaimCreate(SQLModel):
    model_config = {"extra": "forbid"}

    text: str = Field(min_length=1, max_length=5_000)
    verdict: Verdict
    origin: str = Field(default="manual", min_length=1, max_length=32)
    external_id: str | None = Field(default=None, max_length=255)
    url: str | None = Field(default=None, max_length=2_000)
    topics: list[str] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)


class ClaimPublic(SQLModel):
    id: int
    text: str
    verdict: str | None
    origin: str
    external_id: str | None
    url: str | None
    topics: list[str]
    created_at: datetime


class MatchRequest(SQLModel):
    model_config = {"extra": "forbid"}

    text: str = Field(min_length=1, max_length=100_000)
    k: int = Field(default=5, ge=1, le=20)


class MatchPublic(SQLModel):
    claim_id: int
    claim_text: str
    verdict: str | None
    url: str | None
    rebuttal: str | None
    similarity: float
    stance: Stance | None
    stance_confidence: float | None
    suggested: bool
    auto_linked: bool
    # Cosine of the sentence embeddings, when the matcher reranks with them (see
    # VIGIL_CLAIM_EMBEDDINGS_PATH); None otherwise.
    embedding_cosine: float | None = None


class LinkReviewRequest(SQLModel):
    """A person's decision on a post-to-claim link; ``stance`` only with ``confirmed``."""

    model_config = {"extra": "forbid"}

    decision: LinkReview
    stance: Stance | None = None


class ClaimLinkPublic(SQLModel):
    post_id: int
    claim_id: int
    similarity: float
    stance: Stance
    auto_linked: bool
    review: LinkReview | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class Detection(SQLModel, table=True):
    """One model's verdict on one post."""

    __table_args__ = (Index("ix_detection_post_model", "post_id", "model_name"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    model_name: str = Field(max_length=100)
    model_version: str = Field(max_length=100)
    toxicity_label: str | None = Field(default=None, sa_type=String(16), index=True)
    # {"CLEAN": p, "OFFENSIVE": p, "HATE": p}
    toxicity_probs: dict[str, float] = Field(default_factory=dict, sa_type=JSON)
    # [{"start": int, "end": int, "text": str, "score": float}] offsets into the original text
    spans: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    # n-grams that pushed the prediction, with their weights
    explanation: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    truncated: bool = False
    matched_claim_id: int | None = Field(default=None, foreign_key="claim.id")
    claim_similarity: float | None = None
    stance: str | None = Field(default=None, sa_type=String(16))
    unreliable_score: float | None = None
    topics: list[str] = Field(default_factory=list, sa_type=JSON)
    risk_score: float | None = Field(default=None, index=True)
    risk_reasons: list[str] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

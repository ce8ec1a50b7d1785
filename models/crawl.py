from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlmodel import Field, SQLModel

from models.enums import RunStatus, SourceKind
from models.types import UTCDateTime, utcnow


class SourceBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    kind: SourceKind
    url: str = Field(min_length=1, max_length=2000)
    enabled: bool = True
    weight: float = Field(default=1.0, ge=0.0, le=10.0)
    # Per-source crawl settings: rate, page limit, selectors, link pattern, field mapping.
    config: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class Source(SourceBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    kind: SourceKind = Field(sa_type=String(16))
    url: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CrawlRun(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True, ondelete="CASCADE")
    trigger: str = Field(default="manual", max_length=32)
    status: RunStatus = Field(default=RunStatus.running, sa_type=String(16), index=True)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    pages_fetched: int = 0
    new_posts: int = 0
    duplicates: int = 0
    not_modified: int = 0
    errors: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    error_message: str | None = Field(default=None, sa_type=Text)


class FetchState(SQLModel, table=True):
    """What the last fetch of a URL returned, for conditional GET."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_type=Text, unique=True)
    etag: str | None = Field(default=None, max_length=512)
    last_modified: str | None = Field(default=None, max_length=128)
    last_status: int | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

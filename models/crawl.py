import re
from datetime import datetime
from typing import Any, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from sqlalchemy import JSON, LargeBinary, String, Text
from sqlmodel import Field, SQLModel

from models.enums import RunStatus, SourceKind
from models.types import Name, UTCDateTime, utcnow


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


class PostFingerprint(SQLModel, table=True):
    """A post's MinHash signature, kept so new posts can be clustered without rehashing."""

    post_id: int = Field(foreign_key="post.id", primary_key=True, ondelete="CASCADE")
    signature: bytes = Field(sa_type=LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


# -- API models for sources -----------------------------------------------------------

JSON_FIELDS = ("url", "title", "text", "author", "published_at", "likes", "comments", "shares")
SELECTOR_KEYS = ("title", "text", "author", "date")


class SourceConfig(BaseModel):
    """Per-source crawl settings, validated for the source kind."""

    model_config = ConfigDict(extra="forbid")

    delay_seconds: float | None = Field(default=None, ge=0, le=3600)
    concurrency: int | None = Field(default=None, ge=1, le=32)
    max_pages: int | None = Field(default=None, ge=1, le=100_000)
    # CSS selectors that override automatic extraction: title, text, author, date.
    selectors: dict[str, str] = Field(default_factory=dict)
    # Regular expression an article URL must match (listing: required; sitemap/feed: filter).
    link_pattern: str | None = Field(default=None, max_length=500)
    # Feeds: fetch each entry's page (True) or store the feed's own summary (False).
    fetch_articles: bool = True
    # JSON endpoints: where the list of items is, and which item fields hold ours.
    items_path: str | None = Field(default=None, max_length=200)
    fields: dict[str, str] = Field(default_factory=dict)

    @field_validator("selectors")
    @classmethod
    def _selector_keys(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - set(SELECTOR_KEYS)
        if unknown:
            raise ValueError(f"unknown selector keys {sorted(unknown)}; allowed: {SELECTOR_KEYS}")
        from lxml.cssselect import CSSSelector, SelectorError

        for key, selector in value.items():
            try:
                CSSSelector(selector)
            except SelectorError as exc:
                raise ValueError(f"selector {key!r} is not valid CSS: {exc}") from None
        return value

    @field_validator("link_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"link_pattern is not a valid regular expression: {exc}") from None
        return value

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = set(value) - set(JSON_FIELDS)
        if unknown:
            raise ValueError(f"unknown field keys {sorted(unknown)}; allowed: {JSON_FIELDS}")
        return value


def _check_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("url must be a full http:// or https:// address")
    return value


def _check_kind_config(kind: SourceKind, config: SourceConfig) -> None:
    if kind == SourceKind.listing and not config.link_pattern:
        raise ValueError("a listing source needs config.link_pattern (a regex for article URLs)")
    if kind == SourceKind.json:
        missing = [key for key in ("url", "text") if key not in config.fields]
        if config.items_path is None or missing:
            raise ValueError(
                "a json source needs config.items_path and config.fields mapping url and text"
                + (f" (missing: {', '.join(missing)})" if missing else "")
            )


class SourceCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "VnExpress - Thời sự",
                    "kind": "feed",
                    "url": "https://vnexpress.net/rss/thoi-su.rss",
                    "config": {"delay_seconds": 2, "max_pages": 50},
                }
            ]
        },
    )

    name: Name
    kind: SourceKind
    url: str = Field(min_length=1, max_length=2000)
    enabled: bool = True
    weight: float = Field(default=1.0, ge=0.0, le=10.0)
    config: SourceConfig = Field(default_factory=SourceConfig)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)

    @model_validator(mode="after")
    def _kind(self) -> Self:
        _check_kind_config(self.kind, self.config)
        return self


class SourceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    kind: SourceKind | None = None
    url: str | None = Field(default=None, min_length=1, max_length=2000)
    enabled: bool | None = None
    weight: float | None = Field(default=None, ge=0.0, le=10.0)
    config: SourceConfig | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)


class SourcePublic(BaseModel):
    id: int
    name: str
    kind: SourceKind
    url: str
    enabled: bool
    weight: float
    config: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class CrawlRunPublic(BaseModel):
    id: int
    source_id: int
    trigger: str
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    pages_fetched: int
    new_posts: int
    duplicates: int
    not_modified: int
    errors: dict[str, int]
    error_message: str | None

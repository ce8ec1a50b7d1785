from datetime import datetime
from typing import Any

from sqlalchemy import JSON, LargeBinary, String, Text
from sqlmodel import Field, SQLModel

from models.enums import PostOrigin
from models.types import LocalDateTime, UTCDateTime, utcnow

MAX_POST_TEXT = 200_000


class PostCluster(SQLModel, table=True):
    """Posts that repeat the same text (near-duplicates across sites)."""

    id: int | None = Field(default=None, primary_key=True)
    representative_post_id: int | None = None
    size: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Snapshot(SQLModel, table=True):
    """The raw bytes of a fetch, kept as evidence even if the page disappears."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_type=Text)
    fetched_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status_code: int
    content_type: str | None = Field(default=None, max_length=255)
    sha256: str = Field(max_length=64, index=True)
    size: int
    compressed: bytes = Field(sa_type=LargeBinary)


class PostBase(SQLModel):
    url: str = Field(min_length=1, max_length=2000)
    source_name: str = Field(min_length=1, max_length=200)
    title: str | None = Field(default=None, max_length=1000)
    text: str = Field(min_length=1, max_length=MAX_POST_TEXT)
    author: str | None = Field(default=None, max_length=300)
    published_at: LocalDateTime | None = None


class Post(PostBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_type=Text)
    canonical_url: str = Field(sa_type=Text, unique=True)
    source_name: str = Field(index=True, max_length=200)
    text: str = Field(sa_type=Text)
    title: str | None = Field(default=None, sa_type=Text)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    source_id: int | None = Field(
        default=None, foreign_key="source.id", index=True, ondelete="SET NULL"
    )
    origin: PostOrigin = Field(default=PostOrigin.staff, sa_type=String(16))
    content_hash: str = Field(max_length=64, index=True)
    cluster_id: int | None = Field(default=None, foreign_key="postcluster.id", index=True)
    snapshot_id: int | None = Field(default=None, foreign_key="snapshot.id")
    submitted_by: int | None = Field(default=None, foreign_key="user.id")
    # Likes, comments, shares as the source reported them.
    engagement: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class PostCreate(PostBase):
    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "url": "https://example.vn/bai-viet/hoc-phi-tang-gap-ba",
                    "source_name": "Trang Facebook Tin Nóng 24h",
                    "title": "Học phí đại học sẽ tăng gấp ba từ tháng 9?",
                    "text": "Nghe nói từ tháng 9 học phí đại học công lập tăng gấp ba, "
                    "sinh viên nghèo phải nghỉ học hết!",
                    "published_at": "2026-11-20T08:30:00+07:00",
                }
            ]
        },
    }


class PostPublic(PostBase):
    id: int
    canonical_url: str
    source_id: int | None
    origin: PostOrigin
    content_hash: str
    cluster_id: int | None
    snapshot_id: int | None
    engagement: dict[str, Any]
    created_at: datetime

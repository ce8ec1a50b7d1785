"""Storing posts: one row per canonical URL, whoever submits it (a crawl, staff, a report)."""

import base64
import binascii
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import courlan
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from crawlers.shingles import content_hash
from models.enums import PostOrigin
from models.errors import AlreadyExists, InvalidInput, NotFound
from models.posts import Post, PostCreate
from models.types import utcnow
from models.urls import split_http_url

MAX_PAGE_SIZE = 200
__all__ = ["canonical_url", "content_hash", "create", "get", "get_by_url", "list"]


class PostExists(AlreadyExists):
    code = "post_exists"


class PostNotFound(NotFound):
    code = "post_not_found"


def canonical_url(url: str) -> str:
    """The URL that identifies a post: lower-case host, no fragment, no tracking parameters."""
    url = url.strip()
    if split_http_url(url) is None:
        raise InvalidInput(
            "Đường dẫn phải là một địa chỉ http(s) đầy đủ.",
            "The URL must be a full http(s) address.",
            field="url",
        )
    return courlan.normalize_url(url, strict=True)


def get(*, session: Session, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise PostNotFound(
            f"Không tìm thấy bài đăng #{post_id}.", f"Post #{post_id} not found.", post_id=post_id
        )
    return post


def get_by_url(*, session: Session, url: str) -> Post | None:
    return session.exec(select(Post).where(Post.canonical_url == canonical_url(url))).first()


def post_values(
    post_in: PostCreate,
    *,
    origin: PostOrigin,
    submitted_by: int | None = None,
    source_id: int | None = None,
    snapshot_id: int | None = None,
    engagement: dict[str, Any] | None = None,
    text_hash: str | None = None,
) -> dict[str, Any]:
    """The column values of a new post: canonical URL, NFC text (InvalidInput when the URL
    is not http(s) or the text is empty), content hash (`text_hash` when the caller already
    computed it from the same text) and creation time.

    Plain values, so the crawl's writer can insert them without building an ORM object,
    which costs it more than the insert itself."""
    canonical = canonical_url(post_in.url)
    text = unicodedata.normalize("NFC", post_in.text).strip()
    if not text:
        raise InvalidInput(
            "Nội dung bài đăng không được để trống.",
            "The post text must not be empty.",
            field="text",
        )
    return {
        "url": post_in.url.strip(),
        "canonical_url": canonical,
        "source_name": post_in.source_name.strip(),
        "title": post_in.title,
        "text": text,
        "author": post_in.author,
        "published_at": post_in.published_at,
        "origin": origin,
        "content_hash": text_hash or content_hash(text),
        "submitted_by": submitted_by,
        "source_id": source_id,
        "snapshot_id": snapshot_id,
        "engagement": engagement or {},
        "created_at": utcnow(),
    }


def create(
    *,
    session: Session,
    post_in: PostCreate,
    origin: PostOrigin,
    submitted_by: int | None = None,
    source_id: int | None = None,
    snapshot_id: int | None = None,
    engagement: dict[str, Any] | None = None,
) -> Post:
    """Store a post, or raise PostExists naming the post already stored at that URL.

    The check-then-insert race between two callers is settled by the unique index:
    the loser's insert fails and is reported exactly like the ordinary duplicate.
    """
    post = Post(
        **post_values(
            post_in,
            origin=origin,
            submitted_by=submitted_by,
            source_id=source_id,
            snapshot_id=snapshot_id,
            engagement=engagement,
        )
    )
    canonical = post.canonical_url
    existing = session.exec(select(Post.id).where(Post.canonical_url == canonical)).first()
    if existing is not None:
        raise _exists(existing, canonical)
    session.add(post)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        existing = session.exec(select(Post.id).where(Post.canonical_url == canonical)).first()
        if existing is None:
            raise
        raise _exists(existing, canonical) from None
    return post


def _exists(post_id: int, canonical: str) -> PostExists:
    return PostExists(
        f"Bài đăng với đường dẫn này đã có (#{post_id}).",
        f"A post with this URL already exists (#{post_id}).",
        post_id=post_id,
        canonical_url=canonical,
    )


def encode_cursor(post_id: int) -> str:
    return base64.urlsafe_b64encode(f"p:{post_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        if prefix != "p":
            raise ValueError(prefix)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            "Con trỏ phân trang không hợp lệ.", "The pagination cursor is invalid.", field="cursor"
        ) from None


def list(  # house rule: services are named get/list/create/update/delete
    *,
    session: Session,
    limit: int = 50,
    cursor: str | None = None,
    source_name: str | None = None,
    source_id: int | None = None,
    origin: PostOrigin | None = None,
    cluster_id: int | None = None,
    published_from: datetime | None = None,
    published_to: datetime | None = None,
    q: str | None = None,
) -> tuple[Sequence[Post], str | None]:
    """Newest first, keyset-paginated on id so pages stay stable while posts arrive."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    query = select(Post).order_by(col(Post.id).desc()).limit(limit + 1)
    if cursor:
        query = query.where(col(Post.id) < decode_cursor(cursor))
    if source_name:
        query = query.where(Post.source_name == source_name)
    if source_id is not None:
        query = query.where(Post.source_id == source_id)
    if origin is not None:
        query = query.where(Post.origin == origin)
    if cluster_id is not None:
        query = query.where(Post.cluster_id == cluster_id)
    if published_from is not None:
        query = query.where(col(Post.published_at) >= published_from)
    if published_to is not None:
        query = query.where(col(Post.published_at) < published_to)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(col(Post.text).ilike(pattern, escape="\\"))
    rows = session.exec(query).all()
    next_cursor = encode_cursor(rows[limit - 1].id or 0) if len(rows) > limit else None
    return rows[:limit], next_cursor

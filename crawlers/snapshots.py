"""Reading back the evidence: the raw bytes fetched for a post."""

import hashlib

from sqlmodel import Session

from crawlers import posts as posts_service
from crawlers.store import decompress
from models.errors import NotFound, Unavailable
from models.posts import Snapshot


class SnapshotNotFound(NotFound):
    code = "snapshot_not_found"


def get_for_post(*, session: Session, post_id: int) -> tuple[Snapshot, bytes]:
    """The post's snapshot row and its decompressed bytes, checked against the stored hash."""
    post = posts_service.get(session=session, post_id=post_id)
    snapshot = session.get(Snapshot, post.snapshot_id) if post.snapshot_id else None
    if snapshot is None:
        raise SnapshotNotFound(
            f"Bài đăng #{post_id} không có bản lưu trang gốc.",
            f"Post #{post_id} has no stored snapshot.",
            post_id=post_id,
        )
    body = decompress(snapshot.compressed)
    if hashlib.sha256(body).hexdigest() != snapshot.sha256:
        raise Unavailable(
            f"Bản lưu của bài đăng #{post_id} bị hỏng (sai mã băm).",
            f"The snapshot of post #{post_id} is corrupt (hash mismatch).",
            post_id=post_id,
        )
    return snapshot, body

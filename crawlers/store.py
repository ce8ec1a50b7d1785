"""The crawl's database side: snapshots, posts, fingerprints, clusters, fetch state.

Each post is written in its own transaction together with its snapshot, fingerprint and
cluster membership, so a crash between two posts leaves only whole posts behind. All
methods are synchronous and meant to run on one writer thread.
"""

import threading
import time
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import numpy as np
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from crawlers import posts as posts_service
from crawlers.dedupe import NearDuplicateIndex, signature_from_hashes
from crawlers.errors import DropItem
from crawlers.extract import Article, PackedSnapshot, pack_snapshot
from crawlers.fetch import FetchResult
from crawlers.settings import CrawlerSettings
from crawlers.shingles import shingle_hashes
from models.crawl import FetchState, PostFingerprint
from models.enums import PostOrigin
from models.errors import InvalidInput
from models.posts import Post, PostCluster, PostCreate, Snapshot
from models.types import utcnow

INDEX_LOAD_LIMIT = 200_000
INDEX_MAX_AGE_SECONDS = 6 * 3600
_INDEX_CACHE: dict[tuple[str, float], NearDuplicateIndex] = {}
_INDEX_CACHE_LOCK = threading.Lock()


def decompress(data: bytes) -> bytes:
    return zlib.decompress(data)


class Store:
    def __init__(
        self,
        engine: Engine,
        *,
        settings: CrawlerSettings,
        source_id: int | None,
        source_name: str,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.source_id = source_id
        self.source_name = source_name
        self.index = NearDuplicateIndex(settings.cluster_threshold)
        self._hashes: np.ndarray = np.empty(0, dtype=np.int64)

    def load_index(self) -> int:
        """Bring the LSH index up to date with the signatures of recent posts.

        The index is kept per database and process between runs, so a scheduled crawl
        loads only the fingerprints added since; it is rebuilt when it gets old (to drop
        posts outside the window) or when post ids went backwards (posts were deleted).
        """
        key = (self.engine.url.render_as_string(hide_password=False), self.index.threshold)
        with Session(self.engine) as session:
            newest = session.exec(select(func.max(PostFingerprint.post_id))).one() or 0
            with _INDEX_CACHE_LOCK:
                cached = _INDEX_CACHE.get(key)
                stale = cached is None or (
                    newest < cached.last_post_id
                    or time.monotonic() - cached.built_at > INDEX_MAX_AGE_SECONDS
                )
                if cached is None or stale:
                    cached = NearDuplicateIndex(self.index.threshold)
                    _INDEX_CACHE[key] = cached
                self.index = cached
            since = datetime.now(UTC) - timedelta(days=self.settings.cluster_window_days)
            count = 0
            with self.index.lock:
                query = (
                    select(PostFingerprint.post_id, PostFingerprint.signature)
                    .where(col(PostFingerprint.created_at) >= since)
                    .where(col(PostFingerprint.post_id) > self.index.last_post_id)
                    .order_by(col(PostFingerprint.post_id).desc())
                    .limit(INDEX_LOAD_LIMIT)
                )
                for post_id, sig in session.exec(query):
                    self.index.add(post_id, sig)
                    count += 1
        return count

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The given URLs whose canonical form is already a stored post."""
        by_canonical: dict[str, list[str]] = {}
        for url in urls:
            try:
                by_canonical.setdefault(posts_service.canonical_url(url), []).append(url)
            except (InvalidInput, ValueError):
                continue
        known: set[str] = set()
        keys = list(by_canonical)
        with Session(self.engine) as session:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                rows = session.exec(
                    select(Post.canonical_url).where(col(Post.canonical_url).in_(chunk))
                )
                for canonical in rows:
                    known.update(by_canonical[canonical])
        return known

    def fetch_state(self, url: str) -> tuple[str | None, str | None]:
        with Session(self.engine) as session:
            state = session.exec(select(FetchState).where(FetchState.url == url)).first()
            return (state.etag, state.last_modified) if state else (None, None)

    def save_fetch_state(self, url: str, result: FetchResult) -> None:
        if result.not_modified:
            etag, last_modified = None, None
        else:
            etag = result.headers.get("etag")
            last_modified = result.headers.get("last-modified")
        for attempt in range(2):
            with Session(self.engine) as session:
                state = session.exec(select(FetchState).where(FetchState.url == url)).first()
                if state is None:
                    state = FetchState(url=url)
                if not result.not_modified:
                    state.etag = etag[:512] if etag else None
                    state.last_modified = last_modified[:128] if last_modified else None
                state.last_status = result.status
                state.updated_at = utcnow()
                session.add(state)
                try:
                    session.commit()
                    return
                except IntegrityError:
                    # Another worker stored the same URL's state first; update theirs.
                    session.rollback()
                    if attempt:
                        raise

    def _snapshot(
        self, session: Session, result: FetchResult, packed: PackedSnapshot | None = None
    ) -> int | None:
        """Insert the snapshot of a fetch; a shared body (no `packed`) is stored only once."""
        if self.settings.snapshot_max_bytes == 0:
            return None
        url = result.final_url or result.url
        if packed is None:
            packed = pack_snapshot(
                result.body,
                self.settings.snapshot_max_bytes,
                self.settings.snapshot_compress_level,
            )
            existing = session.exec(
                select(Snapshot.id).where(Snapshot.sha256 == packed.sha256, Snapshot.url == url)
            ).first()
            if existing is not None:
                return existing
        snapshot = Snapshot(
            url=url,
            fetched_at=result.fetched_at,
            status_code=result.status,
            content_type=(result.content_type or "")[:255] or None,
            sha256=packed.sha256,
            size=packed.size,
            compressed=packed.compressed,
        )
        session.add(snapshot)
        session.flush()
        return snapshot.id

    def snapshot(self, result: FetchResult) -> int | None:
        """Store one snapshot on its own (a feed or JSON body shared by many posts)."""
        with Session(self.engine, expire_on_commit=False) as session:
            snapshot_id = self._snapshot(session, result)
            session.commit()
            return snapshot_id

    def store(
        self,
        article: Article,
        *,
        fetched: FetchResult | None = None,
        snapshot_id: int | None = None,
    ) -> bool:
        """Store the article as a post; False when its canonical URL is already stored."""
        try:
            post_in = PostCreate(
                url=article.url,
                source_name=self.source_name,
                title=article.title,
                text=article.text,
                author=article.author,
                published_at=article.published_at,
            )
        except ValidationError as exc:
            raise DropItem("invalid_post", article.url, str(exc.errors()[:1])) from None
        self._hashes = (
            np.frombuffer(article.shingle_hashes, dtype=np.int64)
            if article.shingle_hashes
            else shingle_hashes(article.text)
        )
        sig = signature_from_hashes(self._hashes)
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                if fetched is not None:
                    snapshot_id = self._snapshot(session, fetched, article.snapshot)
                post = posts_service.create(
                    session=session,
                    post_in=post_in,
                    origin=PostOrigin.crawl,
                    source_id=self.source_id,
                    snapshot_id=snapshot_id,
                    engagement=article.engagement or None,
                )
                assert post.id is not None
                session.add(PostFingerprint(post_id=post.id, signature=sig))
                with self.index.lock:
                    self._cluster(session, post, sig)
                session.commit()
            except posts_service.PostExists:
                session.rollback()
                return False
            except IntegrityError:
                # The other side of a race on the canonical URL: someone stored it first.
                session.rollback()
                return False
            except InvalidInput as exc:
                session.rollback()
                raise DropItem("invalid_post", article.url, exc.message_en) from None
        with self.index.lock:
            self.index.add(post.id, sig, self._hashes)
        return True

    def _cluster(self, session: Session, post: Post, sig: bytes) -> None:
        candidates = [pid for pid in self.index.candidates(sig) if pid != post.id]
        if not candidates:
            return
        uncached = [pid for pid in candidates if self.index.cached(pid) is None]
        texts: dict[int, str | None] = dict.fromkeys(candidates)
        if uncached:
            for post_id, text in session.exec(
                select(Post.id, Post.text).where(col(Post.id).in_(uncached))
            ):
                if post_id is not None:
                    texts[post_id] = text
        match = self.index.best_match(self._hashes, texts)
        if match is None:
            return
        matched = session.get(Post, match[0])
        if matched is None:
            return
        cluster = session.get(PostCluster, matched.cluster_id) if matched.cluster_id else None
        if cluster is None:
            cluster = PostCluster(representative_post_id=matched.id, size=1)
            session.add(cluster)
            session.flush()
            matched.cluster_id = cluster.id
            session.add(matched)
        cluster.size += 1
        post.cluster_id = cluster.id
        session.add(cluster)
        session.add(post)

"""The crawl's database side: snapshots, posts, fingerprints, clusters, fetch state.

Each post is written in one transaction together with its snapshot, fingerprint and
cluster membership (several posts may share one: store_many), so a crash leaves only
whole posts behind. All methods are synchronous and meant for one writer at a time: the
crawl's event loop itself with SQLite, one writer thread with PostgreSQL (see run.Crawl).
"""

import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import numpy as np
from pydantic import ValidationError
from sqlalchemy import Engine, Table, bindparam, insert, update
from sqlalchemy import inspect as sa_inspect
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
_POSTS = cast(Table, sa_inspect(Post).local_table)
_SNAPSHOTS = cast(Table, sa_inspect(Snapshot).local_table)
# Built once: a reused statement object skips SQLAlchemy's per-statement cache-key work.
_INSERT_POST = insert(_POSTS).returning(_POSTS.c.id)
_INSERT_SNAPSHOT = insert(_SNAPSHOTS).returning(_SNAPSHOTS.c.id)
_INSERT_FINGERPRINT = insert(cast(Table, sa_inspect(PostFingerprint).local_table))
_POST_ID_BY_URL = select(_POSTS.c.id).where(_POSTS.c.canonical_url == bindparam("canonical_url"))
# Columns a crawled post is inserted with (the rest keep their database defaults).
_POST_COLUMNS = (
    "url",
    "canonical_url",
    "source_name",
    "title",
    "text",
    "author",
    "published_at",
    "origin",
    "content_hash",
    "source_id",
    "snapshot_id",
    "engagement",
    "created_at",
)


def decompress(data: bytes) -> bytes:
    return zlib.decompress(data)


def snapshot_values(result: FetchResult, packed: PackedSnapshot) -> dict[str, Any]:
    """The Snapshot columns of a fetch whose body was packed: the evidence row."""
    return {
        "url": result.final_url or result.url,
        "fetched_at": result.fetched_at,
        "status_code": result.status,
        "content_type": (result.content_type or "")[:255] or None,
        "sha256": packed.sha256,
        "size": packed.size,
        "compressed": packed.compressed,
    }


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
        self._uncommitted: list[int] = []

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
        row = snapshot_values(result, packed)
        snapshot_id: int = session.connection().execute(_INSERT_SNAPSHOT, row).scalar_one()
        return snapshot_id

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
        session: Session | None = None,
    ) -> bool:
        """Store the article as a post; False when its canonical URL is already stored.

        Without `session` the post is committed in its own transaction. With one (see
        store_many) its rows are only written there: the caller commits, and on any
        exception must roll back and call forget() with the ids added meanwhile.
        """
        if session is None:
            outcome = self.store_many([StoreRequest(article, fetched, snapshot_id)])[0]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        try:
            post_in = PostCreate(
                url=article.url,
                source_name=self.source_name,
                title=article.title,
                text=article.text,
                author=article.author,
                published_at=article.published_at,
            )
            row = posts_service.post_values(
                post_in,
                origin=PostOrigin.crawl,
                source_id=self.source_id,
                engagement=article.engagement,
                text_hash=article.content_hash,
            )
        except ValidationError as exc:
            raise DropItem("invalid_post", article.url, str(exc.errors()[:1])) from None
        except InvalidInput as exc:
            raise DropItem("invalid_post", article.url, exc.message_en) from None
        self._hashes = (
            np.frombuffer(article.shingle_hashes, dtype=np.int64)
            if article.shingle_hashes
            else shingle_hashes(article.text)
        )
        sig = article.signature or signature_from_hashes(self._hashes)
        # An already stored URL is found before anything is written.
        # Core statements on the session's connection, not ORM queries and objects: this
        # is the crawl's hot path, and these are a plain lookup and plain inserts.
        connection = session.connection()
        exists = connection.execute(_POST_ID_BY_URL, {"canonical_url": row["canonical_url"]})
        if exists.first() is not None:
            return False
        try:
            if fetched is not None:
                snapshot_id = self._snapshot(session, fetched, article.snapshot)
            row["snapshot_id"] = snapshot_id
            values = {column: row[column] for column in _POST_COLUMNS}
            post_id: int = connection.execute(_INSERT_POST, values).scalar_one()
            fingerprint = {"post_id": post_id, "signature": sig, "created_at": row["created_at"]}
            connection.execute(_INSERT_FINGERPRINT, fingerprint)
            with self.index.lock:
                self._cluster(session, post_id, sig)
                # In the index at once, so the next posts of the same transaction are
                # compared with this one; forget() takes it out if that is rolled back.
                self.index.add(post_id, sig, self._hashes)
                self._uncommitted.append(post_id)
        except InvalidInput as exc:
            raise DropItem("invalid_post", article.url, exc.message_en) from None
        return True

    def store_many(self, requests: Sequence["StoreRequest"]) -> list[bool | BaseException]:
        """Store several articles in one transaction, each post whole or not at all.

        One commit for many posts is what makes a crawl's writer fast. A post that
        fails (a race on its URL, bad text, a database error) must not take the others
        with it: the transaction is rolled back, that post gets its error, and the
        others are written again without it. Returns, per request, whether a post was
        stored (False: its URL already was) or the exception that stopped it.
        """
        outcomes: list[bool | BaseException] = [False] * len(requests)
        pending = list(range(len(requests)))
        while pending:
            failed = self._attempt(requests, pending, outcomes)
            if failed is None:
                break
            pending.remove(failed)
        return outcomes

    def _attempt(
        self,
        requests: Sequence["StoreRequest"],
        pending: list[int],
        outcomes: list[bool | BaseException],
    ) -> int | None:
        """Write the pending requests in one transaction; the position of the one that
        failed (all were rolled back), or None when the rest is settled."""
        self._uncommitted = []
        current: int | None = None
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                for current in pending:
                    request = requests[current]
                    outcomes[current] = self.store(
                        request.article,
                        fetched=request.fetched,
                        snapshot_id=request.snapshot_id,
                        session=session,
                    )
                current = None
                session.commit()
            except Exception as exc:
                session.rollback()
                self.forget(self._uncommitted)
                if current is None:  # the commit failed: it took every post with it
                    for position in pending:
                        outcomes[position] = exc
                    return None
                # Another worker stored the same URL first: a duplicate, not an error.
                outcomes[current] = False if isinstance(exc, IntegrityError) else exc
                return current
            except BaseException:
                session.rollback()
                self.forget(self._uncommitted)
                raise
        return None

    def forget(self, post_ids: Iterable[int]) -> None:
        """Take posts whose transaction was rolled back out of the near-duplicate index."""
        with self.index.lock:
            for post_id in post_ids:
                self.index.discard(post_id)

    def _cluster(self, session: Session, post_id: int, sig: bytes) -> None:
        candidates = [pid for pid in self.index.candidates(sig) if pid != post_id]
        if not candidates:
            return
        uncached = [pid for pid in candidates if self.index.cached(pid) is None]
        texts: dict[int, str | None] = dict.fromkeys(candidates)
        if uncached:
            for other_id, text in session.exec(
                select(Post.id, Post.text).where(col(Post.id).in_(uncached))
            ):
                if other_id is not None:
                    texts[other_id] = text
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
        session.add(cluster)
        session.flush()
        session.execute(update(Post).where(col(Post.id) == post_id).values(cluster_id=cluster.id))


@dataclass
class StoreRequest:
    """An article for store_many, with the fetch it came from or a shared snapshot id."""

    article: Article
    fetched: FetchResult | None = None
    snapshot_id: int | None = None

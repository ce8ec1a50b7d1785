"""Storing posts in batches (one transaction for many posts, each post whole or absent)
and the near-duplicate fingerprints they are stored with."""

from datetime import UTC, datetime

import numpy as np
from datasketch import MinHash
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from crawlers.dedupe import SCHEME, NearDuplicateIndex, signature
from crawlers.drop import DropItem
from crawlers.extract import Article, pack_snapshot
from crawlers.fetch import FetchResult
from crawlers.settings import CrawlerSettings
from crawlers.shingles import NUM_PERM, minhash_signature, shingle_hashes
from crawlers.store import Store, StoreRequest
from models.crawl import PostFingerprint
from models.posts import Post, Snapshot
from tests.conftest import count_rows

TEXT = (
    "Bộ Tài chính cho biết lương cơ sở sẽ điều chỉnh từ ngày 1/7, áp dụng với cán bộ, "
    "công chức và người lao động trên cả nước, kinh phí thực hiện khoảng 120 nghìn tỷ đồng."
)


def request(url: str, text: str) -> StoreRequest:
    body = f"<html><body><p>{text}</p></body></html>".encode()
    fetched = FetchResult(
        url=url,
        final_url=url,
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        body=body,
        truncated=False,
        fetched_at=datetime.now(UTC),
    )
    article = Article(url=url, title="Lương cơ sở", text=text)
    article.snapshot = pack_snapshot(body, 1_000_000, 1)
    return StoreRequest(article, fetched)


def test_a_failing_post_leaves_the_rest_of_its_batch_stored(engine: Engine):
    store = Store(engine, settings=CrawlerSettings(), source_id=None, source_name="báo")
    store.load_index()
    outcomes = store.store_many(
        [
            request("https://a.vn/luong-co-so.html", TEXT),
            request("https://b.vn/hong.html", TEXT + " \x00"),  # refused at insert
            request("https://c.vn/luong-co-so-tang.html", TEXT + " Người dân cần lưu ý."),
            request("https://a.vn/luong-co-so.html?utm_source=fb", TEXT),  # same post
        ]
    )
    assert outcomes[0] is True and outcomes[2] is True and outcomes[3] is False
    assert isinstance(outcomes[1], DropItem) and outcomes[1].kind == "invalid_post"
    # the refused post left no snapshot or fingerprint behind
    assert (
        count_rows(engine, Post)
        == count_rows(engine, Snapshot)
        == count_rows(engine, PostFingerprint)
        == 2
    )
    with Session(engine) as session:
        first, near = session.exec(select(Post).order_by(col(Post.id))).all()
    # a post is compared with the posts written before it in the same transaction
    assert first.cluster_id is not None and first.cluster_id == near.cluster_id
    assert first.snapshot_id != near.snapshot_id


def test_a_rolled_back_post_leaves_the_near_duplicate_index():
    index = NearDuplicateIndex(0.5)
    index.add(7, signature(TEXT), shingle_hashes(TEXT))
    index.add(9, signature(TEXT + " Người dân cần lưu ý."))
    assert sorted(index.candidates(signature(TEXT))) == [7, 9]
    index.discard(9)
    assert index.candidates(signature(TEXT)) == [7] and index.last_post_id == 7
    index.discard(7)
    assert index.candidates(signature(TEXT)) == [] and index.cached(7) is None


def test_signatures_are_datasketch_affine32_minhashes():
    # Stored fingerprints were made with datasketch; the numpy version must match them.
    rng = np.random.default_rng(3)
    samples = [shingle_hashes(TEXT), np.empty(0, dtype=np.int64)]
    samples += [np.unique(rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64)) for n in (1, 700)]
    for hashes in samples:
        reference = MinHash(num_perm=NUM_PERM, scheme=SCHEME, hashfunc=lambda value: value)
        if hashes.size:
            reference.update_batch((hashes & 0xFFFFFFFF).tolist())
        assert minhash_signature(hashes) == reference.hashvalues.astype(np.uint32).tobytes()

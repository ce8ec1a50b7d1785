"""The migrated schema must be exactly what the models describe, on SQLite and PostgreSQL."""

import hashlib
import importlib.util
from types import ModuleType

import numpy as np
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select

from crawlers.dedupe import signature
from crawlers.shingles import content_hash, jaccard, shingles
from models.crawl import PostFingerprint
from models.migrate import MIGRATIONS_DIR, alembic_config, current_revision, head_revision, upgrade
from models.posts import Post


def test_database_is_at_head(migrated_engine: Engine) -> None:
    assert current_revision(migrated_engine) == head_revision()


def test_migrated_schema_equals_models(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def _migration(name: str) -> ModuleType:
    path = MIGRATIONS_DIR / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# sha256 of the signatures the code before migration 0011 stored for these texts (computed
# with crawlers/shingles.py as of revision 0010): the downgrade must give them back.
LEGACY_SIGNATURE_SHA256 = {
    "Học phí đại học sẽ tăng gấp ba từ tháng 9, phụ huynh lo lắng.": (
        "8a349f1040b11aeba4ebaef15ecc4e38df545b9ea923ef1ae26ab68327a8dbe8"
    ),
    "Bài số 7: giá điện tăng 4,8% từ tháng sau": (
        "f6f0ad522a8f6b20c2429b3837e67a833845b425bc272e64628823acadab753d"
    ),
}


def test_0011_recomputes_signatures_both_ways(engine: Engine) -> None:
    migration = _migration("0011_shingle_hashes_per_syllable")
    pinned = list(LEGACY_SIGNATURE_SHA256)
    # More posts than one batch of the migration, so its paging is exercised too.
    texts = pinned + [f"Tin số {n}: giá xăng tăng {n} đồng từ chiều nay" for n in range(1001)]
    assert len(texts) > migration.BATCH
    with Session(engine) as session:
        for n, text in enumerate(texts):
            post = Post(
                url=f"https://example.vn/{n}",
                canonical_url=f"https://example.vn/{n}",
                source_name="test",
                text=text,
                content_hash=content_hash(text),
            )
            session.add(post)
            session.flush()
            assert post.id is not None
            session.add(PostFingerprint(post_id=post.id, signature=b"stale"))
        session.commit()

    def stored() -> list[bytes]:
        with Session(engine) as session:
            query = select(PostFingerprint).order_by(col(PostFingerprint.post_id))
            return [fingerprint.signature for fingerprint in session.exec(query)]

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0010")
        downgraded = stored()
    finally:
        upgrade(engine)
    assert [hashlib.sha256(sig).hexdigest() for sig in downgraded[:2]] == [
        LEGACY_SIGNATURE_SHA256[text] for text in pinned
    ]
    assert downgraded == [migration.legacy_signature(text) for text in texts]
    upgraded = stored()
    assert upgraded == [signature(text) for text in texts]
    assert all(new != old for new, old in zip(upgraded, downgraded, strict=True))
    # The old and new hashes agree on what is a near-duplicate: the same shingles.
    repost = texts[0].replace("phụ huynh lo lắng", "nhiều phụ huynh rất lo lắng")
    estimate = float(
        np.mean(
            np.frombuffer(signature(texts[0]), np.uint32)
            == np.frombuffer(signature(repost), np.uint32)
        )
    )
    assert abs(estimate - jaccard(shingles(texts[0]), shingles(repost))) < 0.15

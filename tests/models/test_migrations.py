"""The migrated schema must be exactly what the models describe, on SQLite and PostgreSQL."""

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


def test_0011_recomputes_signatures_both_ways(engine: Engine) -> None:
    texts = ["Học phí đại học sẽ tăng gấp ba từ tháng 9, phụ huynh lo lắng.", "Hai từ"]
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

    legacy = _migration("0011_shingle_hashes_per_syllable").legacy_signature
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0010")
        assert stored() == [legacy(text) for text in texts]
    finally:
        upgrade(engine)
    assert stored() == [signature(text) for text in texts]
    assert signature(texts[0]) != legacy(texts[0])
    # The old and new hashes agree on what is a near-duplicate: the same shingles.
    repost = texts[0].replace("phụ huynh lo lắng", "nhiều phụ huynh rất lo lắng")
    estimate = float(
        np.mean(
            np.frombuffer(signature(texts[0]), np.uint32)
            == np.frombuffer(signature(repost), np.uint32)
        )
    )
    assert abs(estimate - jaccard(shingles(texts[0]), shingles(repost))) < 0.15

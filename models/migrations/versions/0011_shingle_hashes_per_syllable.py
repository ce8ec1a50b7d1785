"""near-duplicate signatures recomputed: shingle hashes are now combined from cached
syllable hashes (crawlers.shingles) instead of hashing each shingle's text

Every stored MinHash signature is recomputed from its post's text, so posts stored before
compare with posts stored after. Downgrading recomputes them the old way. It costs about
half a millisecond of CPU a post (some eight minutes a million posts) in the upgrade's one
transaction; stop crawlers running older code during the upgrade, or they would store
signatures of the old kind.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 05:30:00
"""

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence

import numpy as np
import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
_POSTS = sa.table("post", sa.column("id", sa.Integer), sa.column("text", sa.Text))
_FINGERPRINTS = sa.table(
    "postfingerprint", sa.column("post_id", sa.Integer), sa.column("signature", sa.LargeBinary)
)


def _recompute(signature_of: Callable[[str], bytes]) -> None:
    """Rewrite every stored signature from its post's text, a batch of posts at a time."""
    connection = op.get_bind()
    select_batch = (
        sa.select(_POSTS.c.id, _POSTS.c.text)
        .join(_FINGERPRINTS, _FINGERPRINTS.c.post_id == _POSTS.c.id)
        .where(_POSTS.c.id > sa.bindparam("after"))
        .order_by(_POSTS.c.id)
        .limit(BATCH)
    )
    update = (
        _FINGERPRINTS.update()
        .where(_FINGERPRINTS.c.post_id == sa.bindparam("target"))
        .values(signature=sa.bindparam("new_signature"))
    )
    after = 0
    while rows := connection.execute(select_batch, {"after": after}).all():
        connection.execute(
            update,
            [{"target": row.id, "new_signature": signature_of(row.text or "")} for row in rows],
        )
        after = rows[-1].id


def upgrade() -> None:
    # The running code's signature: what the crawler compares new posts with from now on.
    from crawlers.dedupe import signature

    _recompute(signature)


def downgrade() -> None:
    _recompute(legacy_signature)


_TOKEN = re.compile(r"\w+", re.UNICODE)


def legacy_signature(text: str) -> bytes:
    """The signature as revisions up to 0010 computed it: blake2b of each shingle's text
    (kept here, frozen, for the downgrade)."""
    from crawlers.shingles import SHINGLE, minhash_signature

    syllables = _TOKEN.findall(unicodedata.normalize("NFC", text).casefold())
    if len(syllables) < SHINGLE:
        shingles = {" ".join(syllables)} if syllables else set()
    else:
        shingles = set(map(" ".join, zip(*(syllables[i:] for i in range(SHINGLE)), strict=False)))
    digests = b"".join(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest() for s in shingles)
    return minhash_signature(np.unique(np.frombuffer(digests, dtype=np.int64)))

"""Near-duplicate detection: MinHash over 3-syllable shingles, LSH for candidates,
exact Jaccard to confirm.

Vietnamese words are written as space-separated syllables, so syllable shingles need no
word segmenter and survive the small edits reposters make (a changed headline, an
added sentence, different punctuation).
"""

import threading
import time
from collections import OrderedDict
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from crawlers.shingles import (
    NUM_PERM,
    jaccard,
    jaccard_hashes,
    minhash_signature,
    shingle_hashes,
    shingles,
)

# Pinned so signatures stored today stay comparable after a datasketch upgrade
# (minhash_signature computes this scheme's values itself).
SCHEME = "affine32"


@lru_cache(maxsize=16)
def _lsh_params(threshold: float) -> tuple[int, int]:
    """LSH bands and rows for a threshold. datasketch finds them by numerical integration,
    which takes longer than a small crawl's clustering: once per process is enough."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def signature_from_hashes(hashes: np.ndarray) -> bytes:
    """A compact MinHash signature (32-bit values) built from the shingle hashes.

    The shingles are hashed once (shingle_hashes, possibly in a worker process); MinHash
    reuses those hashes instead of hashing every shingle again with SHA-1.
    """
    return minhash_signature(hashes)


def signature(text: str) -> bytes:
    return signature_from_hashes(shingle_hashes(text))


def from_signature(data: bytes) -> LeanMinHash:
    # LeanMinHash skips computing permutations, which MinHash() does even from stored values.
    values = np.frombuffer(data, dtype=np.uint32)
    return LeanMinHash(seed=1, hashvalues=values, scheme=SCHEME)


__all__ = ["jaccard", "jaccard_hashes", "shingle_hashes", "shingles", "signature"]


class NearDuplicateIndex:
    """Candidates from LSH, ranked by estimated similarity, confirmed with exact Jaccard."""

    # Only the most similar candidates are confirmed, so a flood of similar posts (one
    # rumour copied a thousand times) costs a bounded amount of work per new post.
    MAX_CONFIRM = 8
    # Shingle hashes of recently seen posts (about 6 KB each), to confirm without rereading.
    CACHE_SIZE = 5000

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(num_perm=NUM_PERM, params=_lsh_params(threshold))
        self._signatures: dict[int, np.ndarray] = {}
        self._shingles: OrderedDict[int, np.ndarray] = OrderedDict()
        # Crawls running in threads of one process share an index; they take turns.
        self.lock = threading.RLock()
        self.last_post_id = 0
        self.built_at = time.monotonic()

    def add(self, post_id: int, sig: bytes, hashes: np.ndarray | None = None) -> None:
        self.last_post_id = max(self.last_post_id, post_id)
        if post_id not in self._signatures:
            self._signatures[post_id] = np.frombuffer(sig, dtype=np.uint32)
            self._lsh.insert(str(post_id), from_signature(sig))
        if hashes is not None:
            self.remember(post_id, hashes)

    def discard(self, post_id: int) -> None:
        """Forget a post (its transaction was rolled back)."""
        if self._signatures.pop(post_id, None) is not None:
            self._lsh.remove(str(post_id))
        self._shingles.pop(post_id, None)
        if post_id == self.last_post_id:
            self.last_post_id = max(self._signatures, default=0)

    def remember(self, post_id: int, hashes: np.ndarray) -> None:
        self._shingles[post_id] = hashes
        self._shingles.move_to_end(post_id)
        while len(self._shingles) > self.CACHE_SIZE:
            self._shingles.popitem(last=False)

    def cached(self, post_id: int) -> np.ndarray | None:
        return self._shingles.get(post_id)

    def candidates(self, sig: bytes) -> list[int]:
        """Stored posts likely above the threshold, most similar first."""
        mine = np.frombuffer(sig, dtype=np.uint32)
        scored = []
        for key in self._lsh.query(from_signature(sig)):
            post_id = int(key)
            estimate = float(np.mean(self._signatures[post_id] == mine))
            scored.append((estimate, post_id))
        scored.sort(reverse=True)
        return [post_id for _, post_id in scored[: self.MAX_CONFIRM]]

    def best_match(
        self, mine: np.ndarray, candidates: dict[int, str | None]
    ) -> tuple[int, float] | None:
        """The candidate most similar (by shingle hashes `mine`) above the threshold.

        `candidates` maps post ids to their text, or to None when the index has the
        post's shingles cached.
        """
        best: tuple[int, float] | None = None
        for post_id, other in candidates.items():
            theirs = self.cached(post_id)
            if theirs is None:
                theirs = shingle_hashes(other or "")
                self.remember(post_id, theirs)
            score = jaccard_hashes(mine, theirs)
            if score >= self.threshold and (best is None or score > best[1]):
                best = (post_id, score)
        return best

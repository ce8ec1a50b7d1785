"""Near-duplicate detection: MinHash over 3-syllable shingles, LSH for candidates,
exact Jaccard to confirm.

Vietnamese words are written as space-separated syllables, so syllable shingles need no
word segmenter and survive the small edits reposters make (a changed headline, an
added sentence, different punctuation).
"""

import hashlib
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE = 3
_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    syllables = _TOKEN.findall(unicodedata.normalize("NFC", text).casefold())
    if len(syllables) < size:
        return {" ".join(syllables)} if syllables else set()
    return {" ".join(syllables[i : i + size]) for i in range(len(syllables) - size + 1)}


# Pinned so signatures stored today stay comparable after a datasketch upgrade.
SCHEME = "affine32"


def minhash(items: Iterable[str]) -> MinHash:
    mh = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
    mh.update_batch([item.encode("utf-8") for item in items])
    return mh


def signature(text: str) -> bytes:
    """A compact MinHash signature (32-bit hash values) to store with the post."""
    return minhash(shingles(text)).hashvalues.astype(np.uint32).tobytes()


def from_signature(data: bytes) -> LeanMinHash:
    # LeanMinHash skips computing permutations, which MinHash() does even from stored values.
    values = np.frombuffer(data, dtype=np.uint32)
    return LeanMinHash(seed=1, hashvalues=values, scheme=SCHEME)


def jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def shingle_hashes(text: str) -> np.ndarray:
    """Sorted unique 64-bit hashes of the shingles: compact, fast exact Jaccard.

    Deterministic (unlike hash()), so a worker process can compute them for the writer.
    """
    digests = b"".join(
        hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest() for s in shingles(text)
    )
    return np.unique(np.frombuffer(digests, dtype=np.int64))


def jaccard_hashes(a: np.ndarray, b: np.ndarray) -> float:
    if a.size == 0 and b.size == 0:
        return 1.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)


class NearDuplicateIndex:
    """Candidates from LSH, ranked by estimated similarity, confirmed with exact Jaccard."""

    # Only the most similar candidates are confirmed, so a flood of similar posts (one
    # rumour copied a thousand times) costs a bounded amount of work per new post.
    MAX_CONFIRM = 8
    # Shingle hashes of recently seen posts (about 6 KB each), to confirm without rereading.
    CACHE_SIZE = 5000

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._signatures: dict[int, np.ndarray] = {}
        self._shingles: OrderedDict[int, np.ndarray] = OrderedDict()

    def add(self, post_id: int, sig: bytes, hashes: np.ndarray | None = None) -> None:
        if post_id not in self._signatures:
            self._signatures[post_id] = np.frombuffer(sig, dtype=np.uint32)
            self._lsh.insert(str(post_id), from_signature(sig))
        if hashes is not None:
            self.remember(post_id, hashes)

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

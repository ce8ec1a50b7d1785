"""Near-duplicate detection: MinHash over 3-syllable shingles, LSH for candidates,
exact Jaccard to confirm.

Vietnamese words are written as space-separated syllables, so syllable shingles need no
word segmenter and survive the small edits reposters make (a changed headline, an
added sentence, different punctuation).
"""

import re
import unicodedata
from collections.abc import Iterable

import numpy as np
from datasketch import MinHash, MinHashLSH

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


def from_signature(data: bytes) -> MinHash:
    values = np.frombuffer(data, dtype=np.uint32)
    return MinHash(num_perm=NUM_PERM, hashvalues=values, scheme=SCHEME)


def jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


class NearDuplicateIndex:
    """Candidates from LSH, confirmed with the exact Jaccard of their shingles."""

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)

    def add(self, post_id: int, sig: bytes) -> None:
        key = str(post_id)
        if key not in self._lsh:
            self._lsh.insert(key, from_signature(sig))

    def candidates(self, sig: bytes) -> list[int]:
        return [int(key) for key in self._lsh.query(from_signature(sig))]

    def best_match(self, text: str, sig: bytes, texts: dict[int, str]) -> tuple[int, float] | None:
        """The stored post most similar to `text` above the threshold, given candidates' texts."""
        mine = shingles(text)
        best: tuple[int, float] | None = None
        for post_id, other in texts.items():
            score = jaccard(mine, shingles(other))
            if score >= self.threshold and (best is None or score > best[1]):
                best = (post_id, score)
        return best

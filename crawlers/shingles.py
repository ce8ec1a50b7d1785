"""Syllable shingles and their hashes: the part of near-duplicate detection that runs in
extraction workers, so it needs nothing heavier than numpy.

Vietnamese words are written as space-separated syllables, so 3-syllable shingles need
no word segmenter and survive the small edits reposters make.
"""

import hashlib
import re
import unicodedata

import numpy as np

SHINGLE = 3
_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    syllables = _TOKEN.findall(unicodedata.normalize("NFC", text).casefold())
    if len(syllables) < size:
        return {" ".join(syllables)} if syllables else set()
    # zip over shifted lists: the same shingles as slicing, without a slice per position.
    return set(map(" ".join, zip(*(syllables[i:] for i in range(size)), strict=False)))


def shingle_hashes(text: str) -> np.ndarray:
    """Sorted unique 64-bit hashes of the shingles: compact, fast exact Jaccard.

    Deterministic (unlike hash()), so a worker process can compute them for the writer.
    """
    blake2b = hashlib.blake2b
    digests = b"".join([blake2b(s.encode("utf-8"), digest_size=8).digest() for s in shingles(text)])
    return np.unique(np.frombuffer(digests, dtype=np.int64))


def content_hash(text: str) -> str:
    """Hash of the text with whitespace and Unicode form evened out, to spot exact copies."""
    normalised = " ".join(unicodedata.normalize("NFC", text).split()).casefold()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def jaccard_hashes(a: np.ndarray, b: np.ndarray) -> float:
    if a.size == 0 and b.size == 0:
        return 1.0
    inter = int(np.intersect1d(a, b, assume_unique=True).size)
    return inter / (a.size + b.size - inter)

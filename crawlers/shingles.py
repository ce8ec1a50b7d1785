"""Syllable shingles and their hashes: the part of near-duplicate detection that runs in
extraction workers, so it needs nothing heavier than numpy.

Vietnamese words are written as space-separated syllables, so 3-syllable shingles need
no word segmenter and survive the small edits reposters make.
"""

import hashlib
import re
import unicodedata
from functools import lru_cache

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


NUM_PERM = 128
_LOW32 = np.int64(0xFFFFFFFF)


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # datasketch's "affine32" scheme with its default seed: h -> a * h + b modulo 2^32,
    # with a odd, drawn from RandomState(1) in datasketch's order.
    generator = np.random.RandomState(1)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def minhash_signature(hashes: np.ndarray) -> bytes:
    """The MinHash signature (NUM_PERM 32-bit values) of sorted shingle hashes.

    Bit for bit what datasketch's MinHash(scheme="affine32") gives for the hashes' low
    32 bits (tests/crawlers/test_store.py checks it), computed here with numpy alone so
    that extraction workers need not import datasketch, which pulls in scipy (~50 MB
    per worker).
    """
    a, b = _permutations()
    if hashes.size == 0:
        return np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32).tobytes()
    mixed = (hashes & _LOW32).astype(np.uint32).reshape(-1, 1)
    # The MurmurHash3 32-bit finalizer, which datasketch applies before permuting.
    mixed ^= mixed >> np.uint32(16)
    mixed *= np.uint32(0x85EBCA6B)
    mixed ^= mixed >> np.uint32(13)
    mixed *= np.uint32(0xC2B2AE35)
    mixed ^= mixed >> np.uint32(16)
    return bytes((mixed * a + b).min(axis=0).tobytes())


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

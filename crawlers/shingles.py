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


def _syllables(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFC", text).casefold())


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    syllables = _syllables(text)
    if len(syllables) < size:
        return {" ".join(syllables)} if syllables else set()
    # zip over shifted lists: the same shingles as slicing, without a slice per position.
    return set(map(" ".join, zip(*(syllables[i:] for i in range(size)), strict=False)))


# Per process: the syllables of Vietnamese news are a few thousand words, so nearly every
# syllable of a page is hashed already. Cleared when full (names and numbers keep coming);
# 50,000 syllables hold about 7 MB.
_SYLLABLE_HASHES: dict[str, int] = {}
_MAX_CACHED_SYLLABLES = 50_000
# Odd 64-bit constants that weigh each position of a shingle differently, and the
# splitmix64 finalizer's, which spreads the combination over all 64 bits.
_POSITION = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xC2B2AE3D27D4EB4F),
    np.uint64(0x165667B19E3779F9),
)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _blake64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "little")


def _syllable_hash(syllable: str) -> int:
    if len(_SYLLABLE_HASHES) >= _MAX_CACHED_SYLLABLES:
        _SYLLABLE_HASHES.clear()
    value = _SYLLABLE_HASHES[syllable] = _blake64(syllable)
    return value


def _rotl(values: np.ndarray, bits: int) -> np.ndarray:
    return (values << np.uint64(bits)) | (values >> np.uint64(64 - bits))


def shingle_hashes(text: str) -> np.ndarray:
    """Sorted unique 64-bit hashes of the shingles: compact, fast exact Jaccard.

    Each syllable is hashed once (blake2b, cached) and the three syllable hashes of each
    shingle are combined with numpy, position-weighted and mixed (splitmix64): a third of
    the cost of hashing every shingle's text. Deterministic (unlike hash()), so a worker
    process can compute them for the writer. Changing this changes every stored
    signature: migration 0011 recomputed them when it was introduced.
    """
    syllables = _syllables(text)
    if len(syllables) < SHINGLE:  # one shingle: the few syllables there are
        if not syllables:
            return np.empty(0, dtype=np.int64)
        return np.array([_blake64(" ".join(syllables))], dtype=np.uint64).view(np.int64)
    cached = _SYLLABLE_HASHES.get
    hashes = np.fromiter(
        (cached(s) or _syllable_hash(s) for s in syllables), dtype=np.uint64, count=len(syllables)
    )
    first, second, third = hashes[:-2], hashes[1:-1], hashes[2:]
    mixed = np.asarray(
        first * _POSITION[0] + _rotl(second, 21) * _POSITION[1] + _rotl(third, 42) * _POSITION[2],
        dtype=np.uint64,
    )
    mixed ^= mixed >> np.uint64(30)
    mixed *= _MIX1
    mixed ^= mixed >> np.uint64(27)
    mixed *= _MIX2
    mixed ^= mixed >> np.uint64(31)
    return np.unique(mixed.view(np.int64))


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

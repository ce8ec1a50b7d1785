"""Pair features for reranking claim candidates into a calibrated similarity.

Cosine over character n-grams finds the right claim but does not say how sure the match is:
a post that repeats the claim with other numbers ("gấp hai" for "gấp ba") or shares only its
topic words scores almost as high. These features describe a (post, claim) pair so a logistic
regression can turn them into a probability that the post is about that claim. One feature is
relative: how far the claim's cosine stands above the best *other* candidate's, because a post
that is equally close to several claims is not clearly about any of them. Two read the claim's
syllables weighted by how rare they are among the known claims (:class:`SyllableWeights`):
near-neighbour claims share most words ("hộ kinh doanh phải lắp camera kết nối với công an" /
"... với cơ quan thuế"), and what tells them apart is the rare word a post leaves out.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

from detector.claims.text import MatchKey

FEATURE_NAMES: tuple[str, ...] = (
    "cosine",
    "jaccard",
    "claim_covered",
    "post_covered",
    "claim_bigrams_covered",
    "numbers_agree",
    "numbers_conflict",
    "claim_numbers_missing",
    "log_length_ratio",
    "claim_chars_covered",
    "cosine_margin",
    "claim_weight_covered",
    "claim_rarest_missing",
)


class SyllableWeights:
    """Smoothed IDF of each syllable over the known claims' match keys."""

    def __init__(self, claims: Iterable[tuple[str, ...]]) -> None:
        df: Counter[str] = Counter()
        size = 0
        for syllables in claims:
            df.update(set(syllables))
            size += 1
        self.unseen = math.log(size + 1) + 1.0
        self.idf = {s: math.log((size + 1) / (n + 1)) + 1.0 for s, n in df.items()}

    def __call__(self, syllable: str) -> float:
        return self.idf.get(syllable, self.unseen)


def _bigrams(sylls: tuple[str, ...]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(sylls))


def candidate_features(
    post: MatchKey,
    claims: Sequence[MatchKey],
    cosines: Sequence[float],
    weights: SyllableWeights,
) -> np.ndarray:
    """One row of ``FEATURE_NAMES`` per candidate claim of ``post``; ``weights`` over all the
    known claims."""
    cos = np.asarray(cosines, dtype=np.float64)
    if len(cos) > 1:
        top2 = np.sort(cos)[-2:]
        best_other = np.where(cos >= top2[1], top2[0], top2[1])
    else:
        best_other = np.zeros_like(cos)
    return np.asarray(
        [
            [
                *pair_features(post, claim, float(c)),
                float(c - other),
                *weighted_coverage(post, claim, weights),
            ]
            for claim, c, other in zip(claims, cos, best_other, strict=True)
        ],
        dtype=np.float64,
    ).reshape(len(cos), len(FEATURE_NAMES))


@lru_cache(maxsize=65_536)
def _char_grams(text: str, n: int = 4) -> frozenset[str]:
    # Cached: the same claims come back as candidates for many posts.
    return frozenset(text[i : i + n] for i in range(len(text) - n + 1))


def pair_features(post: MatchKey, claim: MatchKey, cosine: float) -> list[float]:
    p, c = set(post.syllables), set(claim.syllables)
    inter = len(p & c)
    union = len(p | c) or 1
    cb = _bigrams(claim.syllables)
    pb = _bigrams(post.syllables)
    both = bool(post.numbers) and bool(claim.numbers)
    agree = both and claim.numbers <= post.numbers
    conflict = both and not (claim.numbers & post.numbers)
    missing = bool(claim.numbers) and not post.numbers
    ratio = np.log((len(post.syllables) + 1) / (len(claim.syllables) + 1))
    cg = _char_grams(claim.text)
    return [
        cosine,
        inter / union,
        inter / (len(c) or 1),
        inter / (len(p) or 1),
        len(cb & pb) / (len(cb) or 1),
        1.0 if agree else 0.0,
        1.0 if conflict else 0.0,
        1.0 if missing else 0.0,
        float(ratio),
        # Containment rather than cosine: a long post that retells the claim inside a story
        # holds most of the claim's character n-grams, however much else it says; a misspelt
        # teencode syllable loses a few n-grams, not the whole syllable.
        len(cg & _char_grams(post.text)) / (len(cg) or 1),
    ]


def weighted_coverage(post: MatchKey, claim: MatchKey, weights: SyllableWeights) -> list[float]:
    """The share of the claim's syllable weight the post holds, and the weight of the rarest
    claim syllable it leaves out, as a share of the highest weight a syllable can have among
    these claims (so the figure does not grow with their number): "công an" for a post about
    the tax-office camera."""
    p, c = set(post.syllables), set(claim.syllables)
    total = sum(weights(s) for s in c) or 1.0
    held = sum(weights(s) for s in c & p)
    missing = max((weights(s) for s in c - p), default=0.0)
    return [held / total, missing / weights.unseen]

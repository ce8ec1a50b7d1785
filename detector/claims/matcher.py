"""Matching posts against known claims.

:class:`ClaimMatcher` holds every known claim in a :class:`~detector.claims.index.ClaimIndex`.
For a post it takes the top candidates by character n-gram cosine, reranks them with
:class:`ClaimMatchModel` (a logistic regression over pair features, so the similarity is a
probability in [0, 1]), optionally reranks again with sentence embeddings from a local
checkpoint (:mod:`detector.claims.embeddings`), and decides the stance of the post towards
the best ones with the :class:`~detector.stance.StanceClassifier` bundled in the same model.

Two thresholds act on the similarity: at ``suggest_threshold`` the claim is shown to staff as
a likely match; a link is made automatically only at ``autolink_threshold`` *and* when the
post spreads the claim with probability at least ``spreads_threshold`` — refutations and
reports of the real decision reuse the claim's words, and linking them would put the people
answering the rumour in the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from detector.claims.embeddings import ClaimVectors, SemanticSettings
from detector.claims.features import FEATURE_NAMES, SyllableWeights, candidate_features
from detector.claims.index import Candidate, ClaimIndex
from detector.claims.text import MatchKey, match_key
from detector.stance import StanceClassifier, vetoes
from models.enums import Stance

# Posts are cut to this many characters before matching: a claim is a sentence or two, and
# what a long article repeats of it sits in its first paragraphs; the cut bounds the latency.
MAX_MATCH_CHARS = 2_000


@dataclass(frozen=True, slots=True)
class KnownClaim:
    """A claim as the matcher needs it (``id`` is the database id or the CSV id)."""

    id: Any
    text: str
    verdict: str | None = None
    url: str | None = None
    rebuttal: str | None = None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    claim: KnownClaim
    similarity: float  # calibrated, in [0, 1]
    cosine: float
    stance: str | None = None
    stance_confidence: float | None = None
    suggested: bool = False
    auto_linked: bool = False
    embedding_cosine: float | None = None  # with sentence embeddings only


@dataclass(frozen=True, slots=True)
class MatchResult:
    matches: list[Match] = field(default_factory=list)  # best first

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None

    @property
    def auto_linked(self) -> Match | None:
        return next((m for m in self.matches if m.auto_linked), None)


class ClaimMatchModel(BaseEstimator):
    """Reranker (pair features → calibrated similarity) plus the stance classifier and the
    decision thresholds, persisted as one artifact."""

    def __init__(
        self,
        C: float = 1.0,
        suggest_threshold: float = 0.5,
        autolink_threshold: float = 0.9,
        spreads_threshold: float = 0.8,
        stance: StanceClassifier | None = None,
    ) -> None:
        self.C = C
        self.suggest_threshold = suggest_threshold
        self.autolink_threshold = autolink_threshold
        self.spreads_threshold = spreads_threshold
        self.stance = stance

    def fit(self, X: np.ndarray, y: Sequence[int]) -> ClaimMatchModel:
        """Fit the reranker on pair-feature rows (see ``FEATURE_NAMES``), y = 1 for a match."""
        self.reranker_ = LogisticRegression(C=self.C, max_iter=5000)
        self.reranker_.fit(np.asarray(X, dtype=np.float64), list(y))
        # Kept as plain arrays: scoring 20 candidates by hand is ~50x faster than
        # predict_proba's validation, and matching has a 20 ms budget.
        self.coef_ = self.reranker_.coef_.ravel().astype(np.float64)
        self.intercept_ = float(self.reranker_.intercept_[0])
        self.feature_names_ = list(FEATURE_NAMES)
        return self

    def similarity(self, X: np.ndarray) -> np.ndarray:
        # Features only ever get appended to FEATURE_NAMES: a model trained before reads the
        # first columns, the ones it was fitted on.
        z = np.asarray(X, dtype=np.float64)[:, : len(self.coef_)] @ self.coef_ + self.intercept_
        return np.asarray(1.0 / (1.0 + np.exp(-z)))


class ClaimMatcher:
    """All known claims, ready to match posts against."""

    def __init__(
        self,
        claims: Sequence[KnownClaim],
        model: ClaimMatchModel,
        *,
        candidates: int = 20,
        keys: Sequence[MatchKey] | None = None,
        semantic: SemanticSettings | None = None,
        reuse: ClaimMatcher | None = None,
    ) -> None:
        """``reuse``: an older matcher whose claim embeddings are taken rather than encoded
        again (the claims it shares with this one)."""
        self.claims = list(claims)
        self._by_id: dict[Any, KnownClaim] | None = None
        self.model = model
        self.candidates = candidates
        self.keys = list(keys) if keys is not None else [match_key(c.text) for c in self.claims]
        self.index = ClaimIndex([k.text for k in self.keys])
        self.weights = SyllableWeights(k.syllables for k in self.keys)
        self.semantic = semantic
        self.vectors: ClaimVectors | None = (
            ClaimVectors(
                semantic.encoder,
                [c.text for c in self.claims],
                reuse=reuse.vectors if reuse is not None else None,
            )
            if semantic
            else None
        )

    def __len__(self) -> int:
        return len(self.claims)

    def claim(self, claim_id: Any) -> KnownClaim | None:
        """The known claim with this id, if the matcher holds it."""
        if self._by_id is None:
            self._by_id = {c.id: c for c in self.claims}
        return self._by_id.get(claim_id)

    def match(self, text: str, *, k: int = 5, stance_for: int = 1) -> MatchResult:
        """The ``k`` best claims for ``text`` with calibrated similarity, best first. The
        stance is decided for the first ``stance_for`` of them at or above the suggest
        threshold; only those can be auto-linked."""
        post = match_key((text or "")[:MAX_MATCH_CHARS])
        found = self.index.search(post.text, k=self.candidates)
        vector = None
        if self.semantic is not None and self.vectors is not None and (text or "").strip():
            vector = self.semantic.encoder.encode([text[:MAX_MATCH_CHARS]])[0]
            found = self._add_semantic_candidates(post, found, vector)
        if not found:
            return MatchResult()
        feats = candidate_features(
            post,
            [self.keys[c.position] for c in found],
            [c.cosine for c in found],
            self.weights,
        )
        sims = self.model.similarity(feats)
        rank_by = sims
        embedded: np.ndarray | None = None
        if vector is not None and self.vectors is not None and self.semantic is not None:
            embedded = self.vectors.cosines(vector, [c.position for c in found])
            weight = self.semantic.weight
            rank_by = (1.0 - weight) * sims + weight * np.clip(embedded, 0.0, 1.0)
        ranked = sorted(range(len(found)), key=lambda i: (-rank_by[i], -sims[i], -found[i].cosine))
        order = ranked[:k]
        matches: list[Match] = []
        for rank, i in enumerate(order):
            claim = self.claims[found[i].position]
            sim = float(sims[i])
            cosine = float(embedded[i]) if embedded is not None else None
            suggested = sim >= self.model.suggest_threshold or (
                cosine is not None
                and self.semantic is not None
                and cosine >= self.semantic.suggest_cosine
            )
            stance: str | None = None
            confidence: float | None = None
            auto = False
            if suggested and rank < stance_for and self.model.stance is not None:
                post_text = text[:MAX_MATCH_CHARS]
                stance, confidence = self.model.stance.stance(claim.text, post_text)
                auto = (
                    sim >= self.model.autolink_threshold
                    and stance == Stance.spreads.value
                    and confidence >= self.model.spreads_threshold
                    and not any(m.auto_linked for m in matches)
                    and not vetoes(claim.text, post_text)
                )
            matches.append(
                Match(
                    claim=claim,
                    similarity=sim,
                    cosine=found[i].cosine,
                    stance=stance,
                    stance_confidence=confidence,
                    suggested=suggested,
                    auto_linked=auto,
                    embedding_cosine=cosine,
                )
            )
        return MatchResult(matches)

    def _add_semantic_candidates(
        self, post: MatchKey, found: list[Candidate], vector: np.ndarray
    ) -> list[Candidate]:
        """The n-gram candidates plus the claims nearest by embedding that they missed, each
        with its n-gram cosine so the reranker scores it like any other candidate."""
        assert self.semantic is not None and self.vectors is not None
        have = {c.position for c in found}
        extra = [p for p in self.vectors.nearest(vector, self.semantic.candidates) if p not in have]
        if not extra:
            return found
        query = self.index.vector(post.text)
        cosines = (
            self.index.cosines(query, np.asarray(extra)) if query.nnz else np.zeros(len(extra))
        )
        return found + [Candidate(p, float(c)) for p, c in zip(extra, cosines, strict=True)]

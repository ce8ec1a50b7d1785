"""A sparse nearest-neighbour index over known claims.

Each claim is keyed (:mod:`detector.claims.text`: diacritics stripped, teencode and
abbreviations expanded) and turned into a vector of hashed character n-grams inside word
boundaries, weighted by TF-IDF and L2-normalised, so cosine similarity is a dot product and
missing diacritics or a misspelt syllable cost only a few n-grams.

Finding candidates must stay cheap with 100,000 claims on one core. The claim matrix is kept
transposed (n-gram → claims), so scoring a query touches only the posting lists of the query's
own n-grams; of those, only the most specific ones (highest IDF, posting list no longer than
``max_postings``) are used to pick candidates, which bounds the work per query whatever the
size of the index. The candidates are then scored exactly, with all n-grams.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

N_FEATURES = 2**20


def _vectorizer() -> HashingVectorizer:
    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        n_features=N_FEATURES,
        alternate_sign=False,
        norm=None,
        lowercase=False,
        dtype=np.float32,
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    position: int  # row of the claim in the index
    cosine: float


class ClaimIndex:
    """Character n-gram TF-IDF index; build once, query many times (rebuild to add claims)."""

    def __init__(
        self, keys: Sequence[str], *, max_postings: int = 2_000, query_features: int = 80
    ) -> None:
        """``keys``: the claims' match keys (``detector.claims.text.match_key(text).text``)."""
        self.max_postings = max_postings
        self.query_features = query_features
        self._vec = _vectorizer()
        self.size = len(keys)
        counts = self._counts(keys)
        df = np.bincount(counts.indices, minlength=N_FEATURES).astype(np.float32)
        self.df_ = df
        # Smoothed IDF as in scikit-learn's TfidfTransformer.
        self.idf_ = (np.log((1.0 + self.size) / (1.0 + df)) + 1.0).astype(np.float32)
        matrix = self._weigh(counts)
        self.matrix_ = matrix.tocsr()
        self.postings_ = matrix.T.tocsr()

    def _counts(self, keys: Sequence[str]) -> sp.csr_matrix:
        if not keys:
            return sp.csr_matrix((0, N_FEATURES), dtype=np.float32)
        counts = self._vec.transform(keys).tocsr()
        counts.sum_duplicates()
        return counts

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        weighted = counts.astype(np.float32)
        # Sublinear TF: a repeated phrase should not outweigh the rest of the claim.
        weighted.data = (np.log(weighted.data) + 1.0) * self.idf_[weighted.indices]
        lengths = np.diff(weighted.indptr)
        rows = np.repeat(np.arange(len(lengths)), lengths)
        norms = np.sqrt(np.bincount(rows, weights=weighted.data**2, minlength=len(lengths)))
        norms[norms == 0] = 1.0
        weighted.data /= norms[rows].astype(np.float32)
        return weighted

    def vector(self, key: str) -> sp.csr_matrix:
        """The L2-normalised TF-IDF vector of a match key, in the index's space."""
        return self._weigh(self._counts([key]))

    def cosines(self, q: sp.csr_matrix, positions: np.ndarray) -> np.ndarray:
        """Exact cosine between the query vector ``q`` and the claims at ``positions``."""
        sub = self.matrix_[positions]
        order = np.argsort(q.indices)
        qcols, qvals = q.indices[order], q.data[order]
        at = np.minimum(np.searchsorted(qcols, sub.indices), len(qcols) - 1)
        weights = np.where(qcols[at] == sub.indices, qvals[at], 0.0)
        row = np.repeat(np.arange(len(positions)), np.diff(sub.indptr))
        return np.bincount(row, weights=sub.data * weights, minlength=len(positions))

    def search(self, key: str, k: int = 20) -> list[Candidate]:
        """The ``k`` claims most similar to the match key ``key`` by cosine, best first."""
        if self.size == 0 or not key:
            return []
        q = self.vector(key)
        if q.nnz == 0:
            return []
        cols, vals = q.indices, q.data
        df = self.df_[cols]
        usable = (df > 0) & (df <= max(self.max_postings, 1))
        if not usable.any():
            # Every n-gram is common: fall back to all of them rather than none.
            usable = df > 0
            if not usable.any():
                return []
        ucols, uvals = cols[usable], vals[usable]
        if len(ucols) > self.query_features:
            keep = np.argsort(-(uvals * self.idf_[ucols]))[: self.query_features]
            ucols, uvals = ucols[keep], uvals[keep]
        rows = self.postings_[ucols]
        rough = np.bincount(
            rows.indices,
            weights=rows.data * np.repeat(uvals, np.diff(rows.indptr)),
            minlength=self.size,
        )
        touched = np.flatnonzero(rough)
        if touched.size == 0:
            return []
        pool = min(touched.size, max(k * 3, 30))
        top = touched[np.argpartition(-rough[touched], pool - 1)[:pool]]
        exact = self.cosines(q, top)
        order = np.argsort(-exact)[:k]
        return [Candidate(int(top[i]), float(exact[i])) for i in order]

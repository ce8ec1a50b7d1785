"""Text features shared by the linear classifiers: TF-IDF word and character n-grams over the
normalised text and over the same text with every diacritic stripped.

The stripped channel is what keeps unaccented input ("may ngu vl") close to accented input
("mày ngu vl"): both produce the same stripped features.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

from detector.normalize import normalize, strip_diacritics


class VietnameseTfidf(TransformerMixin, BaseEstimator):
    """Word + char n-gram TF-IDF of normalised text, and of its diacritic-stripped form.

    Input is raw text (normalised here) unless ``prenormalized=True`` is passed to
    :meth:`transform_normalized`.
    """

    def __init__(
        self,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (1, 5),
        min_df: int = 2,
        max_features: int | None = 150_000,
        stripped_channel: bool = True,
        accented_chars: bool = False,
    ) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_features = max_features
        self.stripped_channel = stripped_channel
        self.accented_chars = accented_chars

    def _make(self) -> list[TfidfVectorizer]:
        word = {
            "ngram_range": tuple(self.word_ngrams),
            "min_df": self.min_df,
            "sublinear_tf": True,
            "token_pattern": r"\S+",
            "lowercase": False,
            "max_features": self.max_features,
            "dtype": np.float32,
        }
        char = {
            "analyzer": "char_wb",
            "ngram_range": tuple(self.char_ngrams),
            "min_df": self.min_df + 1,
            "sublinear_tf": True,
            "lowercase": False,
            "max_features": self.max_features,
            "dtype": np.float32,
        }
        return [TfidfVectorizer(**(word if part[0] == "w" else char)) for part in self._layout()]

    def _layout(self) -> list[str]:
        """Which n-grams each vectorizer counts: w word / c char, ~ on the stripped text."""
        layout = ["w", "c"] if self.accented_chars else ["w"]
        if self.stripped_channel:
            layout += ["w~", "c~"]
        return layout

    @staticmethod
    def _inputs(normalized: Sequence[str], layout: Sequence[str]) -> list[Sequence[str]]:
        stripped: Sequence[str] = []
        if any("~" in part for part in layout):
            stripped = [strip_diacritics(t) for t in normalized]
        return [stripped if "~" in part else normalized for part in layout]

    def fit(self, X: Sequence[str], y: Any = None) -> VietnameseTfidf:
        self.fit_normalized([normalize(t) for t in X])
        return self

    def fit_normalized(self, normalized: Sequence[str]) -> VietnameseTfidf:
        vectorizers = self._make()
        self.layout_ = self._layout()
        for vec, texts in zip(vectorizers, self._inputs(normalized, self.layout_), strict=True):
            vec.fit(texts)
            # The pruned vocabulary is only kept for introspection and would bloat the
            # artifact tenfold.
            vec.stop_words_ = set()
        self.vectorizers_ = vectorizers
        self.n_features_out_ = sum(len(v.vocabulary_) for v in vectorizers)
        return self

    # skops stores a dict entry by entry (numpy ints even as one file each), which makes a
    # 500k-term vocabulary take minutes to save and load; one newline-joined string per
    # vectorizer (normalised text never holds a newline) takes a second.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        vectorizers = state.pop("vectorizers_", None)
        if vectorizers is not None:
            packed = []
            for vec in vectorizers:
                terms = [""] * len(vec.vocabulary_)
                for term, idx in vec.vocabulary_.items():
                    terms[idx] = term
                packed.append(
                    {
                        "params": {k: v for k, v in vec.get_params().items() if k != "dtype"},
                        "terms": "\n".join(terms),
                        "idf": np.asarray(vec.idf_, dtype=np.float64),
                    }
                )
            state["packed_vectorizers_"] = packed
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        packed = state.pop("packed_vectorizers_", None)
        if packed is not None:
            vectorizers = []
            for item in packed:
                params = dict(item["params"])
                params["ngram_range"] = tuple(params["ngram_range"])
                vec = TfidfVectorizer(**params, dtype=np.float32)
                vec.vocabulary_ = {t: i for i, t in enumerate(item["terms"].split("\n"))}
                vec.idf_ = item["idf"]
                vectorizers.append(vec)
            state["vectorizers_"] = vectorizers
            state.setdefault("layout_", ["w", "c", "w~", "c~"][: len(vectorizers)])
        super().__setstate__(state)

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        return self.transform_normalized([normalize(t) for t in X])

    def transform_normalized(self, normalized: Sequence[str]) -> sp.csr_matrix:
        channels = self._inputs(normalized, self.layout_)
        blocks = [v.transform(t) for v, t in zip(self.vectorizers_, channels, strict=True)]
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def feature_names(self) -> list[str]:
        """Readable names: ``w:`` word n-gram, ``c:`` char n-gram, ``~`` the stripped channel."""
        names: list[str] = []
        for part, vec in zip(self.layout_, self.vectorizers_, strict=True):
            prefix = part + ":"
            inv = [""] * len(vec.vocabulary_)
            for term, idx in vec.vocabulary_.items():
                inv[idx] = prefix + term
            names.extend(inv)
        return names

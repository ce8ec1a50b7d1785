"""Offending spans: which words of a post make it offensive or hateful, as character offsets
into the original text (learned from ViHOS).

A token tagger: each token of the original text (see :func:`detector.normalize.tokens`, which
keeps offsets) is classified from its normalised form, its diacritic-stripped form and its
neighbours; adjacent offending tokens merge into one span including the spaces between them,
as ViHOS annotators marked multi-word spans.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.feature_extraction import FeatureHasher
from sklearn.linear_model import LogisticRegression

from detector.normalize import Token, strip_diacritics, tokens

_TAGGED_KINDS = frozenset({"word", "emoji", "emoticon"})
_PAD = "<s>"


def span_f1(predicted: Iterable[int], gold: Iterable[int]) -> float:
    """Character-offset F1 of one post, as in ViHOS (and SemEval-2021 Task 5 it follows):
    both empty → 1, exactly one empty → 0, otherwise the harmonic mean of precision and recall
    of the predicted character offsets."""
    pred, true = set(predicted), set(gold)
    if not true:
        return 1.0 if not pred else 0.0
    if not pred:
        return 0.0
    hits = len(pred & true)
    if hits == 0:
        return 0.0
    precision, recall = hits / len(pred), hits / len(true)
    return 2 * precision * recall / (precision + recall)


def mean_span_f1(predicted: Sequence[Iterable[int]], gold: Sequence[Iterable[int]]) -> float:
    """ViHOS's span F1: the per-post F1 averaged over posts."""
    if not gold:
        return 0.0
    return float(np.mean([span_f1(p, g) for p, g in zip(predicted, gold, strict=True)]))


def _taggable(text: str) -> list[Token]:
    return [t for t in tokens(text) if t.kind in _TAGGED_KINDS and t.norm]


def _token_features(toks: Sequence[Token], text: str) -> list[list[str]]:
    words = [t.norm.replace(" ", "_") for t in toks]
    bare = [strip_diacritics(w) for w in words]
    padded = [_PAD, _PAD, *words, _PAD, _PAD]
    padded_bare = [_PAD, _PAD, *bare, _PAD, _PAD]
    out: list[list[str]] = []
    n = len(toks)
    for i, tok in enumerate(toks):
        j = i + 2
        w, b = words[i], bare[i]
        original = text[tok.start : tok.end]
        feats = [
            "w=" + w,
            "b=" + b,
            "k=" + tok.kind,
            "p-1=" + padded[j - 1],
            "p+1=" + padded[j + 1],
            "p-2=" + padded[j - 2],
            "p+2=" + padded[j + 2],
            "b-1=" + padded_bare[j - 1],
            "b+1=" + padded_bare[j + 1],
            "bg-=" + padded[j - 1] + "|" + w,
            "bg+=" + w + "|" + padded[j + 1],
            "bb-=" + padded_bare[j - 1] + "|" + b,
            "bb+=" + b + "|" + padded_bare[j + 1],
            "tri=" + padded[j - 1] + "|" + w + "|" + padded[j + 1],
            "suf=" + b[-2:],
            "pos=" + ("first" if i == 0 else "last" if i == n - 1 else "mid"),
            "cap=" + ("U" if original.isupper() else "C" if original[:1].isupper() else "l"),
            "len=" + str(min(len(toks), 30) // 5),
        ]
        out.append(feats)
    return out


def _gold_tokens(toks: Sequence[Token], gold: set[int]) -> list[int]:
    return [
        1 if sum(1 for c in range(t.start, t.end) if c in gold) * 2 >= (t.end - t.start) else 0
        for t in toks
    ]


class SpanTagger(BaseEstimator):
    """Token tagger for offending spans; ``fit(texts, spans)`` where ``spans[i]`` is the list of
    offending character offsets of ``texts[i]`` (ViHOS's ``index_spans``)."""

    def __init__(
        self,
        C: float = 1.0,
        n_features: int = 2**20,
        threshold: float = 0.5,
        post_threshold: float = 0.5,
    ) -> None:
        self.C = C
        self.n_features = n_features
        self.threshold = threshold
        self.post_threshold = post_threshold

    def _hasher(self) -> FeatureHasher:
        return FeatureHasher(n_features=self.n_features, input_type="string", alternate_sign=False)

    def fit(self, X: Sequence[str], y: Sequence[Iterable[int]]) -> SpanTagger:
        rows: list[list[str]] = []
        labels: list[int] = []
        for text, gold in zip(X, y, strict=True):
            toks = _taggable(text)
            rows.extend(_token_features(toks, text))
            labels.extend(_gold_tokens(toks, set(gold)))
        features = self._hasher().transform(rows)
        model = LogisticRegression(C=self.C, max_iter=2000, solver="liblinear")
        model.fit(features, np.asarray(labels))
        # Only the weights are kept: the hasher is stateless, and a dense float32 vector of
        # 2**20 weights compresses well in the artifact.
        self.coef_ = np.asarray(model.coef_[0], dtype=np.float32)
        self.intercept_ = float(model.intercept_[0])
        self.threshold_ = self.threshold
        self.post_threshold_ = self.post_threshold
        return self

    def token_probabilities(self, X: Sequence[str]) -> list[tuple[list[Token], np.ndarray]]:
        per_text = [_taggable(t) for t in X]
        rows: list[list[str]] = []
        for text, toks in zip(X, per_text, strict=True):
            rows.extend(_token_features(toks, text))
        if not rows:
            return [(toks, np.zeros(0)) for toks in per_text]
        features = self._hasher().transform(rows)
        scores = np.asarray(features @ self.coef_) + self.intercept_
        probs = 1.0 / (1.0 + np.exp(-scores))
        out: list[tuple[list[Token], np.ndarray]] = []
        at = 0
        for toks in per_text:
            out.append((toks, probs[at : at + len(toks)]))
            at += len(toks)
        return out

    def predict_spans(self, X: Sequence[str]) -> list[list[dict[str, Any]]]:
        """Spans per text: ``{"start", "end", "text", "score"}`` with ``end`` exclusive."""
        return [
            self._spans(text, toks, probs)
            for text, (toks, probs) in zip(X, self.token_probabilities(X), strict=True)
        ]

    def _spans(self, text: str, toks: list[Token], probs: np.ndarray) -> list[dict[str, Any]]:
        if len(probs) == 0 or float(probs.max()) < self.post_threshold_:
            return []
        spans: list[dict[str, Any]] = []
        for tok, p in zip(toks, probs, strict=True):
            if p < self.threshold_:
                continue
            last = spans[-1] if spans else None
            if last is not None and text[last["end"] : tok.start].isspace():
                last["end"] = tok.end
                last["scores"].append(float(p))
            else:
                spans.append({"start": tok.start, "end": tok.end, "scores": [float(p)]})
        return [
            {
                "start": s["start"],
                "end": s["end"],
                "text": text[s["start"] : s["end"]],
                "score": round(max(s["scores"]), 4),
            }
            for s in spans
        ]

    def predict(self, X: Sequence[str]) -> list[list[int]]:
        """Offending character offsets per text (ViHOS's ``index_spans`` form)."""
        return [
            [c for s in spans for c in range(s["start"], s["end"])]
            for spans in self.predict_spans(X)
        ]

    def tune_thresholds(self, X: Sequence[str], y: Sequence[Iterable[int]]) -> SpanTagger:
        """Pick the token and post thresholds that maximise mean span F1 on (X, y), a dev set."""
        cached = self.token_probabilities(X)
        gold = [set(g) for g in y]
        best = (-1.0, self.threshold_, self.post_threshold_)
        for post in np.arange(0.2, 0.81, 0.05):
            for tok in np.arange(0.2, 0.71, 0.05):
                self.threshold_, self.post_threshold_ = float(tok), float(max(post, tok))
                pred = [
                    [c for s in self._spans(t, toks, p) for c in range(s["start"], s["end"])]
                    for t, (toks, p) in zip(X, cached, strict=True)
                ]
                score = mean_span_f1(pred, gold)
                if score > best[0] + 1e-9:
                    best = (score, self.threshold_, self.post_threshold_)
        _, self.threshold_, self.post_threshold_ = best
        return self

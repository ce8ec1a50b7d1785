"""Toxicity classifier: CLEAN / OFFENSIVE / HATE with calibrated probabilities, dev-tuned
decision offsets and a per-prediction explanation (the n-grams that pushed the verdict).

Design: one linear SVM over :class:`VietnameseTfidf` features (fast, strong on short
comments), then a multinomial logistic calibrator fitted on out-of-fold SVM scores, so the
probabilities mean something; per-class log-offsets tuned for macro-F1 move the decision
without touching the probabilities. Training text is doubled with a diacritic-stripped copy so
unaccented input is classified as well as accented input.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from detector.features import VietnameseTfidf
from detector.normalize import normalize, strip_diacritics

LABELS = ("CLEAN", "OFFENSIVE", "HATE")

_feature_names: weakref.WeakKeyDictionary[VietnameseTfidf, list[str]] = weakref.WeakKeyDictionary()


class ToxicityClassifier(ClassifierMixin, BaseEstimator):
    """scikit-learn classifier over raw texts (normalised internally)."""

    def __init__(
        self,
        C: float = 0.1,
        class_weight: str | None = "balanced",
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (1, 5),
        min_df: int = 2,
        max_features: int | None = 150_000,
        augment_stripped: bool = True,
        accented_chars: bool = False,
        calibration_folds: int = 3,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.class_weight = class_weight
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_features = max_features
        self.augment_stripped = augment_stripped
        self.accented_chars = accented_chars
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    # -- training ---------------------------------------------------------------------------
    def fit(self, X: Sequence[str], y: Sequence[Any]) -> ToxicityClassifier:
        normalized = [normalize(t) for t in X]
        labels = np.asarray(y)
        if self.augment_stripped:
            normalized = normalized + [strip_diacritics(t) for t in normalized]
            labels = np.concatenate([labels, labels])
        self.classes_ = np.unique(labels)
        self.features_ = VietnameseTfidf(
            word_ngrams=self.word_ngrams,
            char_ngrams=self.char_ngrams,
            min_df=self.min_df,
            max_features=self.max_features,
            accented_chars=self.accented_chars,
        ).fit_normalized(normalized)
        features = self.features_.transform_normalized(normalized)
        self.n_features_in_ = 1  # one text column

        oof = self._out_of_fold_scores(features, labels, len(X))
        self.calibrator_ = LogisticRegression(C=10.0, max_iter=1000).fit(oof, labels)

        svm = self._svm().fit(features, labels)
        self.coef_ = np.asarray(svm.coef_, dtype=np.float32)
        self.intercept_ = np.asarray(svm.intercept_, dtype=np.float32)
        if len(self.classes_) == 2:  # binary SVMs give one column: make it one per class
            self.coef_ = np.vstack([-self.coef_, self.coef_])
            self.intercept_ = np.concatenate([-self.intercept_, self.intercept_])
        self.offsets_ = np.zeros(len(self.classes_))
        return self

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)

    def _out_of_fold_scores(self, features: Any, labels: np.ndarray, n_original: int) -> Any:
        """SVM scores for each training row from a model that did not see it (a stripped copy
        is kept in the same fold as its original, or the calibration would be optimistic)."""
        groups = np.arange(len(labels)) % n_original
        folds = StratifiedKFold(
            self.calibration_folds, shuffle=True, random_state=self.random_state
        )
        width = len(self.classes_) if len(self.classes_) > 2 else 1
        oof = np.zeros((len(labels), width))
        for train_idx, test_idx in folds.split(np.zeros(n_original), labels[:n_original]):
            tr = np.isin(groups, train_idx)
            te = np.isin(groups, test_idx)
            svm = self._svm().fit(features[tr], labels[tr])
            oof[te] = svm.decision_function(features[te]).reshape(-1, width)
        return oof

    def fit_toxic_head(self, X: Sequence[str], y: Sequence[int]) -> ToxicityClassifier:
        """Add a binary toxic / not-toxic head on the same features, trained on data whose
        notion of toxicity differs from the three classes (ViCTSD's news comments): its
        probability is calibrated on out-of-fold scores and its threshold picked there."""
        features = self.features_.transform(X)
        labels = np.asarray(y).astype(int)
        folds = StratifiedKFold(
            self.calibration_folds, shuffle=True, random_state=self.random_state
        )
        oof = np.zeros(len(labels))
        for train_idx, test_idx in folds.split(np.zeros(len(labels)), labels):
            svm = self._toxic_svm().fit(features[train_idx], labels[train_idx])
            oof[test_idx] = svm.decision_function(features[test_idx])
        self.toxic_calibrator_ = LogisticRegression(max_iter=1000).fit(oof.reshape(-1, 1), labels)
        svm = self._toxic_svm().fit(features, labels)
        self.toxic_coef_ = np.asarray(svm.coef_[0], dtype=np.float32)
        self.toxic_intercept_ = float(svm.intercept_[0])
        oof_proba = self.toxic_calibrator_.predict_proba(oof.reshape(-1, 1))[:, 1]
        grid = np.arange(0.05, 0.95, 0.01)
        scores = [f1_score(labels, oof_proba >= t) for t in grid]
        self.toxic_threshold_ = float(grid[int(np.argmax(scores))])
        return self

    def _toxic_svm(self) -> LinearSVC:
        return LinearSVC(C=0.05, class_weight="balanced", random_state=self.random_state)

    def toxic_proba_from_features(self, features: Any) -> np.ndarray | None:
        if not hasattr(self, "toxic_coef_"):
            return None
        scores = np.asarray(features @ self.toxic_coef_).reshape(-1, 1) + self.toxic_intercept_
        return np.asarray(self.toxic_calibrator_.predict_proba(scores)[:, 1])

    def predict_toxic(self, X: Sequence[str]) -> np.ndarray:
        """Binary toxic verdict: the toxic head where trained, else "not CLEAN"."""
        features = self.features_.transform(X)
        proba = self.toxic_proba_from_features(features)
        if proba is None:
            return np.asarray(self.label_from_proba(self.proba_from_features(features)) != "CLEAN")
        return np.asarray(proba >= self.toxic_threshold_)

    def tune_offsets(
        self, X: Sequence[str], y: Sequence[Any], grid: Sequence[float] | None = None
    ) -> ToxicityClassifier:
        """Choose per-class log-probability offsets that maximise macro-F1 on (X, y) — a dev
        set, never the test set. The first class keeps offset 0 (only differences matter)."""
        grid = list(grid) if grid is not None else [round(v, 2) for v in np.arange(-1.5, 1.51, 0.1)]
        logp = np.log(np.clip(self.predict_proba(X), 1e-9, 1.0))
        truth = np.asarray(y)
        best_score, best = -1.0, np.zeros(len(self.classes_))
        for rest in itertools.product(grid, repeat=len(self.classes_) - 1):
            offsets = np.array([0.0, *rest])
            pred = self.classes_[(logp + offsets).argmax(axis=1)]
            score = float(f1_score(truth, pred, average="macro"))
            if score > best_score + 1e-9:
                best_score, best = score, offsets
        self.offsets_ = best
        return self

    # -- inference --------------------------------------------------------------------------
    def _scores(self, features: Any) -> np.ndarray:
        scores = np.asarray(features @ self.coef_.T) + self.intercept_
        if len(self.classes_) == 2:
            return np.asarray(scores[:, 1:2])
        return np.asarray(scores)

    def decision_function(self, X: Sequence[str]) -> np.ndarray:
        return self._scores(self.features_.transform(X))

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        return self.proba_from_features(self.features_.transform(X))

    def proba_from_features(self, features: Any) -> np.ndarray:
        return np.asarray(self.calibrator_.predict_proba(self._scores(features)))

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return self.label_from_proba(self.predict_proba(X))

    def label_from_proba(self, proba: np.ndarray) -> np.ndarray:
        logp = np.log(np.clip(proba, 1e-9, 1.0))
        return np.asarray(self.classes_[(logp + self.offsets_).argmax(axis=1)])

    def explain_features(
        self, features: Any, labels: Sequence[Any] | np.ndarray, top: int = 5
    ) -> list[list[dict[str, Any]]]:
        """For each row: the ``top`` n-grams whose weight × value pushed most towards the
        predicted label (relative to the other classes' average)."""
        names = _feature_names.get(self.features_)
        if names is None:
            names = self.features_.feature_names()
            _feature_names[self.features_] = names
        class_index = {c: i for i, c in enumerate(self.classes_)}
        out: list[list[dict[str, Any]]] = []
        features = features.tocsr()
        k = len(self.classes_)
        for row, label in enumerate(labels):
            start, end = features.indptr[row], features.indptr[row + 1]
            cols = features.indices[start:end]
            if len(cols) == 0:
                out.append([])
                continue
            vals = features.data[start:end]
            ci = class_index[label]
            w = self.coef_[:, cols]
            margin = w[ci] - (w.sum(axis=0) - w[ci]) / max(k - 1, 1)
            contrib = vals * margin
            items: list[dict[str, Any]] = []
            for j in np.argsort(-contrib):
                if contrib[j] <= 0 or len(items) == top:
                    break
                name = names[cols[j]]
                # Lone characters and spaces are true contributors but tell staff nothing.
                if len(name.split(":", 1)[1].strip()) < 2:
                    continue
                items.append({"ngram": name, "weight": round(float(contrib[j]), 4)})
            out.append(items)
        return out

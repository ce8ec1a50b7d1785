"""Unreliable-post classifier, for posts that match no known claim.

Trained on ReINTEL (VLSP 2020: Vietnamese social-media posts labelled 1 = unreliable) —
``../shared/datasets/reintel/{warmup,extra}.csv`` — and evaluated by stratified 5-fold
cross-validation; VFND (news articles and posts labelled fake / real) is a second, out-of-domain
check. ``vigil model eval unreliable --data DIR --split SPLIT`` scores ``DIR/reintel/SPLIT.csv``.

Features: TF-IDF of word uni/bigrams of the normalised text (teencode expanded, links masked),
TF-IDF of character 1–5-grams of the raw text (keeps capitals and punctuation — "TIN CHẤN
ĐỘNG!!!" is a signal), and standardised dense features: log engagement counts (likes, comments,
shares, with a flag when missing — ReINTEL writes "unknown"), log length, share of capitals,
exclamation marks, links, and the hour / weekday of posting when a timestamp is given. A
class-balanced logistic regression gives the probability.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from detector.normalize import URL, normalize
from models.errors import InvalidInput

MODEL_NAME = "unreliable"
MAX_CHARS = 10_000
# ReINTEL timestamps are Unix seconds; posting hour is read in Vietnam time.
VN_TZ_OFFSET = timedelta(hours=7)
DENSE_NAMES: tuple[str, ...] = (
    "log_likes",
    "log_comments",
    "log_shares",
    "engagement_missing",
    "log_chars",
    "caps_share",
    "exclamations",
    "links",
    "hour_sin",
    "hour_cos",
    "weekend",
    "time_missing",
)


def _count(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) and x >= 0 else None


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    x = _count(value)
    if x is None or x <= 0:
        return None
    try:
        return datetime.fromtimestamp(x, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def dense_features(record: Mapping[str, Any]) -> list[float]:
    text = str(record.get("text") or "")[:MAX_CHARS]
    counts = [_count(record.get(k)) for k in ("likes", "comments", "shares")]
    letters = [c for c in text if c.isalpha()]
    when = _timestamp(record.get("timestamp"))
    if when is not None:
        local = when + VN_TZ_OFFSET
        hour = local.hour + local.minute / 60
        time_part = [
            math.sin(2 * math.pi * hour / 24),
            math.cos(2 * math.pi * hour / 24),
            1.0 if local.weekday() >= 5 else 0.0,
            0.0,
        ]
    else:
        time_part = [0.0, 0.0, 0.0, 1.0]
    return [
        *(math.log1p(c) if c is not None else 0.0 for c in counts),
        1.0 if any(c is None for c in counts) else 0.0,
        math.log1p(len(text)),
        sum(c.isupper() for c in letters) / len(letters) if letters else 0.0,
        math.log1p(text.count("!")),
        math.log1p(text.count("http")),
        *time_part,
    ]


class UnreliableClassifier(ClassifierMixin, BaseEstimator):
    """P(unreliable) of a post record ``{"text", "likes", "comments", "shares", "timestamp"}``
    (scikit-learn estimator contract)."""

    def __init__(self, C: float = 10.0, dense_scale: float = 0.3) -> None:
        self.C = C
        self.dense_scale = dense_scale

    def _texts(self, X: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[str]]:
        raw = [str(r.get("text") or "")[:MAX_CHARS] for r in X]
        return [normalize(t).replace(URL, " ") for t in raw], raw

    def _dense(self, X: Sequence[Mapping[str, Any]]) -> np.ndarray:
        d = np.asarray([dense_features(r) for r in X], dtype=np.float64).reshape(len(X), -1)
        return (d - self.dense_mean_) / self.dense_std_ * self.dense_scale

    def fit(self, X: Sequence[Mapping[str, Any]], y: Sequence[int]) -> UnreliableClassifier:
        words, raw = self._texts(X)
        self.words_ = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        self.chars_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True, min_df=2, lowercase=False
        )
        dense = np.asarray([dense_features(r) for r in X], dtype=np.float64)
        self.dense_mean_ = dense.mean(axis=0)
        std = dense.std(axis=0)
        # A feature constant in training (e.g. no timestamps at all) must stay harmless when it
        # varies later, not be divided by ~0.
        self.dense_std_ = np.where(std > 1e-6, std, 1.0)
        design = sp.hstack(
            [
                self.words_.fit_transform(words),
                self.chars_.fit_transform(raw),
                sp.csr_matrix((dense - self.dense_mean_) / self.dense_std_ * self.dense_scale),
            ],
            format="csr",
        )
        self.model_ = LogisticRegression(C=self.C, max_iter=5000, class_weight="balanced")
        self.model_.fit(design, np.asarray(y, dtype=int))
        self.classes_ = self.model_.classes_
        return self

    def _design(self, X: Sequence[Mapping[str, Any]]) -> sp.csr_matrix:
        words, raw = self._texts(X)
        return sp.hstack(
            [
                self.words_.transform(words),
                self.chars_.transform(raw),
                sp.csr_matrix(self._dense(X)),
            ],
            format="csr",
        )

    def predict_proba(self, X: Sequence[Mapping[str, Any]]) -> np.ndarray:
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        return np.asarray(self.model_.predict_proba(self._design(X)))

    def predict(self, X: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return np.asarray(self.classes_[np.argmax(self.predict_proba(X), axis=1)])

    def score_one(self, record: Mapping[str, Any]) -> float:
        return float(self.predict_proba([record])[0, 1])


def read_reintel(path: Path) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Records and labels of a ReINTEL CSV (``post_message``, engagement counts,
    optional ``timestamp_post``, ``label``)."""
    if not path.is_file():
        raise InvalidInput(
            f"Không tìm thấy tệp dữ liệu {path}", f"Data file not found: {path}", field="data"
        )
    records: list[dict[str, Any]] = []
    labels: list[int] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"post_message", "label"} - set(reader.fieldnames or [])
        if missing:
            raise InvalidInput(
                f"Tệp {path.name} thiếu cột: {', '.join(sorted(missing))}",
                f"{path.name} lacks columns: {', '.join(sorted(missing))}",
                field="data",
            )
        for lineno, row in enumerate(reader, start=2):
            label = (row.get("label") or "").strip()
            if label not in {"0", "1"}:
                raise InvalidInput(
                    f"{path.name} dòng {lineno}: nhãn phải là 0 hoặc 1, không phải {label!r}",
                    f"{path.name} line {lineno}: label must be 0 or 1, not {label!r}",
                    field="label",
                    line=lineno,
                )
            records.append(
                {
                    "text": row.get("post_message") or "",
                    "likes": row.get("num_like_post"),
                    "comments": row.get("num_comment_post"),
                    "shares": row.get("num_share_post"),
                    "timestamp": row.get("timestamp_post"),
                }
            )
            labels.append(int(label))
    return records, np.asarray(labels)


def read_vfnd(path: Path) -> tuple[list[dict[str, Any]], np.ndarray]:
    """VFND articles (``text``, ``label`` 1 fake / 0 real) as records without engagement."""
    if not path.is_file():
        raise InvalidInput(
            f"Không tìm thấy tệp dữ liệu {path}", f"Data file not found: {path}", field="data"
        )
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [{"text": r.get("text") or ""} for r in rows], np.asarray(
        [int(r["label"]) for r in rows]
    )


def training_data(data_dir: Path) -> tuple[list[dict[str, Any]], np.ndarray]:
    """ReINTEL warm-up plus extra: every labelled post we have."""
    records: list[dict[str, Any]] = []
    labels: list[np.ndarray] = []
    for split in ("warmup", "extra"):
        r, y = read_reintel(data_dir / "reintel" / f"{split}.csv")
        records.extend(r)
        labels.append(y)
    return records, np.concatenate(labels)


def cross_validate(
    records: Sequence[Mapping[str, Any]],
    y: np.ndarray,
    *,
    folds: int = 5,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Stratified k-fold ROC-AUC (pooled out-of-fold scores, and per fold)."""
    oof = np.zeros(len(y))
    per_fold: list[float] = []
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(records, y):
        clf = UnreliableClassifier(**(params or {})).fit(
            [records[i] for i in train], y[train].tolist()
        )
        oof[test] = clf.predict_proba([records[i] for i in test])[:, 1]
        per_fold.append(float(roc_auc_score(y[test], oof[test])))
    return {
        "cv_roc_auc": round(float(roc_auc_score(y, oof)), 4),
        "cv_roc_auc_folds": [round(x, 4) for x in per_fold],
        "cv_roc_auc_mean": round(float(np.mean(per_fold)), 4),
        "folds": folds,
        "posts": len(y),
        "unreliable_share": round(float(y.mean()), 4),
    }


def evaluate(
    model: UnreliableClassifier, records: Sequence[Mapping[str, Any]], y: np.ndarray
) -> dict[str, Any]:
    proba = model.predict_proba(records)[:, 1]
    return {"roc_auc": round(float(roc_auc_score(y, proba)), 4), "posts": len(y)}

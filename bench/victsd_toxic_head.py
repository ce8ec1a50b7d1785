"""How far can the linear ViCTSD toxic head go? Compares head variants; prints JSON lines.

    .venv/bin/python bench/victsd_toxic_head.py [--data DIR] [--seeds 3]

Each variant is a binary linear SVM on ViCTSD train. Its score is repeated stratified 5-fold
cross-validation on ViCTSD train (``cv_f1``: toxic-class F1 of the out-of-fold scores at the
threshold that is best on them, mean and spread over seeds); ``valid_f1`` is the toxic-class
F1 on ViCTSD valid of the model fitted on all of train, at the threshold chosen on the
out-of-fold scores of seed 0, so valid never picks anything. The test split is not read.
Variants are chosen by ``cv_f1``; ``valid_oracle_f1`` (best threshold on valid itself) is only
an upper bound of what any threshold could give.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The repo root replaces this script's folder on the path: bench/ holds modules named like
# the standard library's (queue.py) that would shadow it.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from detector.datasets import read_victsd, read_vihsd, require_split  # noqa: E402
from detector.features import VietnameseTfidf  # noqa: E402
from detector.normalize import normalize, strip_diacritics  # noqa: E402
from detector.settings import DetectorSettings  # noqa: E402

Matrix = Any  # scipy sparse rows


def emit(record: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def best_threshold(y: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    grid = np.unique(np.quantile(scores, np.linspace(0.5, 0.99, 200)))
    f1s = [float(f1_score(y, scores >= t)) for t in grid]
    i = int(np.argmax(f1s))
    return float(grid[i]), f1s[i]


def oof_scores(make: Callable[[], Any], X: Matrix, y: np.ndarray, seed: int) -> np.ndarray:
    oof = np.zeros(len(y))
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    for tr, te in folds.split(np.zeros(len(y)), y):
        oof[te] = make().fit(X[tr], y[tr]).decision_function(X[te])
    return oof


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DetectorSettings().datasets_dir)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()

    hs_texts, hs_labels = read_vihsd(require_split(args.data, "vihsd", "train"))
    tr_texts, tr_y_list = read_victsd(require_split(args.data, "victsd", "train"))
    va_texts, va_y_list = read_victsd(require_split(args.data, "victsd", "valid"))
    hs_norm = [normalize(t) for t in hs_texts]
    tr_norm = [normalize(t) for t in tr_texts]
    va_norm = [normalize(t) for t in va_texts]
    tr_y, va_y = np.asarray(tr_y_list), np.asarray(va_y_list)

    # The shipped head's features: fitted on ViHSD train and its stripped copy.
    shared = VietnameseTfidf().fit_normalized(hs_norm + [strip_diacritics(t) for t in hs_norm])
    # Blocks fitted on ViCTSD train only: accented word 1-2-grams (+ accented char_wb 1-5).
    words = VietnameseTfidf(stripped_channel=False).fit_normalized(tr_norm)
    words_chars = VietnameseTfidf(accented_chars=True, stripped_channel=False)
    words_chars.fit_normalized(tr_norm)

    def blocks(*fs: VietnameseTfidf) -> tuple[Matrix, Matrix]:
        def one(texts: list[str]) -> Matrix:
            return sp.hstack([f.transform_normalized(texts) for f in fs], format="csr")

        return one(tr_norm), one(va_norm)

    feature_sets = {
        "shared": blocks(shared),
        "shared+victsd_words": blocks(shared, words),
        "victsd_words+chars": blocks(words_chars),
    }
    variants: list[tuple[str, str, float, Any]] = [
        ("shipped: shared, C=0.05, balanced", "shared", 0.05, "balanced"),
        ("shared, C=0.1, unweighted", "shared", 0.1, None),
        ("shared+victsd_words, C=0.1, unweighted", "shared+victsd_words", 0.1, None),
        ("shared+victsd_words, C=0.05, balanced", "shared+victsd_words", 0.05, "balanced"),
        ("victsd_words+chars, C=0.2, unweighted", "victsd_words+chars", 0.2, None),
        ("victsd_words+chars, C=0.1, balanced", "victsd_words+chars", 0.1, "balanced"),
    ]
    results: list[dict[str, Any]] = []
    for name, feats, c, weight in variants:
        started = time.perf_counter()
        X_tr, X_va = feature_sets[feats]

        def make(c: float = c, weight: Any = weight) -> LinearSVC:
            return LinearSVC(C=c, class_weight=weight, random_state=0)

        cv, threshold = [], 0.0
        for seed in range(args.seeds):
            t, f1 = best_threshold(tr_y, oof_scores(make, X_tr, tr_y, seed))
            cv.append(f1)
            threshold = t if seed == 0 else threshold
        valid_scores = make().fit(X_tr, tr_y).decision_function(X_va)
        record: dict[str, Any] = {
            "bench": "victsd_toxic_head",
            "variant": name,
            "cv_f1": round(float(np.mean(cv)), 4),
            "cv_f1_std": round(float(np.std(cv)), 4),
            "valid_f1": round(float(f1_score(va_y, valid_scores >= threshold)), 4),
            "valid_oracle_f1": round(best_threshold(va_y, valid_scores)[1], 4),
            "seconds": round(time.perf_counter() - started, 1),
        }
        results.append(record)
        emit(record)

    # ViHSD's view of the same comments: how well does "not CLEAN" alone find ViCTSD toxicity?
    hs_y = np.asarray(hs_labels)
    X_hs = shared.transform_normalized(hs_norm)
    three = LinearSVC(C=0.1, class_weight="balanced", random_state=0).fit(X_hs, hs_y)
    clean = list(three.classes_).index("CLEAN")
    tr_s = -three.decision_function(feature_sets["shared"][0])[:, clean]
    va_s = -three.decision_function(feature_sets["shared"][1])[:, clean]
    t, f1 = best_threshold(tr_y, tr_s)
    best = max(results, key=lambda r: float(r["cv_f1"]))
    emit(
        {
            "bench": "victsd_toxic_head_summary",
            "vihsd_not_clean_alone": {
                "train_f1": round(f1, 4),
                "valid_f1": round(float(f1_score(va_y, va_s >= t)), 4),
            },
            "best_by_cv": best["variant"],
            "best_by_cv_valid_f1": best["valid_f1"],
            "max_valid_oracle_f1": max(float(r["valid_oracle_f1"]) for r in results),
            "target_valid_f1": 0.60,
        }
    )


if __name__ == "__main__":
    main()

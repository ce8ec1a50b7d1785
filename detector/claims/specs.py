"""Registry entries (``vigil model train|eval <name>``) for the misinformation models.

- ``unreliable``: :class:`detector.unreliable.UnreliableClassifier` on ReINTEL
  (``DIR/reintel/{warmup,extra}.csv``); its metrics are the 5-fold cross-validated ROC-AUC and
  the ROC-AUC on VFND (``DIR/vfnd/vn_news_226.csv``) of the model trained on all of ReINTEL.
  ``eval`` scores ``DIR/reintel/SPLIT.csv``.
- ``claim_matcher``: :class:`detector.claims.matcher.ClaimMatchModel` (reranker, stance
  classifier, thresholds) from ``detector/resources/stance_train.csv`` plus the synthetic pairs;
  the data directory is not needed. ``eval`` scores stance on ``DIR/SPLIT.csv``
  (``claim_text,post_text,stance``) and, if ``DIR/claims.csv`` and ``DIR/queries.csv`` exist,
  claim matching on them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sklearn.metrics import f1_score

from detector import registry
from detector.claims.evaluation import evaluate as evaluate_matching
from detector.claims.evaluation import read_claims, read_queries
from detector.claims.store import MATCH_MODEL
from detector.claims.training import MAX_FALSE_RATE, train_match_model, training_pairs
from detector.stance import STANCE_TRAIN, read_pairs
from detector.unreliable import (
    MODEL_NAME as UNRELIABLE,
)
from detector.unreliable import (
    UnreliableClassifier,
    cross_validate,
    read_reintel,
    read_vfnd,
    training_data,
)
from detector.unreliable import (
    evaluate as evaluate_unreliable,
)
from models.errors import InvalidInput

REINTEL_TERMS = "VLSP 2020 ReINTEL shared-task terms (research use)"
VFND_TERMS = "GPL-3.0 (VFND, github VFND/VFND-vietnamese-fake-news-datasets)"


def train_unreliable(data_dir: Path, **options: Any) -> registry.TrainResult:
    records, y = training_data(data_dir)
    limit = options.get("limit")
    if limit:
        records, y = records[: int(limit)], y[: int(limit)]
    params: dict[str, Any] = {"C": float(options.get("C", 10.0)), "dense_scale": 0.3}
    metrics: dict[str, Any] = {"reintel": cross_validate(records, y, params=params)}
    model = UnreliableClassifier(**params).fit(records, y.tolist())
    vfnd_path = data_dir / "vfnd" / "vn_news_226.csv"
    data = [
        {"name": "ReINTEL", "split": "warmup+extra", "terms": REINTEL_TERMS},
    ]
    if vfnd_path.is_file():
        vfnd_records, vfnd_y = read_vfnd(vfnd_path)
        metrics["vfnd"] = evaluate_unreliable(model, vfnd_records, vfnd_y)
        data.append({"name": "VFND", "split": "vn_news_226 (evaluation only)", "terms": VFND_TERMS})
    metrics["roc_auc"] = metrics["reintel"]["cv_roc_auc"]
    return registry.TrainResult(
        model=model,
        metrics=metrics,
        params=params,
        data=data,
        notes=(
            "P(unreliable) for posts that match no known claim. Text (word and character "
            "TF-IDF) plus log engagement, length, capitals, exclamation marks, links and posting "
            "time; class-balanced logistic regression. Trained on 1,220 posts, far fewer than "
            "the ~4.4k of the published ReINTEL systems; VFND is out of domain (long news "
            "articles, no engagement)."
        ),
    )


def eval_unreliable(model: Any, data_dir: Path, split: str) -> dict[str, Any]:
    records, y = read_reintel(data_dir / "reintel" / f"{split}.csv")
    if len(set(y.tolist())) < 2:
        raise InvalidInput(
            "Cần cả hai nhãn 0 và 1 để tính ROC-AUC",
            "Both labels 0 and 1 are needed for ROC-AUC",
            field="split",
        )
    return evaluate_unreliable(model, records, y)


def train_claim_matcher(data_dir: Path, **options: Any) -> registry.TrainResult:
    pairs, labels = training_pairs(STANCE_TRAIN)
    model, metrics = train_match_model(pairs, labels)
    metrics.pop("stance_oof_report", None)
    return registry.TrainResult(
        model=model,
        metrics=metrics,
        params={
            "reranker_C": model.C,
            "max_false_rate": MAX_FALSE_RATE,
            "stance_C": model.stance.C if model.stance else None,
            "suggest_threshold": model.suggest_threshold,
            "autolink_threshold": model.autolink_threshold,
            "spreads_threshold": model.spreads_threshold,
        },
        data=[
            {
                "name": "stance_train.csv",
                "split": "all (hand-written for Vigil; disjoint from the evaluation set)",
                "terms": "project",
            },
            {"name": "detector.claims.synthetic", "split": "all", "terms": "project"},
        ],
        notes=(
            "Reranker: logistic regression over pair features (character n-gram cosine, syllable "
            "overlap, containment of the claim's character n-grams in the post, number agreement "
            "with amounts read in any spelling, margin over the next candidate, the share of the "
            "claim's IDF-weighted syllables the post holds and the rarest one it leaves out) "
            "giving a calibrated similarity; its negatives include spreading posts searched with "
            "their own claim left out of the index (another false claim). Stance: logistic "
            "regression over residual n-grams and refutation / decision / question / spreading / "
            "denial / hearsay / official-source cues, negation scope and question endings; "
            "explicit refutations, questions, denials of the claim's own change or obligation "
            "('không phải xin phép'), 'không ... đâu' / 'có ai ... đâu' and follow-up questions "
            "that take the claim as given ('..., vậy ... ở đâu') veto auto-links. The similarity "
            "and spreads thresholds are chosen together on out-of-fold matching decisions (folds "
            "grouped by claim, stance folds repeated over 3 shuffles): the highest auto-link "
            "recall with no false out-of-fold auto-link (refuting or mentioning posts, wrong best"
            " claim, claim not in the index). The claim-matching evaluation set is never used for"
            " training."
        ),
    )


def eval_claim_matcher(model: Any, data_dir: Path, split: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    pairs_path = data_dir / f"{split}.csv"
    if pairs_path.is_file():
        pairs, labels = read_pairs(pairs_path)
        predicted = [model.stance.stance(c, p)[0] for c, p in pairs]
        out["stance_macro_f1"] = round(float(f1_score(labels, predicted, average="macro")), 4)
        out["stance_accuracy"] = round(
            sum(a == b for a, b in zip(labels, predicted, strict=True)) / max(len(labels), 1), 4
        )
    if (data_dir / "claims.csv").is_file() and (data_dir / "queries.csv").is_file():
        result = evaluate_matching(
            read_claims(data_dir / "claims.csv"), read_queries(data_dir / "queries.csv"), model
        )
        result.pop("by_kind", None)
        out.update(result)
    if not out:
        raise InvalidInput(
            f"Không có {pairs_path} hay claims.csv/queries.csv trong {data_dir}",
            f"Neither {pairs_path} nor claims.csv/queries.csv in {data_dir}",
            field="data",
        )
    return out


SPECS = (
    registry.ModelSpec(
        name=UNRELIABLE,
        description="Unreliable-post classifier (ReINTEL)",
        train=train_unreliable,
        evaluate=eval_unreliable,
        trusted_types=frozenset({"detector.unreliable.UnreliableClassifier"}),
    ),
    registry.ModelSpec(
        name=MATCH_MODEL,
        description="Claim-match reranker, stance classifier and thresholds",
        train=train_claim_matcher,
        evaluate=eval_claim_matcher,
        trusted_types=frozenset(
            {"detector.claims.matcher.ClaimMatchModel", "detector.stance.StanceClassifier"}
        ),
    ),
)


def register_all() -> None:
    for spec in SPECS:
        if spec.name not in registry.SPECS:
            registry.register(spec)

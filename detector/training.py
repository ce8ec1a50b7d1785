"""Train and evaluate the built-in models (``toxicity`` and ``spans``) and register them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sklearn.metrics import accuracy_score, f1_score

from detector.datasets import (
    TERMS,
    TOXICITY_LABELS,
    read_victsd,
    read_vihos,
    read_vihsd,
    require_split,
    split_path,
)
from detector.normalize import strip_diacritics
from detector.registry import ModelSpec, TrainResult, register
from detector.spans import SpanTagger, mean_span_f1
from detector.toxicity import ToxicityClassifier
from models.errors import InvalidInput

TOXICITY_TYPES = frozenset(
    {
        "detector.toxicity.ToxicityClassifier",
        "detector.features.VietnameseTfidf",
        "sklearn.linear_model._logistic.LogisticRegression",
    }
)
SPANS_TYPES = frozenset({"detector.spans.SpanTagger"})


def _limit(items: list[Any], limit: int | None) -> list[Any]:
    return items if limit is None else items[:limit]


def train_toxicity(
    data_dir: Path,
    *,
    limit: int | None = None,
    backend: str = "sklearn",
    base: Path | None = None,
    **params: Any,
) -> TrainResult:
    """Fit on ViHSD train (+ a toxic head on ViCTSD train when present), tune decision
    offsets on ViHSD dev, report dev metrics."""
    if backend == "transformers":
        from detector.transformers_backend import train_transformers_toxicity

        return train_transformers_toxicity(data_dir, base=base, limit=limit, **params)
    if backend != "sklearn":
        raise InvalidInput(
            "Backend không hợp lệ (sklearn hoặc transformers).",
            "Unknown backend (sklearn or transformers).",
            field="backend",
        )
    started = time.perf_counter()
    texts, labels = read_vihsd(require_split(data_dir, "vihsd", "train"))
    model = ToxicityClassifier(**params).fit(_limit(texts, limit), _limit(labels, limit))
    data = [{"name": "vihsd", "split": "train", "terms": TERMS["vihsd"]}]
    victsd_train = split_path(data_dir, "victsd", "train")
    if victsd_train is not None:
        v_texts, v_labels = read_victsd(victsd_train)
        model.fit_toxic_head(_limit(v_texts, limit), _limit(v_labels, limit))
        data.append({"name": "victsd", "split": "train", "terms": TERMS["victsd"]})
    dev = split_path(data_dir, "vihsd", "dev")
    if dev is not None:
        d_texts, d_labels = read_vihsd(dev)
        model.tune_offsets(d_texts, d_labels)
        data.append({"name": "vihsd", "split": "dev (decision offsets)", "terms": TERMS["vihsd"]})
    data.append({"name": "vilexnorm", "split": "train+dev", "terms": TERMS["vilexnorm"]})
    seconds = round(time.perf_counter() - started, 1)
    metrics = evaluate_toxicity(model, data_dir, "dev")
    metrics["train_seconds"] = seconds
    return TrainResult(
        model=model,
        metrics=metrics,
        params={**model.get_params(), "limit": limit, "backend": backend},
        data=data,
        notes=(
            "Linear SVM over word 1-2-gram TF-IDF of the normalised text and word 1-2-gram + "
            "char_wb 1-5-gram TF-IDF of its diacritic-stripped form; training text doubled "
            "with a stripped copy; "
            "probabilities from a logistic calibrator on out-of-fold scores; per-class "
            "log-offsets tuned for macro-F1 on ViHSD dev (so dev figures are optimistic). "
            "The toxic head (ViCTSD) is a separate binary SVM on the same features (C=0.05, "
            "balanced class weights); its probability is a logistic calibration of 3-fold "
            "out-of-fold scores on ViCTSD train, and its decision threshold is the one that "
            "maximises toxic-class F1 on those out-of-fold probabilities (ViCTSD valid chooses "
            "nothing). bench/victsd_toxic_head.py compares head variants by cross-validation."
        ),
    )


def evaluate_toxicity(model: Any, data_dir: Path, split: str) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    path = split_path(data_dir, "vihsd", split)
    if path is not None:
        texts, labels = read_vihsd(path)
        pred = model.predict(texts)
        per_class = f1_score(labels, pred, labels=list(TOXICITY_LABELS), average=None)
        macro = float(f1_score(labels, pred, average="macro"))
        stripped = model.predict([strip_diacritics(t) for t in texts])
        macro_stripped = float(f1_score(labels, stripped, average="macro"))
        metrics.update(
            {
                "macro_f1": round(macro, 4),
                "accuracy": round(float(accuracy_score(labels, pred)), 4),
                **{
                    f"f1_{name.lower()}": round(float(v), 4)
                    for name, v in zip(TOXICITY_LABELS, per_class, strict=True)
                },
                "macro_f1_stripped": round(macro_stripped, 4),
                "stripped_gap": round(macro - macro_stripped, 4),
                "vihsd_rows": len(texts),
            }
        )
    path = split_path(data_dir, "victsd", split)
    if path is not None:
        texts, v_labels = read_victsd(path)
        metrics["toxic_f1"] = round(float(f1_score(v_labels, model.predict_toxic(texts))), 4)
        metrics["victsd_rows"] = len(texts)
    if not metrics:
        raise InvalidInput(
            f"Không có vihsd/{split}.csv hay victsd/{split}.csv trong {data_dir}.",
            f"Neither vihsd/{split}.csv nor victsd/{split}.csv in {data_dir}.",
            field="data",
        )
    return metrics


def train_spans(data_dir: Path, *, limit: int | None = None, **params: Any) -> TrainResult:
    started = time.perf_counter()
    texts, spans = read_vihos(require_split(data_dir, "vihos", "train"))
    model = SpanTagger(**params).fit(_limit(texts, limit), _limit(spans, limit))
    data = [{"name": "vihos", "split": "train", "terms": TERMS["vihos"]}]
    dev = split_path(data_dir, "vihos", "dev")
    if dev is not None:
        d_texts, d_spans = read_vihos(dev)
        model.tune_thresholds(d_texts, d_spans)
        data.append({"name": "vihos", "split": "dev (thresholds)", "terms": TERMS["vihos"]})
    seconds = round(time.perf_counter() - started, 1)
    metrics = evaluate_spans(model, data_dir, "dev") if dev is not None else {}
    metrics["train_seconds"] = seconds
    return TrainResult(
        model=model,
        metrics=metrics,
        params={**model.get_params(), "limit": limit},
        data=data,
        notes=(
            "Token tagger (logistic regression over hashed features of the token, its "
            "stripped form and a ±2 window) on the original text's tokens; adjacent tagged "
            "tokens merge with the spaces between them. span_f1 is ViHOS's: per-comment F1 "
            "over character offsets (both empty = 1, one empty = 0), averaged over comments. "
            "Token and comment thresholds tuned on ViHOS dev (so dev figures are optimistic)."
        ),
    )


def evaluate_spans(model: Any, data_dir: Path, split: str) -> dict[str, Any]:
    texts, spans = read_vihos(require_split(data_dir, "vihos", split))
    pred = model.predict(texts)
    return {"span_f1": round(mean_span_f1(pred, spans), 4), "vihos_rows": len(texts)}


def register_builtin() -> None:
    register(
        ModelSpec(
            name="toxicity",
            description="CLEAN / OFFENSIVE / HATE (ViHSD) + toxic head (ViCTSD)",
            train=train_toxicity,
            evaluate=evaluate_toxicity,
            trusted_types=TOXICITY_TYPES,
        )
    )
    register(
        ModelSpec(
            name="spans",
            description="offending spans (ViHOS)",
            train=train_spans,
            evaluate=evaluate_spans,
            trusted_types=SPANS_TYPES,
        )
    )
    # The misinformation models (unreliable posts, claim matching) live in detector.claims.
    from detector.claims.specs import register_all

    register_all()

"""Transformers backend for toxicity: fine-tune and predict with a sequence-classification
checkpoint from a local folder (a user's own PhoBERT / viSoBERT download; never a hub).

Same interface as :class:`detector.toxicity.ToxicityClassifier` where the service needs it
(``classes_``, ``predict_proba``, ``predict``, ``label_from_proba``, ``predict_toxic``).
Artifacts are saved as safetensors + tokenizer files (no pickle), each file's sha256 kept in
the manifest and checked before loading. torch and transformers are optional
(``pip install .[transformers]``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from detector.datasets import TERMS, read_vihsd, require_split, split_path
from detector.normalize import normalize
from detector.registry import TrainResult
from models.errors import InvalidInput, Unavailable

BACKEND = "transformers"


def _require_torch() -> Any:
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError:
        raise Unavailable(
            "Chưa cài torch/transformers (pip install '.[transformers]').",
            "torch / transformers are not installed (pip install '.[transformers]').",
        ) from None
    return torch


class TransformersClassifier:
    """Fine-tunes ``AutoModelForSequenceClassification`` from a local checkpoint folder."""

    def __init__(
        self,
        base: str | Path,
        epochs: int = 1,
        batch_size: int = 16,
        learning_rate: float = 3e-5,
        max_length: int = 128,
        max_steps: int | None = None,
        seed: int = 0,
    ) -> None:
        self.base = str(base)
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_length = max_length
        self.max_steps = max_steps
        self.seed = seed

    def get_params(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "max_length": self.max_length,
            "max_steps": self.max_steps,
            "seed": self.seed,
        }

    def fit(self, X: Sequence[str], y: Sequence[str]) -> TransformersClassifier:
        torch = _require_torch()
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        base = Path(self.base)
        if not base.is_dir():
            raise InvalidInput(
                f"Không tìm thấy thư mục mô hình gốc {base}.",
                f"Base checkpoint folder {base} not found.",
                field="base",
            )
        torch.manual_seed(self.seed)
        self.classes_ = np.array(sorted(set(y)))
        index = {c: i for i, c in enumerate(self.classes_)}
        self.tokenizer_ = AutoTokenizer.from_pretrained(base, local_files_only=True)
        self.model_ = AutoModelForSequenceClassification.from_pretrained(
            base,
            local_files_only=True,
            num_labels=len(self.classes_),
            id2label=dict(enumerate(self.classes_.tolist())),
            label2id=index,
            ignore_mismatched_sizes=True,
        )
        texts = [normalize(t) for t in X]
        labels = torch.tensor([index[c] for c in y])
        optimizer = torch.optim.AdamW(self.model_.parameters(), lr=self.learning_rate)
        self.model_.train()
        steps = 0
        generator = torch.Generator().manual_seed(self.seed)
        for _ in range(self.epochs):
            order = torch.randperm(len(texts), generator=generator).tolist()
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                enc = self.tokenizer_(
                    [texts[i] for i in batch],
                    truncation=True,
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                )
                loss = self.model_(**enc, labels=labels[batch]).loss
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
                steps += 1
                if self.max_steps is not None and steps >= self.max_steps:
                    break
            if self.max_steps is not None and steps >= self.max_steps:
                break
        self.model_.eval()
        self.n_steps_ = steps
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        torch = _require_torch()
        texts = [normalize(t) for t in X]
        out = []
        with torch.no_grad():
            for start in range(0, len(texts), 64):
                enc = self.tokenizer_(
                    texts[start : start + 64],
                    truncation=True,
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                )
                out.append(torch.softmax(self.model_(**enc).logits, dim=-1).numpy())
        if not out:
            return np.zeros((0, len(self.classes_)))
        return np.concatenate(out)

    def label_from_proba(self, proba: np.ndarray) -> np.ndarray:
        return np.asarray(self.classes_[proba.argmax(axis=1)])

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return self.label_from_proba(self.predict_proba(X))

    def predict_toxic(self, X: Sequence[str]) -> np.ndarray:
        return np.asarray(self.predict(X) != "CLEAN")

    # -- persistence (safetensors + tokenizer files, never pickle) ---------------------------
    def save_artifact(self, folder: Path) -> list[str]:
        """Write the fine-tuned model into ``folder``; return the files written."""
        target = folder / "hf"
        self.model_.save_pretrained(target, safe_serialization=True)
        self.tokenizer_.save_pretrained(target)
        return sorted(str(p.relative_to(folder)) for p in target.rglob("*") if p.is_file())

    @classmethod
    def load_artifact(cls, folder: Path, params: dict[str, Any]) -> TransformersClassifier:
        _require_torch()
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        target = folder / "hf"
        self = cls(**{k: v for k, v in params.items() if k in cls(".").get_params()})
        self.tokenizer_ = AutoTokenizer.from_pretrained(target, local_files_only=True)
        self.model_ = AutoModelForSequenceClassification.from_pretrained(
            target, local_files_only=True, use_safetensors=True
        )
        self.model_.eval()
        id2label = self.model_.config.id2label
        self.classes_ = np.array([id2label[i] for i in range(len(id2label))])
        return self


def train_transformers_toxicity(
    data_dir: Path,
    *,
    base: Path | None,
    limit: int | None = None,
    **params: Any,
) -> TrainResult:
    if base is None:
        raise InvalidInput(
            "Cần --base: thư mục chứa mô hình gốc (PhoBERT, viSoBERT...).",
            "--base is required: the folder of a local checkpoint (PhoBERT, viSoBERT...).",
            field="base",
        )
    started = time.perf_counter()
    texts, labels = read_vihsd(require_split(data_dir, "vihsd", "train"))
    if limit is not None:
        texts, labels = texts[:limit], labels[:limit]
    model = TransformersClassifier(base, **params).fit(texts, labels)
    seconds = round(time.perf_counter() - started, 1)
    metrics: dict[str, Any] = {"train_seconds": seconds}
    if split_path(data_dir, "vihsd", "dev") is not None:
        from detector.training import evaluate_toxicity

        metrics = {**evaluate_toxicity(model, data_dir, "dev"), **metrics}
    return TrainResult(
        model=model,
        metrics=metrics,
        params={**model.get_params(), "backend": BACKEND, "limit": limit},
        data=[{"name": "vihsd", "split": "train", "terms": TERMS["vihsd"]}],
        notes=f"Fine-tuned from the local checkpoint {base} (its own licence applies).",
    )

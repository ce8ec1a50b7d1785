"""Sentence embeddings for claim matching, from a local transformers checkpoint (optional).

Character n-grams find a claim retold with its own words; a paraphrase in other words
("tiền học" for "học phí", "cấp 3" for "THPT") shares fewer of them. With a sentence-embedding
checkpoint that the operator downloaded beforehand (a Vietnamese SBERT, multilingual-e5 ...;
never fetched from a hub at run time), set ``VIGIL_CLAIM_EMBEDDINGS_PATH`` to its folder and
the matcher (:class:`detector.claims.matcher.ClaimMatcher`):

- adds the claims nearest to the post by embedding cosine to the n-gram candidates;
- reranks the candidates by a blend of the calibrated similarity and the embedding cosine
  (``VIGIL_CLAIM_EMBEDDINGS_WEIGHT``);
- suggests a candidate whose embedding cosine reaches ``VIGIL_CLAIM_EMBEDDINGS_SUGGEST``
  even when its words differ (Meedan Check suggests at 0.75 on embeddings).

Embeddings never auto-link on their own: an automatic link still needs the calibrated
similarity, the stance classifier and the vetoes, so a badly matched checkpoint can add
suggestions for staff to dismiss but never put a post in the queue by itself.

Sentences are embedded as the mean of the last hidden states over their tokens, L2-normalised,
so a cosine is a dot product. torch and transformers are optional (``pip install
'.[transformers]'``).
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import InvalidInput, Unavailable


def _require_transformers() -> tuple[Any, Any, Any]:
    try:
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError:
        raise Unavailable(
            "Chưa cài torch/transformers (pip install '.[transformers]') để dùng embedding.",
            "torch / transformers are not installed (pip install '.[transformers]'), "
            "which sentence embeddings need.",
        ) from None
    return torch, AutoModel, AutoTokenizer


class SentenceEncoder:
    """A local sentence-embedding checkpoint: texts in, unit vectors out."""

    def __init__(self, path: str | Path, *, max_length: int = 128, batch_size: int = 32) -> None:
        torch, auto_model, auto_tokenizer = _require_transformers()
        folder = Path(path)
        if not (folder / "config.json").is_file():
            raise InvalidInput(
                f"Không có mô hình embedding ở {folder} (cần một thư mục checkpoint "
                "transformers có config.json).",
                f"No embedding checkpoint at {folder} (a transformers checkpoint folder with "
                "config.json is needed).",
                field="claim_embeddings_path",
            )
        try:
            # local_files_only: the service never reaches a model hub.
            self.tokenizer = auto_tokenizer.from_pretrained(folder, local_files_only=True)
            self.model = auto_model.from_pretrained(folder, local_files_only=True)
        except (OSError, ValueError, KeyError) as exc:
            raise InvalidInput(
                f"Không đọc được mô hình embedding ở {folder}: {exc}",
                f"Cannot load the embedding checkpoint at {folder}: {exc}",
                field="claim_embeddings_path",
            ) from None
        self.model.eval()
        self.path = folder
        self.max_length = max_length
        self.batch_size = batch_size
        self.dim = int(self.model.config.hidden_size)
        self._torch = torch
        # One forward pass at a time: API threads share the model.
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text (float32); an empty text gives a zero row."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        cleaned = [unicodedata.normalize("NFC", t or "").strip() for t in texts]
        todo = [i for i, t in enumerate(cleaned) if t]
        torch = self._torch
        for start in range(0, len(todo), self.batch_size):
            rows = todo[start : start + self.batch_size]
            batch = self.tokenizer(
                [cleaned[i] for i in rows],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            )
            with self._lock, torch.inference_mode():
                hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            summed = (hidden * mask).sum(dim=1)
            mean = summed / mask.sum(dim=1).clamp(min=1.0)
            vectors = mean.float().numpy()
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            out[rows] = vectors / norms
        return out


@lru_cache(maxsize=4)
def load_encoder(path: str, max_length: int = 128) -> SentenceEncoder:
    """The encoder of a checkpoint folder, loaded once per process."""
    return SentenceEncoder(path, max_length=max_length)


@dataclass(frozen=True)
class SemanticSettings:
    """How the matcher uses sentence embeddings (see the module docstring)."""

    encoder: SentenceEncoder
    weight: float = 0.3
    suggest_cosine: float = 0.75
    candidates: int = 10

    def __post_init__(self) -> None:
        if not 0.0 <= self.weight <= 1.0:
            raise InvalidInput(
                "Trọng số embedding phải trong [0, 1].",
                "The embedding weight must be within [0, 1].",
                field="claim_embeddings_weight",
            )
        if not -1.0 <= self.suggest_cosine <= 1.0:
            raise InvalidInput(
                "Ngưỡng gợi ý theo embedding phải trong [-1, 1].",
                "The embedding suggest threshold must be within [-1, 1].",
                field="claim_embeddings_suggest",
            )


class ClaimVectors:
    """The embeddings of every known claim, searched by brute force (a matrix product: about
    a millisecond per 10,000 claims of 768 dimensions on one core).

    Encoding is the slow part (milliseconds per claim on a CPU), so rebuilding after a claim
    was added takes the vectors of the claims already encoded from ``reuse``."""

    def __init__(
        self,
        encoder: SentenceEncoder,
        texts: Sequence[str],
        reuse: ClaimVectors | None = None,
    ) -> None:
        self.encoder = encoder
        self.texts = list(texts)
        known: dict[str, np.ndarray] = {}
        if reuse is not None and reuse.encoder is encoder:
            known = {text: reuse.matrix[i] for i, text in enumerate(reuse.texts)}
        todo = sorted({t for t in self.texts if t not in known})
        if todo:
            known.update(zip(todo, encoder.encode(todo), strict=True))
        self.matrix: np.ndarray = (
            np.stack([known[t] for t in self.texts]).astype(np.float32, copy=False)
            if self.texts
            else np.zeros((0, encoder.dim), dtype=np.float32)
        )

    def cosines(self, vector: np.ndarray, positions: Sequence[int] | np.ndarray) -> np.ndarray:
        return np.asarray(self.matrix[np.asarray(positions, dtype=np.intp)] @ vector)

    def nearest(self, vector: np.ndarray, k: int) -> list[int]:
        """Positions of the ``k`` claims nearest to ``vector``, best first."""
        n = len(self.matrix)
        if n == 0 or k <= 0 or not vector.any():
            return []
        scores = self.matrix @ vector
        k = min(k, n)
        top = np.argpartition(-scores, k - 1)[:k]
        return [int(i) for i in top[np.argsort(-scores[top])]]

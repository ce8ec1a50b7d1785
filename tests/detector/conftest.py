"""Small synthetic Vietnamese data and tiny models trained on it, so detector tests run in
seconds and without the shared datasets."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from detector.registry import ModelLoader, Registry, TrainResult
from detector.settings import DetectorSettings
from detector.spans import SpanTagger
from detector.toxicity import ToxicityClassifier

_CLEAN = [
    "hôm nay trời {a} quá mọi người ơi",
    "bài viết {a}, cảm ơn tác giả nhiều",
    "chính sách này {a}, mong được áp dụng sớm",
    "mình thấy món này {a} lắm",
    "cảm ơn bạn đã chia sẻ thông tin {a}",
]
_ADJ = ["đẹp", "hay", "tốt", "hữu ích", "bổ ích", "thú vị", "rõ ràng"]
_OFFENSIVE = [
    "thằng này {i} vl",
    "nói như {i} ấy",
    "mày {i} thế",
    "đúng là đồ {i}",
    "{i} thật sự luôn đấy",
]
_INSULT = ["ngu", "óc chó", "đần", "mất dạy", "khùng", "điên"]
_HATE = [
    "bọn {g} {i} cút hết đi",
    "lũ {g} {i} đáng chết",
    "giết hết bọn {g} {i}",
]
_GROUP = ["bắc kỳ", "nam kỳ", "tàu khựa", "mọi rợ"]


def make_corpus(n: int = 300, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for k in range(n):
        kind = ("CLEAN", "OFFENSIVE", "HATE")[k % 3]
        if kind == "CLEAN":
            text = rng.choice(_CLEAN).format(a=rng.choice(_ADJ))
        elif kind == "OFFENSIVE":
            text = rng.choice(_OFFENSIVE).format(i=rng.choice(_INSULT))
        else:
            text = rng.choice(_HATE).format(g=rng.choice(_GROUP), i=rng.choice(_INSULT))
        texts.append(text)
        labels.append(kind)
    return texts, labels


def make_span_corpus(n: int = 300, seed: int = 1) -> tuple[list[str], list[list[int]]]:
    """Texts with the insult's character offsets as gold spans (ViHOS form)."""
    rng = random.Random(seed)
    texts: list[str] = []
    spans: list[list[int]] = []
    for k in range(n):
        if k % 2:
            texts.append(rng.choice(_CLEAN).format(a=rng.choice(_ADJ)))
            spans.append([])
            continue
        insult = rng.choice(_INSULT)
        prefix = rng.choice(["mày ", "thằng kia ", "nhìn mặt ", ""])
        suffix = rng.choice([" thế", " vl", " quá đi", ""])
        text = prefix + insult + suffix
        texts.append(text)
        spans.append(list(range(len(prefix), len(prefix) + len(insult))))
    return texts, spans


@pytest.fixture(scope="session")
def corpus() -> tuple[list[str], list[str]]:
    return make_corpus()


@pytest.fixture(scope="session")
def tiny_toxicity(corpus: tuple[list[str], list[str]]) -> ToxicityClassifier:
    texts, labels = corpus
    model = ToxicityClassifier(min_df=1, max_features=5000).fit(texts, labels)
    toxic = [0 if label == "CLEAN" else 1 for label in labels]
    return model.fit_toxic_head(texts, toxic)


@pytest.fixture(scope="session")
def tiny_spans() -> SpanTagger:
    texts, spans = make_span_corpus()
    return SpanTagger(n_features=2**14).fit(texts, spans)


@pytest.fixture
def artifact_settings(tmp_path: Path) -> DetectorSettings:
    return DetectorSettings(artifact_dir=tmp_path / "artifacts", registry_check_interval=0.0)


@pytest.fixture
def tiny_registry(
    artifact_settings: DetectorSettings,
    tiny_toxicity: ToxicityClassifier,
    tiny_spans: SpanTagger,
) -> Registry:
    """A registry in tmp_path holding one version of each built-in model, activated."""
    registry = Registry(artifact_settings)
    for name, model in (("toxicity", tiny_toxicity), ("spans", tiny_spans)):
        registry.save(name, TrainResult(model, {"note": 1.0}, {}, []), version="v1")
    return registry


@pytest.fixture
def tiny_loader(tiny_registry: Registry) -> ModelLoader:
    return ModelLoader(tiny_registry.settings)


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write rows as DIR/<dataset>/<split>.csv under a data folder; return the folder."""
    data_dir = tmp_path / "data"

    def write(dataset: str, split: str, header: list[str], rows: list[list[object]]) -> Path:
        folder = data_dir / dataset
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{split}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
        return data_dir

    return write


@pytest.fixture
def env_artifacts(
    monkeypatch: pytest.MonkeyPatch, artifact_settings: DetectorSettings
) -> Iterator[DetectorSettings]:
    monkeypatch.setenv("VIGIL_ARTIFACT_DIR", str(artifact_settings.artifact_dir))
    monkeypatch.setenv("VIGIL_REGISTRY_CHECK_INTERVAL", "0")
    yield artifact_settings


def save_tiny_bert(
    folder: Path, words: Iterable[str], *, num_labels: int | None = None, lowercase: bool = False
) -> Path:
    """A randomly initialised one-layer BERT over ``words`` and its tokenizer, saved to
    ``folder`` (nothing is downloaded): a sequence classifier with ``num_labels``, otherwise a
    bare encoder."""
    import torch
    from transformers import (  # type: ignore[attr-defined]
        BertConfig,
        BertForSequenceClassification,
        BertModel,
        BertTokenizerFast,
    )

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(set(words))]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=lowercase)
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    config = BertConfig(  # type: ignore[call-arg]
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=num_labels or 2,
    )
    model = BertForSequenceClassification(config) if num_labels else BertModel(config)
    model.save_pretrained(folder)
    return folder

"""The transformers backend on a tiny randomly initialised BERT built here (no downloads)."""

from pathlib import Path

import numpy as np
import pytest

from detector.registry import ArtifactUnavailable, ModelLoader, Registry
from detector.service import detect_texts
from detector.settings import DetectorSettings
from detector.spans import SpanTagger
from models.errors import InvalidInput
from tests.detector.conftest import make_corpus, save_tiny_bert

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from detector.normalize import normalize

    texts, _ = make_corpus(120)
    words = {w for t in texts for w in normalize(t).split()}
    return save_tiny_bert(tmp_path_factory.mktemp("tiny-bert"), words, num_labels=3)


def test_fine_tune_one_step_and_predict(tiny_base: Path) -> None:
    from detector.transformers_backend import TransformersClassifier

    texts, labels = make_corpus(32)
    model = TransformersClassifier(tiny_base, batch_size=8, max_steps=1, max_length=32)
    from transformers import AutoModelForSequenceClassification

    initial = AutoModelForSequenceClassification.from_pretrained(tiny_base).state_dict()
    before = {k: v.clone() for k, v in initial.items()}
    assert model.fit(texts, labels) is model
    assert model.n_steps_ == 1
    changed = any(
        not torch.equal(before[k], v) for k, v in model.model_.state_dict().items() if k in before
    )
    assert changed, "one optimiser step should move the weights"
    proba = model.predict_proba(texts[:5])
    assert proba.shape == (5, 3) and np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert set(model.predict(texts[:5])) <= {"CLEAN", "OFFENSIVE", "HATE"}


def test_registry_round_trip_and_service(
    tiny_base: Path, tmp_path: Path, write_csv, tiny_spans: SpanTagger
) -> None:
    from detector.registry import TrainResult
    from detector.transformers_backend import train_transformers_toxicity

    texts, labels = make_corpus(40)
    ids = {"CLEAN": 0, "OFFENSIVE": 1, "HATE": 2}
    data = write_csv(
        "vihsd",
        "train",
        ["free_text", "label_id"],
        [[t, ids[label]] for t, label in zip(texts, labels, strict=True)],
    )
    result = train_transformers_toxicity(data, base=tiny_base, max_steps=1, batch_size=8)
    settings = DetectorSettings(artifact_dir=tmp_path / "art", registry_check_interval=0.0)
    registry = Registry(settings)
    registry.save("toxicity", result, version="hf1")
    registry.save("spans", TrainResult(tiny_spans, {}, {}, []), version="s1")
    _, loaded = registry.load("toxicity")
    assert np.allclose(
        loaded.predict_proba(texts[:4]), result.model.predict_proba(texts[:4]), atol=1e-6
    )

    [out] = detect_texts(["mày ngu thế"], loader=ModelLoader(settings))
    assert out.status == "ok" and out.label in ("CLEAN", "OFFENSIVE", "HATE")
    assert out.model_version.startswith("hf1")

    weights = next((tmp_path / "art" / "toxicity" / "hf1").rglob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:-1] + b"\x00")
    with pytest.raises(ArtifactUnavailable, match="sha256"):
        registry.load("toxicity")


def test_missing_base_is_a_clear_error(tmp_path: Path, write_csv) -> None:
    from detector.transformers_backend import train_transformers_toxicity

    data = write_csv("vihsd", "train", ["free_text", "label_id"], [["xin chào", 0]])
    with pytest.raises(InvalidInput, match="required"):
        train_transformers_toxicity(data, base=None)
    with pytest.raises(InvalidInput, match="not found"):
        train_transformers_toxicity(data, base=tmp_path / "nope")

"""The models shipped in detector/artifacts load on a fresh clone and behave sensibly; with
the shared datasets present, they still score on real dev data."""

from pathlib import Path

import pytest
from sklearn.metrics import f1_score

from detector.datasets import read_vihos, read_vihsd
from detector.registry import ModelLoader, Registry
from detector.service import detect_texts
from detector.settings import PACKAGE_DIR, DetectorSettings
from detector.spans import mean_span_f1

SHIPPED = DetectorSettings(artifact_dir=PACKAGE_DIR / "artifacts")


@pytest.fixture(scope="module")
def shipped() -> ModelLoader:
    return ModelLoader(SHIPPED)


def test_shipped_versions_verify_and_stay_small() -> None:
    registry = Registry(SHIPPED)
    for name in ("toxicity", "spans"):
        version = registry.active_version(name)
        assert version is not None, f"no active {name} shipped"
        info = registry.info(name, version)
        path = registry.verify(info)
        assert path.stat().st_size <= 25_000_000
        assert (info.path / "README.md").is_file()
        assert info.manifest["metrics"]


def test_shipped_models_detect(shipped: ModelLoader) -> None:
    toxic, clean = detect_texts(
        ["Thằng này ngu vl, cút đi", "Chính sách học phí mới rất hợp lý"], loader=shipped
    )
    assert toxic.label in ("OFFENSIVE", "HATE") and toxic.spans
    assert clean.label == "CLEAN" and clean.spans == []


def test_shipped_models_on_real_dev_data(shipped: ModelLoader, datasets_dir: Path) -> None:
    texts, labels = read_vihsd(datasets_dir / "vihsd" / "dev.csv")
    model = shipped.get("toxicity").model
    assert f1_score(labels[:800], model.predict(texts[:800]), average="macro") > 0.6
    s_texts, s_gold = read_vihos(datasets_dir / "vihos" / "dev.csv")
    tagger = shipped.get("spans").model
    assert mean_span_f1(tagger.predict(s_texts[:400]), s_gold[:400]) > 0.6

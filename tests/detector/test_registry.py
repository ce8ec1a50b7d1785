import os
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio

from detector.registry import (
    ACTIVE,
    MANIFEST,
    MODEL_FILE,
    ArtifactUnavailable,
    ModelLoader,
    Registry,
    TrainResult,
)
from detector.settings import DetectorSettings
from detector.toxicity import ToxicityClassifier
from models.errors import InvalidInput, Unavailable
from tests.detector.conftest import make_corpus


def test_save_writes_model_card_manifest_and_activates(tiny_registry: Registry) -> None:
    info = tiny_registry.info("toxicity", "v1")
    assert info.active
    card = (info.path / "README.md").read_text(encoding="utf-8")
    assert "Model card: toxicity v1" in card and "sha256" in card
    assert info.manifest["sha256"] and info.manifest["size_bytes"] > 0
    assert tiny_registry.names() == ["spans", "toxicity"]


def test_load_gives_identical_predictions(
    tiny_registry: Registry, tiny_toxicity: ToxicityClassifier
) -> None:
    version, model = tiny_registry.load("toxicity")
    texts, _ = make_corpus(30, seed=21)
    assert version == "v1"
    assert np.array_equal(model.predict(texts), tiny_toxicity.predict(texts))


def test_tampered_artifact_is_refused(tiny_registry: Registry) -> None:
    path = tiny_registry.root / "toxicity" / "v1" / MODEL_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactUnavailable, match="sha256 mismatch") as exc:
        tiny_registry.load("toxicity")
    assert isinstance(exc.value, Unavailable)
    assert "bị thay đổi hoặc hỏng" in exc.value.message_vi


def test_truncated_artifact_is_refused(tiny_registry: Registry) -> None:
    path = tiny_registry.root / "spans" / "v1" / MODEL_FILE
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ArtifactUnavailable, match="altered or is corrupted"):
        tiny_registry.load("spans")


def test_missing_artifact_is_refused(tiny_registry: Registry) -> None:
    (tiny_registry.root / "spans" / "v1" / MODEL_FILE).unlink()
    with pytest.raises(ArtifactUnavailable, match="missing"):
        tiny_registry.load("spans")
    with pytest.raises(ArtifactUnavailable, match="not found"):
        tiny_registry.load("spans", "v9")


def test_no_active_version_is_a_clear_error(artifact_settings: DetectorSettings) -> None:
    with pytest.raises(ArtifactUnavailable, match="No active version"):
        Registry(artifact_settings).load("toxicity")


def test_unexpected_types_are_refused_even_with_a_matching_sha256(
    tiny_registry: Registry,
) -> None:
    """A swapped file whose manifest was rewritten to match still may not smuggle in types."""
    import json

    from detector.registry import sha256_file

    folder = tiny_registry.root / "spans" / "v1"
    # A skops file holding a type outside the spans allow-list (a toxicity model).
    sio.dump(ToxicityClassifier(), folder / MODEL_FILE)
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["sha256"] = sha256_file(folder / MODEL_FILE)
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactUnavailable, match="not allowed"):
        tiny_registry.load("spans")


def test_a_pickle_in_disguise_is_refused(tiny_registry: Registry) -> None:
    import json
    import pickle

    from detector.registry import sha256_file

    folder = tiny_registry.root / "spans" / "v1"
    (folder / MODEL_FILE).write_bytes(pickle.dumps({"x": 1}))
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["sha256"] = sha256_file(folder / MODEL_FILE)
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactUnavailable, match="cannot be read"):
        tiny_registry.load("spans")
    assert not zipfile.is_zipfile(folder / MODEL_FILE)


def test_bad_names_and_duplicate_versions_rejected(tiny_registry: Registry) -> None:
    with pytest.raises(InvalidInput):
        tiny_registry.load("../etc")
    with pytest.raises(InvalidInput):
        tiny_registry.activate("toxicity", "../../x")
    model = tiny_registry.load("spans")[1]
    with pytest.raises(InvalidInput, match="already exists"):
        tiny_registry.save("spans", TrainResult(model, {}, {}, []), version="v1")


def test_activate_refuses_a_broken_version(tiny_registry: Registry) -> None:
    model = tiny_registry.load("spans")[1]
    tiny_registry.save("spans", TrainResult(model, {}, {}, []), version="v2", activate=False)
    (tiny_registry.root / "spans" / "v2" / MODEL_FILE).write_bytes(b"junk")
    with pytest.raises(ArtifactUnavailable):
        tiny_registry.activate("spans", "v2")
    assert tiny_registry.active_version("spans") == "v1"


def test_running_loader_follows_activation_without_restart(
    tiny_registry: Registry, tmp_path: Path
) -> None:
    loader = ModelLoader(tiny_registry.settings)
    first = loader.get("spans")
    assert first.version == "v1"
    assert loader.get("spans") is first  # loaded once

    tiny_registry.save("spans", TrainResult(first.model, {}, {}, []), version="v2", activate=False)
    assert loader.get("spans").version == "v1"  # saving alone changes nothing

    # Another process (here: another Registry object) activates v2.
    Registry(DetectorSettings(artifact_dir=tiny_registry.root)).activate("spans", "v2")
    pointer = tiny_registry.root / "spans" / ACTIVE
    # Guarantee a visible mtime change on coarse-grained filesystems.
    os.utime(pointer, (time.time() + 5, time.time() + 5))
    assert loader.get("spans").version == "v2"

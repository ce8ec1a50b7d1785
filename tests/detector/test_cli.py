import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from detector.registry import MODEL_FILE, Registry
from detector.settings import DetectorSettings
from tests.detector.conftest import make_corpus, make_span_corpus

runner = CliRunner()


@pytest.fixture
def data_dir(write_csv: Callable[..., Path]) -> Path:
    """A small data folder in the shared datasets' format."""
    texts, labels = make_corpus(240)
    ids = {"CLEAN": 0, "OFFENSIVE": 1, "HATE": 2}
    rows = [[t, ids[label]] for t, label in zip(texts, labels, strict=True)]
    write_csv("vihsd", "train", ["free_text", "label_id"], rows[:180])
    write_csv("vihsd", "dev", ["free_text", "label_id"], rows[180:])
    toxic = [
        [t, 0, int(label != "CLEAN"), "title", "ThoiSu"]
        for t, label in zip(texts, labels, strict=True)
    ]
    header = ["Comment", "Constructiveness", "Toxicity", "Title", "Topic"]
    write_csv("victsd", "train", header, toxic[:180])
    write_csv("victsd", "valid", header, toxic[180:])
    s_texts, s_spans = make_span_corpus(200)
    span_rows = [[t, json.dumps(s)] for t, s in zip(s_texts, s_spans, strict=True)]
    write_csv("vihos", "train", ["content", "index_spans"], span_rows[:150])
    return write_csv("vihos", "dev", ["content", "index_spans"], span_rows[150:])


def _train(name: str, data_dir: Path, version: str, *extra: str) -> None:
    args = ["model", "train", name, "--data", str(data_dir), "--version", version, *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output


def test_train_list_activate_eval(env_artifacts: DetectorSettings, data_dir: Path) -> None:
    _train("spans", data_dir, "a")
    _train("spans", data_dir, "b", "--no-activate")
    registry = Registry(env_artifacts)
    assert registry.active_version("spans") == "a"
    card = (env_artifacts.artifact_dir / "spans" / "a" / "README.md").read_text()
    assert "ViHOS" in card and "span_f1" in card

    listed = runner.invoke(app, ["model", "list"])
    assert listed.exit_code == 0 and "spans" in listed.output

    assert runner.invoke(app, ["model", "activate", "spans", "b"]).exit_code == 0
    assert registry.active_version("spans") == "b"

    result = runner.invoke(
        app, ["model", "eval", "spans", "--data", str(data_dir), "--split", "dev"]
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["version"] == "b" and 0.0 <= metrics["span_f1"] <= 1.0


def test_toxicity_eval_prints_every_metric(env_artifacts: DetectorSettings, data_dir: Path) -> None:
    _train("toxicity", data_dir, "t1")
    result = runner.invoke(
        app, ["model", "eval", "toxicity", "--data", str(data_dir), "--split", "dev"]
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)  # exactly one JSON object
    for key in (
        "macro_f1",
        "accuracy",
        "f1_clean",
        "f1_offensive",
        "f1_hate",
        "macro_f1_stripped",
        "toxic_f1",
    ):
        assert 0.0 <= metrics[key] <= 1.0


def test_bad_requests_fail_clearly(env_artifacts: DetectorSettings, tmp_path: Path) -> None:
    result = runner.invoke(app, ["model", "train", "nosuch", "--data", str(tmp_path)])
    assert result.exit_code == 1 and "No model named" in result.output
    result = runner.invoke(app, ["model", "train", "spans", "--data", str(tmp_path / "none")])
    assert result.exit_code == 1 and "not found" in result.output
    result = runner.invoke(app, ["model", "activate", "spans", "zzz"])
    assert result.exit_code == 1 and "not found" in result.output
    result = runner.invoke(app, ["model", "eval", "toxicity", "--data", str(tmp_path)])
    assert result.exit_code == 1


def test_eval_refuses_a_tampered_artifact(env_artifacts: DetectorSettings, data_dir: Path) -> None:
    _train("spans", data_dir, "a")
    path = env_artifacts.artifact_dir / "spans" / "a" / MODEL_FILE
    path.write_bytes(path.read_bytes()[:-10])
    result = runner.invoke(app, ["model", "eval", "spans", "--data", str(data_dir)])
    assert result.exit_code == 1 and "refusing to load" in result.output

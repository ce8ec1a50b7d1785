"""Sentence-embedding reranking of claim matches: a tiny BERT built here (no download) for the
loading and encoding, and an encoder with chosen vectors for the reranking rules."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from detector.claims import service
from detector.claims.embeddings import ClaimVectors, SemanticSettings, SentenceEncoder
from detector.claims.matcher import ClaimMatcher, ClaimMatchModel
from detector.claims_cli import claims_app
from detector.settings import DetectorSettings
from models.errors import InvalidInput
from tests.detector.claims_fixtures import (  # noqa: F401
    TEST_CLAIMS,
    ChosenVectors,
    match_model_fixture,
    semantic,
)
from tests.detector.conftest import save_tiny_bert
from tests.detector.test_claims_eval import write_sets

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

runner = CliRunner()


@pytest.fixture(scope="module")
def tiny_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    words = {w for c in TEST_CLAIMS for w in c.text.lower().replace(",", " ").split()}
    return save_tiny_bert(tmp_path_factory.mktemp("tiny-sentence-bert"), words, lowercase=True)


def test_encoder_gives_unit_vectors_and_zero_for_empty_text(tiny_encoder_dir: Path) -> None:
    encoder = SentenceEncoder(tiny_encoder_dir, max_length=32, batch_size=2)
    texts = [TEST_CLAIMS[0].text, "", TEST_CLAIMS[1].text, "   ", TEST_CLAIMS[0].text]
    vectors = encoder.encode(texts)
    assert vectors.shape == (5, 16) and vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms[[0, 2, 4]], 1.0, atol=1e-5)
    assert not vectors[1].any() and not vectors[3].any()
    # Batching and padding do not change a text's vector.
    assert np.allclose(vectors[0], vectors[4], atol=1e-5)
    alone = encoder.encode([TEST_CLAIMS[1].text])[0]
    assert np.allclose(alone, vectors[2], atol=1e-5)
    assert encoder.encode([]).shape == (0, 16)


def test_a_post_longer_than_the_model_reads_is_cut_not_refused(tiny_encoder_dir: Path) -> None:
    encoder = SentenceEncoder(tiny_encoder_dir, max_length=32)
    vector = encoder.encode([TEST_CLAIMS[0].text * 200])[0]
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)


def test_bad_checkpoint_folders_are_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="No embedding checkpoint") as missing:
        SentenceEncoder(tmp_path / "nowhere")
    assert "Không có mô hình embedding" in missing.value.message_vi
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidInput, match="Cannot load the embedding checkpoint"):
        SentenceEncoder(broken)


BUS = "Giá vé xe buýt"
BLOOD = "xét nghiệm máu"
GOLF = "sân golf"


def test_embeddings_rerank_the_candidates(match_model: ClaimMatchModel) -> None:
    # The post shares its words with the bus-fare claim, but the encoder reads it as the
    # blood-test claim: with all the weight on embeddings that claim comes first.
    post = "Giá vé xe buýt Hà Nội tăng gấp 3 lần từ tháng 10 năm nay, nghe nói thế"
    table = [("nghe nói", (0, 1, 0)), (BUS, (1, 0, 0)), (BLOOD, (0, 1, 0)), (GOLF, (0, 0, 1))]
    lexical = ClaimMatcher(TEST_CLAIMS, match_model).match(post).best
    assert lexical is not None and lexical.claim.id == 1
    assert lexical.embedding_cosine is None
    reranked = ClaimMatcher(TEST_CLAIMS, match_model, semantic=semantic(table, weight=1.0))
    best = reranked.match(post).best
    assert best is not None and best.claim.id == 2
    assert best.embedding_cosine == pytest.approx(1.0)
    # No weight on embeddings: the lexical order stands.
    unweighted = ClaimMatcher(TEST_CLAIMS, match_model, semantic=semantic(table, weight=0.0))
    first = unweighted.match(post).best
    assert first is not None and first.claim.id == 1


def test_a_paraphrase_found_only_by_embeddings_is_suggested_never_auto_linked(
    match_model: ClaimMatchModel,
) -> None:
    # No word in common with the golf claim; the encoder says it is the same claim.
    post = "Nghe đồn miền Trung sắp giải tỏa ruộng ven bờ để làm chỗ chơi của đại gia"
    table = [(GOLF, (0, 0, 1)), ("ruộng ven bờ", (0, 0.1, 1)), (BUS, (1, 0, 0))]
    matcher = ClaimMatcher(TEST_CLAIMS, match_model, semantic=semantic(table, suggest_cosine=0.75))
    result = matcher.match(post)
    golf = next((m for m in result.matches if m.claim.id == 3), None)
    assert golf is not None and golf.suggested
    assert golf.embedding_cosine is not None and golf.embedding_cosine >= 0.75
    assert result.auto_linked is None
    # Above the suggest threshold only by embeddings: the calibrated similarity is unchanged.
    assert golf.similarity < match_model.suggest_threshold


def test_embedding_settings_are_checked() -> None:
    with pytest.raises(InvalidInput, match="weight"):
        semantic([], weight=1.5)
    with pytest.raises(InvalidInput, match="suggest"):
        semantic([], suggest_cosine=2.0)


def test_claim_vectors_nearest_first_and_empty_cases() -> None:
    encoder = ChosenVectors([("a", (1, 0, 0)), ("b", (0.8, 0.6, 0)), ("c", (0, 0, 1))])
    vectors = ClaimVectors(encoder, ["a", "b", "c"])  # type: ignore[arg-type]
    assert vectors.nearest(np.asarray([1, 0, 0], dtype=np.float32), 2) == [0, 1]
    assert vectors.nearest(np.zeros(3, dtype=np.float32), 2) == []
    assert ClaimVectors(encoder, []).nearest(np.ones(3, dtype=np.float32), 2) == []  # type: ignore[arg-type]


def test_service_reads_the_setting_and_survives_a_broken_checkpoint(
    tiny_encoder_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert service.semantic_settings(DetectorSettings(claim_embeddings_path=None)) is None
    configured = service.semantic_settings(
        DetectorSettings(claim_embeddings_path=tiny_encoder_dir, claim_embeddings_weight=0.5)
    )
    assert configured is not None and configured.weight == 0.5
    assert configured.encoder.path == tiny_encoder_dir
    with caplog.at_level(logging.ERROR, logger="detector.claims.service"):
        broken = service.semantic_settings(
            DetectorSettings(claim_embeddings_path=tmp_path / "missing")
        )
    assert broken is None
    assert "claim embeddings disabled" in caplog.text


def test_cli_eval_with_embeddings(
    tiny_encoder_dir: Path,
    tmp_path: Path,
    match_model: ClaimMatchModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    claims, queries = write_sets(tmp_path)
    monkeypatch.setattr("detector.claims_cli._model", lambda retrain: match_model)
    args = ["eval", "--claims", str(claims), "--queries", str(queries)]
    result = runner.invoke(claims_app, [*args, "--embeddings", str(tiny_encoder_dir)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["embeddings"] == str(tiny_encoder_dir)
    assert data["recall_at_5"] is not None
    missing = runner.invoke(claims_app, [*args, "--embeddings", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2
    assert "No embedding checkpoint" in missing.output


class CountingVectors(ChosenVectors):
    def __init__(self, table: Sequence[tuple[str, Sequence[float]]]) -> None:
        super().__init__(table)
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded.extend(texts)
        return super().encode(texts)


def test_a_rebuild_encodes_only_the_new_claims(match_model: ClaimMatchModel) -> None:
    encoder = CountingVectors([(BUS, (1, 0, 0)), (BLOOD, (0, 1, 0)), (GOLF, (0, 0, 1))])
    settings = SemanticSettings(encoder)  # type: ignore[arg-type]
    first = ClaimMatcher(TEST_CLAIMS[:3], match_model, semantic=settings)
    assert len(encoder.encoded) == 3
    encoder.encoded.clear()
    second = ClaimMatcher(TEST_CLAIMS, match_model, semantic=settings, reuse=first)
    assert sorted(encoder.encoded) == sorted(c.text for c in TEST_CLAIMS[3:])
    fresh = ClaimMatcher(TEST_CLAIMS, match_model, semantic=settings)
    assert second.vectors is not None and fresh.vectors is not None
    assert np.array_equal(second.vectors.matrix, fresh.vectors.matrix)

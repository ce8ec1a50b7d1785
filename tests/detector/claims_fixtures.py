"""Fixtures shared by the claim-matching tests. Test modules import the ``*_fixture`` functions
(registered under their short names), so no conftest is shared with other parts of detector/."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from detector.claims.embeddings import SemanticSettings
from detector.claims.matcher import ClaimMatcher, ClaimMatchModel, KnownClaim
from detector.claims.training import RERANKER_C, reranker_rows, training_pairs
from detector.stance import StanceClassifier

# Small, hand-written for the tests; none of them is in the training pairs or the eval set.
TEST_CLAIMS = (
    KnownClaim(1, "Giá vé xe buýt Hà Nội tăng gấp 3 lần từ tháng 10 năm nay.", "tin_gia"),
    KnownClaim(
        2,
        "Bộ Y tế bắt buộc mọi người dân xét nghiệm máu định kỳ mỗi quý, ai không "
        "làm bị phạt 2 triệu đồng.",
        "tin_gia",
    ),
    KnownClaim(
        3, "Đà Nẵng thu hồi toàn bộ đất nông nghiệp ven biển để làm sân golf.", "tin_sai_su_that"
    ),
    KnownClaim(
        4, "Sinh viên đại học phải đóng bảo hiểm xã hội bắt buộc từ năm học tới.", "tin_gia"
    ),
    KnownClaim(
        5,
        "Người dân phải nộp phí 500 nghìn đồng để được nhận tin cảnh báo bão qua điện thoại.",
        "tin_gia",
    ),
)


@pytest.fixture(scope="session", name="match_model")
def match_model_fixture() -> ClaimMatchModel:
    """The shipped recipe without its cross-validation (which only picks thresholds; see
    test_claims_training.py): fixed thresholds keep the suite fast."""
    pairs, labels = training_pairs()
    rows = reranker_rows(pairs, labels, background=300)
    X, y = rows.X, rows.y
    return ClaimMatchModel(
        C=RERANKER_C,
        suggest_threshold=0.3,
        autolink_threshold=0.85,
        spreads_threshold=0.7,
        stance=StanceClassifier().fit(pairs, labels),
    ).fit(X, y.tolist())


@pytest.fixture(scope="session", name="matcher")
def matcher_fixture(match_model: ClaimMatchModel) -> ClaimMatcher:
    return ClaimMatcher(TEST_CLAIMS, match_model)


class ChosenVectors:
    """An encoder whose vectors the test chooses: text -> unit vector by its first match."""

    path = Path("chosen")
    dim = 3

    def __init__(self, table: Sequence[tuple[str, Sequence[float]]]) -> None:
        self.table = [(needle, np.asarray(v, dtype=np.float32)) for needle, v in table]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for needle, vector in self.table:
                if needle in text:
                    out[row] = vector / np.linalg.norm(vector)
                    break
        return out


def semantic(table: Sequence[tuple[str, Sequence[float]]], **kwargs: float) -> SemanticSettings:
    return SemanticSettings(ChosenVectors(table), **kwargs)  # type: ignore[arg-type]

from pathlib import Path

import numpy as np
import pytest
import skops.io as sio

from detector.unreliable import (
    DENSE_NAMES,
    UnreliableClassifier,
    dense_features,
    read_reintel,
)
from models.errors import InvalidInput
from tests.conftest import DATASETS_DIR

REINTEL = DATASETS_DIR / "reintel"

FAKE = [
    "TIN CHẤN ĐỘNG!!! Uống nước chanh chữa khỏi virus, chia sẻ ngay trước khi bị xóa!!!",
    "KHẨN CẤP: đã có 10 ca nhiễm ở chợ, mọi người đừng ra đường!!! share gấp",
    "Sốc!!! Bộ Y tế giấu số ca bệnh, ai cũng phải biết, chia sẻ ngay",
    "NÓNG: thuốc lá chữa được bệnh, bác sĩ nước ngoài xác nhận!!!",
]
REAL = [
    "Sở Y tế thông báo lịch tiêm chủng mở rộng tại các trạm y tế phường trong tháng này.",
    "UBND thành phố họp bàn kế hoạch phòng chống dịch, triển khai các biện pháp theo hướng dẫn.",
    "Bộ Giáo dục công bố lịch thi tốt nghiệp trung học phổ thông năm nay.",
    "Ngân hàng Nhà nước giữ nguyên lãi suất điều hành trong quý này.",
]


def records(texts: list[str], likes: object = 10) -> list[dict]:
    return [{"text": t, "likes": likes, "comments": 2, "shares": 1} for t in texts]


@pytest.fixture(scope="module")
def small_model() -> UnreliableClassifier:
    X = records(FAKE * 3) + records(REAL * 3)
    y = [1] * 12 + [0] * 12
    return UnreliableClassifier().fit(X, y)


def test_learns_the_difference_on_a_small_set(small_model: UnreliableClassifier) -> None:
    fake = small_model.score_one({"text": "CHIA SẺ GẤP!!! tin nóng: uống nước chanh chữa bệnh!!!"})
    real = small_model.score_one({"text": "Sở Y tế thông báo kế hoạch tiêm chủng trong tháng."})
    assert fake > 0.5 > real


@pytest.mark.parametrize(
    "record",
    [
        {"text": ""},
        {"text": None, "likes": "unknown", "comments": "", "shares": "-3"},
        {"text": "x" * 300_000, "timestamp": "not a time"},
        {"text": "Hello world, this is English", "timestamp": 1e30},
        {"text": "bình thường", "timestamp": 1584426000.0, "likes": float("inf")},
    ],
    ids=["empty", "junk-counts", "huge", "english-bad-time", "infinite"],
)
def test_bad_records_still_get_a_probability(
    small_model: UnreliableClassifier, record: dict
) -> None:
    p = small_model.score_one(record)
    assert 0.0 <= p <= 1.0
    assert len(dense_features(record)) == len(DENSE_NAMES)


def test_time_features_only_when_a_timestamp_is_given() -> None:
    with_time = dense_features({"text": "a", "timestamp": 1584426000.0})
    without = dense_features({"text": "a"})
    assert with_time[-1] == 0.0 and without[-1] == 1.0
    assert without[DENSE_NAMES.index("engagement_missing")] == 1.0


def test_skops_round_trip(small_model: UnreliableClassifier, tmp_path: Path) -> None:
    path = tmp_path / "u.skops"
    sio.dump(small_model, path)
    loaded = sio.load(path, trusted=["detector.unreliable.UnreliableClassifier"])
    X = records(FAKE + REAL)
    assert np.array_equal(loaded.predict_proba(X), small_model.predict_proba(X))
    assert small_model.predict_proba([]).shape == (0, 2)


def test_bad_data_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not found"):
        read_reintel(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("post_message,label\nabc,2\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="line 2"):
        read_reintel(bad)
    bad.write_text("text,y\nabc,1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="lacks columns"):
        read_reintel(bad)


@pytest.mark.skipif(not REINTEL.is_dir(), reason="ReINTEL not in ../shared/datasets")
def test_reintel_half_predicts_the_other_half() -> None:
    from sklearn.metrics import roc_auc_score

    from detector.unreliable import training_data

    X, y = training_data(DATASETS_DIR)
    model = UnreliableClassifier().fit(X[::2], y[::2].tolist())
    assert roc_auc_score(y[1::2], model.predict_proba(X[1::2])[:, 1]) > 0.85

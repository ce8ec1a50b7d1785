from pathlib import Path

import numpy as np
import pytest
import skops.io as sio

from detector.claims.matcher import ClaimMatchModel
from detector.stance import STANCE_TRAIN, StanceClassifier, read_pairs, vetoes
from models.errors import InvalidInput
from tests.detector.claims_fixtures import match_model_fixture  # noqa: F401

HOLDOUT = Path(__file__).parent / "fixtures_stance" / "stance_holdout.csv"


@pytest.fixture(scope="module")
def stance(match_model: ClaimMatchModel) -> StanceClassifier:
    """The stance classifier of the shared test model (stance_train.csv + synthetic pairs)."""
    assert match_model.stance is not None
    return match_model.stance


def test_fits_on_the_training_file_alone() -> None:
    pairs, labels = read_pairs(STANCE_TRAIN)
    model = StanceClassifier().fit(pairs[::4], labels[::4])
    assert set(model.classes_) == {"spreads", "refutes", "mentions"}


def test_held_out_claims_are_mostly_right(stance: StanceClassifier) -> None:
    pairs, labels = read_pairs(HOLDOUT)
    predicted = stance.predict(pairs)
    accuracy = float(np.mean(predicted == np.asarray(labels)))
    # Three balanced-ish classes: chance is about 0.33.
    assert accuracy >= 0.6, accuracy
    refutes = [p for p, y in zip(pairs, labels, strict=True) if y == "refutes"]
    assert np.mean(stance.predict(refutes) != "spreads") >= 0.8


def test_cue_words_flip_the_stance(stance: StanceClassifier) -> None:
    claim = "Giá vé xe buýt Hà Nội tăng gấp 3 lần từ tháng 10 năm nay."
    assert stance.stance(claim, "Vé xe buýt Hà Nội tăng gấp 3 từ tháng 10, chịu sao nổi")[0] == (
        "spreads"
    )
    assert (
        stance.stance(
            claim, "Sở GTVT bác bỏ thông tin vé xe buýt tăng gấp 3, đây là tin sai sự thật"
        )[0]
        == "refutes"
    )


def test_fast_path_equals_predict_proba(stance: StanceClassifier) -> None:
    pairs, _ = read_pairs(HOLDOUT)
    batch = stance.predict_proba(pairs)
    one = np.asarray([stance.proba_one(c, p) for c, p in pairs])
    assert np.allclose(batch, one, atol=1e-9)


def test_skops_round_trip_gives_identical_predictions(
    stance: StanceClassifier, tmp_path: Path
) -> None:
    pairs, _ = read_pairs(HOLDOUT)
    path = tmp_path / "stance.skops"
    sio.dump(stance, path)
    loaded = sio.load(path, trusted=["detector.stance.StanceClassifier"])
    assert np.array_equal(loaded.predict_proba(pairs), stance.predict_proba(pairs))


def test_bad_training_files(tmp_path: Path) -> None:
    bad = tmp_path / "s.csv"
    bad.write_text("claim_text,post_text,stance\na,b,agrees\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="unknown stance"):
        read_pairs(bad)
    bad.write_text("claim,post\na,b\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="lacks columns"):
        read_pairs(bad)


@pytest.mark.parametrize(
    ("post", "vetoed"),
    [
        ("Bộ bác bỏ tin học phí tăng gấp 3", True),
        ("Học phí tăng gấp 3 có phải không mọi người?", True),
        ("hoc phi tang gap 3 ha?", True),
        ("Học phí tăng gấp 3 từ tháng 9, chia sẻ gấp", False),
        # "Not a rumour": the post insists the claim is true.
        ("Không phải tin đồn đâu, học phí tăng gấp 3 thật", False),
    ],
)
def test_refutation_and_question_phrases_veto_auto_links(post: str, vetoed: bool) -> None:
    assert bool(vetoes("Học phí tăng gấp 3 từ tháng 9", post)) is vetoed

import csv
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio

from detector.claims.matcher import ClaimMatchModel
from detector.claims.text import match_key
from detector.stance import (
    STANCE_TRAIN,
    StanceClassifier,
    _denies_change,
    _negated_claim_words,
    _question_endings,
    read_pairs,
    vetoes,
)
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
        # Denying the claim's own change, in any spelling; "ở đâu ra" is a rhetorical denial.
        ("Học phí không tăng gấp 3, chỉ tăng 5%", True),
        ("hoc phi ko tang gap 3 dau nhe", True),
        ("Học phí tăng gấp 3 ở đâu ra, trường mình vẫn thu như cũ", True),
        ("Bộ không có kế hoạch tăng học phí", True),
        # A condition is not a denial, and neither is a negation of another word.
        ("Học phí tăng gấp 3, ai không nộp là bị đuổi học", False),
        ("Học phí tăng gấp 3 từ tháng 9, không ai chịu nổi", False),
        # Cue look-alikes without diacritics: "dịch vụ không", "dữ liệu".
        ("Học phí tăng gấp 3, dịch vụ không đổi", False),
        ("Học phí tăng gấp 3 theo dữ liệu của trường", False),
        ("Liệu học phí tăng gấp 3 thật?", True),
    ],
)
def test_refutation_and_question_phrases_veto_auto_links(post: str, vetoed: bool) -> None:
    assert bool(vetoes("Học phí tăng gấp 3 từ tháng 9", post)) is vetoed


def test_negation_scope_counts_only_what_the_claim_does_not_negate() -> None:
    claim = match_key("Hà Nội thu phí ô tô vào nội đô").syllables
    assert _negated_claim_words(match_key("Hà Nội không thu phí ô tô").syllables, claim) == 1
    assert _negated_claim_words(match_key("Hà Nội thu phí ô tô rồi").syllables, claim) == 0
    negated = match_key("Người dân không được miễn phí").syllables
    # The claim's own negation, repeated, is not a denial.
    assert _negated_claim_words(match_key("không được miễn phí nữa").syllables, negated) == 0
    assert _negated_claim_words((), claim) == 0


def test_question_endings_in_any_spelling() -> None:
    assert _question_endings("Vé xe buýt tăng thật không?") == 1
    assert _question_endings("ve xe buyt tang that ko ?") == 1
    assert _question_endings("Tăng rồi hả? Ai biết chưa?") == 2
    assert _question_endings("Vé xe buýt tăng gấp 3!") == 0
    assert _question_endings("") == 0


@pytest.mark.parametrize("post", ["", "   ", "😡😡😡", "x" * 5000, "Hello, is this true?"])
def test_features_of_bad_posts_are_finite(stance: StanceClassifier, post: str) -> None:
    proba = stance.proba_one("Giá vé xe buýt Hà Nội tăng gấp 3 lần.", post)
    assert np.all(np.isfinite(proba)) and abs(float(proba.sum()) - 1.0) < 1e-9


def test_training_file_is_clean_and_disjoint_from_the_evaluation_set() -> None:
    pairs, labels = read_pairs(STANCE_TRAIN)
    assert len(pairs) == len(set(pairs)), "duplicate training pairs"
    assert all(unicodedata.is_normalized("NFC", c + p) for c, p in pairs)
    eval_claims = Path(__file__).parents[2] / "bench" / "data" / "claim_eval" / "claims.csv"
    with eval_claims.open(encoding="utf-8", newline="") as fh:
        held_out = {match_key(row["text"]).text for row in csv.DictReader(fh)}
    assert not {match_key(c).text for c, _ in pairs} & held_out
    assert set(labels) == {"spreads", "refutes", "mentions"}


def test_denying_a_change_the_claim_itself_negates_is_not_a_denial() -> None:
    claim = match_key("Hộ nghèo không được giảm tiền điện")
    post = match_key("hộ nghèo không giảm tiền điện nữa rồi")
    changes = {"giam"}
    assert not _denies_change(post.syllables, claim.syllables, changes)
    plain = match_key("Hộ nghèo được giảm tiền điện")
    assert _denies_change(post.syllables, plain.syllables, changes)
    assert not _denies_change((), plain.syllables, changes)


@pytest.mark.parametrize(
    ("claim", "post", "vetoed"),
    [
        # The claim's own obligation or permission, negated before the claim's next word.
        ("Người dân phải xin phép công an khi nuôi chó", "Nuôi chó không phải xin phép ai", True),
        ("Bệnh viện được phép từ chối bệnh nhân", "bv ko dc từ chối bệnh nhân đâu", True),
        ("Hộ chăn nuôi phải di dời khỏi khu dân cư", "Hộ chăn nuôi không bị buộc di dời", True),
        # "It is not a rumour" and conditions are not denials.
        ("Công nhân phải làm việc 10 giờ", "Không phải tin đồn, công nhân phải làm 10 giờ", False),
        ("Giáo viên phải có bằng thạc sĩ", "ai chưa có bằng thì không được dạy nữa", False),
        # "không ... đâu" and "có ai ... đâu" deny outright.
        ("Đất vườn được tự động chuyển thành đất ở", "chuyển lên đất ở ko tự động đâu", True),
        ("Xe tải bị cấm chạy quốc lộ 1 ban ngày", "Chạy quốc lộ 1 ban ngày có ai cấm đâu", True),
        ("Xe tải bị cấm chạy quốc lộ 1 ban ngày", "Xe tải bị cấm chạy quốc lộ 1 từ đầu", False),
    ],
)
def test_denials_of_the_claims_obligation_veto_auto_links(
    claim: str, post: str, vetoed: bool
) -> None:
    assert bool(vetoes(claim, post)) is vetoed


GIFT_TAX = "Cha mẹ tặng cho nhà đất cho con phải nộp thuế 2%"
FEES = "Học phí tăng gấp 3 từ tháng 9"


@pytest.mark.parametrize(
    ("claim", "post", "vetoed"),
    [
        # The claim says pay; the post says it is exempt, in any spelling.
        (GIFT_TAX, "cho con nhà đất miễn thuế nha", True),
        (GIFT_TAX, "tang cho con duoc mien thue ma", True),
        # "No longer exempt" repeats the claim; "miền" is a region, not an exemption.
        (GIFT_TAX, "Không còn được miễn thuế nữa, phải nộp 2%", False),
        ("EVN thu tiền điện gấp đôi ở Bắc Ninh", "EVN thu tiền điện miền Bắc gấp đôi", False),
        # A yes/no question without its "?" asks; "hay không" and a polite "ạ" do not.
        (FEES, "Học phí tăng gấp 3, vậy học kỳ này đóng thêm luôn à", True),
        (FEES, "Học phí tăng gấp 3 rồi, có được miễn giảm không.", True),
        (FEES, "Học phí tăng gấp 3, có con hay không cũng lo", False),
        (FEES, "Học phí tăng gấp 3 từ tháng 9, mọi người chú ý ạ.", False),
        # A question word with "vậy"; the claim restated as a question in a clause of its own.
        (FEES, "Học phí tăng gấp 3 từ bao giờ vậy, sao mình không biết.", True),
        (FEES, "Học phí tăng gấp 3 từ tháng 9 ạ? Mình chưa thấy văn bản nào", True),
        (FEES, "Học phí tăng gấp 3 từ tháng 9, ai chịu nổi?", False),
        (FEES, "Học phí tăng gấp 3 từ tháng 9, con đi học ở đâu đây", False),
        # A follow-up question that takes the claim as given: left to staff as a suggestion.
        (FEES, "Học phí tăng gấp 3 từ tháng 9, vậy hộ nghèo thì xin miễn giảm ở đâu.", True),
        (FEES, "Học phí tăng gấp 3, vậy đóng theo kỳ hay đóng cả năm", True),
        (FEES, "hoc phi tang gap 3 thi nha dong con dong tien kieu gi", True),
        # Rhetorical: an exclamation, "bao nhiêu là", and a comma that opens no new clause.
        (FEES, "Học phí tăng gấp 3 từ tháng 9, vậy thì sống làm sao nổi!", False),
        (FEES, "Học phí tăng gấp 3 từ tháng 9, tốn bao nhiêu là tiền", False),
        (FEES, "Học phí tăng gấp 3 từ tháng 9, nhà nào đông con thì khổ", False),
    ],
)
def test_exemptions_and_questions_without_the_usual_phrases_veto_auto_links(
    claim: str, post: str, vetoed: bool
) -> None:
    assert bool(vetoes(claim, post)) is vetoed

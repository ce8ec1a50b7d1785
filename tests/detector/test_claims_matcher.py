import numpy as np
import pytest

from detector.claims.features import FEATURE_NAMES, SyllableWeights, candidate_features
from detector.claims.index import ClaimIndex
from detector.claims.matcher import ClaimMatcher, ClaimMatchModel
from detector.claims.text import match_key
from tests.detector.claims_fixtures import TEST_CLAIMS, match_model_fixture, matcher_fixture  # noqa: F401


def test_index_cosine_is_exact_and_best_first() -> None:
    keys = [match_key(c.text).text for c in TEST_CLAIMS]
    index = ClaimIndex(keys)
    q = index.vector(match_key("gia ve xe buyt ha noi tang gap 3").text)
    found = index.search(match_key("gia ve xe buyt ha noi tang gap 3").text, k=5)
    assert found[0].position == 0
    assert [f.cosine for f in found] == sorted((f.cosine for f in found), reverse=True)
    dense = (index.matrix_ @ q.T).toarray().ravel()
    for f in found:
        assert f.cosine == pytest.approx(dense[f.position], abs=1e-5)


def test_index_with_only_common_ngrams_still_finds_candidates() -> None:
    index = ClaimIndex([match_key(c.text).text for c in TEST_CLAIMS], max_postings=0)
    assert index.search(match_key("xe buýt tăng gấp 3").text, k=2)[0].position == 0


def test_empty_index_and_empty_query() -> None:
    assert ClaimIndex([]).search("hoc phi") == []
    index = ClaimIndex([match_key(c.text).text for c in TEST_CLAIMS])
    assert index.search("") == []
    assert index.search("zzzzqqq") == []


@pytest.mark.parametrize(
    "post",
    [
        "Nghe nói vé xe buýt ở Hà Nội sắp tăng gấp ba từ tháng 10, sinh viên đi sao nổi",
        "ve xe buyt ha noi tang gap 3 lan tu thang 10 nay roi",
        "vé bus HN tăng x3 từ t10 r mn ơi",
    ],
)
def test_spreading_posts_in_any_spelling_match_their_claim(
    matcher: ClaimMatcher, post: str
) -> None:
    best = matcher.match(post).best
    assert best is not None and best.claim.id == 1
    assert best.suggested and best.stance == "spreads"
    assert 0.0 <= best.similarity <= 1.0


def test_refutation_matches_the_claim_but_is_not_auto_linked(matcher: ClaimMatcher) -> None:
    post = (
        "Sở Giao thông vận tải Hà Nội bác bỏ thông tin giá vé xe buýt tăng gấp 3 lần từ tháng 10, "
        "đây là tin sai sự thật."
    )
    result = matcher.match(post)
    assert result.best is not None and result.best.claim.id == 1
    assert result.best.stance == "refutes"
    assert result.auto_linked is None


def test_other_numbers_lower_the_similarity(matcher: ClaimMatcher) -> None:
    same = matcher.match("Giá vé xe buýt Hà Nội tăng gấp 3 lần từ tháng 10 năm nay").best
    other = matcher.match("Giá vé xe buýt Hà Nội tăng 5% từ tháng 1 năm 2027").best
    assert same is not None and same.claim.id == 1
    # A post with the real numbers is still about the claim (reports of the real decision are
    # positives for the reranker), but it must stay well below the auto-link similarity. The
    # training pairs hold many such reports in the claim's own words (about 0.23 below here).
    assert (
        other is None
        or other.claim.id != 1
        or other.similarity < min(same.similarity - 0.2, matcher.model.autolink_threshold)
    )


@pytest.mark.parametrize(
    "post",
    [
        "",
        "   ",
        "🙂🙂🙂",
        "The weather in London is nice today, let's go for a walk.",
        "a" * 500_000,
    ],
    ids=["empty", "blank", "emoji", "english", "huge"],
)
def test_bad_posts_give_no_auto_link(matcher: ClaimMatcher, post: str) -> None:
    result = matcher.match(post)
    assert result.auto_linked is None
    assert all(not m.suggested for m in result.matches)


def test_model_similarity_is_a_probability(match_model: ClaimMatchModel) -> None:
    rng = np.random.default_rng(0)
    sims = match_model.similarity(rng.normal(size=(50, len(match_model.coef_))) * 5)
    assert ((sims >= 0) & (sims <= 1)).all()
    assert 0 < match_model.suggest_threshold < match_model.autolink_threshold < 1


def test_claim_retold_inside_a_long_post_is_contained() -> None:
    claim = match_key("Giá vé xe buýt Hà Nội tăng gấp 3 lần từ tháng 10 năm nay.")
    story = match_key(
        "Hôm qua họp tổ dân phố, bác tổ trưởng bảo giá vé xe buýt Hà Nội tăng gấp 3 lần từ "
        "tháng 10 năm nay, ai đi làm bằng xe buýt thì tính trước, mấy bà trong tổ ai cũng lo."
    )
    other = match_key("Giá điện sinh hoạt tăng 10% từ tháng 10.")
    covered = FEATURE_NAMES.index("claim_chars_covered")
    weights = SyllableWeights([claim.syllables, other.syllables])
    rows = candidate_features(story, [claim, other], [0.6, 0.3], weights)
    assert rows[0, covered] > 0.95 > rows[1, covered]
    # A post with no text covers nothing, and never divides by zero.
    empty = candidate_features(match_key(""), [claim], [0.0], weights)
    assert empty[0, covered] == 0.0
    assert np.isfinite(empty).all()


def test_rare_claim_word_left_out_is_read() -> None:
    """Near-neighbour claims differ in one rare word; a post that leaves out the word
    that makes the claim its own covers less of the claim's weight than of its own claim's."""
    police = match_key("Hộ kinh doanh phải lắp camera kết nối với công an từ năm sau.")
    tax = match_key("Hộ kinh doanh phải lắp camera kết nối với cơ quan thuế từ năm sau.")
    others = [match_key(t).syllables for t in ("Giá điện tăng 10%.", "Xăng tăng giá từ năm sau.")]
    weights = SyllableWeights([police.syllables, tax.syllables, *others])
    post = match_key("Năm sau hộ kinh doanh nào cũng phải lắp camera nối về công an")
    held = FEATURE_NAMES.index("claim_weight_covered")
    rarest = FEATURE_NAMES.index("claim_rarest_missing")
    rows = candidate_features(post, [police, tax], [0.7, 0.6], weights)
    assert rows[0, held] > rows[1, held]
    assert rows[1, rarest] > rows[0, rarest]
    assert ((rows[:, rarest] >= 0) & (rows[:, rarest] <= 1)).all()

import pytest

from detector.risk import ClaimSignal, reach, score

TOPIC = [("giao_duc", "Giáo dục và học phí", 0.9)]


def test_spreading_a_known_fake_is_risky_and_explained() -> None:
    r = score(
        claim=ClaimSignal(12, 0.91, "spreads", "tin_gia", auto_linked=True),
        topics=TOPIC,
        engagement={"likes": 4000, "comments": 300, "shares": 900},
    )
    assert r.score > 0.8
    assert r.reasons[0] == "khớp tin giả #12 (0,91)"
    assert "chủ đề: Giáo dục và học phí" in r.reasons and "tương tác cao" in r.reasons
    assert r.summary.startswith("khớp tin giả #12 (0,91) · ")


def test_refuting_the_claim_adds_no_risk() -> None:
    spreads = score(claim=ClaimSignal(3, 0.95, "spreads", "tin_gia"), topics=TOPIC)
    refutes = score(claim=ClaimSignal(3, 0.95, "refutes", "tin_gia"), topics=TOPIC)
    assert refutes.score == 0.0 < spreads.score
    assert any("bác bỏ tin #3" in reason for reason in refutes.reasons)


def test_verdict_true_and_suggested_matches_weigh_less() -> None:
    true = score(claim=ClaimSignal(1, 0.99, "spreads", "tin_xac_thuc"), topics=TOPIC)
    assert true.score == 0.0
    auto = score(claim=ClaimSignal(1, 0.9, "spreads", "tin_gia", auto_linked=True), topics=TOPIC)
    maybe = score(claim=ClaimSignal(1, 0.9, "spreads", "tin_gia"), topics=TOPIC)
    assert maybe.score < auto.score and maybe.reasons[0].startswith("có thể khớp")


def test_signals_add_up_but_stay_below_one() -> None:
    alone = score(unreliable=0.9, topics=TOPIC)
    both = score(unreliable=0.9, toxicity={"HATE": 0.8, "OFFENSIVE": 0.1}, topics=TOPIC)
    assert 0 < alone.score < both.score <= 1
    assert "ngôn từ thù ghét (0,80)" in both.reasons
    assert score(unreliable=0.9).score < alone.score  # off-topic counts less


@pytest.mark.parametrize(
    "engagement",
    [None, {}, {"likes": "unknown", "shares": -5}, {"likes": float("nan")}, {"likes": [1]}],
)
def test_junk_engagement_counts_as_no_reach(engagement: dict | None) -> None:
    assert reach(engagement) == 0.0
    assert score(unreliable=0.7, engagement=engagement, topics=TOPIC).score > 0


def test_reach_grows_and_saturates() -> None:
    assert reach({"likes": 10}) < reach({"likes": 1000}) < reach({"shares": 10**6}) == 1.0
    assert score(unreliable=float("nan")).score == 0.0

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, func, select

from detector.claims import service
from detector.claims.analysis import analyse_post
from detector.claims.matcher import ClaimMatchModel
from detector.claims.schemas import ClaimCreate
from detector.unreliable import UnreliableClassifier
from models.claims import Claim, PostClaimLink
from models.detections import Detection
from models.enums import Verdict
from models.errors import AlreadyExists, InvalidInput
from models.posts import Post
from tests.detector.claims_fixtures import TEST_CLAIMS, match_model_fixture  # noqa: F401


@pytest.fixture(scope="module")
def unreliable_model() -> UnreliableClassifier:
    texts = ["TIN NÓNG!!! chia sẻ gấp kẻo bị xóa!!!", "Sở thông báo lịch làm việc tuần này."] * 6
    return UnreliableClassifier().fit([{"text": t} for t in texts], [1, 0] * 6)


def add_claims(session: Session) -> list[Claim]:
    claims = []
    for c in TEST_CLAIMS:
        assert c.verdict is not None
        claims.append(
            service.create(
                session=session,
                claim_in=ClaimCreate(text=c.text, verdict=Verdict(c.verdict)),
            )
        )
    session.commit()
    return claims


def add_post(session: Session, text: str, n: int, engagement: dict[str, Any] | None = None) -> Post:
    post = Post(
        url=f"https://mxh.example.vn/p/{n}",
        canonical_url=f"https://mxh.example.vn/p/{n}",
        source_name="Trang Tin Nóng",
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        published_at=datetime(2026, 11, 20, 13, 0, tzinfo=UTC),
        engagement=engagement or {},
    )
    session.add(post)
    session.commit()
    return post


def test_spreading_post_is_linked_scored_and_explained(
    session: Session,
    match_model: ClaimMatchModel,
    unreliable_model: UnreliableClassifier,
) -> None:
    claims = add_claims(session)
    post = add_post(
        session,
        "Nghe nói vé xe buýt Hà Nội sắp tăng gấp ba từ tháng 10, sinh viên đi sao nổi!!!",
        1,
        engagement={"likes": 5000, "comments": 400, "shares": 1200},
    )
    result = analyse_post(
        session=session, post=post, match_model=match_model, unreliable_model=unreliable_model
    )
    session.commit()
    assert result.match is not None and result.match.claim.id == claims[0].id
    assert result.match.stance == "spreads" and result.opens_case
    assert result.unreliable_score is not None and 0 <= result.unreliable_score <= 1
    assert result.risk.score > 0.5
    assert result.risk.reasons[0].endswith(
        f"#{claims[0].id} ({result.match.similarity:.2f})".replace(".", ",")
    )
    assert "tương tác cao" in result.risk.reasons
    link = session.get(PostClaimLink, (post.id, claims[0].id))
    assert link is not None and link.stance == "spreads"
    detection = session.get(Detection, result.detection_id)
    assert detection is not None and detection.model_name == "misinfo"
    assert detection.matched_claim_id == claims[0].id and detection.stance == "spreads"
    assert (
        detection.risk_score == result.risk.score and detection.risk_reasons == result.risk.reasons
    )

    # Analysing again refreshes the link and the detection, never duplicates them.
    analyse_post(
        session=session, post=post, match_model=match_model, unreliable_model=unreliable_model
    )
    session.commit()
    assert session.exec(select(func.count()).select_from(PostClaimLink)).one() == 1
    assert session.exec(select(func.count()).select_from(Detection)).one() == 1


def test_refuting_post_counts_toward_reach_and_not_risk(
    session: Session,
    match_model: ClaimMatchModel,
) -> None:
    claims = add_claims(session)
    post = add_post(
        session,
        "Sở GTVT Hà Nội bác bỏ thông tin vé xe buýt tăng gấp 3 lần từ tháng 10, đây là tin sai "
        "sự thật, bà con đừng hoang mang.",
        2,
    )
    result = analyse_post(
        session=session, post=post, match_model=match_model, unreliable_model=None
    )
    session.commit()
    assert result.match is not None and result.match.stance == "refutes"
    assert not result.match.auto_linked and not result.opens_case
    assert result.risk.components["claim"] == 0.0
    assert claims[0].id is not None
    assert service.refutation_reach(session=session, claim_id=claims[0].id) == 1


def test_existing_toxicity_detection_is_completed(
    session: Session,
    match_model: ClaimMatchModel,
) -> None:
    add_claims(session)
    post = add_post(session, "Lũ ngu, học phí tăng thì kệ tụi bay", 3)
    assert post.id is not None
    session.add(
        Detection(
            post_id=post.id,
            model_name="toxicity",
            model_version="1",
            toxicity_label="HATE",
            toxicity_probs={"CLEAN": 0.1, "OFFENSIVE": 0.1, "HATE": 0.8},
        )
    )
    session.commit()
    result = analyse_post(
        session=session, post=post, match_model=match_model, unreliable_model=None
    )
    session.commit()
    detection = session.get(Detection, result.detection_id)
    assert detection is not None and detection.model_name == "toxicity"
    assert "giao_duc" in detection.topics
    assert any(r.startswith("ngôn từ thù ghét") for r in result.risk.reasons)
    assert session.exec(select(func.count()).select_from(PostClaimLink)).one() == 0


def test_claims_are_stored_once(session: Session) -> None:
    add_claims(session)
    with pytest.raises(AlreadyExists):
        service.create(
            session=session,
            claim_in=ClaimCreate(text=TEST_CLAIMS[0].text.upper(), verdict=Verdict.tin_gia),
        )
    with pytest.raises(InvalidInput):
        service.create(
            session=session, claim_in=ClaimCreate(text="!!! ???", verdict=Verdict.tin_gia)
        )
    with pytest.raises(InvalidInput):
        service.link(
            session=session,
            post_id=1,
            claim_id=1,
            similarity=0.5,
            stance="likes",
            auto_linked=False,
        )
    assert service.count(session=session) == len(TEST_CLAIMS)
    all_ids = [c.id for c in service.list(session=session)]
    assert None not in all_ids
    assert [c.id for c in service.list(session=session, limit=2)] == sorted(
        (i for i in all_ids if i is not None), reverse=True
    )[:2]

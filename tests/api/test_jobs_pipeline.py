"""Crawl → detect → route, through the one function the jobs call, with the shipped models."""

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

import api.jobs
from api.jobs import detect_and_route, pending_post_ids
from crawlers import posts as posts_service
from detector.claims import service as claims_service
from detector.claims.schemas import ClaimCreate
from models.cases import Case, CasePost
from models.claims import PostClaimLink
from models.detections import Detection
from models.enums import PostOrigin, Verdict
from models.posts import Post, PostCreate
from tests.conftest import count_rows

SPREADS = (
    "KHẨN: Bộ Giáo dục vừa chốt học phí đại học công lập tăng gấp ba từ tháng 9, "
    "sinh viên nghèo hết đường đi học. Chia sẻ ngay!"
)
REFUTES = (
    "Bộ Giáo dục và Đào tạo bác bỏ thông tin học phí đại học công lập tăng gấp ba từ tháng 9, "
    "khẳng định đây là tin không đúng sự thật."
)
UNRELATED = "Chiều nay trời Hà Nội mát, nhiều gia đình đưa trẻ đi dạo hồ Gươm."


def add_post(session: Session, n: int, text: str, shares: int = 500) -> Post:
    post = posts_service.create(
        session=session,
        post_in=PostCreate(url=f"https://mxh.example.vn/p/{n}", source_name="Trang A", text=text),
        origin=PostOrigin.crawl,
        engagement={"likes": 2 * shares, "comments": shares // 2, "shares": shares},
    )
    session.commit()
    return post


@pytest.fixture
def claim_id(session: Session) -> int:
    claim = claims_service.create(
        session=session,
        claim_in=ClaimCreate(
            text="Học phí đại học công lập tăng gấp ba từ tháng 9",
            verdict=Verdict.tin_gia,
            topics=["giao_duc"],
        ),
    )
    session.commit()
    assert claim.id is not None
    return claim.id


def test_spreading_post_opens_a_case_and_refutation_does_not(
    engine: Engine, session: Session, claim_id: int
) -> None:
    spreading = add_post(session, 1, SPREADS)
    refuting = add_post(session, 2, REFUTES)
    add_post(session, 3, UNRELATED, shares=1)

    assert spreading.id is not None and refuting.id is not None
    counts = detect_and_route(engine=engine)

    assert counts == {"detected": 3, "routed": 1, "errors": 0}
    with Session(engine) as check:
        links = {link.post_id: link for link in check.exec(select(PostClaimLink)).all()}
        assert links[spreading.id].stance == "spreads" and links[spreading.id].claim_id == claim_id
        assert links[refuting.id].stance == "refutes"
        case = check.exec(select(Case).where(Case.claim_id == claim_id)).one()
        spreading_members = check.exec(
            select(CasePost.post_id).where(
                CasePost.case_id == case.id, CasePost.stance == "spreads"
            )
        ).all()
        assert list(spreading_members) == [spreading.id]
        assert case.reach > 0
    assert pending_post_ids(session, limit=10) == []


def test_running_again_changes_nothing(engine: Engine, session: Session, claim_id: int) -> None:
    add_post(session, 1, SPREADS)
    detect_and_route(engine=engine)
    before = (count_rows(engine, Detection), count_rows(engine, Case), count_rows(engine, CasePost))
    assert detect_and_route(engine=engine) == {"detected": 0, "routed": 0, "errors": 0}
    assert (
        count_rows(engine, Detection),
        count_rows(engine, Case),
        count_rows(engine, CasePost),
    ) == before


def test_one_failing_post_does_not_lose_the_others(
    engine: Engine, session: Session, claim_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = add_post(session, 1, SPREADS)
    good = add_post(session, 2, SPREADS + " Lan truyền khắp các nhóm phụ huynh.")

    from detector.claims import analysis

    real = analysis.analyse_post

    def flaky(*, session: Session, post: Post) -> object:
        if post.id == bad.id:
            raise RuntimeError("model exploded")
        return real(session=session, post=post)

    monkeypatch.setattr(analysis, "analyse_post", flaky)
    counts = detect_and_route(engine=engine)

    assert counts["errors"] == 1 and counts["routed"] == 1
    with Session(engine) as check:
        members = check.exec(select(CasePost.post_id)).all()
        assert list(members) == [good.id]
        assert check.exec(select(func.count()).select_from(PostClaimLink)).one() == 1


def test_deadline_in_the_past_does_nothing(engine: Engine, session: Session) -> None:
    add_post(session, 1, SPREADS)
    assert detect_and_route(engine=engine, deadline=0.0) == {
        "detected": 0,
        "routed": 0,
        "errors": 0,
    }
    assert count_rows(engine, Detection) == 0


def test_pending_job_is_registered() -> None:
    from api.ops import registry

    spec = registry.get("detect-pending")
    assert spec.every is not None and spec.time_limit is not None
    assert api.jobs.detect_pending is spec.func

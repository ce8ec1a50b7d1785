"""Public reports: no login, validation, dedupe against posts and claims, the queue, the
reporter's outcome, rate limiting."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from crawlers.posts import content_hash
from models.cases import Case, CasePost
from models.claims import Claim
from models.desk import Report
from models.enums import CaseState, RebuttalStatus
from models.errors import RateLimited
from models.posts import Post
from models.rebuttals import Rebuttal
from models.types import utcnow
from rebuttal import reports as reports_service
from rebuttal.ratelimit import TokenBucket
from tests.api.desk_helpers import seed_case
from tests.conftest import count_rows

REPORT = {
    "url": "https://www.facebook.com/tin.nong/posts/123?fbclid=abc",
    "description": "Bài này nói học phí tăng gấp ba, gây hoang mang cho phụ huynh.",
    "contact": "phuhuynh@example.vn",
}


def test_a_new_url_lands_in_the_queue(client: TestClient, engine: Engine) -> None:
    response = client.post("/reports", json=REPORT)
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    with Session(engine) as session:
        report = session.exec(select(Report)).one()
        assert report.status == "new_post" and report.needs_crawl
        assert report.canonical_url == "https://www.facebook.com/tin.nong/posts/123"
        post = session.get(Post, report.post_id)
        assert post is not None and post.origin == "report" and post.text == REPORT["description"]
        case = session.get(Case, report.case_id)
        assert case is not None and case.state == CaseState.new and case.opened_by == "report"
    outcome = client.get(f"/reports/{token}").json()
    assert outcome["status"] == "received" and outcome["verdict"] is None
    english = client.get(f"/reports/{token}", headers={"Accept-Language": "en"}).json()
    assert english["message"] == "Received, awaiting review."


def test_duplicates_join_the_known_post_and_claim(client: TestClient, engine: Engine) -> None:
    first = client.post("/reports", json=REPORT).json()["token"]
    again = REPORT | {"url": "https://WWW.facebook.com/tin.nong/posts/123#x", "contact": None}
    second = client.post("/reports", json=again).json()["token"]
    assert first != second
    assert (
        count_rows(engine, Post) == 1
        and count_rows(engine, Case) == 1
        and count_rows(engine, CasePost) == 1
    )
    with Session(engine) as session:
        statuses = sorted(r.status for r in session.exec(select(Report)).all())
        assert statuses == ["known_post", "new_post"]
        text = "Học phí tăng gấp ba"
        claim = Claim(text=text, text_hash=content_hash(text), url="https://bao.vn/tin-gia-1")
        session.add(claim)
        session.commit()
        claim_id = claim.id
    claim_case = seed_case(engine, claim_id=claim_id)
    client.post("/reports", json=REPORT | {"url": "https://bao.vn/tin-gia-1"})
    with Session(engine) as session:
        report = session.exec(select(Report).order_by(Report.id.desc())).first()  # type: ignore[union-attr]
        assert report is not None and report.claim_id == claim_id
        assert report.case_id == claim_case.id


def test_reporter_sees_the_outcome(client: TestClient, engine: Engine) -> None:
    token = client.post("/reports", json=REPORT).json()["token"]
    with Session(engine) as session:
        report = session.exec(select(Report)).one()
        case = session.get(Case, report.case_id)
        assert case is not None
        assert reports_service.due_notifications(session=session) == []
        case.state = CaseState.published
        session.add(
            Rebuttal(
                case_id=case.id or 0,
                verdict="tin_gia",
                summary="Học phí không tăng gấp ba",
                status=RebuttalStatus.published,
                author_id=_user(session),
                published_at=utcnow(),
            )
        )
        session.commit()
    outcome = client.get(f"/reports/{token}").json()
    assert outcome["status"] == "answered" and outcome["verdict"] == "tin_gia"
    assert outcome["claimreview_url"].endswith("/claimreview/1")
    with Session(engine) as session:
        [(report, result)] = reports_service.due_notifications(session=session)
        assert report.contact == REPORT["contact"] and result.status == "answered"
        reports_service.mark_notified(session=session, report=report)
        session.commit()
        assert reports_service.due_notifications(session=session) == []


def _user(session: Session) -> int:
    from models.enums import Role
    from models.users import User

    user = User(username="editor-report", role=Role.editor, password_hash="!")
    session.add(user)
    session.flush()
    assert user.id is not None
    return user.id


@pytest.mark.parametrize(
    "change",
    [
        {"url": "javascript:alert(1)"},
        {"url": "ftp://example.vn/x"},
        {"url": "not a url at all"},
        {"url": "https://exa mple.vn/x"},
        {"description": "ngắn"},
        {"description": "          .         "},
        {"description": "x" * 5001},
        {"description": "Nội dung\x00 có ký tự lạ ở đây"},
        {"contact": "không phải email"},
        {"contact": "12"},
        {"surprise": 1},
    ],
)
def test_bad_reports_are_refused(
    client: TestClient, engine: Engine, change: dict[str, Any]
) -> None:
    response = client.post("/reports", json=REPORT | change)
    assert response.status_code == 422, (change, response.text)
    assert response.json()["error"]["message"]
    assert count_rows(engine, Report) == 0 and count_rows(engine, Post) == 0


def test_phone_contact_and_unknown_tokens(client: TestClient) -> None:
    assert client.post("/reports", json=REPORT | {"contact": "+84 912 345 678"}).status_code == 201
    assert client.get("/reports/" + "a" * 32).status_code == 404
    assert client.get("/reports/short").status_code == 422
    assert client.get("/reports/" + "é" * 30).status_code == 422


def test_rate_limit_per_client(client: TestClient, engine: Engine) -> None:
    statuses = [
        client.post("/reports", json=REPORT | {"url": f"https://example.vn/{i}"}).status_code
        for i in range(7)
    ]
    assert statuses[:5] == [201] * 5 and statuses[5:] == [429, 429]
    limited = client.post("/reports", json=REPORT | {"url": "https://example.vn/x"})
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    assert count_rows(engine, Report) == 5


def test_token_bucket_refills() -> None:
    now = [0.0]
    bucket = TokenBucket(capacity=2, refill_per_second=0.5, clock=lambda: now[0])
    bucket.take("a")
    bucket.take("a")
    with pytest.raises(RateLimited) as error:
        bucket.take("a")
    assert error.value.details["retry_after"] == 2
    bucket.take("b")  # another client has its own bucket
    now[0] = 2.0
    bucket.take("a")
    with pytest.raises(RateLimited):
        bucket.take("a")
    small = TokenBucket(capacity=1, refill_per_second=1, max_keys=2, clock=lambda: now[0])
    for key in ("x", "y", "z"):
        small.take(key)
    small.take("x")  # forgotten as the least recently seen, so it starts full again

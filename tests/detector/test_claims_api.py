from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from detector.claims import service
from detector.claims.matcher import ClaimMatchModel
from detector.claims.schemas import ClaimCreate
from models.claims import PostClaimLink
from models.enums import Role, Verdict
from models.posts import Post
from tests.detector.claims_fixtures import TEST_CLAIMS, match_model_fixture, semantic  # noqa: F401


@pytest.fixture
def stored(session: Session) -> list[int]:
    ids: list[int] = []
    for c in TEST_CLAIMS:
        assert c.verdict is not None
        claim = service.create(
            session=session, claim_in=ClaimCreate(text=c.text, verdict=Verdict(c.verdict))
        )
        assert claim.id is not None
        ids.append(claim.id)
    session.commit()
    return ids


def test_list_get_and_match(
    client: TestClient,
    auth_headers: Callable[[Role], dict[str, str]],
    stored: list[int],
    match_model: ClaimMatchModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monitor = auth_headers(Role.monitor)
    listed = client.get("/claims?limit=2", headers=monitor)
    assert listed.status_code == 200 and [c["id"] for c in listed.json()] == stored[::-1][:2]
    assert client.get(f"/claims/{stored[0]}", headers=monitor).json()["verdict"] == "tin_gia"
    assert client.get("/claims/999999", headers=monitor).status_code == 404

    monkeypatch.setattr("api.routers.claims.load_match_model", lambda: match_model)
    found = client.post(
        "/claims/match",
        json={"text": "ve xe buyt ha noi tang gap 3 tu thang 10 roi", "k": 2},
        headers=monitor,
    )
    assert found.status_code == 200, found.text
    best = found.json()[0]
    assert best["claim_id"] == stored[0] and best["stance"] == "spreads"
    assert 0 <= best["similarity"] <= 1


@pytest.mark.parametrize(
    "body",
    [{}, {"text": ""}, {"text": "x" * 100_001}, {"text": "a", "k": 0}, {"text": "a", "x": 1}],
    ids=["missing", "empty", "huge", "bad-k", "extra-field"],
)
def test_bad_match_requests_are_refused(
    client: TestClient, auth_headers: Callable[[Role], dict[str, str]], body: dict
) -> None:
    response = client.post("/claims/match", json=body, headers=auth_headers(Role.editor))
    assert response.status_code == 422


def test_ops_and_partners_cannot_match(
    client: TestClient, auth_headers: Callable[[Role], dict[str, str]]
) -> None:
    assert (
        client.post("/claims/match", json={"text": "a"}, headers=auth_headers(Role.ops)).status_code
        == 403
    )
    assert client.get("/claims", headers=auth_headers(Role.partner)).status_code in {401, 403}


def test_match_shows_the_embedding_cosine_when_embeddings_rerank(
    client: TestClient,
    auth_headers: Callable[[Role], dict[str, str]],
    stored: list[int],
    match_model: ClaimMatchModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("api.routers.claims.load_match_model", lambda: match_model)
    body = {"text": "ve xe buyt ha noi tang gap 3 tu thang 10 roi", "k": 2}
    plain = client.post("/claims/match", json=body, headers=auth_headers(Role.monitor))
    assert plain.status_code == 200 and plain.json()[0]["embedding_cosine"] is None
    configured = semantic([("ve xe buyt", (1, 0, 0)), ("Giá vé xe buýt", (1, 0.2, 0))])
    monkeypatch.setattr(service, "configured_semantic", lambda: configured)
    reranked = client.post("/claims/match", json=body, headers=auth_headers(Role.monitor))
    assert reranked.status_code == 200, reranked.text
    best = reranked.json()[0]
    assert best["claim_id"] == stored[0]
    assert best["embedding_cosine"] == pytest.approx(0.9806, abs=1e-3)


@pytest.fixture
def linked(session: Session, stored: list[int]) -> tuple[int, int]:
    """A post the matcher linked to the first claim as spreading it (a refutation, in fact)."""
    post = Post(
        url="https://mxh.example.vn/p/review",
        canonical_url="https://mxh.example.vn/p/review",
        source_name="Trang Tin Nóng",
        text="Sở GTVT bác bỏ tin vé xe buýt Hà Nội tăng gấp 3 từ tháng 10, đây là tin sai.",
        content_hash="0" * 64,
    )
    session.add(post)
    session.flush()
    assert post.id is not None
    service.link(
        session=session,
        post_id=post.id,
        claim_id=stored[0],
        similarity=0.93,
        stance="spreads",
        auto_linked=True,
    )
    session.commit()
    return post.id, stored[0]


def test_staff_review_a_link_and_list_a_claims_links(
    client: TestClient,
    auth_headers: Callable[[Role], dict[str, str]],
    linked: tuple[int, int],
    session: Session,
) -> None:
    post_id, claim_id = linked
    monitor = auth_headers(Role.monitor)
    listed = client.get(f"/claims/{claim_id}/links", headers=monitor)
    assert listed.status_code == 200, listed.text
    assert [(x["post_id"], x["stance"], x["review"]) for x in listed.json()] == [
        (post_id, "spreads", None)
    ]
    reviewed = client.put(
        f"/claims/{claim_id}/links/{post_id}/review",
        json={"decision": "confirmed", "stance": "refutes"},
        headers=monitor,
    )
    assert reviewed.status_code == 200, reviewed.text
    body = reviewed.json()
    assert (body["stance"], body["review"]) == ("refutes", "confirmed")
    assert body["reviewed_by"].startswith("monitor") and body["reviewed_at"]
    session.expire_all()
    stored = session.get(PostClaimLink, (post_id, claim_id))
    assert stored is not None and stored.stance == "refutes"
    assert service.refutation_reach(session=session, claim_id=claim_id) == 1
    again = client.get(f"/claims/{claim_id}/links", headers=auth_headers(Role.ops)).json()
    assert again[0]["review"] == "confirmed"
    assert client.get("/claims/999999/links", headers=monitor).status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"decision": "maybe"}, 422),
        ({"decision": "confirmed", "stance": "likes"}, 422),
        ({"decision": "rejected", "note": "x"}, 422),
        ({"decision": "rejected", "stance": "refutes"}, 422),
    ],
    ids=["missing", "bad-decision", "bad-stance", "extra-field", "stance-on-reject"],
)
def test_bad_reviews_are_refused_and_change_nothing(
    client: TestClient,
    auth_headers: Callable[[Role], dict[str, str]],
    linked: tuple[int, int],
    session: Session,
    body: dict,
    status: int,
) -> None:
    post_id, claim_id = linked
    answer = client.put(
        f"/claims/{claim_id}/links/{post_id}/review", json=body, headers=auth_headers(Role.editor)
    )
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["message"]
    session.expire_all()
    stored = session.get(PostClaimLink, (post_id, claim_id))
    assert stored is not None and (stored.review, stored.stance) == (None, "spreads")


def test_reviewing_a_link_that_is_not_there_is_404(
    client: TestClient, auth_headers: Callable[[Role], dict[str, str]], linked: tuple[int, int]
) -> None:
    post_id, claim_id = linked
    editor = auth_headers(Role.editor)
    for path in (
        f"/claims/{claim_id}/links/{post_id + 1000}/review",
        f"/claims/{claim_id + 1000}/links/{post_id}/review",
    ):
        answer = client.put(path, json={"decision": "rejected"}, headers=editor)
        assert answer.status_code == 404, answer.text
    answer = client.put(
        f"/claims/{claim_id}/links/{post_id}/review",
        json={"decision": "rejected"},
        headers=auth_headers(Role.ops),
    )
    assert answer.status_code == 403

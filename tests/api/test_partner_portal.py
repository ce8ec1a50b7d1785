"""Partners see only their own briefs, acknowledgements, publications and commissions."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.settings import ApiSettings
from models.cases import Case
from models.enums import Role
from models.types import utcnow
from tests.api.desk_helpers import Staff, make_staff, publish_brief


@pytest.fixture
def two_partners(engine: Engine, make_partner: Callable[..., tuple[int, str]]) -> dict[str, Any]:
    a_id, a_key = make_partner(topics=("giao_duc",))
    b_id, b_key = make_partner(topics=("y_te",))
    a_briefs = [publish_brief(engine, topic="giao_duc")[2] for _ in range(3)]
    b_case, _, b_brief = publish_brief(engine, topic="y_te")
    return {
        "a": {"id": a_id, "h": {"X-API-Key": a_key}, "briefs": a_briefs},
        "b": {"id": b_id, "h": {"X-API-Key": b_key}, "brief": b_brief, "case": b_case},
    }


@pytest.fixture
def approver(engine: Engine, api_settings: ApiSettings) -> Staff:
    return make_staff(engine, api_settings, Role.approver)


def commission(
    client: TestClient, approver: Staff, brief_id: int, partner_id: int
) -> dict[str, Any]:
    response = client.post(
        f"/briefs/{brief_id}/commissions",
        json={
            "partner_id": partner_id,
            "deliverable": "Một bài phóng sự 800 chữ về lộ trình học phí",
            "deadline": (utcnow() + timedelta(days=3)).isoformat(),
            "budget_note": "Theo hợp đồng khung 2026",
        },
        headers=approver.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_partner_a_never_sees_partner_b(
    client: TestClient, two_partners: dict[str, Any], approver: Staff
) -> None:
    a, b = two_partners["a"], two_partners["b"]
    listed = client.get("/partner/briefs", headers=a["h"]).json()
    assert sorted(i["id"] for i in listed["items"]) == sorted(a["briefs"])
    assert b["brief"] not in [i["id"] for i in listed["items"]]
    b_url = f"/partner/briefs/{b['brief']}"
    for method, url, body in [
        ("GET", b_url, None),
        ("POST", f"{b_url}/ack", None),
        ("POST", f"{b_url}/publications", {"url": "https://a.vn/x", "reach": 5}),
        ("GET", f"{b_url}/publications", None),
    ]:
        response = client.request(method, url, json=body, headers=a["h"])
        assert response.status_code == 404, (method, url)
        assert response.json()["error"]["code"] == "brief_not_found"
    # B's own acknowledgement and commission stay invisible to A.
    assert client.post(f"{b_url}/ack", headers=b["h"]).json()["acknowledged_at"]
    offered = commission(client, approver, b["brief"], b["id"])
    assert client.get("/partner/commissions", headers=a["h"]).json() == []
    for action in ("accept", "decline"):
        response = client.post(
            f"/partner/commissions/{offered['id']}/{action}", json={}, headers=a["h"]
        )
        assert response.status_code == 404
    stolen = client.post(
        f"/partner/commissions/{offered['id']}/deliver",
        json={"url": "https://a.vn/x"},
        headers=a["h"],
    )
    assert stolen.status_code == 404
    assert [c["id"] for c in client.get("/partner/commissions", headers=b["h"]).json()] == [
        offered["id"]
    ]
    a_view = client.get("/partner/briefs", headers=a["h"]).json()["items"]
    assert all(i["acknowledged_at"] is None for i in a_view)
    # A commission cannot be offered to a partner that did not receive the brief.
    refused = client.post(
        f"/briefs/{b['brief']}/commissions",
        json={
            "partner_id": a["id"],
            "deliverable": "x",
            "deadline": (utcnow() + timedelta(days=1)).isoformat(),
        },
        headers=approver.headers,
    )
    assert refused.status_code == 422
    # Nor with nothing to deliver: a blank deliverable is refused, not offered.
    blank = client.post(
        f"/briefs/{b['brief']}/commissions",
        json={
            "partner_id": b["id"],
            "deliverable": "   ",
            "deadline": (utcnow() + timedelta(days=1)).isoformat(),
        },
        headers=approver.headers,
    )
    assert blank.status_code == 422, blank.text


def test_cursor_pagination_and_etag(client: TestClient, two_partners: dict[str, Any]) -> None:
    a = two_partners["a"]
    first = client.get("/partner/briefs", params={"limit": 2}, headers=a["h"])
    etag = first.headers["ETag"]
    second = client.get(
        "/partner/briefs",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=a["h"],
    ).json()
    ids = [i["id"] for i in first.json()["items"]] + [i["id"] for i in second["items"]]
    assert ids == sorted(a["briefs"], reverse=True) and second["next_cursor"] is None
    unchanged = client.get(
        "/partner/briefs", params={"limit": 2}, headers={**a["h"], "If-None-Match": etag}
    )
    assert unchanged.status_code == 304 and unchanged.headers["ETag"] == etag
    client.post(f"/partner/briefs/{ids[0]}/ack", headers=a["h"])
    changed = client.get(
        "/partner/briefs", params={"limit": 2}, headers={**a["h"], "If-None-Match": etag}
    )
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    for params in ({"cursor": "zzz"}, {"limit": 0}, {"limit": 500}):
        assert client.get("/partner/briefs", params=params, headers=a["h"]).status_code == 422


def test_acknowledge_publications_and_reach(
    client: TestClient, two_partners: dict[str, Any], engine: Engine
) -> None:
    b = two_partners["b"]
    url = f"/partner/briefs/{b['brief']}"
    first = client.post(f"{url}/ack", headers=b["h"]).json()["acknowledged_at"]
    assert client.post(f"{url}/ack", headers=b["h"]).json()["acknowledged_at"] == first
    story = {"url": "https://baosuckhoe.vn/bai-viet-1", "reach": 1200}
    assert client.post(f"{url}/publications", json=story, headers=b["h"]).status_code == 201
    # The same URL reported again updates its reach instead of counting twice.
    client.post(f"{url}/publications", json=story | {"reach": 1500}, headers=b["h"])
    client.post(
        f"{url}/publications", json={"url": "https://baosuckhoe.vn/2", "reach": 10}, headers=b["h"]
    )
    assert len(client.get(f"{url}/publications", headers=b["h"]).json()) == 2
    with Session(engine) as session:
        case = session.get(Case, b["case"])
        assert case is not None and case.refute_reach == 1510
    for body in [
        {"url": "ftp://x.vn/a", "reach": 1},
        {"url": "https://x.vn/a", "reach": -1},
        {"url": "https://x.vn/a"},
        {"url": "https://x.vn/a", "reach": 1, "extra": 1},
    ]:
        assert client.post(f"{url}/publications", json=body, headers=b["h"]).status_code == 422


def test_commission_lifecycle(
    client: TestClient, two_partners: dict[str, Any], approver: Staff
) -> None:
    b = two_partners["b"]
    offered = commission(client, approver, b["brief"], b["id"])
    assert offered["status"] == "offered"
    base = f"/partner/commissions/{offered['id']}"
    early = client.post(f"{base}/deliver", json={"url": "https://b.vn/1"}, headers=b["h"])
    assert early.status_code == 409
    accepted = client.post(f"{base}/accept", json={"note": "Nhận"}, headers=b["h"])
    assert accepted.json()["status"] == "accepted"
    assert client.post(f"{base}/decline", json={}, headers=b["h"]).status_code == 409
    delivered = client.post(f"{base}/deliver", json={"url": "https://b.vn/1"}, headers=b["h"])
    assert delivered.json()["status"] == "delivered" and delivered.json()["delivered_url"]
    declined = commission(client, approver, b["brief"], b["id"])
    answer = client.post(
        f"/partner/commissions/{declined['id']}/decline",
        json={"note": "Hết ngân sách"},
        headers=b["h"],
    )
    assert answer.json()["status"] == "declined"
    detail = client.get(f"/briefs/{b['brief']}", headers=approver.headers).json()
    assert sorted(c["status"] for c in detail["commissions"]) == ["declined", "delivered"]
    for body in [
        {"partner_id": b["id"], "deliverable": "x", "deadline": "2020-01-01T00:00:00+07:00"},
        {"partner_id": b["id"], "deliverable": "", "deadline": "2030-01-01T00:00:00+07:00"},
        {"partner_id": b["id"], "deliverable": "x", "deadline": "sớm"},
        {"partner_id": 424242, "deliverable": "x", "deadline": "2030-01-01T00:00:00+07:00"},
    ]:
        response = client.post(
            f"/briefs/{b['brief']}/commissions", json=body, headers=approver.headers
        )
        assert response.status_code == 422, (body, response.text)
    missing = client.post(
        "/briefs/424242/commissions",
        json={"partner_id": b["id"], "deliverable": "x", "deadline": "2030-01-01T00:00:00+07:00"},
        headers=approver.headers,
    )
    assert missing.status_code == 404
    assert (
        client.post("/partner/commissions/424242/accept", json={}, headers=b["h"]).status_code
        == 404
    )

"""Rebuttals over HTTP: drafting, versions and diffs, evidence, review rules, publication as a
brief, correction and retraction, ClaimReview JSON-LD."""

import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyld import jsonld
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.settings import ApiSettings
from models.cases import Case
from models.desk import BriefRecipient, FeedbackLabel
from models.enums import CaseState, Role
from models.partners import Brief, Delivery
from models.rebuttals import Rebuttal, RebuttalVersion
from models.types import utcnow
from rebuttal import webhooks as webhooks_service
from rebuttal.settings import DeskSettings
from tests.api.desk_helpers import Staff, make_staff, seed_case

DRAFT = {
    "verdict": "tin_gia",
    "summary": "Không có chuyện học phí tăng gấp ba từ tháng 9",
    "body": "Bộ GD-ĐT khẳng định lộ trình học phí không đổi.\nMức trần tăng tối đa 10%.",
    "key_facts": ["Trần học phí tăng tối đa 10%/năm", "Nghị định 81/2021"],
}
AUTHORITY = {
    "kind": "authority_confirmation",
    "title": "Công văn xác nhận của Bộ GD-ĐT",
    "url": "https://moet.gov.vn/cong-van/123",
    "authority": "Bộ Giáo dục và Đào tạo",
    "confirmed_by": "Ông Nguyễn Văn A, Vụ trưởng Vụ Tài chính",
    "confirmed_at": "2026-11-25T09:00:00+07:00",
}


@pytest.fixture
def staff(engine: Engine, api_settings: ApiSettings) -> Callable[[Role], Staff]:
    return lambda role: make_staff(engine, api_settings, role)


@pytest.fixture
def desk(staff: Callable[[Role], Staff]) -> dict[str, Staff]:
    return {"editor": staff(Role.editor), "approver": staff(Role.approver)}


def draft(client: TestClient, engine: Engine, editor: Staff, **case: Any) -> dict[str, Any]:
    case_row = seed_case(engine, state=CaseState.triaged, topic="giao_duc", **case)
    response = client.post(f"/cases/{case_row.id}/rebuttal", json=DRAFT, headers=editor.headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_draft_edit_versions_and_diff(
    client: TestClient, engine: Engine, desk: dict[str, Staff]
) -> None:
    editor = desk["editor"]
    body = draft(client, engine, editor)
    url = f"/rebuttals/{body['id']}"
    assert body["status"] == "draft" and body["current_version"] == 1
    case = client.get(f"/cases/{body['case_id']}", headers=editor.headers).json()
    assert case["state"] == "in_progress" and case["rebuttal_id"] == body["id"]
    edited = client.patch(
        url,
        json={"summary": "Học phí không tăng gấp ba", "key_facts": ["Nghị định 81/2021"]},
        headers={**editor.headers, "If-Match": '"1"'},
    )
    assert edited.status_code == 200 and edited.json()["current_version"] == 2
    stale = client.patch(url, json={"summary": "x", "version": 1}, headers=editor.headers)
    assert stale.status_code == 409
    # A blank summary is no summary: refused, not saved as a new version.
    blank = client.patch(url, json={"summary": "   ", "version": 2}, headers=editor.headers)
    assert blank.status_code == 422, blank.text
    versions = client.get(f"{url}/versions", headers=editor.headers).json()
    assert [v["number"] for v in versions] == [1, 2]
    diff = client.get(f"{url}/diff", params={"from": 1, "to": 2}, headers=editor.headers).json()
    fields = {c["field"]: c for c in diff["changes"]}
    assert set(fields) == {"summary", "key_facts"}
    assert "-Không có chuyện" in fields["summary"]["unified"]
    assert "+Học phí không tăng gấp ba" in fields["summary"]["unified"]
    assert "-Trần học phí tăng tối đa 10%/năm" in fields["key_facts"]["unified"]
    missing = client.get(f"{url}/diff", params={"from": 1, "to": 9}, headers=editor.headers)
    assert missing.status_code == 422
    again = client.post(f"/cases/{body['case_id']}/rebuttal", json=DRAFT, headers=editor.headers)
    assert again.status_code == 409


def test_review_rules_publish_and_claimreview(
    client: TestClient,
    engine: Engine,
    desk: dict[str, Staff],
    staff: Callable[[Role], Staff],
    make_partner: Callable[..., tuple[int, str]],
) -> None:
    editor, approver = desk["editor"], desk["approver"]
    subscribed, _ = make_partner(topics=("giao_duc",))
    other, _ = make_partner(topics=("y_te",))
    body = draft(client, engine, editor)
    url = f"/rebuttals/{body['id']}"
    submitted = client.post(f"{url}/submit", json={"version": 1}, headers=editor.headers)
    assert submitted.status_code == 200 and submitted.json()["status"] == "in_review"
    changes = client.post(
        f"{url}/request-changes",
        json={"version": 2, "note": "Thiếu nguồn chính thức"},
        headers=approver.headers,
    )
    assert changes.status_code == 200 and changes.json()["status"] == "changes_requested"
    comments = client.get(f"{url}/comments", headers=editor.headers).json()
    assert [(c["kind"], c["body"]) for c in comments] == [("changes", "Thiếu nguồn chính thức")]
    assert client.post(f"{url}/evidence", json=AUTHORITY, headers=editor.headers).status_code == 201
    client.post(f"{url}/submit", json={"version": 3}, headers=editor.headers)
    # An admin who wrote a version may not approve it.
    admin = staff(Role.admin)
    client.post(f"{url}/comments", json={"body": "Đã xem"}, headers=admin.headers)
    assert client.get(url, headers=admin.headers).json()["status"] == "in_review"
    published = client.post(
        f"{url}/publish",
        json={"version": 4, "suggested_wording": "Thông tin sai sự thật."},
        headers=approver.headers,
    )
    assert published.status_code == 200, published.text
    assert published.json()["recipients"] == 1
    brief_id = published.json()["brief_id"]
    with Session(engine) as session:
        receivers = session.exec(select(BriefRecipient.partner_id)).all()
        assert receivers == [subscribed] and other not in receivers
        case = session.get(Case, body["case_id"])
        assert case is not None and case.state == CaseState.published
        labels = session.exec(select(FeedbackLabel.label)).all()
        assert labels == ["confirmed_false"]
    review = client.get(f"/claimreview/{body['id']}")
    assert review.status_code == 200
    assert review.headers["content-type"].startswith("application/ld+json")
    document = review.json()
    assert document["@type"] == "ClaimReview"
    for field in (
        "claimReviewed",
        "reviewRating",
        "itemReviewed",
        "author",
        "datePublished",
        "url",
    ):
        assert document[field], field
    assert document["reviewRating"]["alternateName"] == "Tin giả"
    assert document["itemReviewed"]["@type"] == "Claim"
    assert document["itemReviewed"]["appearance"][0]["url"].startswith("https://example.vn/")
    assert document["itemReviewed"]["firstAppearance"]["url"]
    expanded = jsonld.expand(
        document,
        {
            "documentLoader": lambda url, options=None: {
                "contextUrl": None,
                "documentUrl": url,
                "document": {"@context": {"@vocab": "https://schema.org/"}},
            }
        },
    )
    assert expanded[0]["@type"] == ["https://schema.org/ClaimReview"]
    rating = expanded[0]["https://schema.org/reviewRating"][0]
    assert rating["https://schema.org/alternateName"][0]["@value"] == "Tin giả"
    # Dated in Vietnam: 23:30 UTC on the 26th is 06:30 on the 27th in Hanoi.
    with Session(engine) as session:
        row = session.get(Rebuttal, body["id"])
        assert row is not None
        row.published_at = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
        session.add(row)
        session.commit()
    assert client.get(f"/claimreview/{body['id']}").json()["datePublished"] == "2026-11-27"
    assert (
        client.get(f"/briefs/{brief_id}", headers=editor.headers).json()["recipients"][0][
            "partner_id"
        ]
        == subscribed
    )


def test_the_author_never_approves(
    client: TestClient, engine: Engine, staff: Callable[[Role], Staff]
) -> None:
    admin = staff(Role.admin)
    body = draft(client, engine, admin)
    url = f"/rebuttals/{body['id']}"
    client.post(f"{url}/evidence", json=AUTHORITY, headers=admin.headers)
    client.post(f"{url}/submit", json={"version": 1}, headers=admin.headers)
    for action, extra in (("publish", {}), ("request-changes", {"note": "x"})):
        response = client.post(
            f"{url}/{action}", json={"version": 2, **extra}, headers=admin.headers
        )
        assert response.status_code == 403, action
        assert response.json()["error"]["code"] == "author_cannot_approve"
    assert client.get(url, headers=admin.headers).json()["status"] == "in_review"


def test_tin_gia_needs_the_authority(
    client: TestClient, engine: Engine, desk: dict[str, Staff]
) -> None:
    editor, approver = desk["editor"], desk["approver"]
    body = draft(client, engine, editor)
    url = f"/rebuttals/{body['id']}"
    client.post(
        f"{url}/evidence",
        json={"kind": "url", "title": "Bài báo", "url": "https://vnexpress.net/x"},
        headers=editor.headers,
    )
    client.post(f"{url}/submit", json={"version": 1}, headers=editor.headers)
    refused = client.post(f"{url}/publish", json={"version": 2}, headers=approver.headers)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "authority_confirmation_required"
    assert client.get(f"/claimreview/{body['id']}").status_code == 404
    with Session(engine) as session:
        assert session.exec(select(Brief)).all() == []


def test_correction_notifies_every_recipient_and_retraction(
    client: TestClient,
    engine: Engine,
    desk: dict[str, Staff],
    make_partner: Callable[..., tuple[int, str]],
) -> None:
    editor, approver = desk["editor"], desk["approver"]
    partners = [make_partner(topics=("giao_duc",)) for _ in range(2)]
    with Session(engine) as session:
        for partner_id, _ in partners:
            webhooks_service.create_endpoint(
                session=session,
                partner_id=partner_id,
                url="https://bao.example/hook",
                events=[],
                settings=DeskSettings(),
            )
        session.commit()
    body = draft(client, engine, editor)
    url = f"/rebuttals/{body['id']}"
    client.post(f"{url}/evidence", json=AUTHORITY, headers=editor.headers)
    client.post(f"{url}/submit", json={"version": 1}, headers=editor.headers)
    client.post(f"{url}/publish", json={"version": 2}, headers=approver.headers)
    # The note goes to every recipient: a blank one is refused, not sent.
    blank = client.post(
        f"{url}/correct",
        json={"version": 3, "summary": "Chỉ một phần sai", "note": "   "},
        headers=approver.headers,
    )
    assert blank.status_code == 422, blank.text
    corrected = client.post(
        f"{url}/correct",
        json={"version": 3, "verdict": "tin_sai_su_that", "note": "Một phần thông tin là đúng"},
        headers=approver.headers,
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["verdict"] == "tin_sai_su_that"
    with Session(engine) as session:
        brief = session.exec(select(Brief)).one()
        assert (brief.status, brief.version) == ("corrected", 2)
        corrections = session.exec(
            select(Delivery).where(Delivery.event == "brief.corrected")
        ).all()
        assert len(corrections) == 2
        assert all(d.payload["data"]["verdict_changed"] is True for d in corrections)
        assert {d.idempotency_key for d in corrections} == {f"brief.corrected:{brief.id}:v2"}
        versions = session.exec(select(RebuttalVersion.number)).all()
        assert sorted(versions) == [1, 2]
    no_note = client.post(f"{url}/retract", json={"version": 4}, headers=approver.headers)
    assert no_note.status_code == 422
    retracted = client.post(
        f"{url}/retract", json={"version": 4, "note": "Sai số liệu"}, headers=approver.headers
    )
    assert retracted.status_code == 200 and retracted.json()["status"] == "retracted"
    case = client.get(f"/cases/{body['case_id']}", headers=editor.headers).json()
    assert case["state"] == "retracted"
    with Session(engine) as session:
        assert (
            len(session.exec(select(Delivery).where(Delivery.event == "brief.retracted")).all())
            == 2
        )
    assert client.get(f"/claimreview/{body['id']}").status_code == 404


def test_text_typed_with_combining_marks_is_stored_composed(
    client: TestClient, engine: Engine, desk: dict[str, Staff]
) -> None:
    """macOS and some Vietnamese keyboards type "ổ" as o + two combining marks (NFD); posts
    and claims are stored composed (NFC), and a rebuttal must compare and search like them."""
    case = seed_case(engine, state=CaseState.triaged)
    nfd = {
        "verdict": "tin_gia",
        "summary": unicodedata.normalize("NFD", "Học phí giữ ổn định"),
        "key_facts": [unicodedata.normalize("NFD", "Mức trần không đổi")],
    }
    made = client.post(f"/cases/{case.id}/rebuttal", json=nfd, headers=desk["editor"].headers)
    assert made.status_code == 201, made.text
    assert made.json()["summary"] == "Học phí giữ ổn định"
    assert made.json()["key_facts"] == ["Mức trần không đổi"]


@pytest.mark.parametrize(
    "change",
    [
        {"verdict": "maybe"},
        {"summary": ""},
        {"summary": "  \t "},
        {"summary": 5},
        {"key_facts": ["ok", "   "]},
        {"key_facts": "not a list"},
        {"surprise": True},
        {"body": "a\x00b"},
    ],
)
def test_bad_drafts_are_refused(
    client: TestClient, engine: Engine, desk: dict[str, Staff], change: dict[str, Any]
) -> None:
    case = seed_case(engine, state=CaseState.triaged)
    response = client.post(
        f"/cases/{case.id}/rebuttal", json=DRAFT | change, headers=desk["editor"].headers
    )
    assert response.status_code == 422, response.text
    assert (
        client.get(f"/cases/{case.id}", headers=desk["editor"].headers).json()["state"] == "triaged"
    )


@pytest.mark.parametrize(
    "evidence",
    [
        {**AUTHORITY, "confirmed_by": None},
        {**AUTHORITY, "authority": ""},
        {k: v for k, v in AUTHORITY.items() if k != "confirmed_at"},
        {**AUTHORITY, "confirmed_at": (utcnow() + timedelta(days=2)).isoformat()},
        {**AUTHORITY, "confirmed_at": "hôm qua"},
        {"kind": "url", "title": "x"},
        {"kind": "url", "title": "x", "url": "javascript:alert(1)"},
        {"kind": "rumour", "title": "x"},
    ],
)
def test_bad_evidence_is_refused(
    client: TestClient, engine: Engine, desk: dict[str, Staff], evidence: dict[str, Any]
) -> None:
    body = draft(client, engine, desk["editor"])
    url = f"/rebuttals/{body['id']}"
    response = client.post(f"{url}/evidence", json=evidence, headers=desk["editor"].headers)
    assert response.status_code == 422, response.text
    assert client.get(url, headers=desk["editor"].headers).json()["evidence"] == []


def test_wrong_states_and_missing_rows(
    client: TestClient, engine: Engine, desk: dict[str, Staff]
) -> None:
    editor, approver = desk["editor"], desk["approver"]
    new_case = seed_case(engine)
    assert (
        client.post(
            f"/cases/{new_case.id}/rebuttal", json=DRAFT, headers=editor.headers
        ).status_code
        == 409
    )
    assert (
        client.post("/cases/424242/rebuttal", json=DRAFT, headers=editor.headers).status_code == 404
    )
    body = draft(client, engine, editor)
    url = f"/rebuttals/{body['id']}"
    for action in ("publish", "correct", "retract", "request-changes"):
        payload = {"version": 1, "note": "x"}
        response = client.post(f"{url}/{action}", json=payload, headers=approver.headers)
        assert response.status_code == 409, (action, response.text)
    assert client.get("/rebuttals/424242", headers=editor.headers).status_code == 404
    assert (
        client.post(f"{url}/comments", json={"body": "  "}, headers=editor.headers).status_code
        == 422
    )
    assert client.post(f"{url}/submit", json={}, headers=editor.headers).status_code == 422
    precondition = client.post(
        f"{url}/submit", json={}, headers={**editor.headers, "If-Match": '"7"'}
    )
    assert precondition.status_code == 412
    assert client.get("/claimreview/424242").status_code == 404


def test_partner_key_rotation(
    client: TestClient, make_partner: Callable[..., tuple[int, str]], staff: Callable[[Role], Staff]
) -> None:
    admin = staff(Role.admin)
    partner_id, key = make_partner()
    keys = client.get(f"/partners/{partner_id}/keys", headers=admin.headers).json()
    rotated = client.post(
        f"/partners/{partner_id}/keys/{keys[0]['id']}/rotate", headers=admin.headers
    )
    assert rotated.status_code == 201
    assert client.get("/partner/me", headers={"X-API-Key": key}).status_code == 401
    assert (
        client.get("/partner/me", headers={"X-API-Key": rotated.json()["key"]}).status_code == 200
    )
    assert (
        client.post(f"/partners/{partner_id}/keys/424242/rotate", headers=admin.headers).status_code
        == 404
    )
    updated = client.patch(
        f"/partners/{partner_id}", json={"topics": ["y_te", "giao_duc"]}, headers=admin.headers
    )
    assert updated.json()["topics"] == ["giao_duc", "y_te"]
    assert (
        client.patch(f"/partners/{partner_id}", json={"x": 1}, headers=admin.headers).status_code
        == 422
    )
    assert client.patch("/partners/424242", json={}, headers=admin.headers).status_code == 404

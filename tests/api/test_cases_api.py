"""The triage queue over HTTP: listing, filters, cursors, assignment, bulk, concurrency."""

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from api.app import create_app
from api.settings import ApiSettings
from models.cases import Case, CaseEvent
from models.desk import FeedbackLabel
from models.enums import CaseState, Role
from models.settings import CoreSettings
from tests.api.desk_helpers import (
    Staff,
    change_case_behind_the_orms_back,
    make_staff,
    seed_case,
)


@pytest.fixture
def staff(engine: Engine, api_settings: ApiSettings) -> Callable[[Role], Staff]:
    return lambda role: make_staff(engine, api_settings, role)


@pytest.fixture
def monitor(staff: Callable[[Role], Staff]) -> Staff:
    return staff(Role.monitor)


def event_count(engine: Engine, case_id: int | None) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
        ).one()


def test_open_by_hand_get_and_etag(client: TestClient, monitor: Staff, engine: Engine) -> None:
    post_case = seed_case(engine)
    created = client.post(
        "/cases",
        json={"title": "Tin đồn mới", "topic": "giao_duc", "risk_score": 0.9, "post_ids": []},
        headers=monitor.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["state"] == "new" and body["opened_by"] == "staff" and body["version"] == 1
    assert created.headers["ETag"] == '"1"'
    assert any("rủi ro" in r.lower() for r in body["priority_reasons"])
    assert "triaged" in body["allowed_moves"] and "published" not in body["allowed_moves"]
    fetched = client.get(f"/cases/{post_case.id}", headers=monitor.headers)
    assert fetched.status_code == 200 and len(fetched.json()["posts"]) == 1
    assert event_count(engine, body["id"]) == 1


def test_queue_filters_sorting_and_cursor(
    client: TestClient, monitor: Staff, engine: Engine
) -> None:
    ids: list[int] = []
    for i in range(7):
        case = seed_case(
            engine,
            priority=float(i % 3),
            topic="giao_duc" if i % 2 else "y_te",
            sla_in=timedelta(hours=-1 if i == 3 else 24),
            reach=i,
        )
        assert case.id is not None
        ids.append(case.id)
    seed_case(engine, state=CaseState.dismissed, priority=100.0)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/cases", params=params, headers=monitor.headers).json()
        seen += [c["id"] for c in page["items"]]
        pages += 1
        priorities = [c["priority"] for c in page["items"]]
        assert priorities == sorted(priorities, reverse=True)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 7 and pages == 3
    topic = client.get("/cases", params={"topic": "giao_duc"}, headers=monitor.headers).json()
    assert {c["topic"] for c in topic["items"]} == {"giao_duc"} and len(topic["items"]) == 3
    breached = client.get("/cases", params={"breached": True}, headers=monitor.headers).json()
    assert [c["id"] for c in breached["items"]] == [ids[3]]
    assert breached["items"][0]["sla_breached"] is True
    dismissed = client.get("/cases", params={"state": "dismissed"}, headers=monitor.headers)
    assert [c["state"] for c in dismissed.json()["items"]] == ["dismissed"]
    by_reach = client.get("/cases", params={"sort": "reach", "limit": 2}, headers=monitor.headers)
    assert [c["reach"] for c in by_reach.json()["items"]] == [6, 5]
    second = client.get(
        "/cases",
        params={"sort": "reach", "limit": 2, "cursor": by_reach.json()["next_cursor"]},
        headers=monitor.headers,
    )
    assert [c["reach"] for c in second.json()["items"]] == [4, 3]
    by_sla = client.get("/cases", params={"sort": "sla"}, headers=monitor.headers).json()
    assert by_sla["items"][0]["id"] == ids[3]


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "!!!"},
        {"cursor": "WyJjYXNlLXNsYSIsMSwyXQ"},  # a cursor for another sort
        {"sort": "random"},
        {"state": "closed"},
        {"limit": 0},
        {"limit": 1000},
        {"assignee_id": 0},
        {"source": "twitter"},
        {"breached": "maybe"},
    ],
)
def test_bad_queue_parameters_are_422(
    client: TestClient, monitor: Staff, params: dict[str, str | int]
) -> None:
    response = client.get("/cases", params=params, headers=monitor.headers)
    assert response.status_code == 422, (params, response.text)
    assert response.json()["error"]["message"]


def test_assign_self_assign_reassign_and_workload(
    client: TestClient, staff: Callable[[Role], Staff], engine: Engine
) -> None:
    monitor, editor, other = staff(Role.monitor), staff(Role.editor), staff(Role.editor)
    case = seed_case(engine)
    url = f"/cases/{case.id}"
    first = client.post(
        f"{url}/assign", json={"assignee_id": editor.id, "version": 1}, headers=monitor.headers
    )
    assert first.status_code == 200 and first.json()["assignee"]["username"] == editor.username
    second = client.post(
        f"{url}/assign",
        json={"assignee_id": other.id},
        headers={**monitor.headers, "If-Match": first.headers["ETag"]},
    )
    assert second.status_code == 200 and second.json()["assignee"]["id"] == other.id
    taken = client.post(f"{url}/self-assign", json={"version": 3}, headers=editor.headers)
    assert taken.status_code == 200 and taken.json()["assignee"]["id"] == editor.id
    workload = client.get("/cases/workload", headers=monitor.headers).json()
    mine = [row for row in workload if row["assignee"] and row["assignee"]["id"] == editor.id]
    assert mine and mine[0]["by_state"] == {"new": 1} and mine[0]["total"] == 1
    kinds = [e["kind"] for e in client.get(f"{url}/events", headers=monitor.headers).json()]
    assert kinds == ["assigned", "reassigned", "reassigned"]
    mine_only = client.get("/cases", params={"mine": True}, headers=editor.headers).json()
    assert [c["id"] for c in mine_only["items"]] == [case.id]


def test_bad_assignments(
    client: TestClient, staff: Callable[[Role], Staff], engine: Engine
) -> None:
    monitor, ops = staff(Role.monitor), staff(Role.ops)
    case = seed_case(engine)
    url = f"/cases/{case.id}/assign"
    for body, code in [
        ({"assignee_id": ops.id, "version": 1}, 422),  # ops do not work cases
        ({"assignee_id": 424242, "version": 1}, 422),
        ({"assignee_id": monitor.id}, 422),  # no version at all
        ({"assignee_id": monitor.id, "version": 0}, 422),
        ({"assignee_id": monitor.id, "version": 1, "x": 1}, 422),
    ]:
        response = client.post(url, json=body, headers=monitor.headers)
        assert response.status_code == code, (body, response.text)
    bad_etag = client.post(
        url, json={"assignee_id": monitor.id}, headers={**monitor.headers, "If-Match": "abc"}
    )
    assert bad_etag.status_code == 422
    missing = client.post(
        "/cases/424242/assign", json={"assignee_id": None, "version": 1}, headers=monitor.headers
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "case_not_found"
    assert event_count(engine, case.id) == 0


def test_two_editors_never_overwrite_each_other(
    client: TestClient, staff: Callable[[Role], Staff], engine: Engine
) -> None:
    alice, bob = staff(Role.monitor), staff(Role.monitor)
    case = seed_case(engine)
    url = f"/cases/{case.id}"
    etag = client.get(url, headers=alice.headers).headers["ETag"]
    assert client.get(url, headers=bob.headers).headers["ETag"] == etag
    won = client.patch(
        url, json={"title": "Sửa bởi Alice"}, headers={**alice.headers, "If-Match": etag}
    )
    assert won.status_code == 200 and won.headers["ETag"] == '"2"'
    lost = client.patch(
        url, json={"title": "Sửa bởi Bob"}, headers={**bob.headers, "If-Match": etag}
    )
    assert lost.status_code == 412
    assert lost.json()["error"]["current_version"] == 2
    lost_body = client.patch(url, json={"title": "Sửa bởi Bob", "version": 1}, headers=bob.headers)
    assert lost_body.status_code == 409 and lost_body.json()["error"]["code"] == "case_changed"
    final = client.get(url, headers=alice.headers).json()
    assert final["title"] == "Sửa bởi Alice" and final["version"] == 2
    assert event_count(engine, case.id) == 1


def test_transitions_over_http(
    client: TestClient, staff: Callable[[Role], Staff], engine: Engine
) -> None:
    monitor, editor = staff(Role.monitor), staff(Role.editor)
    case = seed_case(engine)
    url = f"/cases/{case.id}/transitions"
    triaged = client.post(url, json={"to": "triaged", "version": 1}, headers=monitor.headers)
    assert triaged.status_code == 200 and triaged.json()["state"] == "triaged"
    refused = client.post(url, json={"to": "dismissed", "version": 2}, headers=editor.headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "transition_forbidden"
    skip = client.post(url, json={"to": "published", "version": 2}, headers=monitor.headers)
    assert skip.status_code == 409 and skip.json()["error"]["code"] == "invalid_transition"
    no_reason = client.post(url, json={"to": "dismissed", "version": 2}, headers=monitor.headers)
    assert no_reason.status_code == 422
    started = client.post(url, json={"to": "in_progress", "version": 2}, headers=editor.headers)
    assert started.json()["assignee"]["id"] == editor.id
    bad = client.post(url, json={"to": "flying", "version": 3}, headers=editor.headers)
    assert bad.status_code == 422


def test_bulk_actions_report_each_case(
    client: TestClient, staff: Callable[[Role], Staff], engine: Engine
) -> None:
    monitor, editor = staff(Role.monitor), staff(Role.editor)
    a, b, c = seed_case(engine), seed_case(engine), seed_case(engine)
    response = client.post(
        "/cases/bulk",
        json={
            "action": "assign",
            "assignee_id": editor.id,
            "items": [{"id": a.id, "version": 1}, {"id": b.id, "version": 5}],
        },
        headers=monitor.headers,
    )
    assert response.status_code == 200
    assert [(r["id"], r["ok"], r["error"]) for r in response.json()] == [
        (a.id, True, None),
        (b.id, False, "case_changed"),
    ]
    dismissed = client.post(
        "/cases/bulk",
        json={
            "action": "dismiss",
            "reason": "Không liên quan chính sách",
            "false_positive": True,
            "items": [{"id": c.id, "version": 1}, {"id": 424242, "version": 1}],
        },
        headers=monitor.headers,
    ).json()
    assert [r["ok"] for r in dismissed] == [True, False]
    assert dismissed[1]["error"] == "case_not_found"
    prioritised = client.post(
        "/cases/bulk",
        json={"action": "set_priority", "priority": 99, "items": [{"id": b.id, "version": 1}]},
        headers=monitor.headers,
    ).json()
    assert prioritised[0]["ok"] and prioritised[0]["version"] == 2
    with Session(engine) as session:
        assert session.get(Case, c.id).state == CaseState.dismissed  # type: ignore[union-attr]
        assert session.get(Case, b.id).priority_manual is True  # type: ignore[union-attr]
        labels = session.exec(select(FeedbackLabel)).all()
        assert [(x.case_id, x.label) for x in labels] == [(c.id, "false_positive")]
    for body in [
        {"action": "dismiss", "items": [{"id": a.id, "version": 2}]},  # no reason
        {"action": "set_priority", "items": [{"id": a.id, "version": 2}]},
        {"action": "explode", "items": [{"id": a.id, "version": 2}]},
        {"action": "assign", "items": []},
        {"action": "assign", "assignee_id": 424242, "items": [{"id": a.id, "version": 2}]},
    ]:
        assert client.post("/cases/bulk", json=body, headers=monitor.headers).status_code == 422


def test_merge_and_split(client: TestClient, monitor: Staff, engine: Engine) -> None:
    target, source = seed_case(engine, posts=2), seed_case(engine, posts=1)
    merged = client.post(
        f"/cases/{target.id}/merge",
        json={"version": 1, "source_ids": [source.id]},
        headers=monitor.headers,
    )
    assert merged.status_code == 200, merged.text
    assert len(merged.json()["posts"]) == 3 and merged.json()["reach"] == 30
    gone = client.get(f"/cases/{source.id}", headers=monitor.headers).json()
    assert gone["state"] == "dismissed" and gone["merged_into_id"] == target.id
    assert gone["reach"] == 0
    post_ids = [p["post_id"] for p in merged.json()["posts"]]
    split = client.post(
        f"/cases/{target.id}/split",
        json={"version": 2, "post_ids": post_ids[:1], "title": "Câu chuyện khác"},
        headers=monitor.headers,
    )
    assert split.status_code == 201, split.text
    assert [p["post_id"] for p in split.json()["posts"]] == post_ids[:1]
    after = client.get(f"/cases/{target.id}", headers=monitor.headers).json()
    assert len(after["posts"]) == 2 and after["reach"] == 20
    for url, body in [
        (f"/cases/{target.id}/merge", {"version": 3, "source_ids": [target.id]}),
        (f"/cases/{target.id}/split", {"version": 3, "post_ids": post_ids[1:]}),  # all posts
        (f"/cases/{target.id}/split", {"version": 3, "post_ids": [424242]}),
    ]:
        assert client.post(url, json=body, headers=monitor.headers).status_code == 422


def test_update_validation_and_topic_policies(
    client: TestClient, staff: Callable[[Role], Staff], engine: Engine
) -> None:
    monitor, admin = staff(Role.monitor), staff(Role.admin)
    case = seed_case(engine, topic="giao_duc", risk_score=0.5)
    url = f"/cases/{case.id}"
    for body in [
        {"version": 1},
        {"version": 1, "priority": -1},
        {"version": 1, "topic": "Giáo dục!"},
        {"version": 1, "title": "   "},
        {"version": 1, "title": "a\x00b"},
        {"version": 1, "priority": 5, "priority_auto": True},
    ]:
        response = client.patch(url, json=body, headers=monitor.headers)
        assert response.status_code == 422, (body, response.text)
    assert event_count(engine, case.id) == 0
    put = client.put(
        "/topic-policies/giao_duc",
        json={"threshold": 0.4, "sla_hours": 12, "weight": 2.0},
        headers=admin.headers,
    )
    assert put.status_code == 200
    assert (
        client.put(
            "/topic-policies/giao_duc",
            json={"threshold": 2, "sla_hours": 12, "weight": 1},
            headers=admin.headers,
        ).status_code
        == 422
    )
    listed = client.get("/topic-policies", headers=monitor.headers).json()
    assert [(p["topic"], p["sla_hours"]) for p in listed] == [("giao_duc", 12)]
    manual = client.patch(url, json={"version": 1, "priority": 77}, headers=monitor.headers)
    assert manual.json()["priority"] == 77 and manual.json()["priority_manual"] is True
    auto = client.patch(url, json={"version": 2, "priority_auto": True}, headers=monitor.headers)
    assert auto.json()["priority_manual"] is False
    assert any("×2" in r for r in auto.json()["priority_reasons"])


def test_label_a_case(client: TestClient, monitor: Staff, engine: Engine) -> None:
    case = seed_case(engine, posts=2)
    url = f"/cases/{case.id}/labels"
    for body in [{"label": "maybe"}, {"label": "confirmed_hate", "post_ids": [424242]}, {}]:
        assert client.post(url, json=body, headers=monitor.headers).status_code == 422, body
    done = client.post(url, json={"label": "confirmed_hate"}, headers=monitor.headers)
    assert done.status_code == 200
    with Session(engine) as session:
        labels = session.exec(select(FeedbackLabel.label)).all()
        assert labels == ["confirmed_hate", "confirmed_hate"]
    kinds = [
        e["kind"] for e in client.get(f"/cases/{case.id}/events", headers=monitor.headers).json()
    ]
    assert kinds == ["labelled"]
    assert (
        client.post(
            "/cases/424242/labels", json={"label": "confirmed_hate"}, headers=monitor.headers
        ).status_code
        == 404
    )


def test_the_queue_page_cache_never_hides_a_change_made_here(
    client: TestClient, staff: Callable[[Role], Staff], engine: Engine
) -> None:
    monitor, other = staff(Role.monitor), staff(Role.monitor)
    case = seed_case(engine, priority=50.0)
    first = client.get("/cases", headers=monitor.headers).json()
    assert client.get("/cases", headers=other.headers).json() == first  # served again
    assigned = client.post(
        f"/cases/{case.id}/assign",
        json={"assignee_id": other.id, "version": 1},
        headers=monitor.headers,
    )
    assert assigned.status_code == 200, assigned.text
    row = next(c for c in client.get("/cases", headers=monitor.headers).json()["items"])
    assert row["id"] == case.id and row["assignee"]["id"] == other.id
    # "mine" is answered per person, never from another person's page.
    mine = client.get("/cases", params={"mine": True}, headers=other.headers).json()["items"]
    assert [c["id"] for c in mine] == [case.id]
    assert (
        client.get("/cases", params={"mine": True}, headers=monitor.headers).json()["items"] == []
    )
    seed_case(engine, priority=99.0)  # a detection job writing in this process
    assert len(client.get("/cases", headers=monitor.headers).json()["items"]) == 2


def test_a_served_page_turns_breached_when_its_due_time_passes(
    client: TestClient, monitor: Staff, engine: Engine
) -> None:
    seed_case(engine, sla_in=timedelta(milliseconds=400))
    assert client.get("/cases", headers=monitor.headers).json()["items"][0]["sla_breached"] is False
    time.sleep(0.45)
    assert client.get("/cases", headers=monitor.headers).json()["items"][0]["sla_breached"] is True


@pytest.mark.parametrize("seconds", [300.0, 0.0])
def test_a_change_made_elsewhere_shows_within_the_cache_time(
    seconds: float, engine: Engine, api_settings: ApiSettings, tmp_path: Path
) -> None:
    settings = api_settings.model_copy(update={"queue_cache_seconds": seconds})
    app = create_app(settings=settings, core=CoreSettings(data_dir=tmp_path), engine=engine)
    monitor = make_staff(engine, settings, Role.monitor)
    case = seed_case(engine, title="Trước")
    with TestClient(app) as client:
        assert client.get("/cases", headers=monitor.headers).json()["items"][0]["title"] == "Trước"
        change_case_behind_the_orms_back(engine, case.id, title="Sau")
        title = client.get("/cases", headers=monitor.headers).json()["items"][0]["title"]
        if engine.dialect.name == "postgresql" and seconds:
            return  # PostgreSQL tells the app about it: tests/api/test_change_feed.py
        assert title == ("Trước" if seconds else "Sau")

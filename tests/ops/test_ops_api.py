"""Ops API: schedules CRUD, pause/resume/run-now, next run times, runs, jobs, health."""

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from models.crawl import CrawlRun, Source
from models.enums import PostOrigin, Role, RunStatus, SourceKind
from models.posts import Post
from models.schedules import CrawlSchedule, JobRun, ScheduleKind
from models.types import utcnow

Headers = dict[str, str]


@pytest.fixture
def ops(auth_headers: Callable[[Role], Headers]) -> Headers:
    return auth_headers(Role.ops)


@pytest.fixture
def make_source(engine: Engine) -> Callable[..., int]:
    def make(name: str = "VnExpress Thời sự", enabled: bool = True, **fields: Any) -> int:
        with Session(engine) as session:
            source = Source(
                name=name,
                kind=SourceKind.feed,
                url="https://vnexpress.net/rss/thoi-su.rss",
                enabled=enabled,
                **fields,
            )
            session.add(source)
            session.commit()
            assert source.id is not None
            return source.id

    return make


def _count_schedules(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(CrawlSchedule)).one()


def test_create_interval_schedule_shows_next_run_times(
    client: TestClient, ops: Headers, make_source: Callable[..., int]
) -> None:
    source_id = make_source()
    response = client.post(
        "/ops/schedules",
        json={"source_id": source_id, "kind": "interval", "interval_seconds": 900},
        headers=ops,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["job_id"] == f"crawl:{source_id}"
    assert body["time_zone"] == "Asia/Ho_Chi_Minh"
    assert body["source_name"] == "VnExpress Thời sự"
    assert body["paused"] is False and body["jitter_seconds"] == 0
    # No scheduler is running in this test: the job store has nothing yet.
    assert body["scheduled_next_run_time"] is None
    times = [datetime.fromisoformat(t) for t in body["next_run_times"]]
    assert len(times) == 5
    assert all(t.utcoffset() == timedelta(hours=7) for t in times)
    assert {b - a for a, b in itertools.pairwise(times)} == {timedelta(seconds=900)}
    assert times[0] > utcnow()

    listed = client.get("/ops/schedules?count=2", headers=ops).json()
    assert [s["source_id"] for s in listed] == [source_id]
    assert len(listed[0]["next_run_times"]) == 2


def test_cron_schedule_runs_in_vietnam_time(
    client: TestClient, ops: Headers, make_source: Callable[..., int]
) -> None:
    source_id = make_source()
    response = client.post(
        "/ops/schedules",
        json={
            "source_id": source_id,
            "kind": "cron",
            "cron": "*/20 7-9 * * *",
            "jitter_seconds": 30,
        },
        headers=ops,
    )
    assert response.status_code == 201, response.text
    times = [datetime.fromisoformat(t) for t in response.json()["next_run_times"]]
    assert len(times) == 5
    for t in times:
        assert t.utcoffset() == timedelta(hours=7)
        assert 7 <= t.hour <= 9 and t.minute in (0, 20, 40) and t.second == 0

    other = make_source(name="Tuổi Trẻ")
    utc = client.post(
        "/ops/schedules",
        json={"source_id": other, "kind": "cron", "cron": "0 3 * * *", "time_zone": "UTC"},
        headers=ops,
    ).json()
    first = datetime.fromisoformat(utc["next_run_times"][0])
    assert (first.hour, first.utcoffset()) == (3, timedelta(0))


@pytest.mark.parametrize(
    ("payload", "field", "needle"),
    [
        ({"kind": "cron", "cron": "61 * * * *"}, "cron", "61"),
        ({"kind": "cron", "cron": "* * *"}, "cron", "5 fields"),
        ({"kind": "cron", "cron": "0 3 * * noday"}, "cron", "noday"),
        ({"kind": "cron", "cron": "0 0 31 2 *"}, "cron", "never fires"),
        ({"kind": "cron"}, "cron", "cron"),
        ({"kind": "interval"}, "interval_seconds", "interval"),
        (
            {"kind": "interval", "interval_seconds": 60, "time_zone": "Mars/Olympus"},
            "time_zone",
            "Mars/Olympus",
        ),
        ({"kind": "cron", "cron": "0 3 * * *", "interval_seconds": 60}, "interval_seconds", "cron"),
    ],
)
def test_invalid_schedules_are_422_with_the_reason(
    client: TestClient,
    ops: Headers,
    make_source: Callable[..., int],
    engine: Engine,
    payload: dict[str, Any],
    field: str,
    needle: str,
) -> None:
    source_id = make_source()
    response = client.post(
        "/ops/schedules",
        json={"source_id": source_id, **payload},
        headers={**ops, "Accept-Language": "en"},
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field
    assert needle in error["message"]
    assert _count_schedules(engine) == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "interval", "interval_seconds": 0}, "interval_seconds"),
        ({"kind": "interval", "interval_seconds": 59}, "interval_seconds"),
        ({"kind": "interval", "interval_seconds": -5}, "interval_seconds"),
        ({"kind": "interval", "interval_seconds": 60, "jitter_seconds": -1}, "jitter_seconds"),
        ({"kind": "weekly", "interval_seconds": 60}, "kind"),
        ({"kind": "interval", "interval_seconds": 60, "extra": 1}, "extra"),
    ],
)
def test_out_of_range_fields_are_422(
    client: TestClient,
    ops: Headers,
    make_source: Callable[..., int],
    engine: Engine,
    payload: dict[str, Any],
    field: str,
) -> None:
    source_id = make_source()
    response = client.post("/ops/schedules", json={"source_id": source_id, **payload}, headers=ops)
    assert response.status_code == 422
    assert field in {f["field"] for f in response.json()["error"]["fields"]}
    assert _count_schedules(engine) == 0


def test_unknown_source_and_second_schedule(
    client: TestClient, ops: Headers, make_source: Callable[..., int], engine: Engine
) -> None:
    missing = client.post(
        "/ops/schedules",
        json={"source_id": 424242, "kind": "interval", "interval_seconds": 60},
        headers=ops,
    )
    assert missing.status_code == 422
    assert missing.json()["error"]["field"] == "source_id"
    source_id = make_source()
    body = {"source_id": source_id, "kind": "interval", "interval_seconds": 60}
    assert client.post("/ops/schedules", json=body, headers=ops).status_code == 201
    again = client.post("/ops/schedules", json={**body, "interval_seconds": 120}, headers=ops)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "schedule_exists"
    stored = client.get(f"/ops/schedules/{source_id}", headers=ops).json()
    assert stored["interval_seconds"] == 60
    assert _count_schedules(engine) == 1


def test_update_pause_resume_delete(
    client: TestClient, ops: Headers, make_source: Callable[..., int]
) -> None:
    source_id = make_source()
    url = f"/ops/schedules/{source_id}"
    client.post(
        "/ops/schedules",
        json={"source_id": source_id, "kind": "interval", "interval_seconds": 60},
        headers=ops,
    )
    bad = client.patch(url, json={"kind": "cron"}, headers=ops)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "cron"
    assert client.get(url, headers=ops).json()["kind"] == "interval"

    changed = client.patch(url, json={"kind": "cron", "cron": "30 6 * * mon-fri"}, headers=ops)
    assert changed.status_code == 200, changed.text
    assert changed.json()["interval_seconds"] is None
    assert all(datetime.fromisoformat(t).weekday() < 5 for t in changed.json()["next_run_times"])

    paused = client.post(f"{url}/pause", headers=ops)
    assert paused.status_code == 200
    assert paused.json()["paused"] is True and paused.json()["next_run_times"] == []
    resumed = client.post(f"{url}/resume", headers=ops)
    assert resumed.json()["paused"] is False and len(resumed.json()["next_run_times"]) == 5

    assert client.delete(url, headers=ops).status_code == 204
    assert client.get(url, headers=ops).status_code == 404
    assert client.delete(url, headers=ops).status_code == 404
    assert client.post(f"{url}/pause", headers=ops).status_code == 404


def test_run_now_queues_a_crawl_even_when_paused(
    client: TestClient, ops: Headers, make_source: Callable[..., int], engine: Engine
) -> None:
    source_id = make_source()
    assert client.post(f"/ops/schedules/{source_id}/run-now", headers=ops).status_code == 404
    client.post(
        "/ops/schedules",
        json={"source_id": source_id, "kind": "interval", "interval_seconds": 60, "paused": True},
        headers=ops,
    )
    response = client.post(f"/ops/schedules/{source_id}/run-now", headers=ops)
    assert response.status_code == 202, response.text
    run = response.json()
    assert run["status"] == "queued" and run["job_id"] == f"crawl:{source_id}"
    assert run["params"] == {"source_id": source_id} and run["trigger"] == "run_now"
    queued = client.get("/ops/job-runs?status=queued", headers=ops).json()
    assert [r["id"] for r in queued] == [run["id"]]

    disabled = make_source(name="Nguồn đã tắt", enabled=False)
    client.post(
        "/ops/schedules",
        json={"source_id": disabled, "kind": "interval", "interval_seconds": 60},
        headers=ops,
    )
    refused = client.post(f"/ops/schedules/{disabled}/run-now", headers=ops)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "source_disabled"
    with Session(engine) as session:
        assert len(session.exec(select(JobRun)).all()) == 1


def test_jobs_and_run_now_of_a_job(client: TestClient, ops: Headers) -> None:
    jobs = {j["name"]: j for j in client.get("/ops/jobs", headers=ops).json()}
    assert jobs["retention-cleanup"]["every_seconds"] == 6 * 3600
    assert jobs["crawl"]["every_seconds"] is None and jobs["crawl"]["cron"] is None
    queued = client.post("/ops/jobs/retention-cleanup/run-now", headers=ops)
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    needs_source = client.post("/ops/jobs/crawl/run-now", headers=ops)
    assert needs_source.status_code == 422
    assert client.post("/ops/jobs/no-such-job/run-now", headers=ops).status_code == 404
    assert client.get("/ops/job-runs?status=bogus", headers=ops).status_code == 422
    runs = client.get("/ops/job-runs?job_name=retention-cleanup", headers=ops).json()
    assert [r["id"] for r in runs] == [queued.json()["id"]]
    one = client.get(f"/ops/job-runs/{queued.json()['id']}", headers=ops)
    assert one.status_code == 200 and one.json() == runs[0]
    assert client.get("/ops/job-runs/999999", headers=ops).status_code == 404


def _add_runs(engine: Engine, source_id: int, statuses: list[RunStatus]) -> None:
    """Oldest first."""
    start = utcnow() - timedelta(hours=len(statuses) + 1)
    with Session(engine) as session:
        for i, status in enumerate(statuses):
            session.add(
                CrawlRun(
                    source_id=source_id,
                    trigger="schedule",
                    status=status,
                    started_at=start + timedelta(hours=i),
                    finished_at=start + timedelta(hours=i, minutes=1),
                    errors={"http_5xx": 3} if status != RunStatus.succeeded else {},
                    error_message="máy chủ trả 503" if status != RunStatus.succeeded else None,
                )
            )
        session.commit()


def test_source_runs_with_errors(
    client: TestClient, ops: Headers, make_source: Callable[..., int], engine: Engine
) -> None:
    source_id = make_source()
    _add_runs(engine, source_id, [RunStatus.succeeded, RunStatus.failed])
    runs = client.get(f"/ops/sources/{source_id}/runs", headers=ops).json()
    assert [r["status"] for r in runs] == ["failed", "succeeded"]
    assert runs[0]["errors"] == {"http_5xx": 3} and runs[0]["error_message"] == "máy chủ trả 503"
    assert len(client.get(f"/ops/sources/{source_id}/runs?limit=1", headers=ops).json()) == 1
    assert client.get("/ops/sources/999999/runs", headers=ops).status_code == 404
    assert client.get(f"/ops/sources/{source_id}/runs?limit=0", headers=ops).status_code == 422


def test_health_view(
    client: TestClient, ops: Headers, make_source: Callable[..., int], engine: Engine
) -> None:
    failing = make_source(name="Luôn lỗi")
    recovered = make_source(name="Đã ổn")
    quiet = make_source(name="Im lặng", created_at=utcnow() - timedelta(hours=50))
    fresh = make_source(name="Mới thêm")
    never_posted = make_source(name="Chưa có bài", created_at=utcnow() - timedelta(hours=40))
    _add_runs(
        engine,
        failing,
        [RunStatus.succeeded, RunStatus.failed, RunStatus.timed_out, RunStatus.failed],
    )
    _add_runs(
        engine,
        recovered,
        [RunStatus.failed, RunStatus.failed, RunStatus.failed, RunStatus.succeeded],
    )
    with Session(engine) as session:
        session.add(
            Post(
                url="https://x.vn/1",
                canonical_url="https://x.vn/1",
                source_name="Im lặng",
                source_id=quiet,
                text="Bài cũ",
                content_hash="0" * 64,
                origin=PostOrigin.crawl,
                created_at=utcnow() - timedelta(hours=30),
            )
        )
        for source_id in (failing, recovered):
            session.add(
                Post(
                    url=f"https://x.vn/new-{source_id}",
                    canonical_url=f"https://x.vn/new-{source_id}",
                    source_name="x",
                    source_id=source_id,
                    text="Bài mới",
                    content_hash="1" * 64,
                    origin=PostOrigin.crawl,
                )
            )
        session.commit()

    report = client.get("/ops/health", headers=ops).json()  # defaults: N=3, X=24
    assert report["failing_runs"] == 3 and report["stale_hours"] == 24
    assert [(f["source_id"], f["consecutive_failures"]) for f in report["failing"]] == [
        (failing, 3)
    ]
    assert report["failing"][0]["last_status"] == "failed"
    assert report["failing"][0]["last_errors"] == {"http_5xx": 3}
    # Most silent first; a source that never produced a post counts from its creation.
    assert [s["source_id"] for s in report["stale"]] == [never_posted, quiet]
    assert report["stale"][1]["hours_without_new_post"] >= 30
    assert fresh not in [s["source_id"] for s in report["stale"]]

    strict = client.get("/ops/health?failing_runs=4&stale_hours=41", headers=ops).json()
    assert strict["failing"] == [] and strict["stale"] == []
    loose = client.get("/ops/health?failing_runs=1&stale_hours=20", headers=ops).json()
    assert {f["source_id"] for f in loose["failing"]} == {failing}
    assert [s["source_id"] for s in loose["stale"]] == [never_posted, quiet]
    assert loose["stale"][0]["last_post_at"] is None
    for bad in ("failing_runs=0", "stale_hours=0", "failing_runs=abc", "stale_hours=-1"):
        assert client.get(f"/ops/health?{bad}", headers=ops).status_code == 422


def test_admin_may_and_editor_may_not(
    client: TestClient, auth_headers: Callable[[Role], Headers]
) -> None:
    assert client.get("/ops/health", headers=auth_headers(Role.admin)).status_code == 200
    assert client.get("/ops/health", headers=auth_headers(Role.editor)).status_code == 403


def test_a_schedule_saved_before_the_one_minute_minimum_still_lists(
    client: TestClient, ops: Headers, make_source: Callable[..., int], engine: Engine
) -> None:
    source_id = make_source()
    with Session(engine) as session:
        session.add(
            CrawlSchedule(source_id=source_id, kind=ScheduleKind.interval, interval_seconds=30)
        )
        session.commit()
    listed = client.get("/ops/schedules", headers=ops)
    assert listed.status_code == 200, listed.text
    assert [s["interval_seconds"] for s in listed.json()] == [30]
    # Changing it asks for a minute at least; the stored schedule is left as it was.
    faster = client.patch(f"/ops/schedules/{source_id}", json={"interval_seconds": 5}, headers=ops)
    assert faster.status_code == 422
    slower = client.patch(f"/ops/schedules/{source_id}", json={"interval_seconds": 60}, headers=ops)
    assert slower.status_code == 200 and slower.json()["interval_seconds"] == 60

"""Ops pages: sources, schedules, run history and health, through the ops services."""

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models.crawl import Source
from models.enums import Role
from models.schedules import CrawlSchedule, JobRun
from models.types import utcnow

ALERT = re.compile(r'class="alert alert-(\w+)" role="\w+">([^<]*)<')


def alerts(html: str) -> list[tuple[str, str]]:
    return ALERT.findall(html)


def add_source(
    ops: TestClient, name: str = "VnExpress – Thời sự", url: str = "https://vnexpress.net/rss/a.rss"
) -> int:
    page = ops.post(
        "/ui/ops/sources",
        data={
            "name": name,
            "kind": "feed",
            "url": url,
            "enabled": "on",
        },
    )
    assert page.status_code == 200, page.text
    assert ("info", f"Đã thêm nguồn «{name}».") in alerts(page.text)
    match = re.search(r'href="/ui/ops/sources/(\d+)">' + re.escape(name), page.text)
    assert match
    return int(match.group(1))


def test_add_source_then_disable_it(logged_in: Callable[..., TestClient], session: Session) -> None:
    ops = logged_in(Role.ops)
    source_id = add_source(ops)
    page = ops.post(f"/ui/ops/sources/{source_id}/enabled", data={"enabled": "no"})
    assert ("info", "Đã tắt nguồn «VnExpress – Thời sự».") in alerts(page.text)
    source = session.get(Source, source_id)
    assert source is not None and source.enabled is False


def test_bad_source_keeps_the_form_and_stores_nothing(
    logged_in: Callable[..., TestClient], session: Session
) -> None:
    ops = logged_in(Role.ops)
    page = ops.post(
        "/ui/ops/sources",
        data={
            "name": "Trang listing",
            "kind": "listing",
            "url": "https://x.vn/",
            "config_json": "",
        },
    )
    assert page.status_code == 422
    assert "link_pattern" in page.text and 'value="Trang listing"' in page.text
    bad_json = ops.post(
        "/ui/ops/sources",
        data={"name": "Y", "kind": "feed", "url": "https://y.vn/rss", "config_json": "[1,"},
    )
    assert bad_json.status_code == 422 and "JSON" in bad_json.text
    internal = ops.post(
        "/ui/ops/sources", data={"name": "Z", "kind": "feed", "url": "http://127.0.0.1/rss"}
    )
    assert internal.status_code == 422
    assert session.exec(select(Source)).all() == []


def test_a_second_source_for_the_same_feed_is_refused_on_the_form(
    logged_in: Callable[..., TestClient], session: Session
) -> None:
    ops = logged_in(Role.ops)
    add_source(ops)
    again = ops.post(
        "/ui/ops/sources",
        data={"name": "Bản sao", "kind": "feed", "url": "https://vnexpress.net/rss/a.rss"},
    )
    assert again.status_code == 422
    assert "đã thu thập địa chỉ này" in again.text and 'value="Bản sao"' in again.text
    assert len(session.exec(select(Source)).all()) == 1


def test_sources_csv_export_follows_the_filter(logged_in: Callable[..., TestClient]) -> None:
    ops = logged_in(Role.ops)
    first = add_source(ops, "Nguồn một")
    add_source(ops, "Nguồn hai", "https://vnexpress.net/rss/b.rss")
    ops.post(f"/ui/ops/sources/{first}/enabled", data={"enabled": "no"})
    csv = ops.get("/ui/ops/sources?enabled=yes&format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("\ufeffid,name,kind")
    assert "Nguồn hai" in csv.text and "Nguồn một" not in csv.text


def test_schedule_create_pause_resume_run_now(
    logged_in: Callable[..., TestClient], session: Session
) -> None:
    ops = logged_in(Role.ops)
    source_id = add_source(ops)
    page = ops.post(
        "/ui/ops/schedules",
        data={"source_id": str(source_id), "kind": "cron", "cron": "*/30 6-22 * * *"},
    )
    assert ("info", f"Đã tạo lịch cho nguồn #{source_id}.") in alerts(page.text)
    assert "*/30 6-22 * * *" in page.text
    page = ops.post(f"/ui/ops/schedules/{source_id}/pause")
    assert ("info", f"Đã tạm dừng lịch của nguồn #{source_id}.") in alerts(page.text)
    schedule = session.exec(select(CrawlSchedule)).one()
    assert schedule.paused is True
    page = ops.post(f"/ui/ops/schedules/{source_id}/run-now")
    run = session.exec(select(JobRun)).one()
    assert run.job_id == f"crawl:{source_id}" and run.trigger == "run_now"
    assert ("info", f"Đã xếp lượt chạy #{run.id} cho nguồn #{source_id}.") in alerts(page.text)
    runs_page = ops.get("/ui/ops/runs?status=queued")
    assert f"crawl:{source_id}" in runs_page.text
    # Status and trigger are named for the reader, not shown as codes ("queued", "run_now").
    row = runs_page.text.split(f"<td>crawl:{source_id}</td>", 1)[1].split("</tr>", 1)[0]
    assert "<td>Chạy ngay</td>" in row and ">Đang chờ</span>" in row
    assert '<option value="queued" selected>Đang chờ</option>' in runs_page.text
    ops.post(f"/ui/ops/schedules/{source_id}/resume")
    session.refresh(schedule)
    assert schedule.paused is False


def test_bad_schedule_shows_the_reason_and_stores_nothing(
    logged_in: Callable[..., TestClient], session: Session
) -> None:
    ops = logged_in(Role.ops)
    source_id = add_source(ops)
    page = ops.post(
        "/ui/ops/schedules", data={"source_id": str(source_id), "kind": "cron", "cron": "mỗi ngày"}
    )
    assert page.status_code == 422 and "cron" in page.text
    page = ops.post("/ui/ops/schedules", data={"source_id": "abc", "kind": "interval"})
    assert page.status_code == 422
    assert session.exec(select(CrawlSchedule)).all() == []


def test_run_now_of_a_disabled_source_is_refused(logged_in: Callable[..., TestClient]) -> None:
    ops = logged_in(Role.ops)
    source_id = add_source(ops)
    ops.post(
        "/ui/ops/schedules",
        data={"source_id": str(source_id), "kind": "interval", "interval_seconds": "900"},
    )
    ops.post(f"/ui/ops/sources/{source_id}/enabled", data={"enabled": "no"})
    page = ops.post(f"/ui/ops/schedules/{source_id}/run-now", headers={"HX-Request": "true"})
    assert page.status_code == 409
    assert page.headers["HX-Retarget"] == "#flash"
    assert "đang tắt" in page.text


def test_health_and_source_pages_render(
    logged_in: Callable[..., TestClient], session: Session
) -> None:
    ops = logged_in(Role.ops)
    source_id = add_source(ops)
    assert ops.get("/ui/ops/health").status_code == 200
    source = session.get(Source, source_id)
    assert source is not None
    source.created_at = utcnow() - timedelta(hours=30, minutes=30)
    session.add(source)
    session.commit()
    health = ops.get("/ui/ops/health").text
    # Hours as Vietnamese writes them: "30,5", and the threshold without a stray ".0".
    assert "<td>30,5</td>" in health and "quá 24 giờ" in health
    page = ops.get(f"/ui/ops/sources/{source_id}")
    assert page.status_code == 200 and "Nguồn này chưa có lịch." in page.text
    assert ops.get("/ui/ops/sources/999999").status_code == 404


def test_monitor_cannot_open_ops_pages(logged_in: Callable[..., TestClient]) -> None:
    monitor = logged_in(Role.monitor)
    page = monitor.get("/ui/ops/sources")
    assert page.status_code == 403 and "Không có quyền" in page.text


def test_a_weight_takes_a_decimal_comma(
    logged_in: Callable[..., TestClient], session: Session
) -> None:
    ops = logged_in(Role.ops)
    page = ops.post(
        "/ui/ops/sources",
        data={"name": "Báo A", "kind": "feed", "url": "https://a.vn/rss", "weight": "1,5"},
    )
    assert page.status_code in (200, 303), page.text
    assert session.exec(select(Source.weight)).one() == 1.5


def test_error_pages_keep_the_signed_in_navigation(logged_in: Callable[..., TestClient]) -> None:
    monitor = logged_in(Role.monitor)
    forbidden = monitor.get("/ui/ops/sources")
    assert forbidden.status_code == 403
    assert 'action="/ui/logout"' in forbidden.text and "<nav" in forbidden.text
    missing = monitor.get("/ui/cases/987654")
    assert missing.status_code == 404
    assert 'action="/ui/logout"' in missing.text

"""In a real browser: ops staff pause a crawl schedule and run it now."""

import re
import uuid

from playwright.sync_api import Page, expect
from sqlmodel import Session

from api.ops import schedules as schedules_service
from crawlers import sources as sources_service
from models.crawl import SourceCreate
from models.enums import Role, SourceKind
from models.schedules import CrawlScheduleCreate, ScheduleKind
from tests.ui.conftest import LiveServer


def seed_scheduled_source(server: LiveServer) -> tuple[int, str]:
    name = f"Báo Thời sự {uuid.uuid4().hex[:6]}"
    with Session(server.engine, expire_on_commit=False) as session:
        source = sources_service.create(
            session=session,
            source_in=SourceCreate(
                name=name, kind=SourceKind.feed, url="https://thoisu.example.vn/rss"
            ),
        )
        assert source.id is not None
        schedules_service.create(
            session=session,
            schedule_in=CrawlScheduleCreate(
                source_id=source.id, kind=ScheduleKind.cron, cron="*/30 6-22 * * *"
            ),
        )
        session.commit()
        return source.id, name


def test_ops_pauses_and_runs_a_schedule(live_server: LiveServer, page: Page) -> None:
    source_id, name = seed_scheduled_source(live_server)
    live_server.user(Role.ops, "vanhanh-e2e")
    live_server.login(page, "vanhanh-e2e")
    expect(page).to_have_url(re.compile(r"/ui/ops/sources$"))

    page.get_by_role("link", name="Lịch thu thập").click()
    row = page.locator(f"#schedule-{source_id}")
    expect(row.get_by_text("Đang chạy")).to_be_visible()
    row.get_by_role("button", name=f"Tạm dừng: {name}").click()

    expect(page.get_by_role("status")).to_contain_text(f"Đã tạm dừng lịch của nguồn #{source_id}.")
    row = page.locator(f"#schedule-{source_id}")
    expect(row.locator(".badge")).to_have_text("Tạm dừng")
    expect(row.get_by_role("button", name=f"Tiếp tục: {name}")).to_be_visible()

    row.get_by_role("button", name=f"Chạy ngay: {name}").click()
    expect(page.get_by_role("status")).to_contain_text(f"cho nguồn #{source_id}.")
    page.get_by_role("link", name="Lượt thu thập").click()
    expect(page.get_by_role("cell", name=f"crawl:{source_id}")).to_be_visible()

"""In a real browser: the desk from triage to a partner's acknowledgement.

Each test seeds its own starting point through the services, so each can fail alone."""

import re

from playwright.sync_api import Page, expect

from models.enums import Role
from tests.ui import seed
from tests.ui.conftest import LiveServer


def ids(server: LiveServer) -> dict[str, int]:
    users = {
        "monitor": server.user(Role.monitor, "giamsat-e2e"),
        "editor": server.user(Role.editor, "bientap-e2e"),
        "approver": server.user(Role.approver, "pheduyet-e2e"),
    }
    return {name: user.id for name, user in users.items() if user.id is not None}


def test_monitor_triages_a_case(live_server: LiveServer, page: Page) -> None:
    case = seed.new_case(live_server.engine, ids(live_server)["monitor"])
    live_server.login(page, "giamsat-e2e")
    expect(page).to_have_url(re.compile(r"/ui/queue$"))

    # Take the case from the queue: only its row is swapped (htmx), no page reload.
    row = page.locator(f"#case-row-{case.case_id}")
    expect(row).to_contain_text(case.title)
    expect(row.locator("[data-due]")).to_contain_text("còn")
    row.get_by_role("button", name=f"Nhận việc #{case.case_id}").click()
    expect(page.locator(f"#case-row-{case.case_id}")).to_contain_text("giamsat-e2e")

    page.get_by_role("link", name=f"#{case.case_id} {case.title}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.title)
    expect(page.locator("mark.span")).to_have_text("lũ quan chức ngu dốt")
    expect(page.get_by_text("ngôn từ xúc phạm (0,80)")).to_be_visible()
    expect(page.locator("#case-assignee")).to_have_text("giamsat-e2e")
    # A monitor may triage or dismiss a new case, nothing else.
    expect(page.get_by_role("button", name="Gửi duyệt")).to_have_count(0)
    page.get_by_label("Ghi chú").first.fill("Tin đồn lan rộng, cần phản bác")
    page.get_by_role("button", name="Phân loại").click()

    expect(page.get_by_role("status")).to_contain_text("chuyển sang «Đã phân loại»")
    expect(page.locator("#case-state")).to_have_text("Đã phân loại")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("Tin đồn lan rộng, cần phản bác")
    expect(timeline).to_contain_text("giao việc")


def test_editor_drafts_a_rebuttal_with_evidence(live_server: LiveServer, page: Page) -> None:
    people = ids(live_server)
    case = seed.triaged_case(live_server.engine, people["monitor"])
    live_server.login(page, "bientap-e2e")
    page.goto(f"{live_server.url}/ui/cases/{case.case_id}")
    page.get_by_role("link", name="Soạn bài phản bác").click()

    page.get_by_label("Kết luận").select_option("tin_sai_su_that")
    page.get_by_label("Tóm tắt (bắt buộc)").fill("Học phí không tăng gấp ba.")
    page.get_by_label("Nội dung").fill("Bộ GD-ĐT khẳng định mức trần học phí giữ ổn định.")
    page.get_by_label("Dữ kiện chính").fill("Mức trần giữ nguyên\nKhông có văn bản mới")
    page.get_by_role("button", name="Tạo bản nháp").click()
    expect(page.get_by_role("status")).to_contain_text("Đã tạo bài phản bác")
    expect(page.locator("#rebuttal-status")).to_have_text("Bản nháp")

    page.get_by_label("Loại").select_option("url")
    page.get_by_label("Tiêu đề (bắt buộc)").fill("Thông cáo của Bộ GD-ĐT")
    page.get_by_label("Địa chỉ").fill("https://moet.example.gov.vn/thong-cao-hoc-phi")
    page.get_by_role("button", name="Thêm bằng chứng").click()
    expect(page.locator("#evidence-list")).to_contain_text("Thông cáo của Bộ GD-ĐT")

    # A second version, then the diff between them.
    page.get_by_label("Tóm tắt (bắt buộc)").fill("Học phí đại học công lập không tăng gấp ba.")
    page.get_by_role("button", name="Lưu phiên bản mới").click()
    expect(page.locator(".diff ins").first).to_contain_text("công lập")

    page.get_by_role("button", name="Gửi duyệt").click()
    expect(page.locator("#rebuttal-status")).to_have_text("Chờ duyệt")


def test_approver_publishes_the_rebuttal(live_server: LiveServer, page: Page) -> None:
    people = ids(live_server)
    case = seed.rebuttal_in_review(live_server.engine, people["monitor"], people["editor"])
    live_server.login(page, "pheduyet-e2e")
    page.goto(f"{live_server.url}/ui/queue?state=in_review")
    page.get_by_role("link", name=f"#{case.case_id} {case.title}").click()
    page.get_by_role("link", name=re.compile("Mở bài phản bác")).click()
    expect(page.locator("#rebuttal-status")).to_have_text("Chờ duyệt")
    expect(page.get_by_text("Thông cáo báo chí của Bộ GD-ĐT")).to_be_visible()

    page.get_by_label("Gợi ý câu chữ cho báo chí").fill("Thông tin chính thức từ Bộ GD-ĐT.")
    page.get_by_role("button", name="Duyệt và xuất bản").click()
    expect(page.get_by_role("status")).to_contain_text("Đã xuất bản; bản tin")
    expect(page.locator("#rebuttal-status")).to_have_text("Đã xuất bản")
    expect(page.locator("pre.jsonld")).to_contain_text('"ClaimReview"')


def test_partner_sees_and_acknowledges_the_brief(live_server: LiveServer, page: Page) -> None:
    people = ids(live_server)
    partner_id = seed.partner(live_server.engine)
    live_server.user(Role.partner, f"doitac-e2e-{partner_id}", partner_id=partner_id)
    brief = seed.published_brief(
        live_server.engine, people["monitor"], people["editor"], people["approver"], partner_id
    )
    live_server.login(page, f"doitac-e2e-{partner_id}")
    expect(page).to_have_url(re.compile(r"/ui/partner/briefs$"))
    row = page.locator(f"#brief-{brief.brief_id}")
    expect(row).to_contain_text("Chưa")
    row.get_by_role("link").click()
    expect(page.get_by_text("Mức trần học phí giữ ổn định")).to_be_visible()
    page.get_by_role("button", name="Xác nhận đã nhận").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Đã xác nhận nhận bản tin #{brief.brief_id}."
    )
    expect(page.locator("#ack-state .badge-ok")).to_be_visible()

    page.get_by_label("Địa chỉ bài đã đăng (bắt buộc)").fill("https://baothu.example.vn/hoc-phi")
    page.get_by_label("Lượt tiếp cận").fill("15000")
    page.get_by_role("button", name="Báo cáo đã đăng").click()
    expect(page.get_by_role("status")).to_contain_text("Đã ghi nhận bài đăng.")
    expect(page.get_by_role("link", name="https://baothu.example.vn/hoc-phi")).to_be_visible()


def test_queue_refreshes_itself_without_a_reload(live_server: LiveServer, page: Page) -> None:
    monitor_id = ids(live_server)["monitor"]
    live_server.login(page, "giamsat-e2e")
    expect(page).to_have_url(re.compile(r"/ui/queue$"))
    page.evaluate("window.__notReloaded = true")
    case = seed.new_case(live_server.engine, monitor_id)
    expect(page.locator(f"#case-row-{case.case_id}")).to_contain_text(case.title, timeout=8000)
    assert page.evaluate("window.__notReloaded") is True

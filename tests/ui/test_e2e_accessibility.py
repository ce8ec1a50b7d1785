"""Accessibility basics checked in the browser on every kind of page: a lang attribute,
a label for every form control, visible keyboard focus, keyboard-only use; and the public
report page on a phone-sized screen."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from models.enums import Role
from tests.ui import seed
from tests.ui.conftest import LiveServer

UNLABELLED_JS = """
() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && el.type !== 'submit' && el.type !== 'button')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))
"""

FOCUS_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {tag: el.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}
"""


def check_page(page: Page, url: str) -> None:
    page.goto(url)
    assert page.evaluate("document.documentElement.lang") in ("vi", "en"), url
    assert page.evaluate(UNLABELLED_JS) == [], f"controls without a label on {url}"
    # Keyboard from the top of the page (an autofocus field would start elsewhere): every
    # stop is drawn visibly.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.click(1, 1)
    page.keyboard.press("Tab")
    focus = page.evaluate(FOCUS_JS)
    assert focus is not None, f"Tab focuses nothing on {url}"
    assert focus["outline"] != "none" and focus["width"] >= 2, f"focus not visible on {url}"
    for _ in range(3):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_JS)
        assert focus is not None and focus["outline"] != "none", f"focus lost on {url}"


@pytest.fixture
def staff_pages(live_server: LiveServer) -> dict[str, list[str]]:
    monitor = live_server.user(Role.monitor, "a11y-giamsat")
    editor = live_server.user(Role.editor, "a11y-bientap")
    approver = live_server.user(Role.approver, "a11y-pheduyet")
    live_server.user(Role.ops, "a11y-vanhanh")
    live_server.user(Role.admin, "a11y-admin")
    assert monitor.id and editor.id and approver.id
    partner_id = seed.partner(live_server.engine)
    live_server.user(Role.partner, f"a11y-doitac-{partner_id}", partner_id=partner_id)
    brief = seed.published_brief(live_server.engine, monitor.id, editor.id, approver.id, partner_id)
    draft = seed.rebuttal_in_review(live_server.engine, monitor.id, editor.id)
    new = seed.new_case(live_server.engine, monitor.id)
    return {
        "a11y-giamsat": ["/ui/queue", f"/ui/cases/{new.case_id}", "/ui/dashboard"],
        "a11y-pheduyet": [f"/ui/rebuttals/{draft.rebuttal_id}"],
        "a11y-bientap": [f"/ui/cases/{new.case_id}/rebuttal/new"],
        "a11y-vanhanh": ["/ui/ops/sources", "/ui/ops/schedules", "/ui/ops/runs", "/ui/ops/health"],
        "a11y-admin": ["/ui/admin/partners"],
        f"a11y-doitac-{partner_id}": [
            "/ui/partner/briefs",
            f"/ui/partner/briefs/{brief.brief_id}",
            "/ui/partner/commissions",
        ],
    }


def test_public_pages_are_accessible(live_server: LiveServer, page: Page) -> None:
    for path in ("/ui/login", "/ui/report"):
        check_page(page, live_server.url + path)


def test_staff_and_partner_pages_are_accessible(
    live_server: LiveServer, browser: Browser, staff_pages: dict[str, list[str]]
) -> None:
    for username, paths in staff_pages.items():
        context = browser.new_context(locale="vi-VN")
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            live_server.login(page, username)
            for path in paths:
                check_page(page, live_server.url + path)
        finally:
            context.close()


def test_login_by_keyboard_alone(live_server: LiveServer, page: Page) -> None:
    live_server.user(Role.ops, "a11y-phim")
    page.goto(f"{live_server.url}/ui/login")
    # The username field has autofocus; type, Tab to the password, Enter submits.
    page.keyboard.type("a11y-phim")
    page.keyboard.press("Tab")
    page.keyboard.type("mat-khau-e2e-2026")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/ui/ops/sources$"))
    # The skip link moves focus into the main content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Bỏ qua đến nội dung chính")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_switch_to_english_and_back(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.url}/ui/report")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report false news")
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Báo cáo tin sai")


def test_report_page_on_a_phone(live_server: LiveServer, browser: Browser) -> None:
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/ui/report")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.get_by_label("Đường dẫn bài đăng (bắt buộc)").fill("https://fb.example.vn/p/42")
        page.get_by_label("Điều gì sai trong bài? (bắt buộc)").fill(
            "Bài nói học phí tăng gấp ba, không đúng."
        )
        button = page.get_by_role("button", name="Gửi phản ánh")
        box = button.bounding_box()
        assert box is not None and box["height"] >= 40  # big enough to tap
        button.click()
        expect(page.get_by_role("status")).to_contain_text("Cảm ơn bạn.")
        expect(page.locator("#report-token")).not_to_be_empty()
    finally:
        context.close()


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_palette_meets_wcag_aa_contrast() -> None:
    css = (Path(__file__).resolve().parents[2] / "api" / "static" / "vigil.css").read_text()
    colours = dict(re.findall(r"--([a-z\-]+):\s*(#[0-9a-f]{6})", css))
    for name in ("fg", "muted", "primary", "danger", "ok", "warn"):
        assert contrast(colours[name], "#ffffff") >= 4.5, name
        assert contrast(colours[name], colours["panel"]) >= 4.5, f"{name} on panel"
    assert contrast(colours["focus"], "#ffffff") >= 3.0  # non-text contrast for the focus ring

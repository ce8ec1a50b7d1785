"""Queue, case, rebuttal, partner, public report, dashboard and partner admin pages,
through the real services (no browser)."""

import csv
import io
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from models.cases import Case
from models.desk import BriefRecipient, Publication, Report
from models.enums import CaseState, Role
from models.partners import Partner, PartnerKey
from models.rebuttals import Evidence, Rebuttal
from models.users import User
from tests.ui import seed
from tests.ui.support import csrf_from

ALERT = re.compile(r'class="alert alert-(\w+)" role="\w+">([^<]*)<')


def alerts(html: str) -> list[str]:
    return [text for _, text in ALERT.findall(html)]


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, int]:
    found = {}
    for role in (Role.monitor, Role.editor, Role.approver):
        user = make_user(role)
        assert user.id is not None
        found[role.value] = user.id
    return found


def test_queue_lists_open_cases_with_reasons_and_csv(
    engine: Engine, people: dict[str, int], logged_in: Callable[..., TestClient]
) -> None:
    case = seed.new_case(engine, people["monitor"])
    monitor = logged_in(Role.monitor)
    page = monitor.get("/ui/queue")
    assert f'id="case-row-{case.case_id}"' in page.text and case.title in page.text
    assert "Mức rủi ro" in page.text  # a priority reason badge
    assert 'hx-trigger="every 20s' in page.text
    # Topics by name, not code (the filter and the CSV keep the code).
    assert "<td>Giáo dục và học phí</td>" in page.text and "<td>giao_duc</td>" not in page.text
    case_page = monitor.get(f"/ui/cases/{case.case_id}").text
    assert "Chủ đề: Giáo dục và học phí" in case_page
    assert re.search(r"<td>\d+,\d</td>", page.text)  # priority with a decimal comma
    # ...and the topic filter offers those names (it took a code typed by hand).
    filtered = monitor.get("/ui/queue?topic=giao_duc").text
    assert '<option value="giao_duc" selected>Giáo dục và học phí</option>' in filtered
    assert case.title in filtered
    rows = monitor.get("/ui/queue/rows?state=new")
    assert rows.text.lstrip().startswith('<tbody id="queue-rows"')
    assert case.title in rows.text
    assert case.title not in monitor.get("/ui/queue/rows?state=published").text
    csv = monitor.get("/ui/queue?format=csv&state=new")
    assert csv.headers["content-type"].startswith("text/csv") and case.title in csv.text


def test_queue_export_is_in_vietnam_time_and_says_when_it_is_cut(
    engine: Engine,
    people: dict[str, int],
    logged_in: Callable[..., TestClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed.new_case(engine, people["monitor"])
    seed.new_case(engine, people["monitor"])
    monitor = logged_in(Role.monitor)
    whole = monitor.get("/ui/queue?format=csv")
    assert 'filename="queue.csv"' in whole.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(whole.text.lstrip("\ufeff"))))
    assert len(rows) == 2
    assert all(row["sla_due_at"].endswith("+07:00") for row in rows)
    monkeypatch.setattr("api.ui.routes.desk.MAX_EXPORT_ROWS", 1)
    cut = monitor.get("/ui/queue?format=csv")
    assert 'filename="queue-first-1.csv"' in cut.headers["content-disposition"]
    assert len(list(csv.DictReader(io.StringIO(cut.text.lstrip("\ufeff"))))) == 1


def test_bad_queue_filters_are_ignored_and_bad_cursor_is_a_clear_error(
    logged_in: Callable[..., TestClient],
) -> None:
    monitor = logged_in(Role.monitor)
    assert monitor.get("/ui/queue?state=nonsense&sort=evil&who=x").status_code == 200
    page = monitor.get("/ui/queue?cursor=not-a-cursor")
    assert page.status_code == 422 and "Con trỏ" in page.text


def test_bulk_assign_and_dismiss_report_each_case(
    engine: Engine,
    people: dict[str, int],
    logged_in: Callable[..., TestClient],
    session: Session,
) -> None:
    first = seed.new_case(engine, people["monitor"])
    second = seed.new_case(engine, people["monitor"])
    monitor = logged_in(Role.monitor)
    page = monitor.post(
        "/ui/queue/bulk",
        data={"action": "assign_me", "case_ids": [f"{first.case_id}:1", f"{second.case_id}:1"]},
    )
    assert "Đã xử lý 2/2 vụ việc." in alerts(page.text)
    # Versions moved on: a stale selection fails per case, with the reason.
    page = monitor.post(
        "/ui/queue/bulk",
        data={"action": "dismiss", "reason": "Trùng lặp", "case_ids": [f"{first.case_id}:1"]},
    )
    messages = alerts(page.text)
    assert "Đã xử lý 0/1 vụ việc." in messages
    assert any(m.startswith(f"#{first.case_id}: ") for m in messages)
    # A dismissal without a reason is explained on the queue, not on a bare error page.
    page = monitor.post(
        "/ui/queue/bulk", data={"action": "dismiss", "case_ids": [f"{first.case_id}:2"]}
    )
    assert page.status_code == 200 and "Cần ghi lý do bỏ qua." in alerts(page.text)
    page = monitor.post("/ui/queue/bulk", data={"action": "dismiss", "case_ids": []})
    assert "Hãy chọn ít nhất một vụ việc." in alerts(page.text)
    page = monitor.post("/ui/queue/bulk", data={"action": "dismiss", "case_ids": ["1:x"]})
    assert page.status_code == 422
    states = {c.id: c.state for c in session.exec(select(Case)).all()}
    assert states == {first.case_id: CaseState.new, second.case_id: CaseState.new}


def test_editor_cannot_bulk_or_see_bulk_form(
    engine: Engine, people: dict[str, int], logged_in: Callable[..., TestClient]
) -> None:
    seed.new_case(engine, people["monitor"])
    editor = logged_in(Role.editor)
    assert 'id="bulk-form"' not in editor.get("/ui/queue").text
    assert editor.post("/ui/queue/bulk", data={"action": "dismiss"}).status_code == 403


def test_case_page_shows_span_detection_and_only_allowed_moves(
    engine: Engine, people: dict[str, int], logged_in: Callable[..., TestClient]
) -> None:
    case = seed.new_case(engine, people["monitor"])
    monitor = logged_in(Role.monitor)
    page = monitor.get(f"/ui/cases/{case.case_id}").text
    assert '<mark class="span"' in page and ">lũ quan chức ngu dốt</mark>" in page
    assert "ngôn từ xúc phạm (0,80)" in page and "ngu dốt +1.70" in page
    assert set(re.findall(r'name="to" value="(\w+)"', page)) == {"triaged", "dismissed"}
    # The timeline speaks the reader's language: state names, not codes.
    assert "(— → Mới)" in page and "→ new)" not in page
    approver = logged_in(Role.approver)
    assert (
        re.findall(r'name="to" value="(\w+)"', approver.get(f"/ui/cases/{case.case_id}").text) == []
    )
    ops = logged_in(Role.ops)
    assert 'name="to"' not in ops.get(f"/ui/cases/{case.case_id}").text


def test_dismiss_needs_a_reason_and_stale_version_is_refused(
    engine: Engine, people: dict[str, int], logged_in: Callable[..., TestClient], session: Session
) -> None:
    case = seed.new_case(engine, people["monitor"])
    monitor = logged_in(Role.monitor)
    page = monitor.post(f"/ui/cases/{case.case_id}/move", data={"to": "dismissed", "version": "1"})
    assert page.status_code == 422
    page = monitor.post(f"/ui/cases/{case.case_id}/move", data={"to": "triaged", "version": "9"})
    assert page.status_code == 409 and "vừa được người khác thay đổi" in page.text
    page = monitor.post(f"/ui/cases/{case.case_id}/move", data={"to": "published", "version": "1"})
    assert page.status_code == 409
    assert session.exec(select(Case)).one().state == CaseState.new


def test_editor_drafts_adds_evidence_and_submits(
    engine: Engine, people: dict[str, int], logged_in: Callable[..., TestClient], session: Session
) -> None:
    case = seed.triaged_case(engine, people["monitor"])
    editor = logged_in(Role.editor)
    bad = editor.post(f"/ui/cases/{case.case_id}/rebuttal", data={"verdict": "bịa", "summary": "x"})
    assert bad.status_code == 422 and 'name="summary"' in bad.text
    assert session.exec(select(Rebuttal)).all() == []
    page = editor.post(
        f"/ui/cases/{case.case_id}/rebuttal",
        data={"verdict": "tin_sai_su_that", "summary": "Không tăng", "key_facts": "a\n\n b "},
    )
    assert any(m.startswith("Đã tạo bài phản bác") for m in alerts(page.text))
    row = session.exec(select(Rebuttal)).one()
    assert row.key_facts == ["a", "b"]
    no_url = editor.post(
        f"/ui/rebuttals/{row.id}/evidence",
        data={"kind": "url", "title": "Thông cáo báo chí", "description": "Trang 2, mục 3"},
    )
    assert no_url.status_code == 422
    # A refused form comes back as it was typed, not blank.
    assert 'value="Thông cáo báo chí"' in no_url.text and "Trang 2, mục 3</textarea>" in no_url.text
    assert '<option value="url" selected>' in no_url.text
    stale = editor.post(
        f"/ui/rebuttals/{row.id}",
        data={"version": "99", "verdict": "tin_gia", "summary": "Tóm tắt mới", "body": "Thân bài"},
    )
    assert stale.status_code == 422
    assert "Tóm tắt mới</textarea>" in stale.text and "Thân bài</textarea>" in stale.text
    # ...with the version that was read, so saving again cannot overwrite someone else's edit.
    assert 'name="version" value="99"' in stale.text
    session.refresh(row)
    assert row.summary == "Không tăng"
    authority = editor.post(
        f"/ui/rebuttals/{row.id}/evidence",
        data={"kind": "authority_confirmation", "title": "Xác nhận", "authority": "Bộ GD-ĐT"},
    )
    assert authority.status_code == 422 and "confirmed_by" in authority.text
    ok = editor.post(
        f"/ui/rebuttals/{row.id}/evidence",
        data={"kind": "url", "title": "Thông cáo", "url": "https://moet.example.gov.vn/a"},
    )
    assert "Đã thêm bằng chứng." in alerts(ok.text)
    assert len(session.exec(select(Evidence)).all()) == 1
    editor.post(f"/ui/rebuttals/{row.id}/submit", data={"version": str(row.version)})
    session.refresh(row)
    assert row.status == "in_review"


def test_only_an_approver_reviews_and_publishes(
    engine: Engine,
    people: dict[str, int],
    logged_in: Callable[..., TestClient],
    session: Session,
) -> None:
    case = seed.rebuttal_in_review(engine, people["monitor"], people["editor"])
    editor = logged_in(Role.editor)
    assert "Duyệt và xuất bản" not in editor.get(f"/ui/rebuttals/{case.rebuttal_id}").text
    assert (
        editor.post(f"/ui/rebuttals/{case.rebuttal_id}/publish", data={"version": "1"}).status_code
        == 403
    )
    approver = logged_in(Role.approver)
    review = approver.get(f"/ui/rebuttals/{case.rebuttal_id}").text
    assert "Duyệt và xuất bản" in review and "Lưu phiên bản mới" not in review
    assert "Dữ liệu ClaimReview (JSON-LD) có sau khi xuất bản." in review
    row = session.get(Rebuttal, case.rebuttal_id)
    assert row is not None
    empty_note = approver.post(
        f"/ui/rebuttals/{row.id}/request-changes", data={"version": str(row.version)}
    )
    assert empty_note.status_code == 422
    page = approver.post(f"/ui/rebuttals/{row.id}/publish", data={"version": str(row.version)})
    assert any(m.startswith("Đã xuất bản; bản tin") for m in alerts(page.text))
    assert "&#34;@type&#34;: &#34;ClaimReview&#34;" in page.text
    session.refresh(row)
    assert row.status == "published"


def test_partner_acknowledges_and_reports_only_own_briefs(
    engine: Engine,
    people: dict[str, int],
    logged_in: Callable[..., TestClient],
    session: Session,
) -> None:
    partner_id = seed.partner(engine)
    other_id = seed.partner(engine, topics=("y_te",))
    brief = seed.published_brief(
        engine, people["monitor"], people["editor"], people["approver"], partner_id
    )
    mine = logged_in(Role.partner, partner_id=partner_id)
    other = logged_in(Role.partner, partner_id=other_id)
    assert f"#{brief.brief_id}" in mine.get("/ui/partner/briefs").text
    assert other.get(f"/ui/partner/briefs/{brief.brief_id}").status_code == 404
    assert other.post(f"/ui/partner/briefs/{brief.brief_id}/ack").status_code == 404
    mine.post(f"/ui/partner/briefs/{brief.brief_id}/ack")
    receipt = session.get(BriefRecipient, (brief.brief_id, partner_id))
    assert receipt is not None and receipt.acknowledged_at is not None
    bad = mine.post(
        f"/ui/partner/briefs/{brief.brief_id}/publications", data={"url": "ftp://x", "reach": "-1"}
    )
    assert bad.status_code == 422
    mine.post(
        f"/ui/partner/briefs/{brief.brief_id}/publications",
        data={"url": "https://bao.example.vn/a", "reach": "500"},
    )
    rows = session.exec(select(Publication)).all()
    assert [(p.url, p.reach) for p in rows] == [("https://bao.example.vn/a", 500)]
    # A reach typed as the portal shows numbers, "12.500", is twelve thousand five hundred:
    # it was read as 12.5 -> refused, and "1.000" as 1.
    for typed, count in (("12.500", 12500), ("1.000", 1000), ("3 400", 3400)):
        url = f"https://bao.example.vn/{count}"
        page = mine.post(
            f"/ui/partner/briefs/{brief.brief_id}/publications", data={"url": url, "reach": typed}
        )
        assert page.status_code in (200, 303), page.text
        row = session.exec(select(Publication).where(Publication.url == url)).one()
        assert row.reach == count, typed
    fraction = mine.post(
        f"/ui/partner/briefs/{brief.brief_id}/publications",
        data={"url": "https://bao.example.vn/b", "reach": "1.5"},
    )
    assert fraction.status_code == 422 and "không phải một số nguyên" in fraction.text
    assert mine.get("/ui/partner/commissions").status_code == 200
    staff = logged_in(Role.admin)
    assert staff.get("/ui/partner/briefs").status_code == 403


def test_public_report_without_login(app: object, session: Session) -> None:
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)
    visitor = TestClient(app)
    form = visitor.get("/ui/report")
    assert form.status_code == 200 and '<html lang="vi">' in form.text
    assert 'name="viewport"' in form.text
    token = csrf_from(form.text)
    bad = visitor.post(
        "/ui/report",
        data={"url": "javascript:alert(1)", "description": "ngắn", "csrf_token": token},
    )
    assert bad.status_code == 422 and session.exec(select(Report)).all() == []
    no_csrf = visitor.post(
        "/ui/report", data={"url": "https://fb.example.vn/p/1", "description": "Tin sai học phí"}
    )
    assert no_csrf.status_code == 403
    page = visitor.post(
        "/ui/report",
        data={
            "url": "https://fb.example.vn/p/1",
            "description": "Tin sai về học phí đại học",
            "contact": "",
            "csrf_token": token,
        },
    )
    report = session.exec(select(Report)).one()
    assert report.token in page.text and "Cảm ơn bạn." in page.text
    assert visitor.get("/ui/report/" + "x" * 30).status_code == 404


def test_dashboard_figures_and_csv(
    engine: Engine, people: dict[str, int], logged_in: Callable[..., TestClient]
) -> None:
    partner_id = seed.partner(engine)
    seed.published_brief(
        engine, people["monitor"], people["editor"], people["approver"], partner_id
    )
    monitor = logged_in(Role.monitor)
    page = monitor.get("/ui/dashboard?days=7")
    assert page.status_code == 200 and page.text.count("<svg") == 5
    assert re.search(r'id="ttr-median">\d+\.\d h<', page.text)
    flagged = monitor.get("/ui/dashboard?format=csv&table=flagged")
    assert flagged.text.splitlines()[0] == "\ufeffday,OFFENSIVE"
    assert sum(int(line.split(",")[1]) for line in flagged.text.splitlines()[1:]) == 1
    partners = monitor.get("/ui/dashboard?format=csv&table=partners").text
    assert ",1,0,0,0" in partners
    assert monitor.get("/ui/dashboard?days=0").status_code == 422


def test_admin_partner_administration(
    logged_in: Callable[..., TestClient], session: Session
) -> None:
    admin = logged_in(Role.admin)
    page = admin.post("/ui/admin/partners", data={"name": "Báo Mới", "topics": "giao_duc, y_te"})
    assert "Đã thêm đối tác «Báo Mới»." in alerts(page.text)
    partner = session.exec(select(Partner)).one()
    assert partner.topics == ["giao_duc", "y_te"]
    assert admin.post("/ui/admin/partners", data={"name": "Báo Mới"}).status_code == 422
    refused = admin.post(
        "/ui/admin/partners",
        data={"name": "Báo Xuân", "contact_email": "bx@bao.vn", "topics": "Giáo dục!"},
    )
    assert refused.status_code == 422
    # The refused form comes back as typed, to correct the topics rather than start over.
    assert 'value="Báo Xuân"' in refused.text and 'value="bx@bao.vn"' in refused.text
    assert 'value="Giáo dục!"' in refused.text
    bad_email = admin.post(
        "/ui/admin/partners", data={"name": "Báo Hạ", "contact_email": "toasoan-bao-ha"}
    )
    assert bad_email.status_code == 422
    assert "Email liên hệ không hợp lệ" in bad_email.text
    assert 'value="toasoan-bao-ha"' in bad_email.text
    assert session.exec(select(Partner)).all() == [partner]
    issued = admin.post(f"/ui/admin/partners/{partner.id}/keys", data={"label": "CMS"})
    key = re.search(r'id="new-key">(vgl_[^<]+)<', issued.text)
    assert key is not None
    assert admin.get("/ui/admin/partners").text.count(key.group(1)) == 0
    key_row = session.exec(select(PartnerKey)).one()
    admin.post(f"/ui/admin/partners/{partner.id}/keys/{key_row.id}/revoke")
    session.refresh(key_row)
    assert key_row.revoked_at is not None
    short = admin.post(
        f"/ui/admin/partners/{partner.id}/users", data={"username": "bao-moi", "password": "123"}
    )
    assert short.status_code == 422
    admin.post(
        f"/ui/admin/partners/{partner.id}/users",
        data={"username": "bao-moi", "password": "mat-khau-dai-du"},
    )
    user = session.exec(select(User).where(User.username == "bao-moi")).one()
    assert user.role == Role.partner and user.partner_id == partner.id


def test_case_page_marks_the_spans_of_the_real_detector(
    engine: Engine, people: dict[str, int], logged_in: Callable[..., TestClient], session: Session
) -> None:
    from detector.service import detect_posts

    case = seed.new_case(engine, people["monitor"])
    [detection] = detect_posts(session=session, post_ids=[case.post_id])
    assert detection.spans, "the shipped toxicity model should flag this post"
    page = logged_in(Role.monitor).get(f"/ui/cases/{case.case_id}").text
    for span in detection.spans:
        assert re.search(r'<mark class="span"[^>]*>' + re.escape(span["text"]) + "</mark>", page)
    assert detection.model_version in page


def test_approver_commissions_and_partner_accepts_and_delivers(
    engine: Engine, people: dict[str, int], logged_in: Callable[..., TestClient], session: Session
) -> None:
    from models.desk import Commission

    partner_id = seed.partner(engine)
    brief = seed.published_brief(
        engine, people["monitor"], people["editor"], people["approver"], partner_id
    )
    approver = logged_in(Role.approver)
    url = f"/ui/rebuttals/{brief.rebuttal_id}/commissions"
    past = approver.post(
        url,
        data={"partner_id": str(partner_id), "deliverable": "Bài", "deadline": "2020-01-01T08:00"},
    )
    assert past.status_code == 422 and "Hạn chót phải ở tương lai." in past.text
    assert "Bài</textarea>" in past.text and 'value="2020-01-01T08:00"' in past.text
    stranger = seed.partner(engine, topics=("y_te",))
    page = approver.post(
        url,
        data={"partner_id": str(stranger), "deliverable": "Bài", "deadline": "2099-01-01T08:00"},
    )
    assert page.status_code == 422
    assert session.exec(select(Commission)).all() == []
    page = approver.post(
        url,
        data={
            "partner_id": str(partner_id),
            "deliverable": "Một bài phỏng vấn chuyên gia",
            "deadline": "2099-01-01T08:00",
        },
    )
    assert "Đã gửi đơn đặt hàng." in alerts(page.text)
    commission = session.exec(select(Commission)).one()
    partner = logged_in(Role.partner, partner_id=partner_id)
    listing = partner.get("/ui/partner/commissions").text
    assert "Một bài phỏng vấn chuyên gia" in listing
    early = partner.post(
        f"/ui/partner/commissions/{commission.id}/deliver", data={"url": "https://b.vn/x"}
    )
    assert early.status_code == 409
    partner.post(f"/ui/partner/commissions/{commission.id}/respond", data={"answer": "accept"})
    partner.post(
        f"/ui/partner/commissions/{commission.id}/deliver",
        data={"url": "https://bao.example.vn/pv"},
    )
    session.refresh(commission)
    assert commission.status == "delivered"
    assert commission.delivered_url == "https://bao.example.vn/pv"
    bad = partner.post(f"/ui/partner/commissions/{commission.id}/respond", data={"answer": "maybe"})
    assert bad.status_code == 422


def test_case_page_lists_each_matched_claim_once_with_its_posts(
    engine: Engine, people: dict[str, int], logged_in: Callable[..., TestClient], session: Session
) -> None:
    from crawlers import posts as posts_service
    from detector.claims import service as claims_service
    from detector.claims.schemas import ClaimCreate
    from models.enums import PostOrigin, Verdict
    from models.posts import PostCreate
    from rebuttal import cases as cases_service

    case = seed.new_case(engine, people["monitor"])
    claim = claims_service.create(
        session=session,
        claim_in=ClaimCreate(
            text="Học phí đại học tăng gấp ba từ tháng 9", verdict=Verdict.tin_gia
        ),
    )
    assert claim.id is not None
    stored = cases_service.get(session=session, case_id=case.case_id)
    post_ids = [case.post_id]
    for n in range(7):
        post = posts_service.create(
            session=session,
            post_in=PostCreate(
                url=f"https://example.vn/bai-{n}", source_name="Nguồn", text=f"Học phí tăng {n}"
            ),
            origin=PostOrigin.crawl,
        )
        assert post.id is not None
        cases_service.add_post(session=session, case=stored, post=post)
        post_ids.append(post.id)
    for n, post_id in enumerate(post_ids):
        claims_service.link(
            session=session,
            post_id=post_id,
            claim_id=claim.id,
            similarity=0.9 - n / 100,
            stance="refutes" if n == 1 else "spreads",
            auto_linked=False,
        )
    session.commit()
    page = logged_in(Role.monitor).get(f"/ui/cases/{case.case_id}").text
    assert page.count("«Học phí đại học tăng gấp ba từ tháng 9»") == 1
    assert f"#{post_ids[0]}, 0.90" in page and "Phản bác" in page
    assert "và 3 bài khác" in page


def test_priority_reasons_follow_the_readers_language(
    engine: Engine, people: dict[str, int], logged_in: Callable[..., TestClient]
) -> None:
    case = seed.new_case(engine, people["monitor"])
    monitor = logged_in(Role.monitor)
    assert "Mức rủi ro" in monitor.get("/ui/queue").text
    page = monitor.get("/ui/queue")
    monitor.post("/ui/lang", data={"lang": "en", "csrf_token": csrf_from(page.text)})
    english = monitor.get("/ui/queue").text
    assert "Risk " in english and "Mức rủi ro" not in english
    assert "Mức rủi ro" not in monitor.get(f"/ui/cases/{case.case_id}").text


def test_desk_confirms_or_rejects_a_posts_link_to_the_case_claim(
    engine: Engine, people: dict[str, int], logged_in: Callable[..., TestClient], session: Session
) -> None:
    from detector.claims import service as claims_service
    from models.cases import CasePost
    from models.claims import PostClaimLink
    from tests.rebuttal.conftest import add_post, claim, detect

    rumour = claim(session, "Học phí đại học tăng gấp ba từ tháng 9 năm nay")
    post = add_post(session, "Bộ bác bỏ tin học phí đại học tăng gấp ba", engagement={"shares": 40})
    assert rumour.id is not None and post.id is not None
    claims_service.link(
        session=session,
        post_id=post.id,
        claim_id=rumour.id,
        similarity=0.92,
        stance="spreads",
        auto_linked=True,
    )
    from rebuttal.routing import route_detection

    case = route_detection(
        session=session,
        post=post,
        detection=detect(session, post, 0.9),
        links=claims_service.links_of(session=session, post_id=post.id),
    )
    session.commit()
    assert case is not None and case.id is not None
    path = f"/ui/cases/{case.id}/posts/{post.id}/link-review"

    monitor = logged_in(Role.monitor)
    page = monitor.get(f"/ui/cases/{case.id}").text
    assert f'action="{path}"' in page and "Không khớp tin này" in page
    assert f'action="{path}"' not in logged_in(Role.ops).get(f"/ui/cases/{case.id}").text
    assert logged_in(Role.ops).post(path, data={"decision": "rejected"}).status_code == 403
    bad = monitor.post(path, data={"decision": "maybe", "stance": "spreads"})
    assert bad.status_code == 422
    session.expire_all()
    stored = session.get(PostClaimLink, (post.id, rumour.id))
    assert stored is not None and stored.review is None

    # Redirected back to the case page, which says what was done and by whom.
    done = monitor.post(path, data={"decision": "confirmed", "stance": "refutes"})
    assert done.status_code == 200 and done.url.path == f"/ui/cases/{case.id}"
    assert f"Đã xác nhận bài đăng #{post.id}" in done.text and "đã được monitor" in done.text
    session.expire_all()
    assert session.get(CasePost, (case.id, post.id)).stance == "refutes"  # type: ignore[union-attr]

    # The rejected post leaves the case; the form sends the stance menu too, which is ignored.
    done = monitor.post(path, data={"decision": "rejected", "stance": "spreads"})
    assert done.status_code == 200 and "Đã bác bỏ" in done.text
    session.expire_all()
    assert session.get(CasePost, (case.id, post.id)) is None
    stored = session.get(PostClaimLink, (post.id, rumour.id))
    assert stored is not None and stored.review == "rejected"


def test_link_review_on_a_case_without_a_claim_is_a_clear_error(
    engine: Engine, people: dict[str, int], logged_in: Callable[..., TestClient]
) -> None:
    case = seed.new_case(engine, people["monitor"])
    page = logged_in(Role.monitor).post(
        f"/ui/cases/{case.case_id}/posts/{case.post_id}/link-review", data={"decision": "rejected"}
    )
    assert page.status_code == 422 and "không gắn với tin giả nào" in page.text

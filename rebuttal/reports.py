"""Public reports: anyone may report a suspected false or toxic post without logging in.

A report is validated, matched against known posts and claims, stored as a Post (origin
report; its text is the reporter's description until a crawl fetches the page) and lands in
the triage queue like a detection. The reporter keeps a random token to see the outcome.
"""

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import or_
from sqlmodel import Session, col, select

from crawlers import posts as posts_service
from models import backoff
from models.cases import Case
from models.claims import Claim
from models.desk import Report
from models.enums import CaseState, PostOrigin, RebuttalStatus
from models.errors import NotFound
from models.posts import Post, PostCreate
from models.rebuttals import Rebuttal
from models.types import utcnow
from rebuttal import cases as cases_service
from rebuttal.actors import SYSTEM
from rebuttal.routing import DEAD_STATES
from rebuttal.settings import DeskSettings
from rebuttal.workflow import record

# One plain address: no list separators, route or group syntax, quotes, comments or control
# characters, which a mail header would read as more recipients ("a@b.vn,postmaster").
_ADDR = r'[^@\s\x00-\x1f\x7f,;:<>()\[\]\\"]'
EMAIL = re.compile(rf"^{_ADDR}{{1,64}}@{_ADDR}+\.{_ADDR}{{2,}}\Z")
PHONE = re.compile(r"^\+?[0-9][0-9 .\-]{7,18}[0-9]\Z")
REPORT_RISK = 0.5


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=8, max_length=2000, description="Link to the post")
    description: str = Field(min_length=10, max_length=5000, description="What is wrong with it")
    contact: str | None = Field(
        default=None, max_length=320, description="E-mail or phone, to be told the outcome"
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
            raise ValueError("must be a full http(s) link")
        return value

    @field_validator("description")
    @classmethod
    def _text(cls, value: str) -> str:
        if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
            raise ValueError("control characters are not allowed")
        if len(value.strip()) < 10:
            raise ValueError("describe the problem in at least 10 characters")
        return value.strip()

    @field_validator("contact")
    @classmethod
    def _contact(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not (EMAIL.match(value) or PHONE.match(value)):
            raise ValueError("must be an e-mail address or a phone number")
        return value


class ReportReceipt(BaseModel):
    token: str
    status: str
    message: str
    created_at: datetime


class ReportOutcome(BaseModel):
    token: str
    status: str
    message: str
    created_at: datetime
    verdict: str | None = None
    summary: str | None = None
    claimreview_url: str | None = None


class ReportNotFound(NotFound):
    code = "report_not_found"


def client_hash(client: str) -> str:
    # Only a hash of the client address is kept: enough to spot abuse, not to identify anyone.
    return hashlib.sha256(f"vigil-report:{client}".encode()).hexdigest()


def _claim_for(session: Session, canonical: str, url: str) -> Claim | None:
    return session.exec(select(Claim).where(col(Claim.url).in_([canonical, url]))).first()


def _live_case(session: Session, *, post: Post, claim: Claim | None) -> Case | None:
    if claim is not None:
        found = session.exec(
            select(Case)
            .where(Case.claim_id == claim.id, col(Case.state).not_in([*DEAD_STATES]))
            .order_by(col(Case.id).desc())
        ).first()
        if found is not None:
            return found
    live = [
        c
        for c in cases_service.cases_of_post(session=session, post_id=post.id or 0)
        if c.state not in DEAD_STATES
    ]
    return live[0] if live else None


def submit(
    *, session: Session, report_in: ReportIn, client: str, settings: DeskSettings | None = None
) -> Report:
    settings = settings or DeskSettings()
    canonical = posts_service.canonical_url(report_in.url)
    post = posts_service.get_by_url(session=session, url=report_in.url)
    known = post is not None
    if post is None:
        host = urlsplit(canonical).hostname or "?"
        post = posts_service.create(
            session=session,
            post_in=PostCreate(
                url=report_in.url, source_name=f"Phản ánh: {host}"[:200], text=report_in.description
            ),
            origin=PostOrigin.report,
        )
    claim = _claim_for(session, canonical, report_in.url)
    case = _live_case(session, post=post, claim=claim)
    if case is None:
        case = cases_service.new_case(
            session=session,
            title=f"Phản ánh: {' '.join(report_in.description.split())[:200]}",
            topic=None,
            risk_score=REPORT_RISK,
            opened_by="report",
            claim_id=claim.id if claim else None,
            settings=settings,
        )
        record(session, case, SYSTEM, "opened", to_state=CaseState.new.value)
    cases_service.add_post(session=session, case=case, post=post)
    cases_service.recount_reach(session=session, case=case)
    cases_service.recompute_priority(session=session, case=case, settings=settings)
    session.add(case)
    report = Report(
        token=secrets.token_urlsafe(24),
        url=report_in.url,
        canonical_url=canonical,
        description=report_in.description,
        contact=report_in.contact,
        client_hash=client_hash(client),
        status="known_post" if known else "new_post",
        post_id=post.id,
        case_id=case.id,
        claim_id=claim.id if claim else None,
        # A post we already hold was crawled; a new URL waits for the crawler.
        needs_crawl=not known,
    )
    session.add(report)
    session.flush()
    record(session, case, SYSTEM, "reported", data={"report_id": report.id, "known": known})
    session.flush()
    return report


OUTCOMES: dict[str, tuple[str, str, str]] = {
    # case state → (public status, Vietnamese message, English message)
    CaseState.new: ("received", "Đã tiếp nhận, đang chờ xem xét.", "Received, awaiting review."),
    CaseState.triaged: (
        "received",
        "Đã tiếp nhận, đang chờ xem xét.",
        "Received, awaiting review.",
    ),
    CaseState.reopened: ("received", "Đang được xem xét lại.", "Being reviewed again."),
    CaseState.in_progress: ("in_progress", "Đang được xác minh.", "Being verified."),
    CaseState.in_review: ("in_progress", "Đang được xác minh.", "Being verified."),
    CaseState.retracted: ("in_progress", "Đang được xác minh lại.", "Being verified again."),
    CaseState.published: (
        "answered",
        "Đã có kết luận chính thức.",
        "An official answer has been published.",
    ),
    CaseState.dismissed: (
        "closed",
        "Đã xem xét; không cần phản bác.",
        "Reviewed; no rebuttal was needed.",
    ),
}


# public status → (Vietnamese, English) wording, for messages sent to the reporter
OUTCOME_TEXT: dict[str, tuple[str, str]] = {
    status: (vi, en) for status, vi, en in OUTCOMES.values()
}


def outcome(
    *, session: Session, token: str, lang: str = "vi", settings: DeskSettings | None = None
) -> ReportOutcome:
    settings = settings or DeskSettings()
    report = session.exec(select(Report).where(Report.token == token)).first()
    if report is None:
        raise ReportNotFound(
            "Không tìm thấy phản ánh với mã này.", "No report with this token was found."
        )
    case = session.get(Case, report.case_id) if report.case_id else None
    while case is not None and case.merged_into_id is not None:
        case = session.get(Case, case.merged_into_id)
    state = CaseState(case.state) if case else CaseState.new
    status, vi, en = OUTCOMES[state]
    result: dict[str, Any] = {}
    if case is not None and state == CaseState.published:
        rebuttal = session.exec(
            select(Rebuttal).where(
                Rebuttal.case_id == case.id, Rebuttal.status == RebuttalStatus.published
            )
        ).first()
        if rebuttal is not None:
            base = settings.public_base_url.rstrip("/")
            result = {
                "verdict": rebuttal.verdict,
                "summary": rebuttal.summary,
                "claimreview_url": f"{base}/claimreview/{rebuttal.id}",
            }
    return ReportOutcome(
        token=token,
        status=status,
        message=en if lang == "en" else vi,
        created_at=report.created_at.astimezone(UTC),
        **result,
    )


def due_notifications(
    *,
    session: Session,
    max_attempts: int = 5,
    limit: int = 100,
    settings: DeskSettings | None = None,
) -> list[tuple[Report, ReportOutcome]]:
    """Reports whose reporter left a contact and whose case has an outcome not yet sent,
    and whose last try (if any) has waited its pause."""
    settings = settings or DeskSettings()
    pause = timedelta(minutes=settings.notify_retry_minutes)
    decided = or_(
        col(Case.state).in_([CaseState.published, CaseState.dismissed]),
        col(Case.merged_into_id).is_not(None),
    )
    # Paged by id: a merged case whose survivor is still open is only known to be
    # undecided once its chain is followed here, and any number of those must not hide
    # the decided reports behind them.
    due: list[tuple[Report, ReportOutcome]] = []
    after = 0
    while len(due) < limit:
        rows = session.exec(
            select(Report)
            .join(Case, col(Case.id) == col(Report.case_id))
            .where(
                col(Report.id) > after,
                col(Report.contact).is_not(None),
                col(Report.notified_at).is_(None),
                col(Report.notify_attempts) < max_attempts,
                backoff.due_sql(
                    col(Report.notify_attempts), col(Report.notify_tried_at), utcnow(), pause
                ),
                decided,
            )
            .order_by(col(Report.id))
            .limit(limit * 5)
        ).all()
        if not rows:
            break
        for report in rows:
            result = outcome(session=session, token=report.token, settings=settings)
            if result.status in ("answered", "closed"):
                due.append((report, result))
        after = rows[-1].id or after
    return due[:limit]


def mark_notified(*, session: Session, report: Report) -> None:
    report.notified_at = utcnow()
    session.add(report)
    session.flush()

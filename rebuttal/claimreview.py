"""A published rebuttal as schema.org ClaimReview JSON-LD, for search engines and fact-check
aggregators."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models.cases import CasePost
from models.claims import Claim
from models.enums import RebuttalStatus, Verdict
from models.errors import NotFound
from models.posts import Post
from models.rebuttals import Rebuttal
from models.types import VIETNAM_TZ
from rebuttal import cases as cases_service
from rebuttal.settings import DeskSettings

# The Anti-Fake-News Center's public labels, best (4) to worst (1). Unverifiable has no
# place on that scale, so it carries only its name.
RATINGS: dict[str, tuple[int | None, str]] = {
    Verdict.tin_gia: (1, "Tin giả"),
    Verdict.tin_sai_su_that: (2, "Tin sai sự thật"),
    Verdict.tin_xac_thuc: (4, "Tin xác thực"),
    Verdict.chua_xac_minh: (None, "Chưa xác minh"),
}


class ClaimReviewNotFound(NotFound):
    code = "claimreview_not_found"


def _vietnam_date(value: datetime) -> str:
    # Times are stored in UTC; a rebuttal published at 06:30 in Hanoi is dated that day, not
    # the day before (the UTC date) as readers in Vietnam would otherwise see it.
    return value.astimezone(VIETNAM_TZ).date().isoformat()


def build(
    *, session: Session, rebuttal_id: int, settings: DeskSettings | None = None
) -> dict[str, Any]:
    settings = settings or DeskSettings()
    row = session.get(Rebuttal, rebuttal_id)
    if row is None or row.status != RebuttalStatus.published or row.published_at is None:
        raise ClaimReviewNotFound(
            f"Không có bài phản bác đã xuất bản #{rebuttal_id}.",
            f"No published rebuttal #{rebuttal_id}.",
        )
    case = cases_service.get(session=session, case_id=row.case_id)
    claim = session.get(Claim, row.claim_id) if row.claim_id else None
    posts = session.exec(
        select(Post)
        .join(CasePost, col(CasePost.post_id) == Post.id)
        .where(CasePost.case_id == case.id, CasePost.stance == "spreads")
        .order_by(col(Post.published_at).is_(None), col(Post.published_at), col(Post.id))
    ).all()
    base = settings.public_base_url.rstrip("/")
    value, name = RATINGS[row.verdict]
    rating: dict[str, Any] = {"@type": "Rating", "alternateName": name}
    if value is not None:
        rating |= {"ratingValue": value, "bestRating": 4, "worstRating": 1}
    appearances = [{"@type": "CreativeWork", "url": p.url} for p in posts]
    item: dict[str, Any] = {"@type": "Claim", "appearance": appearances}
    if posts:
        first = posts[0]
        item["firstAppearance"] = {"@type": "CreativeWork", "url": first.url}
        if first.published_at is not None:
            item["datePublished"] = _vietnam_date(first.published_at)
        if first.author:
            item["author"] = {"@type": "Person", "name": first.author}
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{base}/claimreview/{row.id}",
        "claimReviewed": claim.text if claim else case.title,
        "reviewRating": rating,
        "itemReviewed": item,
        "author": {"@type": "Organization", "name": settings.organisation_name, "url": base},
        "datePublished": _vietnam_date(row.published_at),
        "reviewBody": row.summary,
        "inLanguage": "vi",
    }

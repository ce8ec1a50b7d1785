"""Figures for the dashboard: flagged posts per day by topic and label, time to rebuttal,
SLA breaches and partner uptake. Read-only; no other part of Vigil computes these yet.

Aggregation happens in Python over the rows of the chosen window (at most a few months),
which keeps the SQL portable between SQLite and PostgreSQL.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from models.cases import Case
from models.desk import BriefRecipient, Publication
from models.detections import Detection
from models.enums import CaseState, RebuttalStatus, ToxicityLabel
from models.partners import Partner
from models.rebuttals import Rebuttal
from models.types import utcnow

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FLAG_RISK = 0.5
OPEN = {
    CaseState.new,
    CaseState.triaged,
    CaseState.in_progress,
    CaseState.in_review,
    CaseState.reopened,
}
FALSE_CLAIM = "FALSE_CLAIM"
NO_TOPIC = "khac"


def local_day(value: datetime) -> date:
    return value.astimezone(VIETNAM_TZ).date()


def days_of(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@dataclass
class Window:
    days: int
    topic: str | None
    now: datetime = field(default_factory=utcnow)

    @property
    def since(self) -> datetime:
        return self.now - timedelta(days=self.days)

    @property
    def day_list(self) -> list[date]:
        return days_of(local_day(self.since), local_day(self.now))


def label_of(detection: Detection) -> str | None:
    """Why a post counts as flagged, or None when it does not."""
    toxicity = detection.toxicity_label
    if toxicity in (ToxicityLabel.hate, ToxicityLabel.offensive):
        return str(toxicity)
    if detection.matched_claim_id is not None and detection.stance != "refutes":
        return FALSE_CLAIM
    if (detection.risk_score or 0.0) >= FLAG_RISK:
        return "RISK"
    return None


@dataclass
class Flagged:
    by_day_label: dict[date, Counter[str]]
    by_topic: Counter[str]
    labels: list[str]
    total: int

    def count(self, day: date, label: str) -> int:
        counts = self.by_day_label.get(day)
        return counts[label] if counts else 0


def flagged_posts(*, session: Session, window: Window) -> Flagged:
    """Each post counts once per day, under its newest detection's label."""
    rows = session.exec(
        select(Detection)
        .where(col(Detection.created_at) >= window.since)
        .order_by(col(Detection.created_at).desc(), col(Detection.id).desc())
    ).all()
    seen: set[tuple[int, date]] = set()
    by_day: dict[date, Counter[str]] = defaultdict(Counter)
    by_topic: Counter[str] = Counter()
    for row in rows:
        label = label_of(row)
        topics = row.topics or [NO_TOPIC]
        if label is None or (window.topic and window.topic not in topics):
            continue
        key = (row.post_id, local_day(row.created_at))
        if key in seen:
            continue
        seen.add(key)
        by_day[key[1]][label] += 1
        by_topic[topics[0]] += 1
    labels = sorted({label for counts in by_day.values() for label in counts})
    return Flagged(by_day_label=by_day, by_topic=by_topic, labels=labels, total=len(seen))


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least q of the values at or below."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


@dataclass
class TimeToRebuttal:
    hours: list[float]
    median: float | None
    p90: float | None


def time_to_rebuttal(*, session: Session, window: Window) -> TimeToRebuttal:
    """Hours from first detection to publication, for rebuttals published in the window."""
    query = (
        select(Rebuttal, Case)
        .join(Case, col(Case.id) == Rebuttal.case_id)
        .where(
            col(Rebuttal.published_at).is_not(None),
            col(Rebuttal.published_at) >= window.since,
            col(Rebuttal.status).in_([RebuttalStatus.published, RebuttalStatus.retracted]),
        )
    )
    if window.topic:
        query = query.where(Case.topic == window.topic)
    hours = []
    for rebuttal, case in session.exec(query).all():
        assert rebuttal.published_at is not None
        delta = (rebuttal.published_at - case.first_detected_at).total_seconds() / 3600
        hours.append(round(max(delta, 0.0), 2))
    return TimeToRebuttal(hours=hours, median=percentile(hours, 0.5), p90=percentile(hours, 0.9))


@dataclass
class Breaches:
    by_day: Counter[date]
    open_now: int
    total: int


def sla_breaches(*, session: Session, window: Window) -> Breaches:
    """Cases due in the window that were still open at their deadline (or are now)."""
    query = select(Case).where(
        col(Case.sla_due_at) >= window.since, col(Case.sla_due_at) <= window.now
    )
    if window.topic:
        query = query.where(Case.topic == window.topic)
    cases = session.exec(query).all()
    published = {
        r.case_id: r.published_at
        for r in session.exec(
            select(Rebuttal).where(
                col(Rebuttal.case_id).in_([c.id for c in cases]),
                col(Rebuttal.published_at).is_not(None),
            )
        ).all()
    }
    by_day: Counter[date] = Counter()
    open_now = 0
    for case in cases:
        done_at = published.get(case.id or 0)
        if case.state in OPEN:
            open_now += 1
            by_day[local_day(case.sla_due_at)] += 1
        elif case.state == CaseState.published and done_at and done_at > case.sla_due_at:
            by_day[local_day(case.sla_due_at)] += 1
    return Breaches(by_day=by_day, open_now=open_now, total=sum(by_day.values()))


@dataclass
class PartnerUptake:
    name: str
    sent: int
    acknowledged: int
    publications: int
    reach: int


def partner_uptake(*, session: Session, window: Window) -> list[PartnerUptake]:
    partners = {p.id: p for p in session.exec(select(Partner)).all()}
    sent: Counter[int] = Counter()
    acked: Counter[int] = Counter()
    for receipt in session.exec(
        select(BriefRecipient).where(col(BriefRecipient.sent_at) >= window.since)
    ).all():
        sent[receipt.partner_id] += 1
        if receipt.acknowledged_at is not None:
            acked[receipt.partner_id] += 1
    published: Counter[int] = Counter()
    reach: Counter[int] = Counter()
    for row in session.exec(
        select(Publication).where(col(Publication.reported_at) >= window.since)
    ).all():
        published[row.partner_id] += 1
        reach[row.partner_id] += row.reach
    return sorted(
        (
            PartnerUptake(
                name=partner.name,
                sent=sent[pid],
                acknowledged=acked[pid],
                publications=published[pid],
                reach=reach[pid],
            )
            for pid, partner in partners.items()
            if pid is not None and (sent[pid] or published[pid])
        ),
        key=lambda row: (-row.sent, row.name),
    )

"""Per-topic policies: routing threshold, SLA hours and queue weight."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models.desk import TopicPolicy
from models.types import utcnow
from rebuttal.settings import DeskSettings


@dataclass(frozen=True)
class Policy:
    topic: str | None
    threshold: float
    sla_hours: int
    weight: float


def default(settings: DeskSettings, topic: str | None = None) -> Policy:
    return Policy(
        topic=topic,
        threshold=settings.default_threshold,
        sla_hours=settings.default_sla_hours,
        weight=settings.default_topic_weight,
    )


def get(*, session: Session, topic: str | None, settings: DeskSettings | None = None) -> Policy:
    settings = settings or DeskSettings()
    row = session.get(TopicPolicy, topic) if topic else None
    if row is None:
        return default(settings, topic)
    return Policy(topic=topic, threshold=row.threshold, sla_hours=row.sla_hours, weight=row.weight)


def for_topics(
    *, session: Session, topics: Iterable[str], settings: DeskSettings | None = None
) -> Policy:
    """The policy that governs a post about several topics: the most sensitive one wins
    (lowest threshold, shortest SLA, highest weight), named after the highest-weighted topic."""
    settings = settings or DeskSettings()
    found = [get(session=session, topic=t, settings=settings) for t in dict.fromkeys(topics) if t]
    if not found:
        return default(settings)
    lead = max(found, key=lambda p: p.weight)
    return Policy(
        topic=lead.topic,
        threshold=min(p.threshold for p in found),
        sla_hours=min(p.sla_hours for p in found),
        weight=lead.weight,
    )


def list(*, session: Session) -> Sequence[TopicPolicy]:  # house rule: services named list
    return session.exec(select(TopicPolicy).order_by(col(TopicPolicy.topic))).all()


def upsert(
    *, session: Session, topic: str, threshold: float, sla_hours: int, weight: float
) -> TopicPolicy:
    row = session.get(TopicPolicy, topic) or TopicPolicy(topic=topic)
    row.threshold, row.sla_hours, row.weight = threshold, sla_hours, weight
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row

"""Briefs to press partners: who receives what, acknowledgements, publications, commissions.

A partner only ever reaches a brief through its BriefRecipient row, so one partner can
never see another's briefs, acknowledgements or commissions; a brief it did not receive
is "not found", exactly like a brief that does not exist.
"""

import builtins
import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from models.cases import Case
from models.claims import Claim
from models.desk import BriefRecipient, Commission, Publication
from models.errors import Conflict, InvalidInput, NotFound
from models.partners import Brief, Partner
from models.rebuttals import Evidence, Rebuttal
from models.types import utcnow
from rebuttal import cursor as cursors
from rebuttal import webhooks
from rebuttal.actors import Actor


class BriefNotFound(NotFound):
    code = "brief_not_found"


class CommissionNotFound(NotFound):
    code = "commission_not_found"


class CommissionState(Conflict):
    code = "commission_state"


def _not_found(brief_id: int) -> BriefNotFound:
    return BriefNotFound(f"Không tìm thấy bản tin #{brief_id}.", f"Brief #{brief_id} not found.")


def get(*, session: Session, brief_id: int) -> Brief:
    brief = session.get(Brief, brief_id)
    if brief is None:
        raise _not_found(brief_id)
    return brief


def payload(session: Session, brief: Brief, **extra: Any) -> dict[str, Any]:
    rebuttal = session.get(Rebuttal, brief.rebuttal_id)
    assert rebuttal is not None
    return {
        "brief_id": brief.id,
        "version": brief.version,
        "status": brief.status,
        "title": brief.title,
        "verdict": rebuttal.verdict,
        "summary": rebuttal.summary,
        "key_facts": brief.key_facts,
        "sources": brief.sources,
        "suggested_wording": brief.suggested_wording,
        "topics": brief.topics,
        "published_at": brief.published_at.isoformat(),
        **extra,
    }


def _recipients(
    session: Session, topics: Sequence[str], extra_partner_ids: Sequence[int]
) -> builtins.list[int]:
    chosen: dict[int, None] = {}
    for partner in session.exec(select(Partner).where(col(Partner.active).is_(True))).all():
        if partner.id is not None and set(partner.topics) & set(topics):
            chosen[partner.id] = None
    for partner_id in extra_partner_ids:
        extra = session.get(Partner, partner_id)
        if extra is None or not extra.active:
            raise InvalidInput(
                f"Không có đối tác đang hoạt động #{partner_id}.",
                f"No active partner #{partner_id}.",
                field="partner_ids",
            )
        chosen[partner_id] = None
    return builtins.list(chosen)


def publish(
    *,
    session: Session,
    rebuttal: Rebuttal,
    case: Case,
    evidence: Sequence[Evidence],
    suggested_wording: str,
    topics: Sequence[str] | None,
    extra_partner_ids: Sequence[int],
) -> Brief:
    if topics is None:
        claim = session.get(Claim, case.claim_id) if case.claim_id else None
        topics = [case.topic] if case.topic else (claim.topics if claim else [])
    partner_ids = _recipients(session, topics, extra_partner_ids)
    assert rebuttal.id is not None
    brief = Brief(
        rebuttal_id=rebuttal.id,
        title=case.title,
        key_facts=[*rebuttal.key_facts],
        sources=[e.url for e in evidence if e.url],
        suggested_wording=suggested_wording,
        topics=sorted(set(topics)),
    )
    session.add(brief)
    session.flush()
    assert brief.id is not None
    for partner_id in partner_ids:
        session.add(BriefRecipient(brief_id=brief.id, partner_id=partner_id))
    session.flush()
    webhooks.enqueue(
        session=session,
        event="brief.published",
        brief=brief,
        partner_ids=partner_ids,
        payload=payload(session, brief),
    )
    return brief


def recipient_ids(session: Session, brief_id: int) -> builtins.list[int]:
    return builtins.list(
        session.exec(select(BriefRecipient.partner_id).where(BriefRecipient.brief_id == brief_id))
    )


def _brief_of(session: Session, rebuttal: Rebuttal) -> Brief:
    brief = session.exec(select(Brief).where(Brief.rebuttal_id == rebuttal.id)).first()
    assert brief is not None, "a published rebuttal always has a brief"
    return brief


def correct(
    *,
    session: Session,
    rebuttal: Rebuttal,
    evidence: Sequence[Evidence],
    note: str,
    previous_verdict: str,
) -> Brief:
    brief = _brief_of(session, rebuttal)
    brief.version += 1
    brief.status = "corrected"
    brief.key_facts = [*rebuttal.key_facts]
    brief.sources = [e.url for e in evidence if e.url]
    session.add(brief)
    session.flush()
    webhooks.enqueue(
        session=session,
        event="brief.corrected",
        brief=brief,
        partner_ids=recipient_ids(session, brief.id or 0),
        payload=payload(
            session,
            brief,
            correction_note=note,
            previous_verdict=previous_verdict,
            verdict_changed=previous_verdict != rebuttal.verdict,
        ),
    )
    return brief


def retract(*, session: Session, rebuttal: Rebuttal, note: str) -> Brief:
    brief = _brief_of(session, rebuttal)
    brief.version += 1
    brief.status = "retracted"
    session.add(brief)
    session.flush()
    webhooks.enqueue(
        session=session,
        event="brief.retracted",
        brief=brief,
        partner_ids=recipient_ids(session, brief.id or 0),
        payload=payload(session, brief, retraction_note=note),
    )
    return brief


# ---- the partner's side ---------------------------------------------------------------------


def for_partner(
    *, session: Session, partner_id: int, brief_id: int
) -> tuple[Brief, BriefRecipient]:
    receipt = session.get(BriefRecipient, (brief_id, partner_id))
    brief = session.get(Brief, brief_id) if receipt is not None else None
    if receipt is None or brief is None:
        raise _not_found(brief_id)
    return brief, receipt


def list_for_partner(
    *, session: Session, partner_id: int, limit: int = 50, cursor: str | None = None
) -> tuple[Sequence[tuple[Brief, BriefRecipient]], str | None]:
    """Newest first, keyset-paginated on the brief id."""
    query = (
        select(Brief, BriefRecipient)
        .join(BriefRecipient, col(BriefRecipient.brief_id) == Brief.id)
        .where(BriefRecipient.partner_id == partner_id)
        .order_by(col(Brief.id).desc())
        .limit(limit + 1)
    )
    if cursor:
        [last_id] = cursors.decode(cursor, "brief", 1)
        if not isinstance(last_id, int):
            raise InvalidInput("Con trỏ không hợp lệ.", "Invalid cursor.", field="cursor")
        query = query.where(col(Brief.id) < last_id)
    rows = session.exec(query).all()
    next_cursor = cursors.encode("brief", rows[limit - 1][0].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def etag_of(items: Sequence[dict[str, Any]], next_cursor: str | None) -> str:
    digest = hashlib.sha256(
        json.dumps([items, next_cursor], sort_keys=True, default=str).encode()
    ).hexdigest()
    return f'W/"{digest[:32]}"'


def acknowledge(*, session: Session, partner_id: int, brief_id: int, by: str) -> BriefRecipient:
    _, receipt = for_partner(session=session, partner_id=partner_id, brief_id=brief_id)
    if receipt.acknowledged_at is None:
        receipt.acknowledged_at = utcnow()
        receipt.acknowledged_by = by[:100]
        session.add(receipt)
        session.flush()
    return receipt


def publications(
    *, session: Session, brief_id: int, partner_id: int | None = None
) -> Sequence[Publication]:
    query = select(Publication).where(Publication.brief_id == brief_id)
    if partner_id is not None:
        query = query.where(Publication.partner_id == partner_id)
    return session.exec(query.order_by(col(Publication.id))).all()


def report_publication(
    *, session: Session, partner_id: int, brief_id: int, url: str, reach: int, by: str
) -> Publication:
    """Record (or update) where the partner published the brief; its reach counts toward
    the case's rebuttal reach exactly once per URL."""
    brief, _ = for_partner(session=session, partner_id=partner_id, brief_id=brief_id)
    if brief.status == "retracted":
        raise Conflict(
            "Bản tin đã bị thu hồi; không ghi nhận đăng tải mới.",
            "The brief was retracted; no new publications are recorded.",
        )
    row = session.exec(
        select(Publication).where(
            Publication.brief_id == brief_id,
            Publication.partner_id == partner_id,
            Publication.url == url,
        )
    ).first()
    delta = reach - (row.reach if row else 0)
    if row is None:
        row = Publication(
            brief_id=brief_id, partner_id=partner_id, url=url, reach=reach, reported_by=by[:100]
        )
    else:
        row.reach, row.reported_at, row.reported_by = reach, utcnow(), by[:100]
    session.add(row)
    rebuttal = session.get(Rebuttal, brief.rebuttal_id)
    assert rebuttal is not None
    if delta:
        # An atomic increment: staff editing the case at the same time lose nothing.
        session.execute(
            update(Case)
            .where(col(Case.id) == rebuttal.case_id)
            .values(refute_reach=Case.refute_reach + delta),
            execution_options={"synchronize_session": False},
        )
    session.flush()
    return row


def create_commission(
    *,
    session: Session,
    brief_id: int,
    partner_id: int,
    deliverable: str,
    deadline: datetime,
    budget_note: str,
    actor: Actor,
) -> Commission:
    brief = get(session=session, brief_id=brief_id)
    if session.get(BriefRecipient, (brief_id, partner_id)) is None:
        raise InvalidInput(
            f"Đối tác #{partner_id} không nhận bản tin này; không đặt hàng được.",
            f"Partner #{partner_id} did not receive this brief; it cannot be commissioned.",
            field="partner_id",
        )
    if brief.status == "retracted":
        raise Conflict("Bản tin đã bị thu hồi.", "The brief was retracted.")
    if deadline <= utcnow():
        raise InvalidInput(
            "Hạn chót phải ở tương lai.", "The deadline must be in the future.", field="deadline"
        )
    assert actor.user_id is not None
    row = Commission(
        brief_id=brief_id,
        partner_id=partner_id,
        deliverable=deliverable,
        deadline=deadline,
        budget_note=budget_note,
        created_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    return row


def commissions(
    *, session: Session, partner_id: int | None = None, brief_id: int | None = None
) -> Sequence[Commission]:
    query = select(Commission).order_by(col(Commission.id).desc())
    if partner_id is not None:
        query = query.where(Commission.partner_id == partner_id)
    if brief_id is not None:
        query = query.where(Commission.brief_id == brief_id)
    return session.exec(query).all()


def _commission(session: Session, partner_id: int, commission_id: int) -> Commission:
    row = session.get(Commission, commission_id)
    if row is None or row.partner_id != partner_id:
        raise CommissionNotFound(
            f"Không tìm thấy đơn đặt hàng #{commission_id}.",
            f"Commission #{commission_id} not found.",
        )
    return row


def respond(
    *, session: Session, partner_id: int, commission_id: int, accept: bool, note: str | None
) -> Commission:
    row = _commission(session, partner_id, commission_id)
    if row.status != "offered":
        raise CommissionState(
            f"Đơn đặt hàng đang ở trạng thái «{row.status}», không trả lời được nữa.",
            f"The commission is '{row.status}'; it can no longer be answered.",
        )
    row.status = "accepted" if accept else "declined"
    row.response_note = note
    row.responded_at = utcnow()
    session.add(row)
    session.flush()
    return row


def deliver(
    *, session: Session, partner_id: int, commission_id: int, url: str, note: str | None
) -> Commission:
    row = _commission(session, partner_id, commission_id)
    if row.status not in ("accepted", "delivered"):
        raise CommissionState(
            f"Chỉ giao sản phẩm cho đơn đã nhận (đang ở «{row.status}»).",
            f"Only an accepted commission can be delivered (it is '{row.status}').",
        )
    row.status = "delivered"
    row.delivered_url = url
    row.response_note = note or row.response_note
    row.delivered_at = utcnow()
    session.add(row)
    session.flush()
    return row


def list(  # house rule: services are named get/list/...
    *, session: Session, limit: int = 50, cursor: str | None = None
) -> tuple[Sequence[Brief], str | None]:
    query = select(Brief).order_by(col(Brief.id).desc()).limit(limit + 1)
    if cursor:
        [last_id] = cursors.decode(cursor, "staff-brief", 1)
        if not isinstance(last_id, int):
            raise InvalidInput("Con trỏ không hợp lệ.", "Invalid cursor.", field="cursor")
        query = query.where(col(Brief.id) < last_id)
    rows = session.exec(query).all()
    next_cursor = cursors.encode("staff-brief", rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def receipts(*, session: Session, brief_id: int) -> Sequence[tuple[BriefRecipient, Partner]]:
    get(session=session, brief_id=brief_id)
    return session.exec(
        select(BriefRecipient, Partner)
        .join(Partner, col(Partner.id) == BriefRecipient.partner_id)
        .where(BriefRecipient.brief_id == brief_id)
        .order_by(col(Partner.name))
    ).all()

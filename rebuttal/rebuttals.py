"""Rebuttals: drafts with versions and evidence, review (the approver is never an author),
publication as a brief to partners, correction and retraction."""

import builtins
import difflib
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from models.cases import Case
from models.desk import RebuttalComment
from models.enums import CaseState, EvidenceKind, RebuttalStatus, Verdict
from models.errors import Conflict, Forbidden, InvalidInput, NotFound
from models.partners import Brief
from models.rebuttals import Evidence, Rebuttal, RebuttalVersion
from models.types import utcnow
from rebuttal import briefs as briefs_service
from rebuttal import cases as cases_service
from rebuttal import labels as labels_service
from rebuttal import versioning
from rebuttal.actors import Actor
from rebuttal.schemas import (
    CorrectIn,
    EvidenceCreate,
    PublishIn,
    RebuttalCreate,
    RebuttalUpdate,
)
from rebuttal.workflow import Expected, record, transition

EDITABLE = (RebuttalStatus.draft, RebuttalStatus.changes_requested)
CONTENT_FIELDS = ("verdict", "summary", "body", "key_facts")
FALSE_VERDICTS = (Verdict.tin_gia, Verdict.tin_sai_su_that)


class RebuttalNotFound(NotFound):
    code = "rebuttal_not_found"


class RebuttalStateError(Conflict):
    code = "rebuttal_state"


class AuthorCannotApprove(Forbidden):
    code = "author_cannot_approve"


class AuthorityConfirmationRequired(Conflict):
    code = "authority_confirmation_required"


def get(*, session: Session, rebuttal_id: int) -> Rebuttal:
    row = session.get(Rebuttal, rebuttal_id)
    if row is None:
        raise RebuttalNotFound(
            f"Không tìm thấy bài phản bác #{rebuttal_id}.", f"Rebuttal #{rebuttal_id} not found."
        )
    return row


def _claim(session: Session, row: Rebuttal, expected: Expected | None) -> None:
    versioning.claim(session, row, expected, what_vi="Bài phản bác", what_en="Rebuttal")


def _require_status(row: Rebuttal, allowed: Sequence[RebuttalStatus], action_vi: str) -> None:
    if RebuttalStatus(row.status) not in allowed:
        names = ", ".join(s.value for s in allowed)
        raise RebuttalStateError(
            f"Không thể {action_vi} khi bài phản bác đang ở trạng thái «{row.status}» "
            f"(cần: {names}).",
            f"Cannot do this while the rebuttal is '{row.status}' (needs: {names}).",
            status=str(row.status),
        )


def _authors(session: Session, row: Rebuttal) -> set[int]:
    authors = set(
        session.exec(
            select(RebuttalVersion.author_id).where(RebuttalVersion.rebuttal_id == row.id)
        ).all()
    )
    return authors | {row.author_id}


def _require_reviewer(session: Session, row: Rebuttal, actor: Actor) -> None:
    if actor.user_id in _authors(session, row):
        raise AuthorCannotApprove(
            "Người viết bài phản bác không được tự duyệt, yêu cầu sửa, xuất bản hay đính chính.",
            "An author of the rebuttal may not review, publish or correct it.",
        )


def _snapshot(session: Session, row: Rebuttal, actor: Actor, note: str | None) -> None:
    assert row.id is not None and actor.user_id is not None
    session.add(
        RebuttalVersion(
            rebuttal_id=row.id,
            number=row.current_version,
            verdict=row.verdict,
            summary=row.summary,
            body=row.body,
            key_facts=[*row.key_facts],
            author_id=actor.user_id,
            note=note,
        )
    )


def _case(session: Session, row: Rebuttal) -> Case:
    return cases_service.get(session=session, case_id=row.case_id)


def _move(
    session: Session,
    row: Rebuttal,
    *,
    expected: Expected | None,
    case_to: CaseState,
    status: RebuttalStatus,
    actor: Actor,
    note: str | None,
) -> Case:
    """A review step: claim the version read, move the case, set the rebuttal's status."""
    _claim(session, row, expected)
    case = _case(session, row)
    transition(session=session, case=case, to=case_to, actor=actor, note=note, via="rebuttal")
    row.status = status
    session.add(row)
    session.flush()
    return case


def create(
    *, session: Session, case_id: int, rebuttal_in: RebuttalCreate, actor: Actor
) -> Rebuttal:
    case = cases_service.get(session=session, case_id=case_id)
    live = session.exec(
        select(Rebuttal).where(
            Rebuttal.case_id == case_id, Rebuttal.status != RebuttalStatus.retracted
        )
    ).first()
    if live is not None:
        raise RebuttalStateError(
            f"Vụ việc #{case_id} đã có bài phản bác #{live.id}.",
            f"Case #{case_id} already has rebuttal #{live.id}.",
            rebuttal_id=live.id,
        )
    if case.state in (CaseState.triaged, CaseState.reopened):
        transition(session=session, case=case, to=CaseState.in_progress, actor=actor)
    elif case.state != CaseState.in_progress:
        raise RebuttalStateError(
            f"Chỉ viết bài phản bác cho vụ việc đã phân loại (đang ở «{case.state}»).",
            f"Rebuttals are written for triaged cases (this one is '{case.state}').",
        )
    assert actor.user_id is not None
    row = Rebuttal(
        case_id=case_id,
        claim_id=case.claim_id,
        verdict=rebuttal_in.verdict,
        summary=rebuttal_in.summary.strip(),
        body=rebuttal_in.body,
        key_facts=[*rebuttal_in.key_facts],
        author_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    _snapshot(session, row, actor, rebuttal_in.note)
    record(session, case, actor, "rebuttal_drafted", data={"rebuttal_id": row.id})
    session.flush()
    return row


def _apply(row: Rebuttal, changes: dict[str, Any]) -> dict[str, Any]:
    changed = {}
    for name in CONTENT_FIELDS:
        value = changes.get(name)
        if value is not None and value != getattr(row, name):
            changed[name] = value
            setattr(row, name, [*value] if name == "key_facts" else value)
    return changed


def update(
    *,
    session: Session,
    rebuttal_id: int,
    rebuttal_in: RebuttalUpdate,
    actor: Actor,
    expected: Expected | None = None,
) -> Rebuttal:
    row = get(session=session, rebuttal_id=rebuttal_id)
    _require_status(row, EDITABLE, "sửa")
    _claim(session, row, expected)
    changed = _apply(row, rebuttal_in.model_dump(include=set(CONTENT_FIELDS)))
    if not changed:
        raise InvalidInput("Không có gì thay đổi.", "Nothing changed.", field="body")
    row.current_version += 1
    _snapshot(session, row, actor, rebuttal_in.note)
    session.add(row)
    session.flush()
    return row


def add_evidence(
    *, session: Session, rebuttal_id: int, evidence_in: EvidenceCreate, actor: Actor
) -> Evidence:
    row = get(session=session, rebuttal_id=rebuttal_id)
    _require_status(row, (*EDITABLE, RebuttalStatus.in_review), "thêm bằng chứng")
    if evidence_in.kind == EvidenceKind.authority_confirmation:
        missing = [
            name
            for name in ("authority", "confirmed_by", "confirmed_at")
            if not getattr(evidence_in, name)
        ]
        if missing:
            raise InvalidInput(
                "Xác nhận của cơ quan có thẩm quyền phải ghi rõ cơ quan, người xác nhận và thời "
                f"điểm (thiếu: {', '.join(missing)}).",
                "An authority confirmation needs the authority, who confirmed and when "
                f"(missing: {', '.join(missing)}).",
                field=missing[0],
            )
        assert evidence_in.confirmed_at is not None
        if evidence_in.confirmed_at > utcnow() + timedelta(minutes=5):
            raise InvalidInput(
                "Thời điểm xác nhận không thể ở tương lai.",
                "The confirmation time cannot be in the future.",
                field="confirmed_at",
            )
    if evidence_in.kind == EvidenceKind.url and not evidence_in.url:
        raise InvalidInput(
            "Bằng chứng loại đường dẫn cần có url.", "URL evidence needs a url.", field="url"
        )
    assert actor.user_id is not None and row.id is not None
    evidence = Evidence(
        rebuttal_id=row.id,
        kind=evidence_in.kind,
        title=evidence_in.title,
        url=evidence_in.url,
        description=evidence_in.description,
        authority=evidence_in.authority,
        confirmed_by=evidence_in.confirmed_by,
        confirmed_at=evidence_in.confirmed_at,
        added_by=actor.user_id,
    )
    session.add(evidence)
    session.flush()
    return evidence


def evidence_of(*, session: Session, rebuttal_id: int) -> Sequence[Evidence]:
    return session.exec(
        select(Evidence).where(Evidence.rebuttal_id == rebuttal_id).order_by(col(Evidence.id))
    ).all()


def versions(*, session: Session, rebuttal_id: int) -> Sequence[RebuttalVersion]:
    get(session=session, rebuttal_id=rebuttal_id)
    return session.exec(
        select(RebuttalVersion)
        .where(RebuttalVersion.rebuttal_id == rebuttal_id)
        .order_by(col(RebuttalVersion.number))
    ).all()


def _text(value: Any) -> str:
    if isinstance(value, builtins.list):
        return "\n".join(str(v) for v in value)
    return str(value)


def diff(
    *, session: Session, rebuttal_id: int, from_version: int, to_version: int
) -> builtins.list[dict[str, Any]]:
    by_number = {v.number: v for v in versions(session=session, rebuttal_id=rebuttal_id)}
    for number, name in ((from_version, "from"), (to_version, "to")):
        if number not in by_number:
            raise InvalidInput(
                f"Bài phản bác không có phiên bản {number}.",
                f"The rebuttal has no version {number}.",
                field=name,
            )
    before, after = by_number[from_version], by_number[to_version]
    changes = []
    for name in CONTENT_FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if old == new:
            continue
        unified = "\n".join(
            difflib.unified_diff(
                _text(old).splitlines(),
                _text(new).splitlines(),
                fromfile=f"v{from_version}/{name}",
                tofile=f"v{to_version}/{name}",
                lineterm="",
            )
        )
        changes.append({"field": name, "before": old, "after": new, "unified": unified})
    return changes


def submit(
    *, session: Session, rebuttal_id: int, actor: Actor, expected: Expected | None, note: str | None
) -> Rebuttal:
    row = get(session=session, rebuttal_id=rebuttal_id)
    _require_status(row, EDITABLE, "gửi duyệt")
    _move(
        session,
        row,
        expected=expected,
        case_to=CaseState.in_review,
        status=RebuttalStatus.in_review,
        actor=actor,
        note=note,
    )
    return row


def comment(
    *, session: Session, rebuttal_id: int, body: str, actor: Actor, kind: str = "comment"
) -> RebuttalComment:
    row = get(session=session, rebuttal_id=rebuttal_id)
    if not body.strip():
        raise InvalidInput("Nhận xét không được để trống.", "The comment is empty.", field="body")
    assert actor.user_id is not None and row.id is not None
    item = RebuttalComment(
        rebuttal_id=row.id,
        author_id=actor.user_id,
        kind=kind,
        version_number=row.current_version,
        body=body.strip(),
    )
    session.add(item)
    session.flush()
    return item


def comments(*, session: Session, rebuttal_id: int) -> Sequence[RebuttalComment]:
    get(session=session, rebuttal_id=rebuttal_id)
    return session.exec(
        select(RebuttalComment)
        .where(RebuttalComment.rebuttal_id == rebuttal_id)
        .order_by(col(RebuttalComment.id))
    ).all()


def request_changes(
    *, session: Session, rebuttal_id: int, actor: Actor, expected: Expected | None, note: str | None
) -> Rebuttal:
    row = get(session=session, rebuttal_id=rebuttal_id)
    _require_status(row, (RebuttalStatus.in_review,), "yêu cầu sửa")
    _require_reviewer(session, row, actor)
    if not note or not note.strip():
        raise InvalidInput(
            "Hãy ghi rõ cần sửa gì.", "Say what needs to change (note).", field="note"
        )
    _move(
        session,
        row,
        expected=expected,
        case_to=CaseState.in_progress,
        status=RebuttalStatus.changes_requested,
        actor=actor,
        note=note,
    )
    comment(session=session, rebuttal_id=rebuttal_id, body=note, actor=actor, kind="changes")
    return row


def _has_authority_confirmation(session: Session, row: Rebuttal) -> bool:
    return any(
        e.kind == EvidenceKind.authority_confirmation and e.confirmed_by and e.confirmed_at
        for e in evidence_of(session=session, rebuttal_id=row.id or 0)
    )


def publish(
    *,
    session: Session,
    rebuttal_id: int,
    publish_in: PublishIn,
    actor: Actor,
    expected: Expected | None = None,
) -> tuple[Rebuttal, Brief]:
    row = get(session=session, rebuttal_id=rebuttal_id)
    _require_status(row, (RebuttalStatus.in_review,), "xuất bản")
    _require_reviewer(session, row, actor)
    if row.verdict == Verdict.tin_gia and not _has_authority_confirmation(session, row):
        raise AuthorityConfirmationRequired(
            "Kết luận «tin giả» chỉ được xuất bản khi có xác nhận của cơ quan có thẩm quyền "
            "(ai xác nhận, khi nào).",
            "A 'tin_gia' verdict can only be published with a confirmation by the competent "
            "authority (who confirmed, when).",
        )
    case = _move(
        session,
        row,
        expected=expected,
        case_to=CaseState.published,
        status=RebuttalStatus.published,
        actor=actor,
        note=publish_in.note,
    )
    row.approver_id = actor.user_id
    row.published_at = utcnow()
    session.add(row)
    session.flush()
    brief = briefs_service.publish(
        session=session,
        rebuttal=row,
        case=case,
        evidence=evidence_of(session=session, rebuttal_id=rebuttal_id),
        suggested_wording=publish_in.suggested_wording,
        topics=publish_in.topics,
        extra_partner_ids=publish_in.partner_ids,
    )
    if row.verdict in FALSE_VERDICTS:
        labels_service.label_case(session=session, case=case, label="confirmed_false", actor=actor)
    record(session, case, actor, "brief_published", data={"brief_id": brief.id})
    session.flush()
    return row, brief


def correct(
    *,
    session: Session,
    rebuttal_id: int,
    correct_in: CorrectIn,
    actor: Actor,
    expected: Expected | None = None,
) -> tuple[Rebuttal, Brief]:
    """Republish with changes; every partner who received the brief is told, and whether
    the verdict changed."""
    row = get(session=session, rebuttal_id=rebuttal_id)
    _require_status(row, (RebuttalStatus.published,), "đính chính")
    _require_reviewer(session, row, actor)
    if (
        row.verdict != Verdict.tin_gia
        and correct_in.verdict == Verdict.tin_gia
        and not _has_authority_confirmation(session, row)
    ):
        raise AuthorityConfirmationRequired(
            "Muốn đổi kết luận thành «tin giả» cần xác nhận của cơ quan có thẩm quyền.",
            "Changing the verdict to 'tin_gia' needs a confirmation by the competent authority.",
        )
    _claim(session, row, expected)
    old_verdict = row.verdict
    changed = _apply(row, correct_in.model_dump(include=set(CONTENT_FIELDS)))
    if not changed:
        raise InvalidInput("Không có gì thay đổi.", "Nothing changed.", field="body")
    row.current_version += 1
    _snapshot(session, row, actor, correct_in.note)
    session.add(row)
    session.flush()
    case = _case(session, row)
    brief = briefs_service.correct(
        session=session,
        rebuttal=row,
        evidence=evidence_of(session=session, rebuttal_id=rebuttal_id),
        note=correct_in.note,
        previous_verdict=old_verdict,
    )
    record(
        session,
        case,
        actor,
        "corrected",
        note=correct_in.note,
        data={"fields": sorted(changed), "from_verdict": old_verdict, "to_verdict": row.verdict},
    )
    session.flush()
    return row, brief


def retract(
    *, session: Session, rebuttal_id: int, actor: Actor, expected: Expected | None, note: str | None
) -> Rebuttal:
    row = get(session=session, rebuttal_id=rebuttal_id)
    _require_status(row, (RebuttalStatus.published,), "thu hồi")
    _move(
        session,
        row,
        expected=expected,
        case_to=CaseState.retracted,
        status=RebuttalStatus.retracted,
        actor=actor,
        note=note,
    )
    briefs_service.retract(session=session, rebuttal=row, note=note or "")
    return row


def brief_of(*, session: Session, rebuttal_id: int) -> Brief | None:
    return session.exec(select(Brief).where(Brief.rebuttal_id == rebuttal_id)).first()

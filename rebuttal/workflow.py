"""Case states and the one table of allowed moves between them.

Every state change goes through `transition()`: it checks the table and the actor's role,
claims the case's version (so two staff members never overwrite each other), runs the side
effects keyed by the move and writes the audit event.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from models.cases import Case, CaseEvent
from models.enums import CaseState, Role
from models.errors import Conflict, Forbidden, InvalidInput, PreconditionFailed, VigilError
from models.types import utcnow
from rebuttal.actors import Actor

S = CaseState
MONITOR, EDITOR, APPROVER = Role.monitor, Role.editor, Role.approver

OPEN_STATES = frozenset({S.new, S.triaged, S.in_progress, S.in_review, S.reopened})
CLOSED_STATES = frozenset(set(S) - OPEN_STATES)


@dataclass(frozen=True)
class Move:
    roles: frozenset[Role]
    # Moves that only a workflow may make (publishing needs an approved rebuttal, ...).
    via: str | None = None
    needs_note: bool = False
    label_vi: str = ""


def _move(*roles: Role, via: str | None = None, needs_note: bool = False, vi: str = "") -> Move:
    return Move(frozenset(roles), via=via, needs_note=needs_note, label_vi=vi)


TRANSITIONS: dict[tuple[CaseState, CaseState], Move] = {
    (S.new, S.triaged): _move(MONITOR, vi="phân loại"),
    (S.new, S.dismissed): _move(MONITOR, needs_note=True, vi="bỏ qua"),
    (S.triaged, S.in_progress): _move(MONITOR, EDITOR, vi="bắt đầu xử lý"),
    (S.triaged, S.dismissed): _move(MONITOR, needs_note=True, vi="bỏ qua"),
    (S.in_progress, S.triaged): _move(MONITOR, EDITOR, vi="trả về hàng đợi"),
    (S.in_progress, S.dismissed): _move(MONITOR, needs_note=True, vi="bỏ qua"),
    (S.in_progress, S.in_review): _move(EDITOR, via="rebuttal", vi="gửi duyệt"),
    (S.in_review, S.in_progress): _move(APPROVER, via="rebuttal", vi="yêu cầu sửa"),
    (S.in_review, S.published): _move(APPROVER, via="rebuttal", vi="xuất bản"),
    (S.published, S.retracted): _move(APPROVER, via="rebuttal", needs_note=True, vi="thu hồi"),
    (S.dismissed, S.reopened): _move(MONITOR, needs_note=True, vi="mở lại"),
    (S.retracted, S.reopened): _move(MONITOR, EDITOR, needs_note=True, vi="mở lại"),
    (S.reopened, S.triaged): _move(MONITOR, vi="phân loại"),
    (S.reopened, S.in_progress): _move(MONITOR, EDITOR, vi="bắt đầu xử lý"),
    (S.reopened, S.dismissed): _move(MONITOR, needs_note=True, vi="bỏ qua"),
}


class InvalidTransition(Conflict):
    code = "invalid_transition"


class TransitionForbidden(Forbidden):
    code = "transition_forbidden"


class CaseChanged(Conflict):
    """The case changed since the caller read it (version in the body is stale)."""

    code = "case_changed"


class CasePreconditionFailed(PreconditionFailed):
    """If-Match did not match the case's current version."""

    code = "case_precondition_failed"


@dataclass(frozen=True)
class Expected:
    """The version the caller last read; from If-Match (412 on mismatch) or the body (409)."""

    version: int
    from_header: bool = False


def stale(case: Case, expected: Expected) -> VigilError:
    vi = (
        f"Vụ việc #{case.id} vừa được người khác thay đổi (phiên bản {case.version}, "
        f"bạn đang sửa phiên bản {expected.version}). Hãy tải lại rồi làm lại."
    )
    en = (
        f"Case #{case.id} was changed by someone else (version {case.version}, you edited "
        f"version {expected.version}). Reload and try again."
    )
    if expected.from_header:
        return CasePreconditionFailed(vi, en, case_id=case.id, current_version=case.version)
    return CaseChanged(vi, en, case_id=case.id, current_version=case.version)


def claim_version(session: Session, case: Case, expected: Expected | None) -> None:
    """Bump the version only if it is still the one the caller read.

    The conditional UPDATE also locks the row on PostgreSQL until commit, so of two
    concurrent writers the second waits, then matches no row and gets a conflict.
    """
    current = case.version
    if expected is not None and expected.version != current:
        raise stale(case, expected)
    result = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == current)  # type: ignore[arg-type]
        .values(version=current + 1, updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(case)
        raise stale(case, expected or Expected(current))
    set_committed_value(case, "version", current + 1)


def record(
    session: Session,
    case: Case,
    actor: Actor,
    kind: str,
    *,
    note: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    assert case.id is not None
    event = CaseEvent(
        case_id=case.id,
        actor_id=actor.user_id,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
    )
    session.add(event)
    return event


Effect = Callable[[Session, Case, Actor, str | None], None]


def _on_dismissed(session: Session, case: Case, actor: Actor, note: str | None) -> None:
    case.dismiss_reason = note


def _on_reopened(session: Session, case: Case, actor: Actor, note: str | None) -> None:
    case.dismiss_reason = None


def _on_started(session: Session, case: Case, actor: Actor, note: str | None) -> None:
    # Whoever starts work on an unassigned case takes it, so the queue shows who is on it.
    if case.assignee_id is None and actor.user_id is not None:
        case.assignee_id = actor.user_id


# Side effects keyed by the state a move enters.
EFFECTS: dict[CaseState, list[Effect]] = {
    S.dismissed: [_on_dismissed],
    S.reopened: [_on_reopened],
    S.in_progress: [_on_started],
}


def allowed(source: CaseState, target: CaseState) -> bool:
    return (source, target) in TRANSITIONS


def transition(
    *,
    session: Session,
    case: Case,
    to: CaseState,
    actor: Actor,
    note: str | None = None,
    expected: Expected | None = None,
    via: str | None = None,
    data: dict[str, Any] | None = None,
) -> Case:
    source = CaseState(case.state)
    move = TRANSITIONS.get((source, to))
    if move is None:
        raise InvalidTransition(
            f"Không thể chuyển vụ việc từ «{source.value}» sang «{to.value}».",
            f"A case cannot move from '{source.value}' to '{to.value}'.",
            from_state=source.value,
            to_state=to.value,
            allowed=sorted(t.value for (s, t) in TRANSITIONS if s == source),
        )
    if move.via is not None and via != move.via:
        raise InvalidTransition(
            f"Bước «{source.value} → {to.value}» chỉ thực hiện qua quy trình bài phản bác "
            "(gửi duyệt, yêu cầu sửa, xuất bản, thu hồi).",
            f"The move '{source.value} → {to.value}' is made through the rebuttal workflow "
            "(submit, request changes, publish, retract).",
            from_state=source.value,
            to_state=to.value,
        )
    if actor.role is not None and not actor.is_admin and actor.role not in move.roles:
        names = ", ".join(sorted(r.value for r in move.roles))
        raise TransitionForbidden(
            f"Vai trò «{actor.role.value}» không được {move.label_vi} vụ việc (cần: {names}).",
            f"Role '{actor.role.value}' may not move a case from '{source.value}' to "
            f"'{to.value}' (needs one of: {names}).",
        )
    note = note.strip() if note else None
    if move.needs_note and not note:
        raise InvalidInput(
            f"Cần ghi lý do khi {move.label_vi} vụ việc.",
            f"A note (the reason) is required to move a case to '{to.value}'.",
            field="note",
        )
    claim_version(session, case, expected)
    case.state = to
    for effect in EFFECTS.get(to, []):
        effect(session, case, actor, note)
    session.add(case)
    record(
        session,
        case,
        actor,
        "transition",
        note=note,
        from_state=source.value,
        to_state=to.value,
        data=data,
    )
    session.flush()
    return case

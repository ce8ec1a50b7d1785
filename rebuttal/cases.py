"""Cases: the triage queue, assignment, bulk actions, merge and split.

State changes go through rebuttal.workflow.transition(); every other change also claims the
case's version and writes a CaseEvent, so nothing is overwritten silently and nothing is
done without a trace.
"""

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, tuple_
from sqlmodel import Session, col, select

from models.cases import Case, CaseEvent, CasePost
from models.claims import Claim
from models.enums import CaseState, Role
from models.errors import InvalidInput, NotFound, VigilError
from models.posts import Post
from models.rebuttals import Rebuttal
from models.types import utcnow
from models.users import User
from rebuttal import cursor as cursors
from rebuttal import labels as labels_service
from rebuttal import policies
from rebuttal import priority as priority_rules
from rebuttal.actors import Actor
from rebuttal.schemas import CaseCreate, CaseUpdate
from rebuttal.settings import DeskSettings
from rebuttal.workflow import (
    CLOSED_STATES,
    OPEN_STATES,
    TRANSITIONS,
    Expected,
    claim_version,
    record,
    transition,
)

ASSIGNABLE_ROLES = frozenset({Role.monitor, Role.editor, Role.approver, Role.admin})
SORTS = ("priority", "sla", "recent", "reach")
QUEUE_COLUMNS = tuple(
    getattr(Case, name)
    for name in (
        "id",
        "title",
        "state",
        "priority",
        "priority_reasons",
        "priority_manual",
        "topic",
        "claim_id",
        "cluster_id",
        "assignee_id",
        "opened_by",
        "risk_score",
        "reach",
        "refute_reach",
        "first_detected_at",
        "sla_due_at",
        "version",
        "updated_at",
    )
)

# The queue's base query, built once (statements are immutable; each filter makes a new one):
# plain rows of the queue's columns, not ORM objects, with the assignee's names joined in.
# This is the hottest query, one round trip per page.
_QUEUE_SELECT_COLUMNS: tuple[Any, ...] = (
    *QUEUE_COLUMNS,
    col(User.username).label("assignee_username"),
    col(User.full_name).label("assignee_full_name"),
)
QUEUE_SELECT: Any = select(*_QUEUE_SELECT_COLUMNS).outerjoin(
    User, col(User.id) == col(Case.assignee_id)
)


class CaseNotFound(NotFound):
    code = "case_not_found"


def get(*, session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(
            f"Không tìm thấy vụ việc #{case_id}.", f"Case #{case_id} not found.", case_id=case_id
        )
    return case


def allowed_moves(case: Case) -> builtins.list[CaseState]:
    return [t for (s, t), move in TRANSITIONS.items() if s == case.state and move.via is None]


def is_breached(case: Any, now: datetime | None = None) -> bool:
    return case.state in OPEN_STATES and case.sla_due_at < (now or utcnow())


def recompute_priority(
    *,
    session: Session,
    case: Case,
    settings: DeskSettings | None = None,
    now: datetime | None = None,
) -> None:
    if case.priority_manual:
        return
    settings = settings or DeskSettings()
    policy = policies.get(session=session, topic=case.topic, settings=settings)
    case.priority, case.priority_reasons = priority_rules.compute(
        risk=case.risk_score,
        reach=case.reach,
        first_detected_at=case.first_detected_at,
        weight=policy.weight,
        topic=case.topic,
        half_life_hours=settings.recency_half_life_hours,
        now=now,
    )


def post_reach(post: Post) -> int:
    """What a post's engagement says about how many people it reached (at least one)."""
    engagement = post.engagement or {}
    views = engagement.get("views")
    if isinstance(views, int | float) and views > 0:
        return int(views)
    total = sum(
        int(v)
        for k, v in engagement.items()
        if k in ("likes", "comments", "shares", "reactions") and isinstance(v, int | float)
    )
    return max(1, total)


def recount_reach(*, session: Session, case: Case) -> None:
    assert case.id is not None
    rows = session.exec(
        select(CasePost.stance, func.coalesce(func.sum(CasePost.reach), 0))
        .where(CasePost.case_id == case.id)
        .group_by(CasePost.stance)
    ).all()
    sums = {stance: int(total) for stance, total in rows}
    case.reach = sums.get("spreads", 0)
    case.refute_reach = sums.get("refutes", 0)


def new_case(
    *,
    session: Session,
    title: str,
    topic: str | None,
    risk_score: float,
    opened_by: str,
    claim_id: int | None = None,
    cluster_id: int | None = None,
    first_detected_at: datetime | None = None,
    settings: DeskSettings | None = None,
) -> Case:
    """A new case in the queue, its SLA clock started from the first detection."""
    settings = settings or DeskSettings()
    policy = policies.get(session=session, topic=topic, settings=settings)
    detected = first_detected_at or utcnow()
    case = Case(
        title=title[:500],
        topic=topic,
        claim_id=claim_id,
        cluster_id=cluster_id,
        risk_score=risk_score,
        opened_by=opened_by,
        first_detected_at=detected,
        sla_due_at=detected + timedelta(hours=policy.sla_hours),
    )
    recompute_priority(session=session, case=case, settings=settings)
    session.add(case)
    session.flush()
    return case


def add_post(
    *, session: Session, case: Case, post: Post, stance: str = "spreads", reach: int | None = None
) -> bool:
    """Attach a post to a case; False if it was already there (reach is never counted twice)."""
    assert case.id is not None and post.id is not None
    if session.get(CasePost, (case.id, post.id)) is not None:
        return False
    session.add(
        CasePost(
            case_id=case.id,
            post_id=post.id,
            stance=stance,
            reach=post_reach(post) if reach is None else reach,
        )
    )
    session.flush()
    return True


def _check_posts(session: Session, post_ids: Sequence[int]) -> builtins.list[Post]:
    posts: builtins.list[Post] = []
    for post_id in dict.fromkeys(post_ids):
        post = session.get(Post, post_id)
        if post is None:
            raise InvalidInput(
                f"Không có bài đăng #{post_id}.",
                f"Post #{post_id} does not exist.",
                field="post_ids",
            )
        posts.append(post)
    return posts


def create(*, session: Session, case_in: CaseCreate, actor: Actor) -> Case:
    """A case opened by hand."""
    if case_in.claim_id is not None and session.get(Claim, case_in.claim_id) is None:
        raise InvalidInput(
            f"Không có nhận định #{case_in.claim_id}.",
            f"Claim #{case_in.claim_id} does not exist.",
            field="claim_id",
        )
    posts = _check_posts(session, case_in.post_ids)
    case = new_case(
        session=session,
        title=case_in.title,
        topic=case_in.topic,
        risk_score=case_in.risk_score,
        opened_by="staff",
        claim_id=case_in.claim_id,
    )
    for post in posts:
        add_post(session=session, case=case, post=post)
    recount_reach(session=session, case=case)
    recompute_priority(session=session, case=case)
    record(session, case, actor, "opened", note=case_in.note, to_state=CaseState.new.value)
    session.flush()
    return case


def update(
    *, session: Session, case_id: int, case_in: CaseUpdate, actor: Actor, expected: Expected
) -> Case:
    case = get(session=session, case_id=case_id)
    changes: dict[str, Any] = {}
    if case_in.title is not None and case_in.title != case.title:
        changes["title"] = [case.title, case_in.title]
    if case_in.topic is not None and case_in.topic != case.topic:
        changes["topic"] = [case.topic, case_in.topic]
    if case_in.priority is not None and case_in.priority_auto:
        raise InvalidInput(
            "Chọn hoặc đặt tay mức ưu tiên, hoặc trở về mức tự tính, không cả hai.",
            "Either set the priority by hand or go back to the computed one, not both.",
            field="priority",
        )
    if not changes and case_in.priority is None and not case_in.priority_auto:
        raise InvalidInput("Không có gì để thay đổi.", "Nothing to change.", field="body")
    claim_version(session, case, expected)
    if "title" in changes:
        case.title = case_in.title or case.title
    if "topic" in changes:
        case.topic = case_in.topic
    if case_in.priority is not None:
        _set_manual_priority(case, case_in.priority, actor, changes)
    elif case_in.priority_auto:
        case.priority_manual = False
        changes["priority"] = [case.priority, "auto"]
    recompute_priority(session=session, case=case)
    session.add(case)
    record(session, case, actor, "updated", note=case_in.note, data=changes)
    session.flush()
    return case


def _set_manual_priority(case: Case, value: float, actor: Actor, changes: dict[str, Any]) -> None:
    changes["priority"] = [case.priority, value]
    case.priority = value
    case.priority_manual = True
    case.priority_reasons = [f"Đặt tay bởi {actor.username}: {value:g}"]


def _assignee(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active or Role(user.role) not in ASSIGNABLE_ROLES:
        raise InvalidInput(
            f"Không giao được cho người dùng #{user_id}: không có, đã khoá, hoặc không phải "
            "nhân viên giám sát, biên tập, phê duyệt.",
            f"Cannot assign to user #{user_id}: missing, inactive, or not a monitor, editor, "
            "approver or admin.",
            field="assignee_id",
        )
    return user


def assign(
    *,
    session: Session,
    case_id: int,
    assignee_id: int | None,
    actor: Actor,
    expected: Expected,
    note: str | None = None,
) -> Case:
    case = get(session=session, case_id=case_id)
    if assignee_id is not None:
        _assignee(session, assignee_id)
    if case.state in CLOSED_STATES:
        raise InvalidInput(
            f"Vụ việc đã ở trạng thái «{case.state}», không giao việc được nữa.",
            f"The case is '{case.state}'; it can no longer be assigned.",
            field="case_id",
        )
    claim_version(session, case, expected)
    previous = case.assignee_id
    case.assignee_id = assignee_id
    session.add(case)
    kind = "unassigned" if assignee_id is None else ("reassigned" if previous else "assigned")
    record(session, case, actor, kind, note=note, data={"from": previous, "to": assignee_id})
    session.flush()
    return case


def dismiss(
    *,
    session: Session,
    case_id: int,
    actor: Actor,
    reason: str | None,
    expected: Expected,
    false_positive: bool = False,
) -> Case:
    case = get(session=session, case_id=case_id)
    transition(
        session=session,
        case=case,
        to=CaseState.dismissed,
        actor=actor,
        note=reason,
        expected=expected,
        data={"false_positive": false_positive},
    )
    if false_positive:
        labels_service.label_case(session=session, case=case, label="false_positive", actor=actor)
    return case


def record_label(*, session: Session, case: Case, actor: Actor, label: str) -> None:
    record(session, case, actor, "labelled", data={"label": label})
    session.flush()


def set_priority(
    *, session: Session, case_id: int, priority: float, actor: Actor, expected: Expected
) -> Case:
    return update(
        session=session,
        case_id=case_id,
        case_in=CaseUpdate(priority=priority),
        actor=actor,
        expected=expected,
    )


@dataclass
class BulkOutcome:
    id: int
    ok: bool
    version: int | None = None
    error: str | None = None
    message: str | None = None


def bulk(
    *,
    session: Session,
    action: str,
    items: Sequence[tuple[int, int]],
    actor: Actor,
    assignee_id: int | None = None,
    reason: str | None = None,
    false_positive: bool = False,
    priority: float | None = None,
    lang: str = "vi",
) -> builtins.list[BulkOutcome]:
    """Apply one action to many cases; each succeeds or fails alone, with its reason."""
    if action == "assign" and assignee_id is not None:
        _assignee(session, assignee_id)
    if action == "set_priority" and priority is None:
        raise InvalidInput("Cần mức ưu tiên mới.", "A new priority is required.", field="priority")
    if action == "dismiss" and not (reason and reason.strip()):
        raise InvalidInput("Cần ghi lý do bỏ qua.", "A reason is required.", field="reason")
    outcomes: builtins.list[BulkOutcome] = []
    for case_id, version in dict.fromkeys(items):
        expected = Expected(version)
        try:
            with session.begin_nested():
                if action == "assign":
                    case = assign(
                        session=session,
                        case_id=case_id,
                        assignee_id=assignee_id,
                        actor=actor,
                        expected=expected,
                        note=reason,
                    )
                elif action == "dismiss":
                    case = dismiss(
                        session=session,
                        case_id=case_id,
                        actor=actor,
                        reason=reason,
                        expected=expected,
                        false_positive=false_positive,
                    )
                else:
                    assert priority is not None
                    case = set_priority(
                        session=session,
                        case_id=case_id,
                        priority=priority,
                        actor=actor,
                        expected=expected,
                    )
            outcomes.append(BulkOutcome(id=case_id, ok=True, version=case.version))
        except VigilError as exc:
            outcomes.append(
                BulkOutcome(id=case_id, ok=False, error=exc.code, message=exc.message(lang))
            )
    return outcomes


def merge(
    *,
    session: Session,
    target_id: int,
    source_ids: Sequence[int],
    actor: Actor,
    expected: Expected,
    note: str | None = None,
) -> Case:
    """Fold other cases about the same story into one; the others are dismissed as merged."""
    target = get(session=session, case_id=target_id)
    if target.state in CLOSED_STATES:
        raise InvalidInput(
            "Chỉ gộp được vào một vụ việc đang mở.",
            "Cases can only be merged into an open case.",
            field="case_id",
        )
    sources = [get(session=session, case_id=i) for i in dict.fromkeys(source_ids)]
    if any(s.id == target.id for s in sources):
        raise InvalidInput(
            "Không thể gộp vụ việc vào chính nó.",
            "A case cannot be merged into itself.",
            field="source_ids",
        )
    claim_version(session, target, expected)
    assert target.id is not None
    for source in sources:
        transition(
            session=session,
            case=source,
            to=CaseState.dismissed,
            actor=actor,
            note=note or f"Gộp vào vụ việc #{target.id}",
            data={"merged_into": target.id},
        )
        source.merged_into_id = target.id
        for link in session.exec(select(CasePost).where(CasePost.case_id == source.id)).all():
            if session.get(CasePost, (target.id, link.post_id)) is None:
                session.add(
                    CasePost(
                        case_id=target.id,
                        post_id=link.post_id,
                        stance=link.stance,
                        reach=link.reach,
                    )
                )
            session.delete(link)
        target.risk_score = max(target.risk_score, source.risk_score)
        target.first_detected_at = min(target.first_detected_at, source.first_detected_at)
        target.sla_due_at = min(target.sla_due_at, source.sla_due_at)
        session.flush()
        recount_reach(session=session, case=source)
    recount_reach(session=session, case=target)
    recompute_priority(session=session, case=target)
    session.add(target)
    record(session, target, actor, "merged", note=note, data={"sources": [s.id for s in sources]})
    session.flush()
    return target


def split(
    *,
    session: Session,
    case_id: int,
    post_ids: Sequence[int],
    actor: Actor,
    expected: Expected,
    title: str | None = None,
    note: str | None = None,
) -> Case:
    """Move some posts of a case into a new case of their own; returns the new case."""
    case = get(session=session, case_id=case_id)
    links = [session.get(CasePost, (case_id, post_id)) for post_id in dict.fromkeys(post_ids)]
    missing = [p for p, link in zip(dict.fromkeys(post_ids), links, strict=True) if link is None]
    if missing:
        raise InvalidInput(
            f"Các bài đăng {missing} không thuộc vụ việc #{case_id}.",
            f"Posts {missing} are not in case #{case_id}.",
            field="post_ids",
        )
    total = session.exec(
        select(func.count()).select_from(CasePost).where(CasePost.case_id == case_id)
    ).one()
    if len(links) >= total:
        raise InvalidInput(
            "Phải để lại ít nhất một bài đăng trong vụ việc cũ.",
            "At least one post must stay in the original case.",
            field="post_ids",
        )
    claim_version(session, case, expected)
    first_post = session.get(Post, links[0].post_id) if links[0] else None
    new = new_case(
        session=session,
        title=title or (first_post.title if first_post and first_post.title else case.title),
        topic=case.topic,
        risk_score=case.risk_score,
        opened_by="split",
        first_detected_at=case.first_detected_at,
    )
    assert new.id is not None
    for link in links:
        assert link is not None
        session.add(
            CasePost(case_id=new.id, post_id=link.post_id, stance=link.stance, reach=link.reach)
        )
        session.delete(link)
    session.flush()
    for c in (case, new):
        recount_reach(session=session, case=c)
        recompute_priority(session=session, case=c)
        session.add(c)
    moved = [link.post_id for link in links if link is not None]
    record(session, case, actor, "split", note=note, data={"new_case": new.id, "posts": moved})
    record(session, new, actor, "opened", note=note, to_state="new", data={"split_from": case.id})
    session.flush()
    return new


def list(  # house rule: services are named get/list/create/update/delete
    *,
    session: Session,
    limit: int = 50,
    cursor: str | None = None,
    sort: str = "priority",
    topic: str | None = None,
    states: Sequence[CaseState] | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    source: str | None = None,
    breached: bool | None = None,
    now: datetime | None = None,
) -> tuple[Sequence[Any], str | None]:
    """The triage queue: open cases by default, keyset-paginated on (sort key, id).

    Returns rows with the attributes of QUEUE_COLUMNS (read like a Case), plus
    assignee_username and assignee_full_name."""
    if sort not in SORTS:
        raise InvalidInput(
            f"Cách sắp xếp không hợp lệ: {sort}.", f"Unknown sort: {sort}.", field="sort"
        )
    now = now or utcnow()
    query: Any = QUEUE_SELECT
    query = query.where(col(Case.state).in_([s.value for s in (states or OPEN_STATES)]))
    if topic:
        query = query.where(Case.topic == topic)
    if assignee_id is not None:
        query = query.where(Case.assignee_id == assignee_id)
    if unassigned:
        query = query.where(col(Case.assignee_id).is_(None))
    if source:
        query = query.where(Case.opened_by == source)
    if breached is True:
        query = query.where(
            col(Case.sla_due_at) < now,
            col(Case.state).in_([s.value for s in OPEN_STATES]),
        )
    elif breached is False:
        query = query.where(
            or_(
                col(Case.sla_due_at) >= now,
                col(Case.state).in_([s.value for s in CLOSED_STATES]),
            )
        )
    key: Any
    descending = sort in ("priority", "recent", "reach")
    key = {
        "priority": Case.priority,
        "sla": Case.sla_due_at,
        "recent": Case.first_detected_at,
        "reach": Case.reach,
    }[sort]
    if cursor:
        value, last_id = cursors.decode(cursor, f"case-{sort}", 2)
        value = _cursor_value(sort, value)
        if not isinstance(last_id, int):
            raise InvalidInput(
                "Con trỏ phân trang không hợp lệ.",
                "The pagination cursor is invalid.",
                field="cursor",
            )
        bound = tuple_(key, Case.id)
        query = query.where(bound < (value, last_id) if descending else bound > (value, last_id))
    order = [col(key).desc(), col(Case.id).desc()] if descending else [col(key), col(Case.id)]
    rows = session.execute(query.order_by(*order).limit(limit + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        raw = getattr(last, {"sla": "sla_due_at", "recent": "first_detected_at"}.get(sort, sort))
        next_cursor = cursors.encode(
            f"case-{sort}", raw.isoformat() if isinstance(raw, datetime) else raw, last.id
        )
    return rows[:limit], next_cursor


def _cursor_value(sort: str, value: Any) -> Any:
    try:
        if sort in ("sla", "recent"):
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError(value)
            return parsed
        if sort == "reach":
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(value)
            return value
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(value)
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInput(
            "Con trỏ phân trang không hợp lệ.", "The pagination cursor is invalid.", field="cursor"
        ) from None


def users_by_id(*, session: Session, user_ids: set[int]) -> dict[int, User]:
    if not user_ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(user_ids))).all()
    return {u.id: u for u in users if u.id is not None}


def posts_of(*, session: Session, case_id: int) -> Sequence[tuple[CasePost, Post]]:
    return session.exec(
        select(CasePost, Post)
        .join(Post, col(Post.id) == CasePost.post_id)
        .where(CasePost.case_id == case_id)
        .order_by(col(CasePost.added_at), col(CasePost.post_id))
    ).all()


def cases_of_post(*, session: Session, post_id: int, stance: str | None = None) -> Sequence[Case]:
    query = (
        select(Case)
        .join(CasePost, col(CasePost.case_id) == Case.id)
        .where(CasePost.post_id == post_id)
        .order_by(col(Case.id).desc())
    )
    if stance is not None:
        query = query.where(CasePost.stance == stance)
    return session.exec(query).all()


def rebuttal_id_of(*, session: Session, case_id: int) -> int | None:
    return session.exec(select(Rebuttal.id).where(Rebuttal.case_id == case_id)).first()


def events(*, session: Session, case_id: int) -> Sequence[CaseEvent]:
    get(session=session, case_id=case_id)
    return session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(col(CaseEvent.id))
    ).all()


def workload(
    *, session: Session, now: datetime | None = None
) -> builtins.list[tuple[int | None, dict[str, int], int]]:
    """Who is working on what: open cases per assignee and state, with breached counts."""
    now = now or utcnow()
    open_values = [s.value for s in OPEN_STATES]
    rows = session.exec(
        select(Case.assignee_id, Case.state, func.count())
        .where(col(Case.state).in_(open_values))
        .group_by(col(Case.assignee_id), col(Case.state))
    ).all()
    breached_rows = session.exec(
        select(Case.assignee_id, func.count())
        .where(col(Case.state).in_(open_values), col(Case.sla_due_at) < now)
        .group_by(col(Case.assignee_id))
    ).all()
    breached = {assignee: int(n) for assignee, n in breached_rows}
    by_assignee: dict[int | None, dict[str, int]] = {}
    for assignee, state, n in rows:
        by_assignee.setdefault(assignee, {})[str(state)] = int(n)
    return [
        (assignee, states, breached.get(assignee, 0))
        for assignee, states in sorted(by_assignee.items(), key=lambda kv: (kv[0] is None, kv[0]))
    ]


def breached_open_cases(*, session: Session, now: datetime | None = None) -> Sequence[Case]:
    now = now or utcnow()
    return session.exec(
        select(Case).where(
            col(Case.state).in_([s.value for s in OPEN_STATES]), col(Case.sla_due_at) < now
        )
    ).all()

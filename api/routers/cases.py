"""The triage queue and case actions."""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from sqlmodel import Session

from api.concurrency import PRECONDITION_RESPONSES, IfMatch, expected_version, set_etag
from api.deps import (
    Principal,
    SessionDep,
    StaffDep,
    queue_cache,
    read_in_thread,
    require,
)
from api.i18n import preferred_language
from api.params import IdPath, IdQuery
from models.cases import Case
from models.enums import CaseState, Role
from models.types import utcnow
from models.users import User
from rebuttal import cases as cases_service
from rebuttal import labels as labels_service
from rebuttal import policies as policies_service
from rebuttal.actors import Actor
from rebuttal.schemas import (
    AssigneePublic,
    AssignIn,
    BulkIn,
    BulkResult,
    CaseCreate,
    CaseEventPublic,
    CasePage,
    CasePostPublic,
    CasePublic,
    CaseSummary,
    CaseUpdate,
    LabelIn,
    MergeIn,
    SplitIn,
    TopicPolicyIn,
    TopicPolicyPublic,
    TransitionIn,
    VersionIn,
    WorkloadRow,
)
from rebuttal.workflow import transition

router = APIRouter(tags=["cases"])

MonitorDep = Annotated[Principal, Depends(require(Role.monitor))]
DeskDep = Annotated[Principal, Depends(require(Role.monitor, Role.editor, Role.approver))]


def actor_of(principal: Principal) -> Actor:
    return Actor(user_id=principal.user_id, role=principal.role, username=principal.username)


def _assignee(users: dict[int, User], user_id: int | None) -> AssigneePublic | None:
    user = users.get(user_id) if user_id is not None else None
    if user is None:
        return None
    return AssigneePublic(id=user.id, username=user.username, full_name=user.full_name)


def summary_fields(case: Any, users: dict[int, User], now: datetime) -> dict[str, Any]:
    """A case's queue row as plain data, its assignee looked up in `users`."""
    assignee = users.get(case.assignee_id) if case.assignee_id is not None else None
    return {
        "id": case.id,
        "title": case.title,
        "state": case.state,
        "priority": case.priority,
        "priority_reasons": case.priority_reasons,
        "priority_manual": case.priority_manual,
        "topic": case.topic,
        "claim_id": case.claim_id,
        "cluster_id": case.cluster_id,
        "assignee": (
            {"id": assignee.id, "username": assignee.username, "full_name": assignee.full_name}
            if assignee is not None
            else None
        ),
        "opened_by": case.opened_by,
        "risk_score": case.risk_score,
        "reach": case.reach,
        "refute_reach": case.refute_reach,
        "first_detected_at": case.first_detected_at,
        "sla_due_at": case.sla_due_at,
        "sla_breached": cases_service.is_breached(case, now),
        "version": case.version,
        "updated_at": case.updated_at,
    }


def queue_row_fields(row: Any, now: datetime) -> dict[str, Any]:
    """A row of cases_service.list (the assignee's names joined in) as plain data.

    Taken from the row's mapping in one call: this runs for every row of every queue page,
    and reading the columns one by one was a tenth of the request. The join's extra columns
    stay in the dict; CaseSummary ignores them."""
    data: dict[str, Any] = row._asdict()
    data["assignee"] = (
        {
            "id": data["assignee_id"],
            "username": data["assignee_username"],
            "full_name": data["assignee_full_name"],
        }
        if data["assignee_id"] is not None and data["assignee_username"] is not None
        else None
    )
    data["sla_breached"] = cases_service.is_breached(row, now)
    return data


def summary(case: Case, users: dict[int, User]) -> CaseSummary:
    return CaseSummary.model_validate(summary_fields(case, users, utcnow()))


def detail(session: Session, case: Case, response: Response | None = None) -> CasePublic:
    assert case.id is not None
    users = cases_service.users_by_id(
        session=session, user_ids={case.assignee_id} if case.assignee_id else set()
    )
    posts = [
        CasePostPublic(
            post_id=link.post_id,
            url=post.url,
            title=post.title,
            stance=link.stance,
            reach=link.reach,
            added_at=link.added_at,
        )
        for link, post in cases_service.posts_of(session=session, case_id=case.id)
    ]
    if response is not None:
        set_etag(response, case.version)
    return CasePublic.model_validate(
        {
            **summary(case, users).model_dump(),
            "merged_into_id": case.merged_into_id,
            "dismiss_reason": case.dismiss_reason,
            "posts": posts,
            "rebuttal_id": cases_service.rebuttal_id_of(session=session, case_id=case.id),
            "allowed_moves": cases_service.allowed_moves(case),
        }
    )


@router.get(
    "/cases",
    summary="The triage queue (open cases, highest priority first)",
    response_model=CasePage,
)
async def list_cases(
    request: Request,
    session: SessionDep,
    principal: StaffDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    sort: Annotated[str, Query(pattern="^(priority|sla|recent|reach)$")] = "priority",
    topic: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[list[CaseState] | None, Query()] = None,
    assignee_id: IdQuery = None,
    mine: bool = False,
    unassigned: bool = False,
    source: Annotated[str | None, Query(pattern="^(auto|staff|report|split)$")] = None,
    breached: bool | None = None,
) -> Response:
    if mine:
        assignee_id = principal.user_id or -1
    states = tuple(sorted(set(state))) if state else None
    key = (limit, cursor, sort, topic, states, assignee_id, unassigned, source, breached)

    async def render() -> tuple[bytes, float | None]:
        # One hop to the thread pool for the read and its commit: every hop under load
        # waits for the interpreter lock.
        rows, next_cursor = await read_in_thread(
            session,
            lambda: cases_service.list(
                session=session,
                limit=limit,
                cursor=cursor,
                sort=sort,
                topic=topic,
                states=list(states) if states else None,
                assignee_id=assignee_id,
                unassigned=unassigned,
                source=source,
                breached=breached,
            ),
        )
        now = utcnow()
        page = CasePage.model_validate(
            {"items": [queue_row_fields(row, now) for row in rows], "next_cursor": next_cursor}
        )
        # Serialised here in one pass (response_model still documents it): FastAPI would
        # validate the page a second time.
        return page.model_dump_json().encode(), _seconds_until_a_breach(rows, now)

    # Staff at their desks ask the same few questions all day: a page already rendered for
    # one of them is served to the next until a case or a user changes (api/caches.py).
    body = await queue_cache(request).fetch(key, render)
    return Response(body, media_type="application/json")


def _seconds_until_a_breach(rows: Sequence[Any], now: datetime) -> float | None:
    """How long the page's `sla_breached` flags stay true: until the first open case on it
    passes its due time."""
    due = [
        row.sla_due_at
        for row in rows
        if row.state in cases_service.OPEN_STATES and row.sla_due_at >= now
    ]
    return (min(due) - now).total_seconds() if due else None


@router.post(
    "/cases",
    summary="Open a case by hand",
    status_code=status.HTTP_201_CREATED,
    response_model=CasePublic,
)
def create_case(
    case_in: CaseCreate, session: SessionDep, principal: MonitorDep, response: Response
) -> CasePublic:
    case = cases_service.create(session=session, case_in=case_in, actor=actor_of(principal))
    return detail(session, case, response)


@router.get(
    "/cases/workload",
    summary="Who is working on what (open cases per assignee)",
    response_model=list[WorkloadRow],
)
def workload(session: SessionDep, _: StaffDep) -> list[WorkloadRow]:
    rows = cases_service.workload(session=session)
    users = cases_service.users_by_id(session=session, user_ids={a for a, _, _ in rows if a})
    return [
        WorkloadRow(
            assignee=_assignee(users, assignee),
            by_state=states,
            total=sum(states.values()),
            breached=breached,
        )
        for assignee, states, breached in rows
    ]


@router.post(
    "/cases/bulk",
    summary="Assign, dismiss or re-prioritise many cases",
    response_model=list[BulkResult],
)
def bulk(
    bulk_in: BulkIn, session: SessionDep, principal: MonitorDep, request: Request
) -> list[BulkResult]:
    outcomes = cases_service.bulk(
        session=session,
        action=bulk_in.action,
        items=[(item.id, item.version) for item in bulk_in.items],
        actor=actor_of(principal),
        assignee_id=bulk_in.assignee_id,
        reason=bulk_in.reason,
        false_positive=bulk_in.false_positive,
        priority=bulk_in.priority,
        lang=preferred_language(request),
    )
    return [BulkResult(**vars(o)) for o in outcomes]


@router.get(
    "/cases/{case_id}",
    summary="One case with its posts (ETag = version)",
    response_model=CasePublic,
)
def get_case(case_id: IdPath, session: SessionDep, _: StaffDep, response: Response) -> CasePublic:
    return detail(session, cases_service.get(session=session, case_id=case_id), response)


@router.patch(
    "/cases/{case_id}",
    summary="Edit title, topic or priority",
    response_model=CasePublic,
    responses=PRECONDITION_RESPONSES,
)
def update_case(
    case_id: IdPath,
    case_in: CaseUpdate,
    session: SessionDep,
    principal: MonitorDep,
    response: Response,
    if_match: IfMatch = None,
) -> CasePublic:
    case = cases_service.update(
        session=session,
        case_id=case_id,
        case_in=case_in,
        actor=actor_of(principal),
        expected=expected_version(if_match, case_in.version),
    )
    return detail(session, case, response)


@router.post(
    "/cases/{case_id}/transitions",
    summary="Move a case to another state",
    response_model=CasePublic,
    responses=PRECONDITION_RESPONSES,
)
def move_case(
    case_id: IdPath,
    move: TransitionIn,
    session: SessionDep,
    principal: DeskDep,
    response: Response,
    if_match: IfMatch = None,
) -> CasePublic:
    case = cases_service.get(session=session, case_id=case_id)
    expected = expected_version(if_match, move.version)
    if move.to == CaseState.dismissed:
        case = cases_service.dismiss(
            session=session,
            case_id=case_id,
            actor=actor_of(principal),
            reason=move.note,
            expected=expected,
        )
    else:
        transition(
            session=session,
            case=case,
            to=move.to,
            actor=actor_of(principal),
            note=move.note,
            expected=expected,
        )
    return detail(session, case, response)


@router.post(
    "/cases/{case_id}/assign",
    summary="Assign, reassign or unassign a case",
    response_model=CasePublic,
    responses=PRECONDITION_RESPONSES,
)
def assign_case(
    case_id: IdPath,
    assign_in: AssignIn,
    session: SessionDep,
    principal: MonitorDep,
    response: Response,
    if_match: IfMatch = None,
) -> CasePublic:
    case = cases_service.assign(
        session=session,
        case_id=case_id,
        assignee_id=assign_in.assignee_id,
        actor=actor_of(principal),
        expected=expected_version(if_match, assign_in.version),
        note=assign_in.note,
    )
    return detail(session, case, response)


@router.post(
    "/cases/{case_id}/self-assign",
    summary="Take a case yourself",
    response_model=CasePublic,
    responses=PRECONDITION_RESPONSES,
)
def self_assign(
    case_id: IdPath,
    body: VersionIn,
    session: SessionDep,
    principal: DeskDep,
    response: Response,
    if_match: IfMatch = None,
) -> CasePublic:
    case = cases_service.assign(
        session=session,
        case_id=case_id,
        assignee_id=principal.user_id,
        actor=actor_of(principal),
        expected=expected_version(if_match, body.version),
        note=body.note,
    )
    return detail(session, case, response)


@router.post(
    "/cases/{case_id}/merge",
    summary="Merge other cases into this one",
    response_model=CasePublic,
    responses=PRECONDITION_RESPONSES,
)
def merge_cases(
    case_id: IdPath,
    merge_in: MergeIn,
    session: SessionDep,
    principal: MonitorDep,
    response: Response,
    if_match: IfMatch = None,
) -> CasePublic:
    case = cases_service.merge(
        session=session,
        target_id=case_id,
        source_ids=merge_in.source_ids,
        actor=actor_of(principal),
        expected=expected_version(if_match, merge_in.version),
        note=merge_in.note,
    )
    return detail(session, case, response)


@router.post(
    "/cases/{case_id}/split",
    summary="Move some posts into a new case",
    status_code=status.HTTP_201_CREATED,
    response_model=CasePublic,
    responses=PRECONDITION_RESPONSES,
)
def split_case(
    case_id: IdPath,
    split_in: SplitIn,
    session: SessionDep,
    principal: MonitorDep,
    response: Response,
    if_match: IfMatch = None,
) -> CasePublic:
    new = cases_service.split(
        session=session,
        case_id=case_id,
        post_ids=split_in.post_ids,
        actor=actor_of(principal),
        expected=expected_version(if_match, split_in.version),
        title=split_in.title,
        note=split_in.note,
    )
    return detail(session, new, response)


@router.get(
    "/cases/{case_id}/events",
    summary="The audit trail of a case",
    response_model=list[CaseEventPublic],
)
def case_events(case_id: IdPath, session: SessionDep, _: StaffDep) -> list[CaseEventPublic]:
    return [
        CaseEventPublic.model_validate(e)
        for e in cases_service.events(session=session, case_id=case_id)
    ]


@router.post(
    "/cases/{case_id}/labels",
    summary="Record a decision as training labels",
    response_model=CasePublic,
)
def label_case(
    case_id: IdPath, label_in: LabelIn, session: SessionDep, principal: DeskDep
) -> CasePublic:
    case = cases_service.get(session=session, case_id=case_id)
    labels_service.label_case(
        session=session,
        case=case,
        label=label_in.label,
        actor=actor_of(principal),
        post_ids=label_in.post_ids,
    )
    cases_service.record_label(
        session=session, case=case, actor=actor_of(principal), label=label_in.label
    )
    return detail(session, case)


@router.get(
    "/topic-policies",
    summary="Per-topic threshold, SLA hours and weight",
    response_model=list[TopicPolicyPublic],
)
def list_policies(session: SessionDep, _: StaffDep) -> list[TopicPolicyPublic]:
    return [TopicPolicyPublic.model_validate(p) for p in policies_service.list(session=session)]


@router.put(
    "/topic-policies/{topic}",
    summary="Set a topic's threshold, SLA hours and weight",
    response_model=TopicPolicyPublic,
)
def put_policy(
    topic: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9_\-]+$")],
    policy_in: TopicPolicyIn,
    session: SessionDep,
    _: Annotated[Principal, Depends(require(Role.admin))],
) -> TopicPolicyPublic:
    row = policies_service.upsert(session=session, topic=topic, **policy_in.model_dump())
    return TopicPolicyPublic.model_validate(row)

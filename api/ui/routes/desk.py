"""The triage queue and the case page, on the desk's case services (rebuttal.cases)."""

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from api.deps import Principal, SessionDep
from api.params import IdPath
from api.ui.deps import StaffUi, UiSettingsDep, lang_of, ui_require
from api.ui.forms import back_to, csv_response, optional_text
from api.ui.i18n import translate
from api.ui.render import flash, priority_reason, render
from api.ui.views import detections_by_post, highlight, matched_claims
from crawlers import snapshots as snapshots_service
from detector.claims import service as claims_service
from detector.service import post_text
from models.cases import Case
from models.enums import CaseState, LinkReview, Role, Stance
from models.errors import InvalidInput, VigilError
from rebuttal import cases as cases_service
from rebuttal import link_review
from rebuttal import users as users_service
from rebuttal.actors import Actor
from rebuttal.workflow import OPEN_STATES, TRANSITIONS, Expected, transition

router = APIRouter(prefix="/ui")

DESK_ROLES = (Role.monitor, Role.editor, Role.approver)
DeskUi = Annotated[Principal, Depends(ui_require(*DESK_ROLES))]
MonitorUi = Annotated[Principal, Depends(ui_require(Role.monitor))]
SORTS = ("priority", "sla", "recent", "reach")


def actor_of(principal: Principal) -> Actor:
    return Actor(user_id=principal.user_id, role=principal.role, username=principal.username)


def _say(request: Request, key: str, **values: object) -> str:
    return translate(lang_of(request), key).format(**values)


def moves_for(case: Case, role: Role) -> list[tuple[CaseState, bool]]:
    """The state moves this role may make by hand from here: (target, needs a note)."""
    return [
        (target, move.needs_note)
        for (source, target), move in TRANSITIONS.items()
        if source == case.state and move.via is None and (role in move.roles or role == Role.admin)
    ]


# Cases in one CSV export of the queue (the open queue is far smaller).
MAX_EXPORT_ROWS = 10_000


class QueueFilters:
    def __init__(
        self,
        state: Annotated[str, Query(max_length=16)] = "",
        topic: Annotated[str, Query(max_length=64)] = "",
        sort: Annotated[str, Query(max_length=16)] = "priority",
        who: Annotated[str, Query(max_length=16)] = "",
        breached: Annotated[str, Query(max_length=3)] = "",
        cursor: Annotated[str, Query(max_length=300)] = "",
    ) -> None:
        self.state = state if state in CaseState.__members__ else ""
        self.topic = topic.strip()
        self.sort = sort if sort in SORTS else "priority"
        self.who = who if who in ("mine", "unassigned") else ""
        self.breached = breached if breached in ("yes", "no") else ""
        self.cursor = cursor

    def query(self, **override: str) -> str:
        from urllib.parse import urlencode

        values = {
            "state": self.state,
            "topic": self.topic,
            "sort": self.sort,
            "who": self.who,
            "breached": self.breached,
            **override,
        }
        return urlencode({k: v for k, v in values.items() if v})


def _queue(
    session: Session, principal: Principal, filters: QueueFilters, limit: int
) -> tuple[Sequence[Case], str | None, dict[int, Any]]:
    rows, next_cursor = cases_service.list(
        session=session,
        limit=limit,
        cursor=filters.cursor or None,
        sort=filters.sort,
        topic=filters.topic or None,
        states=[CaseState(filters.state)] if filters.state else None,
        assignee_id=(principal.user_id or -1) if filters.who == "mine" else None,
        unassigned=filters.who == "unassigned",
        breached={"yes": True, "no": False}.get(filters.breached),
    )
    users = cases_service.users_by_id(
        session=session, user_ids={c.assignee_id for c in rows if c.assignee_id}
    )
    return rows, next_cursor, users


def _queue_context(
    request: Request,
    session: Session,
    principal: Principal,
    filters: QueueFilters,
    settings: Any,
) -> dict[str, Any]:
    rows, next_cursor, users = _queue(session, principal, filters, settings.page_size)
    return {
        "cases": rows,
        "users": users,
        "filters": filters,
        "next_cursor": next_cursor,
        "states": list(CaseState),
        "sorts": SORTS,
        "refresh_seconds": settings.queue_refresh_seconds,
        "is_breached": cases_service.is_breached,
        "can_bulk": principal.role in (Role.monitor, Role.admin),
        "can_take": principal.role in (*DESK_ROLES, Role.admin),
        "assignees": [
            u
            for u in users_service.list(session=session)
            if u.is_active and Role(u.role) in cases_service.ASSIGNABLE_ROLES
        ],
    }


@router.get("/queue", summary="Triage queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: SessionDep,
    principal: StaffUi,
    settings: UiSettingsDep,
    filters: Annotated[QueueFilters, Depends()],
    format: Annotated[str, Query(max_length=8)] = "html",
) -> Response:
    if format == "csv":
        rows, more, users = _queue(session, principal, filters, MAX_EXPORT_ROWS)
        # A cut export says so where the reader looks: in the name of the file.
        return csv_response(
            f"queue-first-{MAX_EXPORT_ROWS}.csv" if more else "queue.csv",
            [
                "id",
                "title",
                "state",
                "priority",
                "topic",
                "assignee",
                "reach",
                "sla_due_at",
                "sla_breached",
                "reasons",
            ],
            [
                [
                    c.id,
                    c.title,
                    c.state,
                    c.priority,
                    c.topic,
                    users[c.assignee_id].username if c.assignee_id in users else "",
                    c.reach,
                    c.sla_due_at,
                    cases_service.is_breached(c),
                    " | ".join(priority_reason(lang_of(request), r) for r in c.priority_reasons),
                ]
                for c in rows
            ],
        )
    context = _queue_context(request, session, principal, filters, settings)
    return render(request, "desk/queue.html", context, principal=principal)


@router.get("/queue/rows", summary="Queue rows (live refresh)", response_class=HTMLResponse)
def queue_rows(
    request: Request,
    session: SessionDep,
    principal: StaffUi,
    settings: UiSettingsDep,
    filters: Annotated[QueueFilters, Depends()],
) -> Response:
    context = _queue_context(request, session, principal, filters, settings)
    return render(request, "desk/_queue_rows.html", context, principal=principal)


def _parse_items(values: list[str]) -> list[tuple[int, int]]:
    items = []
    for value in values:
        case_id, _, version = value.partition(":")
        if not (case_id.isdigit() and version.isdigit()):
            raise InvalidInput(
                "Danh sách vụ việc đã chọn không hợp lệ.",
                "The selected cases are invalid.",
                field="case_ids",
            )
        items.append((int(case_id), int(version)))
    return items


@router.post("/queue/bulk", summary="Bulk action on selected cases")
def queue_bulk(
    request: Request,
    session: SessionDep,
    principal: MonitorUi,
    action: Annotated[str, Form(max_length=16)],
    case_ids: Annotated[list[str] | None, Form()] = None,
    assignee_id: Annotated[str, Form(max_length=12)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    items = _parse_items(case_ids or [])
    if not items:
        flash(request, _say(request, "select_cases_first"), "error")
        return back_to(request, "/ui/queue")
    if action == "assign_me":
        action, target = "assign", principal.user_id
    elif action == "assign":
        target = int(assignee_id) if assignee_id.isdigit() else None
        if target is None:
            flash(request, _say(request, "choose_assignee"), "error")
            return back_to(request, "/ui/queue")
    elif action == "dismiss":
        target = None
    else:
        raise InvalidInput("Thao tác không hợp lệ.", "Unknown action.", field="action")
    try:
        outcomes = cases_service.bulk(
            session=session,
            action=action,
            items=items,
            actor=actor_of(principal),
            assignee_id=target,
            reason=optional_text(reason),
            lang=lang_of(request),
        )
    except VigilError as exc:
        # A missing reason or an unknown assignee: say so on the queue, where the selection
        # and the filters are, rather than on a bare error page.
        session.rollback()
        flash(request, exc.message(lang_of(request)), "error")
        return back_to(request, "/ui/queue")
    done = sum(1 for o in outcomes if o.ok)
    flash(request, _say(request, "bulk_done", done=done, total=len(outcomes)))
    for outcome in outcomes:
        if not outcome.ok:
            flash(request, f"#{outcome.id}: {outcome.message}", "error")
    return back_to(request, "/ui/queue")


@router.post("/cases/{case_id}/take", summary="Take a case yourself", response_class=HTMLResponse)
def take_case(
    request: Request,
    case_id: IdPath,
    session: SessionDep,
    principal: DeskUi,
    settings: UiSettingsDep,
    version: Annotated[int, Form(ge=1)],
) -> Response:
    case = cases_service.assign(
        session=session,
        case_id=case_id,
        assignee_id=principal.user_id,
        actor=actor_of(principal),
        expected=Expected(version),
    )
    if request.headers.get("hx-request"):
        # From the queue: swap just this row.
        users = cases_service.users_by_id(session=session, user_ids={principal.user_id or 0})
        return render(
            request,
            "desk/_queue_row.html",
            {
                "c": case,
                "users": users,
                "is_breached": cases_service.is_breached,
                "can_bulk": principal.role in (Role.monitor, Role.admin),
                "can_take": True,
            },
            principal=principal,
        )
    flash(request, _say(request, "case_taken", id=case_id))
    return RedirectResponse(f"/ui/cases/{case_id}", status_code=303)


@router.get("/cases/{case_id}", summary="A case", response_class=HTMLResponse)
def case_page(
    request: Request, case_id: IdPath, session: SessionDep, principal: StaffUi
) -> Response:
    case = cases_service.get(session=session, case_id=case_id)
    posts = cases_service.posts_of(session=session, case_id=case_id)
    post_ids = [post.id for _, post in posts if post.id is not None]
    detections = detections_by_post(session=session, post_ids=post_ids)
    events = cases_service.events(session=session, case_id=case_id)
    user_ids = {e.actor_id for e in events if e.actor_id} | (
        {case.assignee_id} if case.assignee_id else set()
    )
    users = cases_service.users_by_id(session=session, user_ids=user_ids)
    # The newest detection of each post marks its offending spans.
    highlighted = {}
    for _, post in posts:
        newest = detections.get(post.id or 0, [])
        # Detector offsets point into the text it read: title and body (detector.service).
        highlighted[post.id] = highlight(post_text(post), newest[0].spans if newest else [])
    role = principal.role
    return render(
        request,
        "desk/case.html",
        {
            "case": case,
            "posts": posts,
            "detections": detections,
            "highlighted": highlighted,
            "claims": matched_claims(session=session, claim_id=case.claim_id, post_ids=post_ids),
            # Each post's link to the case's claim, which the desk may confirm or reject.
            "claim_links": {
                link.post_id: link
                for link in (
                    claims_service.links_to(
                        session=session,
                        claim_id=case.claim_id,
                        post_ids=post_ids,
                        limit=len(post_ids),
                    )
                    if case.claim_id is not None and post_ids
                    else []
                )
            },
            "can_review_links": role in (*DESK_ROLES, Role.admin),
            "events": events,
            "users": users,
            "moves": moves_for(case, role) if role in (*DESK_ROLES, Role.admin) else [],
            "breached": cases_service.is_breached(case),
            "is_open": case.state in OPEN_STATES,
            "can_take": role in (*DESK_ROLES, Role.admin) and case.assignee_id != principal.user_id,
            "can_assign": role in (Role.monitor, Role.admin),
            "assignees": [
                u
                for u in users_service.list(session=session)
                if u.is_active and Role(u.role) in cases_service.ASSIGNABLE_ROLES
            ],
            "rebuttal_id": cases_service.rebuttal_id_of(session=session, case_id=case_id),
            "can_draft": role in (Role.editor, Role.admin),
            "rebuttals_enabled": True,
        },
        principal=principal,
    )


@router.post("/cases/{case_id}/move", summary="Move a case to another state")
def move_case(
    request: Request,
    case_id: IdPath,
    session: SessionDep,
    principal: DeskUi,
    to: Annotated[CaseState, Form()],
    version: Annotated[int, Form(ge=1)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    actor = actor_of(principal)
    if to == CaseState.dismissed:
        cases_service.dismiss(
            session=session,
            case_id=case_id,
            actor=actor,
            reason=optional_text(note),
            expected=Expected(version),
        )
    else:
        case = cases_service.get(session=session, case_id=case_id)
        transition(
            session=session,
            case=case,
            to=to,
            actor=actor,
            note=optional_text(note),
            expected=Expected(version),
        )
    flash(
        request, _say(request, "case_moved", id=case_id, state=_say(request, f"state_{to.value}"))
    )
    return RedirectResponse(f"/ui/cases/{case_id}", status_code=303)


@router.post(
    "/cases/{case_id}/posts/{post_id}/link-review",
    summary="Confirm (with its stance) or reject a post's link to the case's claim",
)
def review_claim_link(
    request: Request,
    case_id: IdPath,
    post_id: IdPath,
    session: SessionDep,
    principal: DeskUi,
    decision: Annotated[LinkReview, Form()],
    stance: Annotated[Stance | None, Form()] = None,
) -> RedirectResponse:
    case = cases_service.get(session=session, case_id=case_id)
    if case.claim_id is None:
        raise InvalidInput(
            f"Vụ việc #{case_id} không gắn với tin giả nào.",
            f"Case #{case_id} is not about a known claim.",
        )
    link_review.review(
        session=session,
        post_id=post_id,
        claim_id=case.claim_id,
        decision=decision,
        # The form always sends the stance menu; it only counts when confirming.
        stance=stance if decision == LinkReview.confirmed else None,
        actor=actor_of(principal),
    )
    flash(request, _say(request, f"link_{decision.value}", post=post_id))
    return RedirectResponse(f"/ui/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/assign", summary="Assign a case")
def assign_case(
    request: Request,
    case_id: IdPath,
    session: SessionDep,
    principal: MonitorUi,
    version: Annotated[int, Form(ge=1)],
    assignee_id: Annotated[str, Form(max_length=12)] = "",
) -> RedirectResponse:
    cases_service.assign(
        session=session,
        case_id=case_id,
        assignee_id=int(assignee_id) if assignee_id.isdigit() else None,
        actor=actor_of(principal),
        expected=Expected(version),
    )
    flash(request, _say(request, "saved"))
    return RedirectResponse(f"/ui/cases/{case_id}", status_code=303)


@router.get("/posts/{post_id}/snapshot", summary="A post's raw snapshot (evidence)")
def post_snapshot(post_id: IdPath, session: SessionDep, _: StaffUi) -> Response:
    snapshot, body = snapshots_service.get_for_post(session=session, post_id=post_id)
    return Response(
        content=body,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="post-{post_id}-snapshot.bin"',
            "X-Snapshot-Sha256": snapshot.sha256,
        },
    )

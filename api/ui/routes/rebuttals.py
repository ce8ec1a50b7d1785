"""Rebuttal editor and review pages, on the desk's rebuttal services (rebuttal.rebuttals)."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import Principal, SessionDep
from api.params import IdPath
from api.ui.deps import StaffUi, lang_of, ui_require
from api.ui.forms import error_message, optional_text
from api.ui.i18n import translate
from api.ui.render import flash, render
from api.ui.routes.desk import actor_of
from models.enums import EvidenceKind, RebuttalStatus, Role, Verdict
from models.errors import InvalidInput, VigilError
from rebuttal import briefs as briefs_service
from rebuttal import cases as cases_service
from rebuttal import claimreview
from rebuttal import rebuttals as rebuttals_service
from rebuttal.schemas import (
    CommissionIn,
    EvidenceCreate,
    PublishIn,
    RebuttalCreate,
    RebuttalUpdate,
)
from rebuttal.workflow import Expected

router = APIRouter(prefix="/ui")

EditorUi = Annotated[Principal, Depends(ui_require(Role.editor))]
ApproverUi = Annotated[Principal, Depends(ui_require(Role.approver))]
WriterUi = Annotated[Principal, Depends(ui_require(Role.editor, Role.approver))]


def _say(request: Request, key: str, **values: object) -> str:
    return translate(lang_of(request), key).format(**values)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.get(
    "/cases/{case_id}/rebuttal/new", summary="Draft a rebuttal", response_class=HTMLResponse
)
def new_rebuttal_page(
    request: Request, case_id: IdPath, session: SessionDep, principal: EditorUi
) -> Response:
    case = cases_service.get(session=session, case_id=case_id)
    return render(
        request,
        "desk/rebuttal_new.html",
        {"case": case, "verdicts": list(Verdict), "form": {}},
        principal=principal,
    )


@router.post("/cases/{case_id}/rebuttal", summary="Create the draft", response_class=HTMLResponse)
def create_rebuttal(
    request: Request,
    case_id: IdPath,
    session: SessionDep,
    principal: EditorUi,
    verdict: Annotated[str, Form(max_length=32)],
    summary: Annotated[str, Form(max_length=2000)],
    body: Annotated[str, Form(max_length=100_000)] = "",
    key_facts: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    form = {"verdict": verdict, "summary": summary, "body": body, "key_facts": key_facts}
    try:
        row = rebuttals_service.create(
            session=session,
            case_id=case_id,
            rebuttal_in=RebuttalCreate(
                verdict=verdict, summary=summary, body=body, key_facts=_lines(key_facts)
            ),
            actor=actor_of(principal),
        )
    except (VigilError, ValidationError) as exc:
        session.rollback()
        case = cases_service.get(session=session, case_id=case_id)
        return render(
            request,
            "desk/rebuttal_new.html",
            {
                "case": case,
                "verdicts": list(Verdict),
                "form": form,
                "form_error": error_message(request, exc),
            },
            principal=principal,
            status_code=422,
        )
    flash(request, _say(request, "rebuttal_created", id=row.id))
    return RedirectResponse(f"/ui/rebuttals/{row.id}", status_code=303)


def _page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    rebuttal_id: int,
    diff_from: int | None = None,
    diff_to: int | None = None,
    form_error: str | None = None,
    status_code: int = 200,
    *,
    forms: dict[str, dict[str, Any]] | None = None,
) -> Response:
    """`forms` holds what a person typed into a form that was refused (by form name), so the
    page shows it again instead of the stored values or blanks."""
    row = rebuttals_service.get(session=session, rebuttal_id=rebuttal_id)
    versions = rebuttals_service.versions(session=session, rebuttal_id=rebuttal_id)
    numbers = [v.number for v in versions]
    changes: list[dict[str, Any]] = []
    if len(numbers) >= 2:
        diff_to = diff_to if diff_to in numbers else numbers[-1]
        diff_from = diff_from if diff_from in numbers else numbers[-2]
        changes = rebuttals_service.diff(
            session=session, rebuttal_id=rebuttal_id, from_version=diff_from, to_version=diff_to
        )
    claim_review_json = None
    if row.status == RebuttalStatus.published:
        claim_review_json = json.dumps(
            claimreview.build(session=session, rebuttal_id=rebuttal_id),
            ensure_ascii=False,
            indent=2,
        )
    role = principal.role
    status = RebuttalStatus(row.status)
    brief = rebuttals_service.brief_of(session=session, rebuttal_id=rebuttal_id)
    editable = status in rebuttals_service.EDITABLE
    users = cases_service.users_by_id(
        session=session,
        user_ids={row.author_id, *(v.author_id for v in versions)}
        | ({row.approver_id} if row.approver_id else set()),
    )
    return render(
        request,
        "desk/rebuttal.html",
        {
            "r": row,
            "case": cases_service.get(session=session, case_id=row.case_id),
            "evidence": rebuttals_service.evidence_of(session=session, rebuttal_id=rebuttal_id),
            "versions": versions,
            "changes": changes,
            "diff_from": diff_from,
            "diff_to": diff_to,
            "comments": rebuttals_service.comments(session=session, rebuttal_id=rebuttal_id),
            "brief": brief,
            "receipts": briefs_service.receipts(session=session, brief_id=brief.id)
            if brief is not None and brief.id is not None
            else [],
            "commissions": briefs_service.commissions(session=session, brief_id=brief.id)
            if brief is not None
            else [],
            "can_commission": brief is not None
            and brief.status != "retracted"
            and role in (Role.approver, Role.admin),
            "claim_review_json": claim_review_json,
            "users": users,
            "verdicts": list(Verdict),
            "evidence_kinds": list(EvidenceKind),
            "can_edit": editable and role in (Role.editor, Role.admin),
            "can_add_evidence": (editable or status == RebuttalStatus.in_review)
            and role in (Role.editor, Role.approver, Role.admin),
            "can_submit": editable and role in (Role.editor, Role.admin),
            "can_review": status == RebuttalStatus.in_review
            and role in (Role.approver, Role.admin),
            "form_error": form_error,
            "edit_form": (forms or {}).get("edit"),
            "evidence_form": (forms or {}).get("evidence", {}),
            "commission_form": (forms or {}).get("commission", {}),
        },
        principal=principal,
        status_code=status_code,
    )


@router.get("/rebuttals/{rebuttal_id}", summary="A rebuttal", response_class=HTMLResponse)
def rebuttal_page(
    request: Request,
    rebuttal_id: IdPath,
    session: SessionDep,
    principal: StaffUi,
    diff_from: Annotated[int | None, Query(alias="from", ge=1, le=100_000)] = None,
    diff_to: Annotated[int | None, Query(alias="to", ge=1, le=100_000)] = None,
) -> Response:
    return _page(request, session, principal, rebuttal_id, diff_from, diff_to)


def _back(rebuttal_id: int) -> RedirectResponse:
    return RedirectResponse(f"/ui/rebuttals/{rebuttal_id}", status_code=303)


@router.post("/rebuttals/{rebuttal_id}", summary="Save a new version", response_class=HTMLResponse)
def update_rebuttal(
    request: Request,
    rebuttal_id: IdPath,
    session: SessionDep,
    principal: EditorUi,
    version: Annotated[int, Form(ge=1)],
    verdict: Annotated[str, Form(max_length=32)],
    summary: Annotated[str, Form(max_length=2000)],
    body: Annotated[str, Form(max_length=100_000)] = "",
    key_facts: Annotated[str, Form(max_length=20_000)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        rebuttals_service.update(
            session=session,
            rebuttal_id=rebuttal_id,
            rebuttal_in=RebuttalUpdate(
                verdict=verdict,
                summary=summary,
                body=body,
                key_facts=_lines(key_facts),
                note=optional_text(note),
            ),
            actor=actor_of(principal),
            expected=Expected(version),
        )
    except (VigilError, ValidationError) as exc:
        session.rollback()
        # The version stays the one the editor read: after a conflict, saving again is refused
        # again rather than overwriting the other person's change, yet nothing typed is lost.
        typed = {"verdict": verdict, "summary": summary, "body": body, "key_facts": key_facts}
        return _page(
            request,
            session,
            principal,
            rebuttal_id,
            form_error=error_message(request, exc),
            status_code=422,
            forms={"edit": {**typed, "note": note, "version": version}},
        )
    flash(request, _say(request, "saved"))
    return _back(rebuttal_id)


@router.post(
    "/rebuttals/{rebuttal_id}/evidence", summary="Add evidence", response_class=HTMLResponse
)
def add_evidence(
    request: Request,
    rebuttal_id: IdPath,
    session: SessionDep,
    principal: WriterUi,
    kind: Annotated[str, Form(max_length=32)],
    title: Annotated[str, Form(max_length=500)],
    url: Annotated[str, Form(max_length=2000)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
    authority: Annotated[str, Form(max_length=300)] = "",
    confirmed_by: Annotated[str, Form(max_length=300)] = "",
    confirmed_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        rebuttals_service.add_evidence(
            session=session,
            rebuttal_id=rebuttal_id,
            evidence_in=EvidenceCreate.model_validate(
                {
                    "kind": kind,
                    "title": title,
                    "url": optional_text(url),
                    "description": optional_text(description),
                    "authority": optional_text(authority),
                    "confirmed_by": optional_text(confirmed_by),
                    "confirmed_at": optional_text(confirmed_at),
                }
            ),
            actor=actor_of(principal),
        )
    except (VigilError, ValidationError) as exc:
        session.rollback()
        typed = {
            "kind": kind,
            "title": title,
            "url": url,
            "description": description,
            "authority": authority,
            "confirmed_by": confirmed_by,
            "confirmed_at": confirmed_at,
        }
        return _page(
            request,
            session,
            principal,
            rebuttal_id,
            form_error=error_message(request, exc),
            status_code=422,
            forms={"evidence": typed},
        )
    flash(request, _say(request, "evidence_added"))
    return _back(rebuttal_id)


@router.post("/rebuttals/{rebuttal_id}/submit", summary="Send for review")
def submit(
    request: Request,
    rebuttal_id: IdPath,
    session: SessionDep,
    principal: EditorUi,
    version: Annotated[int, Form(ge=1)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    rebuttals_service.submit(
        session=session,
        rebuttal_id=rebuttal_id,
        actor=actor_of(principal),
        expected=Expected(version),
        note=optional_text(note),
    )
    flash(request, _say(request, "rebuttal_submitted"))
    return _back(rebuttal_id)


@router.post("/rebuttals/{rebuttal_id}/request-changes", summary="Request changes")
def request_changes(
    request: Request,
    rebuttal_id: IdPath,
    session: SessionDep,
    principal: ApproverUi,
    version: Annotated[int, Form(ge=1)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    rebuttals_service.request_changes(
        session=session,
        rebuttal_id=rebuttal_id,
        actor=actor_of(principal),
        expected=Expected(version),
        note=optional_text(note),
    )
    flash(request, _say(request, "changes_requested"))
    return _back(rebuttal_id)


@router.post("/rebuttals/{rebuttal_id}/publish", summary="Approve and publish")
def publish(
    request: Request,
    rebuttal_id: IdPath,
    session: SessionDep,
    principal: ApproverUi,
    version: Annotated[int, Form(ge=1)],
    note: Annotated[str, Form(max_length=2000)] = "",
    suggested_wording: Annotated[str, Form(max_length=20_000)] = "",
) -> RedirectResponse:
    _, brief = rebuttals_service.publish(
        session=session,
        rebuttal_id=rebuttal_id,
        publish_in=PublishIn(note=optional_text(note), suggested_wording=suggested_wording),
        actor=actor_of(principal),
        expected=Expected(version),
    )
    flash(request, _say(request, "rebuttal_published", brief=brief.id))
    return _back(rebuttal_id)


@router.post(
    "/rebuttals/{rebuttal_id}/commissions",
    summary="Commission a partner's work on the brief",
    response_class=HTMLResponse,
)
def create_commission(
    request: Request,
    rebuttal_id: IdPath,
    session: SessionDep,
    principal: ApproverUi,
    partner_id: Annotated[str, Form(max_length=12)],
    deliverable: Annotated[str, Form(max_length=4000)],
    deadline: Annotated[str, Form(max_length=40)],
    budget_note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    brief = rebuttals_service.brief_of(session=session, rebuttal_id=rebuttal_id)
    try:
        if brief is None or brief.id is None:
            raise InvalidInput(
                "Bài phản bác chưa có bản tin để đặt hàng.",
                "The rebuttal has no brief to commission work on yet.",
                field="brief_id",
            )
        commission_in = CommissionIn.model_validate(
            {
                "partner_id": partner_id,
                "deliverable": deliverable,
                "deadline": deadline,
                "budget_note": budget_note,
            }
        )
        briefs_service.create_commission(
            session=session,
            brief_id=brief.id,
            partner_id=commission_in.partner_id,
            deliverable=commission_in.deliverable,
            deadline=commission_in.deadline,
            budget_note=commission_in.budget_note,
            actor=actor_of(principal),
        )
    except (VigilError, ValidationError) as exc:
        session.rollback()
        typed = {
            "partner_id": partner_id,
            "deliverable": deliverable,
            "deadline": deadline,
            "budget_note": budget_note,
        }
        return _page(
            request,
            session,
            principal,
            rebuttal_id,
            form_error=error_message(request, exc),
            status_code=422,
            forms={"commission": typed},
        )
    flash(request, _say(request, "commission_created"))
    return _back(rebuttal_id)

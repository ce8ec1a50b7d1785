"""The partner portal: briefs meant for this press partner, acknowledgement, publications
and commissions. Every call goes through rebuttal.briefs with the partner's own id."""

import re
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import SessionDep
from api.params import IdPath
from api.ui.deps import PartnerUi, lang_of
from api.ui.forms import back_to, error_message, optional_text
from api.ui.i18n import translate
from api.ui.render import flash, render
from models.errors import InvalidInput, VigilError
from rebuttal import briefs as briefs_service
from rebuttal import partners as partners_service
from rebuttal.schemas import CommissionAnswer, CommissionDelivery, PublicationIn

router = APIRouter(prefix="/ui/partner")


def _say(request: Request, key: str, **values: object) -> str:
    return translate(lang_of(request), key).format(**values)


# Digits grouped by thousands, as Vietnamese writes them (12.500) and English (12,500).
_GROUPED = re.compile(r"\d{1,3}(?:([.,\s\u00a0])\d{3})(?:\1\d{3})*")


def whole_number(text: str, *, field: str) -> int:
    """A count typed by a person: "12.500" is twelve thousand five hundred, not 12.5 or 12.

    Pydantic reads the string "12.500" as the float 12.5 and "1.000" as the integer 1, so a
    partner reporting a reach the way the portal itself shows it would record a thousandth.
    """
    value = text.strip() or "0"
    if _GROUPED.fullmatch(value):
        value = re.sub(r"\D", "", value)
    if not (value.isascii() and value.isdigit()):
        raise InvalidInput(
            f"«{text.strip()}» không phải một số nguyên (ví dụ: 12500 hoặc 12.500).",
            f"'{text.strip()}' is not a whole number (e.g. 12500 or 12,500).",
            field=field,
        )
    return int(value)


def _partner_id(principal: PartnerUi) -> int:
    assert principal.partner_id is not None  # guaranteed by require_partner
    return principal.partner_id


@router.get("/briefs", summary="Briefs for this partner", response_class=HTMLResponse)
def briefs_page(
    request: Request,
    session: SessionDep,
    principal: PartnerUi,
    cursor: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    partner_id = _partner_id(principal)
    rows, next_cursor = briefs_service.list_for_partner(
        session=session, partner_id=partner_id, limit=50, cursor=cursor or None
    )
    return render(
        request,
        "partner/briefs.html",
        {
            "partner": partners_service.get(session=session, partner_id=partner_id),
            "rows": rows,
            "next_cursor": next_cursor,
        },
        principal=principal,
    )


def _brief_page(
    request: Request,
    session: SessionDep,
    principal: PartnerUi,
    brief_id: int,
    form_error: str | None = None,
    status_code: int = 200,
) -> Response:
    partner_id = _partner_id(principal)
    brief, receipt = briefs_service.for_partner(
        session=session, partner_id=partner_id, brief_id=brief_id
    )
    return render(
        request,
        "partner/brief.html",
        {
            "brief": brief,
            "b": briefs_service.payload(session, brief),
            "receipt": receipt,
            "publications": briefs_service.publications(
                session=session, brief_id=brief_id, partner_id=partner_id
            ),
            "commissions": briefs_service.commissions(
                session=session, partner_id=partner_id, brief_id=brief_id
            ),
            "form_error": form_error,
        },
        principal=principal,
        status_code=status_code,
    )


@router.get("/briefs/{brief_id}", summary="One brief", response_class=HTMLResponse)
def brief_page(
    request: Request, brief_id: IdPath, session: SessionDep, principal: PartnerUi
) -> Response:
    return _brief_page(request, session, principal, brief_id)


@router.post("/briefs/{brief_id}/ack", summary="Acknowledge a brief")
def acknowledge(
    request: Request, brief_id: IdPath, session: SessionDep, principal: PartnerUi
) -> RedirectResponse:
    briefs_service.acknowledge(
        session=session,
        partner_id=_partner_id(principal),
        brief_id=brief_id,
        by=principal.username,
    )
    flash(request, _say(request, "brief_acknowledged", id=brief_id))
    return back_to(request, f"/ui/partner/briefs/{brief_id}")


@router.post(
    "/briefs/{brief_id}/publications",
    summary="Report where the brief was published",
    response_class=HTMLResponse,
)
def report_publication(
    request: Request,
    brief_id: IdPath,
    session: SessionDep,
    principal: PartnerUi,
    url: Annotated[str, Form(max_length=2000)],
    reach: Annotated[str, Form(max_length=32)] = "0",
) -> Response:
    try:
        publication_in = PublicationIn.model_validate(
            {"url": url.strip(), "reach": whole_number(reach, field="reach")}
        )
        briefs_service.report_publication(
            session=session,
            partner_id=_partner_id(principal),
            brief_id=brief_id,
            url=str(publication_in.url),
            reach=publication_in.reach,
            by=principal.username,
        )
    except (VigilError, ValidationError) as exc:
        session.rollback()
        return _brief_page(
            request, session, principal, brief_id, error_message(request, exc), status_code=422
        )
    flash(request, _say(request, "publication_recorded"))
    return RedirectResponse(f"/ui/partner/briefs/{brief_id}", status_code=303)


@router.get("/commissions", summary="Commissions for this partner", response_class=HTMLResponse)
def commissions_page(request: Request, session: SessionDep, principal: PartnerUi) -> Response:
    rows = briefs_service.commissions(session=session, partner_id=_partner_id(principal))
    return render(request, "partner/commissions.html", {"rows": rows}, principal=principal)


@router.post("/commissions/{commission_id}/respond", summary="Accept or decline a commission")
def respond(
    request: Request,
    commission_id: IdPath,
    session: SessionDep,
    principal: PartnerUi,
    answer: Annotated[str, Form(max_length=8)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    if answer not in ("accept", "decline"):
        raise InvalidInput("Câu trả lời không hợp lệ.", "Invalid answer.", field="answer")
    answer_in = CommissionAnswer(note=optional_text(note))
    briefs_service.respond(
        session=session,
        partner_id=_partner_id(principal),
        commission_id=commission_id,
        accept=answer == "accept",
        note=answer_in.note,
    )
    flash(
        request,
        _say(request, "commission_accepted" if answer == "accept" else "commission_declined"),
    )
    return back_to(request, "/ui/partner/commissions")


@router.post("/commissions/{commission_id}/deliver", summary="Deliver a commission")
def deliver(
    request: Request,
    commission_id: IdPath,
    session: SessionDep,
    principal: PartnerUi,
    url: Annotated[str, Form(max_length=2000)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    try:
        delivery = CommissionDelivery.model_validate(
            {"url": url.strip(), "note": optional_text(note)}
        )
    except ValidationError as exc:
        flash(request, error_message(request, exc), "error")
        return back_to(request, "/ui/partner/commissions")
    briefs_service.deliver(
        session=session,
        partner_id=_partner_id(principal),
        commission_id=commission_id,
        url=str(delivery.url),
        note=delivery.note,
    )
    flash(request, _say(request, "commission_delivered"))
    return back_to(request, "/ui/partner/commissions")

"""Partner administration for admins: register partners, change topics and standing, issue
and revoke API keys, create partner logins. Uses rebuttal.partners and rebuttal.users."""

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import SessionDep
from api.params import IdPath
from api.ui.deps import AdminUi, lang_of
from api.ui.forms import error_message, optional_text
from api.ui.i18n import translate
from api.ui.render import flash, render
from models.enums import Role
from models.errors import VigilError
from models.users import UserCreate
from rebuttal import partners as partners_service
from rebuttal import users as users_service

router = APIRouter(prefix="/ui/admin")

TOPIC = re.compile(r"^[a-z0-9_\-]{1,64}$")


def _say(request: Request, key: str, **values: object) -> str:
    return translate(lang_of(request), key).format(**values)


def _topics(text: str) -> list[str]:
    topics = [t.strip().lower() for t in re.split(r"[,\s]+", text) if t.strip()]
    bad = [t for t in topics if not TOPIC.match(t)]
    if bad:
        raise ValueError(", ".join(bad))
    return topics


def _page(
    request: Request,
    session: SessionDep,
    principal: AdminUi,
    *,
    form_error: str | None = None,
    new_key: str | None = None,
    status_code: int = 200,
    new_partner: dict[str, str] | None = None,
) -> Response:
    partners = partners_service.list(session=session)
    keys = {
        p.id: partners_service.list_keys(session=session, partner_id=p.id)
        for p in partners
        if p.id is not None
    }
    logins: dict[int, list[str]] = {}
    for user in users_service.list(session=session):
        if user.partner_id is not None:
            logins.setdefault(user.partner_id, []).append(user.username)
    return render(
        request,
        "admin/partners.html",
        {
            "partners": partners,
            "keys": keys,
            "logins": logins,
            "form_error": form_error,
            "new_key": new_key,
            # What was typed into a refused "add a partner" form, shown again.
            "new_partner": new_partner or {},
        },
        principal=principal,
        status_code=status_code,
    )


@router.get("/partners", summary="Press partners", response_class=HTMLResponse)
def partners_page(request: Request, session: SessionDep, principal: AdminUi) -> Response:
    return _page(request, session, principal)


@router.post("/partners", summary="Register a press partner", response_class=HTMLResponse)
def create_partner(
    request: Request,
    session: SessionDep,
    principal: AdminUi,
    name: Annotated[str, Form(max_length=300)],
    contact_email: Annotated[str, Form(max_length=320)] = "",
    topics: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    typed = {"name": name, "contact_email": contact_email, "topics": topics}
    try:
        topic_list = _topics(topics)
    except ValueError as exc:
        return _page(
            request,
            session,
            principal,
            form_error=_say(request, "bad_topics", topics=str(exc)),
            status_code=422,
            new_partner=typed,
        )
    if not name.strip():
        return _page(
            request,
            session,
            principal,
            form_error=_say(request, "name_required"),
            status_code=422,
            new_partner=typed,
        )
    try:
        partner = partners_service.create(
            session=session,
            name=name.strip(),
            contact_email=optional_text(contact_email),
            topics=topic_list,
        )
    except VigilError as exc:
        session.rollback()
        return _page(
            request,
            session,
            principal,
            form_error=error_message(request, exc),
            status_code=422,
            new_partner=typed,
        )
    flash(request, _say(request, "partner_created", name=partner.name))
    return RedirectResponse("/ui/admin/partners", status_code=303)


@router.post("/partners/{partner_id}", summary="Change a partner", response_class=HTMLResponse)
def update_partner(
    request: Request,
    partner_id: IdPath,
    session: SessionDep,
    principal: AdminUi,
    topics: Annotated[str, Form(max_length=2000)] = "",
    active: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    try:
        topic_list = _topics(topics)
    except ValueError as exc:
        return _page(
            request,
            session,
            principal,
            form_error=_say(request, "bad_topics", topics=str(exc)),
            status_code=422,
        )
    partner = partners_service.update(
        session=session, partner_id=partner_id, topics=topic_list, active=active == "on"
    )
    flash(request, _say(request, "partner_updated", name=partner.name))
    return RedirectResponse("/ui/admin/partners", status_code=303)


@router.post("/partners/{partner_id}/keys", summary="Issue an API key", response_class=HTMLResponse)
def issue_key(
    request: Request,
    partner_id: IdPath,
    session: SessionDep,
    principal: AdminUi,
    label: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _, key = partners_service.issue_key(session=session, partner_id=partner_id, label=label.strip())
    # Shown once, on this response only: never stored in the session or the page URL.
    return _page(request, session, principal, new_key=key)


@router.post("/partners/{partner_id}/keys/{key_id}/revoke", summary="Revoke an API key")
def revoke_key(
    request: Request, partner_id: IdPath, key_id: IdPath, session: SessionDep, _: AdminUi
) -> RedirectResponse:
    row = partners_service.revoke_key(session=session, partner_id=partner_id, key_id=key_id)
    flash(request, _say(request, "key_revoked", prefix=row.prefix))
    return RedirectResponse("/ui/admin/partners", status_code=303)


@router.post(
    "/partners/{partner_id}/users", summary="Create a partner login", response_class=HTMLResponse
)
def create_partner_user(
    request: Request,
    partner_id: IdPath,
    session: SessionDep,
    principal: AdminUi,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
) -> Response:
    try:
        user = users_service.create(
            session=session,
            user_in=UserCreate(
                username=username.strip(),
                password=password,
                role=Role.partner,
                partner_id=partner_id,
            ),
        )
    except (VigilError, ValidationError) as exc:
        session.rollback()
        return _page(
            request, session, principal, form_error=error_message(request, exc), status_code=422
        )
    flash(request, _say(request, "partner_login_created", username=user.username))
    return RedirectResponse("/ui/admin/partners", status_code=303)

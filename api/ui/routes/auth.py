"""Logging in and out of the web UI, and choosing the language."""

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import LoginGuardDep, SessionDep, client_address
from api.ui.deps import (
    AnyUserUi,
    OptionalUiPrincipal,
    UiSettingsDep,
    check_csrf,
    lang_of,
)
from api.ui.i18n import normalise_lang, translate
from api.ui.render import flash, render
from models.enums import Role
from models.errors import RateLimited
from rebuttal import users as users_service

router = APIRouter()

LANDING: dict[Role, str] = {
    Role.monitor: "/ui/queue",
    Role.editor: "/ui/queue",
    Role.approver: "/ui/queue",
    Role.ops: "/ui/ops/sources",
    Role.admin: "/ui/dashboard",
    Role.partner: "/ui/partner/briefs",
}


def safe_next(value: str | None, default: str = "/ui/") -> str:
    """Only same-site UI paths, so a crafted link cannot bounce a user to another site."""
    if not value:
        return default
    try:
        parts = urlsplit(value)
    except ValueError:
        return default
    if parts.scheme or parts.netloc or not parts.path.startswith("/ui") or "\\" in value:
        return default
    return value


@router.get("/", summary="Go to the web UI")
def root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=303)


@router.get("/ui/login", summary="Login page", response_class=HTMLResponse)
def login_page(request: Request, principal: OptionalUiPrincipal, next: str = "") -> Response:
    if principal is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next, ""), "username": ""})


@router.post(
    "/ui/login",
    summary="Log in",
    response_class=HTMLResponse,
    dependencies=[Depends(check_csrf)],
)
def login(
    request: Request,
    session: SessionDep,
    guard: LoginGuardDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    # Names never hold spaces; phone keyboards add one after an autocompleted word.
    username = username.strip()
    client = client_address(request)

    def refused(error: str, status_code: int) -> Response:
        context = {"next": safe_next(next, ""), "username": username, "error": error}
        return render(request, "login.html", context, status_code=status_code)

    try:
        guard.check(username, client)
    except RateLimited as exc:
        page = refused(exc.message(lang_of(request)), 429)
        page.headers["Retry-After"] = str(exc.details["retry_after"])
        return page
    user = users_service.authenticate(session=session, username=username, password=password)
    if user is None or user.id is None:
        guard.failed(username, client)
        return refused(translate(lang_of(request), "login_failed"), 401)
    guard.succeeded(username, client)
    # A fresh session (and CSRF token) at login, so a token planted before it is worthless.
    request.session.clear()
    request.session["uid"] = user.id
    return RedirectResponse(safe_next(next, LANDING[Role(user.role)]), status_code=303)


@router.post("/ui/logout", summary="Log out")
def logout(request: Request, _: AnyUserUi) -> RedirectResponse:
    request.session.clear()
    flash(request, translate(lang_of(request), "logged_out"))
    return RedirectResponse("/ui/login", status_code=303)


@router.post("/ui/lang", summary="Choose the UI language", dependencies=[Depends(check_csrf)])
def set_lang(
    settings: UiSettingsDep,
    lang: Annotated[str, Form(max_length=5)],
    next: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        settings.lang_cookie,
        normalise_lang(lang),
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
    )
    return response


@router.get("/ui/", summary="Home", response_class=HTMLResponse)
def home(request: Request, principal: AnyUserUi) -> Response:
    return render(request, "home.html", principal=principal)

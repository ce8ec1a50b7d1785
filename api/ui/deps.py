"""Who is using the web UI: the cookie session mapped to the API's Principal and roles.

The JSON API never reads the session cookie (it takes bearer tokens and API keys only), so
a browser's cookie cannot be replayed against it cross-site; the UI checks a per-session
CSRF token on every unsafe request instead.
"""

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from api.deps import (
    STAFF_ROLES,
    Principal,
    SessionDep,
    ensure_partner,
    ensure_role,
    user_principal,
)
from api.ui.i18n import normalise_lang
from api.ui.settings import UiSettings
from models.enums import Role
from models.errors import Forbidden

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_PATH = "/ui/login"


class LoginRequired(Exception):
    """No valid UI session: the browser is sent to the login page (303), not given a 401."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class CsrfFailed(Forbidden):
    code = "csrf_failed"


def ui_settings(request: Request) -> UiSettings:
    settings: UiSettings = request.app.state.ui_settings
    return settings


UiSettingsDep = Annotated[UiSettings, Depends(ui_settings)]


def lang_of(request: Request) -> str:
    return normalise_lang(request.cookies.get(ui_settings(request).lang_cookie))


LangDep = Annotated[str, Depends(lang_of)]


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use (anonymous visitors get one too)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    presented = request.headers.get(CSRF_HEADER)
    if presented is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            presented = value if isinstance(value, str) else None
    if not expected or not presented or not hmac.compare_digest(str(expected), presented):
        raise CsrfFailed(
            "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Hãy tải lại trang và thử lại.",
            "Your session expired or the form is not valid. Reload the page and try again.",
        )


CsrfDep = Depends(check_csrf)


def _next_url(request: Request) -> str:
    if request.method in SAFE_METHODS and not request.headers.get("hx-request"):
        query = f"?{request.url.query}" if request.url.query else ""
        return request.url.path + query
    # After logging in again, an action's page is a better landing spot than its POST URL.
    referer = request.headers.get("referer", "")
    return referer if referer.startswith(str(request.base_url)) else "/ui/"


def session_principal(request: Request, session: SessionDep) -> Principal | None:
    user_id = request.session.get("uid")
    if not isinstance(user_id, int):
        return None
    principal = user_principal(session, user_id)
    if principal is None:
        # A deleted or deactivated account (or one of a suspended partner) loses its
        # browser sessions at once.
        request.session.pop("uid", None)
    # For an error page of this request, so it keeps the signed-in person's navigation.
    request.state.ui_principal = principal
    return principal


OptionalUiPrincipal = Annotated[Principal | None, Depends(session_principal)]


def current_ui_principal(request: Request, principal: OptionalUiPrincipal) -> Principal:
    if principal is None:
        raise LoginRequired(_next_url(request))
    return principal


UiPrincipal = Annotated[Principal, Depends(current_ui_principal)]


def ui_require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """The staff roles of api.deps.require (admin always allowed), plus the CSRF check."""
    allowed = {*roles, Role.admin}

    async def dependency(request: Request, principal: UiPrincipal) -> Principal:
        ensure_role(principal, allowed)
        await check_csrf(request)
        return principal

    return dependency


async def _any_user(request: Request, principal: UiPrincipal) -> Principal:
    await check_csrf(request)
    return principal


async def _partner(request: Request, principal: UiPrincipal) -> Principal:
    ensure_partner(principal)
    await check_csrf(request)
    return principal


StaffUi = Annotated[Principal, Depends(ui_require(*STAFF_ROLES))]
AnyUserUi = Annotated[Principal, Depends(_any_user)]
PartnerUi = Annotated[Principal, Depends(_partner)]
AdminUi = Annotated[Principal, Depends(ui_require(Role.admin))]
OpsUi = Annotated[Principal, Depends(ui_require(Role.ops))]

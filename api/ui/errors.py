"""Errors on UI routes become HTML (a page, or an alert fragment for htmx) instead of JSON.

The status for each domain error still comes from api/errors.py; API routes keep the JSON
handlers they had.
"""

from collections.abc import Awaitable, Callable
from typing import cast
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import errors
from api.ui.deps import LOGIN_PATH, LoginRequired, lang_of
from api.ui.i18n import translate
from api.ui.render import render
from models.errors import VigilError

Handler = Callable[[Request, Exception], Awaitable[Response]]


def is_ui(request: Request) -> bool:
    return request.url.path.startswith("/ui/") or request.url.path == "/ui"


def error_response(request: Request, status: int, message: str) -> Response:
    """htmx requests get an alert swapped into the flash area; page loads get an error page."""
    if request.headers.get("hx-request"):
        return render(
            request,
            "_alert.html",
            {"level": "error", "message": message},
            status_code=status,
            headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"},
        )
    lang = lang_of(request)
    title_key = {403: "forbidden_title", 404: "not_found_title"}.get(status, "error_title")
    return render(
        request,
        "error.html",
        {"title": translate(lang, title_key), "message": message},
        principal=getattr(request.state, "ui_principal", None),
        status_code=status,
    )


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    target = f"{LOGIN_PATH}?next={quote(exc.next_url, safe='/')}"
    if request.headers.get("hx-request"):
        # A redirect would be followed inside the XHR and the login page swapped into a
        # table cell; HX-Redirect makes htmx navigate the whole page instead.
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def install(app: FastAPI) -> None:
    # The JSON handlers api/errors.py installed; non-UI paths keep using them.
    previous_vigil = cast(Handler, app.exception_handlers[VigilError])
    previous_validation = cast(Handler, app.exception_handlers[RequestValidationError])
    previous_http = cast(Handler, app.exception_handlers[StarletteHTTPException])

    async def vigil_error(request: Request, exc: Exception) -> Response:
        if not is_ui(request):
            return await previous_vigil(request, exc)
        assert isinstance(exc, VigilError)
        return error_response(request, errors.status_for(exc), exc.message(lang_of(request)))

    async def validation_error(request: Request, exc: Exception) -> Response:
        if not is_ui(request):
            return await previous_validation(request, exc)
        assert isinstance(exc, RequestValidationError)
        fields = sorted(
            {".".join(str(p) for p in e.get("loc", ()) if p != "body") for e in exc.errors()}
        )
        if lang_of(request) == "en":
            message = f"Invalid input in: {', '.join(fields)}."
        else:
            message = f"Dữ liệu không hợp lệ ở: {', '.join(fields)}."
        return error_response(request, 422, message)

    async def http_error(request: Request, exc: Exception) -> Response:
        if not is_ui(request) or request.url.path.startswith("/ui/static/"):
            return await previous_http(request, exc)
        assert isinstance(exc, StarletteHTTPException)
        key = "not_found_title" if exc.status_code == 404 else "error_title"
        return error_response(request, exc.status_code, translate(lang_of(request), key))

    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(VigilError, vigil_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)

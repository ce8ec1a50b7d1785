"""The public report page: anyone may report a suspected false or toxic post, without an
account, and later look up the outcome with the token they were given."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import SessionDep
from api.routers.reports import _limiter as report_limiter
from api.ui.deps import OptionalUiPrincipal, check_csrf, lang_of
from api.ui.forms import error_message, optional_text
from api.ui.i18n import translate
from api.ui.render import flash, render
from rebuttal import reports as reports_service
from rebuttal.reports import ReportIn

router = APIRouter(prefix="/ui")

Token = Annotated[str, Path(min_length=20, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


@router.get("/report", summary="Report a false or toxic post", response_class=HTMLResponse)
def report_page(request: Request, principal: OptionalUiPrincipal) -> Response:
    return render(request, "public/report.html", {"form": {}}, principal=principal)


@router.post(
    "/report",
    summary="Send a report",
    response_class=HTMLResponse,
    dependencies=[Depends(check_csrf)],
)
def submit_report(
    request: Request,
    session: SessionDep,
    principal: OptionalUiPrincipal,
    url: Annotated[str, Form(max_length=2000)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
    contact: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    form = {"url": url, "description": description, "contact": contact}
    try:
        report_in = ReportIn(url=url, description=description, contact=optional_text(contact))
    except ValidationError as exc:
        return render(
            request,
            "public/report.html",
            {"form": form, "form_error": error_message(request, exc)},
            principal=principal,
            status_code=422,
        )
    # The same per-client bucket as POST /reports, so the page is no way around the limit.
    client = request.client.host if request.client else "unknown"
    report_limiter(request).take(client)
    report = reports_service.submit(session=session, report_in=report_in, client=client)
    flash(request, translate(lang_of(request), "report_thanks"), "success")
    return RedirectResponse(f"/ui/report/{report.token}", status_code=303)


@router.get("/report/{token}", summary="The outcome of a report", response_class=HTMLResponse)
def report_outcome(
    request: Request, token: Token, session: SessionDep, principal: OptionalUiPrincipal
) -> Response:
    outcome = reports_service.outcome(session=session, token=token, lang=lang_of(request))
    return render(request, "public/outcome.html", {"outcome": outcome}, principal=principal)

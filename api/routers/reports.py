"""Public reports: no login, rate-limited per client."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from api.deps import SessionDep
from api.i18n import preferred_language
from rebuttal import reports as reports_service
from rebuttal.ratelimit import TokenBucket
from rebuttal.reports import ReportIn, ReportOutcome, ReportReceipt
from rebuttal.settings import DeskSettings

router = APIRouter(tags=["public reports"])

Token = Annotated[str, Path(min_length=20, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


def _limiter(request: Request) -> TokenBucket:
    # One bucket set per app, made on first use so the factory needs no changes.
    limiter: TokenBucket | None = getattr(request.app.state, "report_limiter", None)
    if limiter is None:
        settings = DeskSettings()
        limiter = TokenBucket(
            capacity=settings.report_burst, refill_per_second=settings.report_per_hour / 3600
        )
        request.app.state.report_limiter = limiter
    return limiter


@router.post(
    "/reports",
    summary="Report a suspected false or toxic post (no login needed)",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportReceipt,
    responses={429: {"description": "Too many reports from this client; see Retry-After"}},
)
def submit_report(report_in: ReportIn, session: SessionDep, request: Request) -> ReportReceipt:
    # The direct peer address: X-Forwarded-For is not trusted, anyone could forge it.
    client = request.client.host if request.client else "unknown"
    _limiter(request).take(client)
    report = reports_service.submit(session=session, report_in=report_in, client=client)
    english = preferred_language(request) == "en"
    return ReportReceipt(
        token=report.token,
        status="received",
        message=(
            "Thank you. Keep this token to follow your report."
            if english
            else "Cảm ơn bạn. Hãy giữ mã này để theo dõi phản ánh."
        ),
        created_at=report.created_at,
    )


@router.get(
    "/reports/{token}",
    summary="The outcome of a report, by the token given at submission",
    response_model=ReportOutcome,
)
def report_outcome(token: Token, session: SessionDep, request: Request) -> ReportOutcome:
    return reports_service.outcome(session=session, token=token, lang=preferred_language(request))

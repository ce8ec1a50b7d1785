"""Ops pages: crawl schedules (create, pause, resume, run now), run history, source health.

Everything goes through the ops services in api/ops (the same ones the /ops API uses).
"""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import EngineDep, SessionDep
from api.ops import health as health_service
from api.ops import runs as runs_service
from api.ops import schedules as schedules_service
from api.ops.settings import OpsSettings
from api.params import IdPath
from api.ui.deps import OpsUi, lang_of
from api.ui.forms import back_to, csv_response, error_message, optional_text
from api.ui.i18n import translate
from api.ui.render import flash, render
from crawlers import sources as sources_service
from models.errors import VigilError
from models.schedules import CrawlScheduleCreate, JobRunStatus, ScheduleKind

router = APIRouter(prefix="/ui/ops")


def _ops_settings(request: Request) -> OpsSettings:
    settings: OpsSettings = request.app.state.ops_settings
    return settings


def _say(request: Request, key: str, **values: object) -> str:
    return translate(lang_of(request), key).format(**values)


def _schedules_context(session: SessionDep) -> dict[str, object]:
    return {
        "schedules": schedules_service.list_public(session=session, count=3),
        "sources": sources_service.list(session=session, limit=sources_service.MAX_PAGE_SIZE),
        "kinds": list(ScheduleKind),
    }


@router.get("/schedules", summary="Crawl schedules", response_class=HTMLResponse)
def schedules_page(request: Request, session: SessionDep, principal: OpsUi) -> Response:
    return render(
        request,
        "ops/schedules.html",
        {**_schedules_context(session), "form": {}},
        principal=principal,
    )


@router.post("/schedules", summary="Create a crawl schedule", response_class=HTMLResponse)
def create_schedule(
    request: Request,
    session: SessionDep,
    principal: OpsUi,
    source_id: Annotated[str, Form(max_length=12)],
    kind: Annotated[str, Form(max_length=16)],
    cron: Annotated[str, Form(max_length=120)] = "",
    interval_seconds: Annotated[str, Form(max_length=12)] = "",
    jitter_seconds: Annotated[str, Form(max_length=12)] = "0",
) -> Response:
    form = {
        "source_id": source_id,
        "kind": kind,
        "cron": cron,
        "interval_seconds": interval_seconds,
        "jitter_seconds": jitter_seconds,
    }
    try:
        schedule_in = CrawlScheduleCreate.model_validate(
            {
                "source_id": source_id,
                "kind": kind,
                "cron": optional_text(cron) if kind == ScheduleKind.cron else None,
                "interval_seconds": optional_text(interval_seconds)
                if kind == ScheduleKind.interval
                else None,
                "jitter_seconds": optional_text(jitter_seconds) or 0,
            }
        )
        schedule = schedules_service.create(session=session, schedule_in=schedule_in)
    except (VigilError, ValidationError) as exc:
        return render(
            request,
            "ops/schedules.html",
            {
                **_schedules_context(session),
                "form": form,
                "form_error": error_message(request, exc),
            },
            principal=principal,
            status_code=422,
        )
    flash(request, _say(request, "schedule_created", id=schedule.source_id))
    return RedirectResponse("/ui/ops/schedules", status_code=303)


@router.post("/schedules/{source_id}/pause", summary="Pause a schedule")
def pause_schedule(
    request: Request, source_id: IdPath, session: SessionDep, _: OpsUi
) -> RedirectResponse:
    schedules_service.set_paused(session=session, source_id=source_id, paused=True)
    flash(request, _say(request, "schedule_paused", id=source_id))
    return back_to(request, "/ui/ops/schedules")


@router.post("/schedules/{source_id}/resume", summary="Resume a schedule")
def resume_schedule(
    request: Request, source_id: IdPath, session: SessionDep, _: OpsUi
) -> RedirectResponse:
    schedules_service.set_paused(session=session, source_id=source_id, paused=False)
    flash(request, _say(request, "schedule_resumed", id=source_id))
    return back_to(request, "/ui/ops/schedules")


@router.post("/schedules/{source_id}/delete", summary="Delete a schedule")
def delete_schedule(
    request: Request, source_id: IdPath, session: SessionDep, _: OpsUi
) -> RedirectResponse:
    schedules_service.delete(session=session, source_id=source_id)
    flash(request, _say(request, "schedule_deleted", id=source_id))
    return back_to(request, "/ui/ops/schedules")


@router.post("/schedules/{source_id}/run-now", summary="Crawl a scheduled source now")
def run_schedule_now(
    request: Request, source_id: IdPath, engine: EngineDep, _: OpsUi
) -> RedirectResponse:
    run = schedules_service.run_now(
        engine=engine, settings=_ops_settings(request), source_id=source_id
    )
    flash(request, _say(request, "run_queued", run=run.id, id=source_id))
    return back_to(request, "/ui/ops/runs")


@router.get("/runs", summary="Job run history", response_class=HTMLResponse)
def runs_page(
    request: Request,
    session: SessionDep,
    principal: OpsUi,
    status: Annotated[str, Query(max_length=16)] = "",
    job_name: Annotated[str, Query(max_length=64)] = "",
    format: Annotated[str, Query(max_length=8)] = "html",
) -> Response:
    status_value = JobRunStatus(status) if status in JobRunStatus.__members__ else None
    runs = runs_service.list(
        session=session,
        status=status_value,
        job_name=optional_text(job_name),
        limit=runs_service.MAX_PAGE_SIZE if format == "csv" else 100,
    )
    if format == "csv":
        return csv_response(
            "job-runs.csv",
            [
                "id",
                "job_id",
                "job_name",
                "trigger",
                "status",
                "created_at",
                "started_at",
                "finished_at",
                "attempts",
                "error",
            ],
            [
                [
                    r.id,
                    r.job_id,
                    r.job_name,
                    r.trigger,
                    r.status,
                    r.created_at,
                    r.started_at,
                    r.finished_at,
                    r.attempts,
                    r.error,
                ]
                for r in runs
            ],
        )
    return render(
        request,
        "ops/runs.html",
        {
            "runs": runs,
            "statuses": list(JobRunStatus),
            "filters": {"status": status, "job_name": job_name},
        },
        principal=principal,
    )


@router.get("/health", summary="Failing and stale sources", response_class=HTMLResponse)
def health_page(request: Request, session: SessionDep, principal: OpsUi) -> Response:
    settings = _ops_settings(request)
    report = health_service.report(
        session=session,
        failing_runs=settings.health_failing_runs,
        stale_hours=settings.health_stale_hours,
    )
    return render(request, "ops/health.html", {"report": report}, principal=principal)


@router.get(
    "/sources/{source_id}", summary="A source, its schedule and runs", response_class=HTMLResponse
)
def source_page(
    request: Request, source_id: IdPath, session: SessionDep, principal: OpsUi
) -> Response:
    source = sources_service.get(session=session, source_id=source_id)
    try:
        schedule = schedules_service.to_public(
            session=session,
            schedule=schedules_service.get(session=session, source_id=source_id),
            count=3,
        )
    except schedules_service.ScheduleNotFound:
        schedule = None
    runs = health_service.crawl_runs(session=session, source_id=source_id, limit=50)
    return render(
        request,
        "ops/source.html",
        {"source": source, "schedule": schedule, "runs": runs, "kinds": list(ScheduleKind)},
        principal=principal,
    )

"""Ops: crawl schedules, job runs and the crawl health view (roles ops and admin)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import BaseModel

from api.deps import EngineDep, SessionDep, require
from api.ops import health as health_service
from api.ops import runs as runs_service
from api.ops import schedules as schedules_service
from api.ops.dispatch import request_by_hand
from api.ops.registry import load_jobs
from api.ops.settings import OpsSettings
from api.params import IdPath
from models.crawl import CrawlRunPublic
from models.enums import Role
from models.schedules import (
    CrawlScheduleCreate,
    CrawlSchedulePublic,
    CrawlScheduleUpdate,
    JobRunPublic,
    JobRunStatus,
)

router = APIRouter(prefix="/ops", tags=["ops"], dependencies=[Depends(require(Role.ops))])

NextCount = Annotated[
    int, Query(ge=0, le=schedules_service.MAX_NEXT_RUNS, description="How many next run times")
]
FAILING_HELP = "N failed crawl runs in a row (default VIGIL_HEALTH_FAILING_RUNS)"
STALE_HELP = "No new post for X hours (default VIGIL_HEALTH_STALE_HOURS)"
JobName = Annotated[str, Path(min_length=1, max_length=64)]


def get_ops_settings(request: Request) -> OpsSettings:
    settings: OpsSettings = request.app.state.ops_settings
    return settings


OpsSettingsDep = Annotated[OpsSettings, Depends(get_ops_settings)]


class JobPublic(BaseModel):
    name: str
    description: str
    every_seconds: float | None
    cron: str | None
    time_limit_seconds: float
    # When the active scheduler fires it next (periodic jobs only).
    scheduled_next_run_time: datetime | None


@router.get(
    "/schedules",
    summary="Crawl schedules with next run times",
    response_model=list[CrawlSchedulePublic],
)
def list_schedules(session: SessionDep, count: NextCount = 5) -> list[CrawlSchedulePublic]:
    return schedules_service.list_public(session=session, count=count)


@router.post(
    "/schedules",
    summary="Schedule crawls of a source (cron or interval)",
    status_code=status.HTTP_201_CREATED,
    response_model=CrawlSchedulePublic,
    responses={409: {"description": "The source already has a schedule"}},
)
def create_schedule(schedule_in: CrawlScheduleCreate, session: SessionDep) -> CrawlSchedulePublic:
    schedule = schedules_service.create(session=session, schedule_in=schedule_in)
    return schedules_service.to_public(session=session, schedule=schedule)


@router.get(
    "/schedules/{source_id}",
    summary="A source's crawl schedule",
    response_model=CrawlSchedulePublic,
)
def get_schedule(
    source_id: IdPath, session: SessionDep, count: NextCount = 5
) -> CrawlSchedulePublic:
    schedule = schedules_service.get(session=session, source_id=source_id)
    return schedules_service.to_public(session=session, schedule=schedule, count=count)


@router.patch(
    "/schedules/{source_id}",
    summary="Change a source's crawl schedule",
    response_model=CrawlSchedulePublic,
)
def update_schedule(
    source_id: IdPath, schedule_in: CrawlScheduleUpdate, session: SessionDep
) -> CrawlSchedulePublic:
    schedule = schedules_service.update(
        session=session, source_id=source_id, schedule_in=schedule_in
    )
    return schedules_service.to_public(session=session, schedule=schedule)


@router.delete(
    "/schedules/{source_id}",
    summary="Remove a source's crawl schedule",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
def delete_schedule(source_id: IdPath, session: SessionDep) -> Response:
    schedules_service.delete(session=session, source_id=source_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/schedules/{source_id}/pause",
    summary="Pause a schedule's timer",
    response_model=CrawlSchedulePublic,
)
def pause_schedule(source_id: IdPath, session: SessionDep) -> CrawlSchedulePublic:
    schedule = schedules_service.set_paused(session=session, source_id=source_id, paused=True)
    return schedules_service.to_public(session=session, schedule=schedule)


@router.post(
    "/schedules/{source_id}/resume",
    summary="Resume a paused schedule",
    response_model=CrawlSchedulePublic,
)
def resume_schedule(source_id: IdPath, session: SessionDep) -> CrawlSchedulePublic:
    schedule = schedules_service.set_paused(session=session, source_id=source_id, paused=False)
    return schedules_service.to_public(session=session, schedule=schedule)


@router.post(
    "/schedules/{source_id}/run-now",
    summary="Crawl a scheduled source now (also when paused)",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobRunPublic,
    responses={409: {"description": "The source is disabled"}},
)
def run_schedule_now(
    source_id: IdPath, engine: EngineDep, settings: OpsSettingsDep
) -> JobRunPublic:
    run = schedules_service.run_now(engine=engine, settings=settings, source_id=source_id)
    return JobRunPublic.model_validate(run, from_attributes=True)


@router.get(
    "/sources/{source_id}/runs",
    summary="A source's crawl runs with their errors",
    response_model=list[CrawlRunPublic],
)
def list_source_runs(
    source_id: IdPath, session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[CrawlRunPublic]:
    items = health_service.crawl_runs(session=session, source_id=source_id, limit=limit)
    return [CrawlRunPublic.model_validate(r, from_attributes=True) for r in items]


@router.get("/jobs", summary="Registered jobs", response_model=list[JobPublic])
def list_jobs(session: SessionDep, settings: OpsSettingsDep) -> list[JobPublic]:
    registry = load_jobs(settings)
    stored = schedules_service.stored_next_run_times(session=session, job_ids=list(registry))
    return [
        JobPublic(
            name=spec.name,
            description=spec.description,
            every_seconds=spec.every.total_seconds() if spec.every else None,
            cron=spec.cron,
            time_limit_seconds=spec.limit_seconds(settings),
            scheduled_next_run_time=stored.get(spec.name),
        )
        for spec in registry.values()
    ]


@router.post(
    "/jobs/{job_name}/run-now",
    summary="Run a registered job now (e.g. retention-cleanup)",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobRunPublic,
)
def run_job_now(job_name: JobName, engine: EngineDep, settings: OpsSettingsDep) -> JobRunPublic:
    load_jobs(settings)
    run = request_by_hand(engine=engine, settings=settings, job_name=job_name)
    return JobRunPublic.model_validate(run, from_attributes=True)


@router.get(
    "/job-runs", summary="Runs of every job, newest first", response_model=list[JobRunPublic]
)
def list_job_runs(
    session: SessionDep,
    job_id: Annotated[str | None, Query(max_length=191)] = None,
    job_name: Annotated[str | None, Query(max_length=64)] = None,
    run_status: Annotated[JobRunStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=runs_service.MAX_PAGE_SIZE)] = 50,
) -> list[JobRunPublic]:
    items = runs_service.list(
        session=session, job_id=job_id, job_name=job_name, status=run_status, limit=limit
    )
    return [JobRunPublic.model_validate(r, from_attributes=True) for r in items]


@router.get(
    "/job-runs/{run_id}",
    summary="One job run (poll it after a run-now)",
    response_model=JobRunPublic,
)
def get_job_run(run_id: IdPath, session: SessionDep) -> JobRunPublic:
    run = runs_service.get(session=session, run_id=run_id)
    return JobRunPublic.model_validate(run, from_attributes=True)


@router.get(
    "/health",
    summary="Sources failing run after run, and sources gone quiet",
    response_model=health_service.HealthReport,
)
def crawl_health(
    session: SessionDep,
    settings: OpsSettingsDep,
    failing_runs: Annotated[int | None, Query(ge=1, le=100, description=FAILING_HELP)] = None,
    stale_hours: Annotated[float | None, Query(gt=0, le=24 * 365, description=STALE_HELP)] = None,
) -> health_service.HealthReport:
    return health_service.report(
        session=session,
        failing_runs=failing_runs or settings.health_failing_runs,
        stale_hours=stale_hours or settings.health_stale_hours,
    )

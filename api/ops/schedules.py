"""Crawl schedules service: one schedule per source (cron or interval, time zone, jitter).

Rows here are what ops staff decide; the active scheduler (api/scheduler.py) applies
them to its APScheduler jobs within VIGIL_RECONCILE_SECONDS, under the stable job id
`crawl:<source_id>`.
"""

import builtins
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.ops.registry import cron_trigger
from api.ops.settings import OpsSettings
from models.crawl import Source
from models.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from models.schedules import (
    CrawlSchedule,
    CrawlScheduleCreate,
    CrawlSchedulePublic,
    CrawlScheduleUpdate,
    JobRun,
    ScheduleKind,
    scheduler_jobs,
)
from models.types import utcnow

CRAWL_JOB = "crawl"
MAX_NEXT_RUNS = 50


class ScheduleNotFound(NotFound):
    code = "schedule_not_found"


class ScheduleExists(AlreadyExists):
    code = "schedule_exists"


def job_id_for(source_id: int) -> str:
    return f"{CRAWL_JOB}:{source_id}"


def source_id_of(job_id: str) -> int | None:
    prefix, _, rest = job_id.partition(":")
    return int(rest) if prefix == CRAWL_JOB and rest.isdigit() else None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        raise InvalidInput(
            f"Múi giờ «{name}» không tồn tại (ví dụ hợp lệ: Asia/Ho_Chi_Minh).",
            f"Unknown time zone '{name}' (e.g. Asia/Ho_Chi_Minh).",
            field="time_zone",
        ) from None


def build_trigger(
    *,
    kind: ScheduleKind,
    cron: str | None,
    interval_seconds: int | None,
    time_zone: str,
    jitter_seconds: int,
) -> BaseTrigger:
    """The APScheduler trigger for these settings; InvalidInput says what is wrong."""
    zone = _zone(time_zone)
    if jitter_seconds < 0:
        raise InvalidInput(
            "Độ lệch ngẫu nhiên (jitter) không được âm.",
            "jitter_seconds must not be negative.",
            field="jitter_seconds",
        )
    if kind == ScheduleKind.cron:
        if not cron:
            raise InvalidInput(
                "Lịch kiểu cron cần biểu thức cron (5 trường).",
                "A cron schedule needs a cron expression (5 fields).",
                field="cron",
            )
        try:
            return cron_trigger(cron, time_zone, jitter_seconds)
        except ValueError as exc:
            raise InvalidInput(
                f"Biểu thức cron «{cron}» không hợp lệ: {exc}",
                f"Invalid cron expression '{cron}': {exc}",
                field="cron",
                reason=str(exc),
            ) from None
    if interval_seconds is None or interval_seconds <= 0:
        raise InvalidInput(
            "Lịch theo chu kỳ cần interval_seconds là số giây dương.",
            "An interval schedule needs a positive interval_seconds.",
            field="interval_seconds",
        )
    return IntervalTrigger(seconds=interval_seconds, timezone=zone, jitter=jitter_seconds or None)


def trigger_for(schedule: CrawlSchedule, *, jitter: bool = True) -> BaseTrigger:
    return build_trigger(
        kind=ScheduleKind(schedule.kind),
        cron=schedule.cron,
        interval_seconds=schedule.interval_seconds,
        time_zone=schedule.time_zone,
        jitter_seconds=schedule.jitter_seconds if jitter else 0,
    )


def fingerprint(schedule: CrawlSchedule) -> str:
    """Changes exactly when the trigger must be replaced."""
    if schedule.kind == ScheduleKind.cron:
        what = f"cron={schedule.cron}"
    else:
        what = f"every={schedule.interval_seconds}"
    job_id = job_id_for(schedule.source_id)
    return f"{job_id}|{what}|tz={schedule.time_zone}|j={schedule.jitter_seconds}"


def _check_consistent(schedule: CrawlSchedule) -> None:
    trigger = trigger_for(schedule, jitter=False)
    # "0 0 31 2 *" parses but names a day that never comes: the schedule would be saved,
    # show no next run and never crawl. Checked on save only, so stored rows still load.
    if trigger.get_next_fire_time(None, datetime.now(ZoneInfo(schedule.time_zone))) is None:
        raise InvalidInput(
            f"Biểu thức cron «{schedule.cron}» không bao giờ đến lượt chạy (ví dụ ngày 31/2).",
            f"The cron expression '{schedule.cron}' never fires (e.g. 31 February).",
            field="cron",
        )
    if schedule.kind == ScheduleKind.cron and schedule.interval_seconds is not None:
        raise InvalidInput(
            "Lịch kiểu cron không dùng interval_seconds.",
            "A cron schedule takes no interval_seconds.",
            field="interval_seconds",
        )
    if schedule.kind == ScheduleKind.interval and schedule.cron is not None:
        raise InvalidInput(
            "Lịch theo chu kỳ không dùng biểu thức cron.",
            "An interval schedule takes no cron expression.",
            field="cron",
        )


def get(*, session: Session, source_id: int) -> CrawlSchedule:
    schedule = session.exec(
        select(CrawlSchedule).where(col(CrawlSchedule.source_id) == source_id)
    ).first()
    if schedule is None:
        raise ScheduleNotFound(
            f"Nguồn #{source_id} chưa có lịch thu thập.",
            f"Source #{source_id} has no crawl schedule.",
            source_id=source_id,
        )
    return schedule


def list(*, session: Session) -> Sequence[CrawlSchedule]:  # house rule: get/list/create/...
    return session.exec(select(CrawlSchedule).order_by(col(CrawlSchedule.source_id))).all()


def create(*, session: Session, schedule_in: CrawlScheduleCreate) -> CrawlSchedule:
    if session.get(Source, schedule_in.source_id) is None:
        raise InvalidInput(
            f"Không có nguồn #{schedule_in.source_id}.",
            f"Source #{schedule_in.source_id} does not exist.",
            field="source_id",
        )
    schedule = CrawlSchedule.model_validate(schedule_in)
    _check_consistent(schedule)
    exists = session.exec(
        select(CrawlSchedule.id).where(col(CrawlSchedule.source_id) == schedule_in.source_id)
    ).first()
    if exists is not None:
        raise _exists(schedule_in.source_id)
    session.add(schedule)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _exists(schedule_in.source_id) from None
    return schedule


def _exists(source_id: int) -> ScheduleExists:
    return ScheduleExists(
        f"Nguồn #{source_id} đã có lịch thu thập; hãy sửa lịch đó.",
        f"Source #{source_id} already has a crawl schedule; update it instead.",
        field="source_id",
    )


def update(*, session: Session, source_id: int, schedule_in: CrawlScheduleUpdate) -> CrawlSchedule:
    schedule = get(session=session, source_id=source_id)
    changes = schedule_in.model_dump(exclude_unset=True)
    if changes.get("kind") == ScheduleKind.cron and "interval_seconds" not in changes:
        changes["interval_seconds"] = None
    if changes.get("kind") == ScheduleKind.interval and "cron" not in changes:
        changes["cron"] = None
    for key in ("kind", "time_zone", "jitter_seconds", "paused"):
        if key in changes and changes[key] is None:
            raise InvalidInput(
                f"Trường {key} không được để trống.", f"{key} may not be null.", field=key
            )
    # Ranges are checked by CrawlScheduleUpdate; here the combination as a whole.
    _check_consistent(schedule.model_copy(update=changes))
    for key, value in changes.items():
        setattr(schedule, key, value)
    schedule.updated_at = utcnow()
    session.add(schedule)
    session.flush()
    return schedule


def set_paused(*, session: Session, source_id: int, paused: bool) -> CrawlSchedule:
    schedule = get(session=session, source_id=source_id)
    if schedule.paused != paused:
        schedule.paused = paused
        schedule.updated_at = utcnow()
        session.add(schedule)
        session.flush()
    return schedule


def delete(*, session: Session, source_id: int) -> None:
    session.delete(get(session=session, source_id=source_id))
    session.flush()


def stored_next_run_times(*, session: Session, job_ids: Sequence[str]) -> dict[str, datetime]:
    """Fire times the active scheduler holds in its job store (paused jobs have none)."""
    if not job_ids:
        return {}
    rows = session.connection().execute(
        select(scheduler_jobs.c.id, scheduler_jobs.c.next_run_time).where(
            scheduler_jobs.c.id.in_(job_ids)
        )
    )
    return {
        str(job_id): datetime.fromtimestamp(float(value), UTC)
        for job_id, value in rows
        if value is not None
    }


def next_run_times(
    schedule: CrawlSchedule, *, count: int = 5, start: datetime | None = None
) -> builtins.list[datetime]:
    """The next `count` fire times (without jitter), in the schedule's time zone."""
    if schedule.paused:
        return []
    trigger = trigger_for(schedule, jitter=False)
    zone = ZoneInfo(schedule.time_zone)
    now = datetime.now(zone)
    fire = start.astimezone(zone) if start else trigger.get_next_fire_time(None, now)
    times: builtins.list[datetime] = []
    while fire is not None and len(times) < min(count, MAX_NEXT_RUNS):
        times.append(fire)
        fire = trigger.get_next_fire_time(fire, fire)
    return times


def to_public(
    *,
    session: Session,
    schedule: CrawlSchedule,
    count: int = 5,
    stored: dict[str, datetime] | None = None,
) -> CrawlSchedulePublic:
    assert schedule.id is not None
    job_id = job_id_for(schedule.source_id)
    if stored is None:
        stored = stored_next_run_times(session=session, job_ids=[job_id])
    source = session.get(Source, schedule.source_id)
    scheduled = None if schedule.paused else stored.get(job_id)
    if scheduled is not None:
        scheduled = scheduled.astimezone(ZoneInfo(schedule.time_zone))
    # kind is read back from a String column: a str, which the enum field accepts.
    data: dict[str, Any] = schedule.model_dump(warnings=False)
    data.update(
        source_name=source.name if source else "",
        job_id=job_id,
        scheduled_next_run_time=scheduled,
        next_run_times=next_run_times(schedule, count=count, start=scheduled),
    )
    return CrawlSchedulePublic.model_validate(data)


def list_public(*, session: Session, count: int = 5) -> builtins.list[CrawlSchedulePublic]:
    schedules = list(session=session)
    stored = stored_next_run_times(
        session=session, job_ids=[job_id_for(s.source_id) for s in schedules]
    )
    return [to_public(session=session, schedule=s, count=count, stored=stored) for s in schedules]


class SourceDisabled(Conflict):
    code = "source_disabled"


def run_now(*, engine: Engine, settings: OpsSettings, source_id: int) -> JobRun:
    """Queue one crawl of a scheduled source now.

    A paused schedule may still be run by hand: pausing stops the timer, it does not
    forbid crawling. A disabled source may not (409): disabling means "do not fetch".
    """
    from api.ops import dispatch
    from api.ops.registry import load_jobs

    load_jobs(settings)
    with Session(engine) as session:
        get(session=session, source_id=source_id)
        source = session.get(Source, source_id)
        if source is None or not source.enabled:
            raise SourceDisabled(
                f"Nguồn #{source_id} đang tắt; hãy bật nguồn trước khi thu thập.",
                f"Source #{source_id} is disabled; enable it before crawling.",
                source_id=source_id,
            )
    return dispatch.request_run(
        engine=engine,
        settings=settings,
        job_name=CRAWL_JOB,
        job_id=job_id_for(source_id),
        params={"source_id": source_id},
        trigger="run_now",
    )

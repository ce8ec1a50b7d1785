"""The jobs mechanism: register a function once, the scheduler and the workers run it.

    @job("sla-check", every=timedelta(minutes=5), time_limit=timedelta(minutes=2))
    def sla_check(ctx: JobContext) -> dict[str, Any]:
        ...
        return {"overdue": n}

That is all a new periodic job needs (in api/jobs.py): the active scheduler gives it the
stable id "sla-check", fires it with coalescing, one instance at a time and a misfire
grace time, records every run in JobRun (succeeded / failed / timed_out with the error),
and, in dramatiq mode, hands it to the workers. A job without `every`/`cron` runs only
when requested (`dispatch.request_run`), e.g. re-detection after a model is activated.
Raise JobFailed to record a failure with a partial result.
"""

import importlib
import inspect
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from api.ops.settings import OpsSettings
from models.errors import NotFound

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
JobResult = dict[str, Any] | None


@dataclass(frozen=True)
class JobContext:
    """What a job function gets: where to work and until when."""

    engine: Engine
    settings: OpsSettings
    run_id: int
    job_id: str
    trigger: str
    # time.monotonic() value after which the job must stop; the watchdog gives up then.
    deadline: float

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


class JobFailed(Exception):
    """A job that ran but did not do its work; `result` is still recorded."""

    def __init__(self, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.result = result or {}


class JobTimedOut(JobFailed):
    """The job stopped itself at its deadline (recorded as timed_out)."""


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., JobResult]
    every: timedelta | None = None
    cron: str | None = None
    time_limit: timedelta | None = None
    jitter_seconds: int = 0
    description: str = field(default="")

    @property
    def required_params(self) -> list[str]:
        """Keyword parameters the job needs besides its context (e.g. a crawl's source_id)."""
        parameters = list(inspect.signature(self.func).parameters.values())[1:]
        return [p.name for p in parameters if p.default is inspect.Parameter.empty]

    @property
    def periodic(self) -> bool:
        return self.every is not None or self.cron is not None

    def limit_seconds(self, settings: OpsSettings) -> float:
        if self.time_limit is not None:
            return self.time_limit.total_seconds()
        return settings.job_time_limit_seconds

    def trigger(self, time_zone: str) -> BaseTrigger | None:
        jitter = self.jitter_seconds or None
        if self.every is not None:
            return IntervalTrigger(
                seconds=self.every.total_seconds(), timezone=ZoneInfo(time_zone), jitter=jitter
            )
        if self.cron is not None:
            return cron_trigger(self.cron, time_zone, self.jitter_seconds)
        return None

    def fingerprint(self) -> str:
        """Changes whenever the schedule changes, so the scheduler knows to replace it."""
        every = self.every.total_seconds() if self.every else None
        return f"{self.name}|every={every}|cron={self.cron}|jitter={self.jitter_seconds}"


def cron_trigger(expression: str, time_zone: str, jitter_seconds: int = 0) -> CronTrigger:
    """A five-field crontab in a time zone (from_crontab takes no jitter). Raises ValueError."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"a cron expression has 5 fields (minute hour day month day-of-week), got {len(fields)}"
        )
    minute, hour, day, month, day_of_week = fields
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=day_of_week,
        timezone=ZoneInfo(time_zone),
        jitter=jitter_seconds or None,
    )


REGISTRY: dict[str, JobSpec] = {}


def job(
    name: str,
    *,
    every: timedelta | None = None,
    cron: str | None = None,
    time_limit: timedelta | None = None,
    jitter_seconds: int = 0,
) -> Callable[[Callable[..., JobResult]], Callable[..., JobResult]]:
    """Register a job function under a stable name (see the module docstring)."""
    if not NAME.match(name):
        raise ValueError(f"job name {name!r} must match {NAME.pattern}")
    if every is not None and cron is not None:
        raise ValueError("give every or cron, not both")
    if every is not None and every <= timedelta(0):
        raise ValueError("every must be positive")
    if cron is not None:
        cron_trigger(cron, "UTC")  # fail at import time, not at the first fire
    if time_limit is not None and time_limit <= timedelta(0):
        raise ValueError("time_limit must be positive")

    def register(func: Callable[..., JobResult]) -> Callable[..., JobResult]:
        existing = REGISTRY.get(name)
        if existing is not None and existing.func is not func:
            raise ValueError(f"job {name!r} is registered twice")
        REGISTRY[name] = JobSpec(
            name=name,
            func=func,
            every=every,
            cron=cron,
            time_limit=time_limit,
            jitter_seconds=jitter_seconds,
            description=(func.__doc__ or "").strip().split("\n")[0],
        )
        return func

    return register


def load_jobs(settings: OpsSettings | None = None) -> dict[str, JobSpec]:
    """Import the modules that define jobs (api.jobs and any configured extras)."""
    settings = settings or OpsSettings()
    for module in ("api.jobs", *settings.extra_job_modules):
        importlib.import_module(module)
    return REGISTRY


def get(name: str) -> JobSpec:
    spec = REGISTRY.get(name)
    if spec is None:
        raise NotFound(f"Không có tác vụ tên «{name}».", f"No job named '{name}'.", job_name=name)
    return spec

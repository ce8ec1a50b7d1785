"""Crawl schedules (what ops staff set) and job runs (what actually ran, including failures).

CrawlSchedule is the ops source of truth; the active scheduler turns each row into an
APScheduler job with the stable id `crawl:<source_id>`. JobRun records every run of every
scheduled or requested job, so a job that raised or hung is visible even when the crawl
never got as far as creating a CrawlRun.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Column, Float, LargeBinary, String, Table, Text, Unicode
from sqlmodel import Field, SQLModel, UniqueConstraint

from models.types import UTCDateTime, utcnow

DEFAULT_TIME_ZONE = "Asia/Ho_Chi_Minh"
# A source crawled more often than once a minute is a load on its site, not news coverage
# (conditional GET makes an unchanged feed cheap, but not free for the publisher).
MIN_INTERVAL_SECONDS = 60
MAX_INTERVAL_SECONDS = 366 * 24 * 3600
MAX_JITTER_SECONDS = 3600


class ScheduleKind(StrEnum):
    cron = "cron"
    interval = "interval"


class JobRunStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    timed_out = "timed_out"


FINISHED_STATUSES = (JobRunStatus.succeeded, JobRunStatus.failed, JobRunStatus.timed_out)


class CrawlScheduleBase(SQLModel):
    kind: ScheduleKind
    # Five-field crontab ("*/15 6-22 * * *") read in time_zone; only for kind=cron.
    cron: str | None = Field(default=None, min_length=1, max_length=120)
    # Only for kind=interval.
    interval_seconds: int | None = Field(
        default=None, ge=MIN_INTERVAL_SECONDS, le=MAX_INTERVAL_SECONDS
    )
    time_zone: str = Field(default=DEFAULT_TIME_ZONE, min_length=1, max_length=64)
    # Each run starts up to this many seconds late, so many sources on one site do not
    # hit it at the same second.
    jitter_seconds: int = Field(default=0, ge=0, le=MAX_JITTER_SECONDS)
    paused: bool = False


class CrawlSchedule(CrawlScheduleBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", unique=True, ondelete="CASCADE")
    kind: ScheduleKind = Field(sa_type=String(16))
    cron: str | None = Field(default=None, max_length=120)
    time_zone: str = Field(default=DEFAULT_TIME_ZONE, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class CrawlScheduleCreate(CrawlScheduleBase):
    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"source_id": 1, "kind": "cron", "cron": "*/30 6-22 * * *", "jitter_seconds": 60},
                {"source_id": 2, "kind": "interval", "interval_seconds": 900},
            ]
        },
    )

    source_id: int = Field(ge=1, le=2_147_483_647)


class CrawlScheduleUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    kind: ScheduleKind | None = None
    cron: str | None = Field(default=None, min_length=1, max_length=120)
    interval_seconds: int | None = Field(
        default=None, ge=MIN_INTERVAL_SECONDS, le=MAX_INTERVAL_SECONDS
    )
    time_zone: str | None = Field(default=None, min_length=1, max_length=64)
    jitter_seconds: int | None = Field(default=None, ge=0, le=MAX_JITTER_SECONDS)
    paused: bool | None = None


class CrawlSchedulePublic(CrawlScheduleBase):
    id: int
    # As stored: a schedule saved before the one-minute minimum still lists.
    interval_seconds: int | None = None
    source_id: int
    source_name: str
    job_id: str
    created_at: datetime
    updated_at: datetime
    # When the active scheduler will fire next (from its job store), if it has the job yet.
    scheduled_next_run_time: datetime | None
    # The next few fire times of the trigger (without jitter); empty while paused.
    next_run_times: list[datetime]


class JobRun(SQLModel, table=True):
    """One run of one job. (job_id, scheduled_for) is unique: a fire time runs once,
    even when a new leader re-fires what a dead one had already started."""

    __table_args__ = (UniqueConstraint("job_id", "scheduled_for", name="uq_jobrun_job_fire"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=191, index=True)
    job_name: str = Field(max_length=64, index=True)
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    trigger: str = Field(default="schedule", max_length=32)
    status: JobRunStatus = Field(default=JobRunStatus.queued, sa_type=String(16), index=True)
    # The fire time the scheduler computed; None for runs requested by hand or by an event.
    scheduled_for: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    # "scheduler:<host>:<pid>" or "worker:<host>:<pid>": who executes it.
    owner: str | None = Field(default=None, max_length=255)
    error: str | None = Field(default=None, sa_type=Text)
    result: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class JobRunPublic(BaseModel):
    id: int
    job_id: str
    job_name: str
    params: dict[str, Any]
    trigger: str
    status: JobRunStatus
    scheduled_for: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    owner: str | None
    error: str | None
    result: dict[str, Any]


# APScheduler's SQLAlchemy job store table, declared here (same shape APScheduler 3.11
# creates) so the migrations own it and the schema check sees it. Only the active
# scheduler writes it; the API reads next_run_time from it.
scheduler_jobs = Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)

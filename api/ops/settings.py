"""Ops settings (env prefix VIGIL_), e.g. VIGIL_EXECUTION_MODE=dramatiq, VIGIL_REDIS_URL."""

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.settings import EnvList


class OpsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_", env_file=".env", extra="ignore")

    # inline: jobs run in the scheduler's process on a thread pool (single machine).
    # dramatiq: the scheduler only enqueues to Redis; `vigil worker` processes execute.
    execution_mode: Literal["inline", "dramatiq"] = "inline"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Redis key prefix and queue name, so several deployments can share one Redis.
    dramatiq_namespace: str = Field(default="vigil", min_length=1, max_length=64)
    dramatiq_queue: str = Field(default="vigil-jobs", min_length=1, max_length=64)
    # A worker silent this long is dead: its unacknowledged messages go back to the queue.
    dramatiq_heartbeat_timeout_seconds: float = Field(default=60.0, gt=0)
    # How many Redis commands per million also run that dead-worker sweep.
    dramatiq_maintenance_chance: int = Field(default=1000, ge=1, le=1_000_000)
    worker_threads: int = Field(default=4, ge=1, le=64)

    # `vigil serve` also runs a scheduler (embedded mode). With PostgreSQL several API
    # replicas may all do so: leader election keeps exactly one active.
    scheduler_in_api: bool = True
    scheduler_threads: int = Field(default=8, ge=1, le=128)
    scheduler_time_zone: str = "Asia/Ho_Chi_Minh"
    # A run whose fire time passed more than this long ago (scheduler down) is skipped;
    # with coalescing, one catch-up run happens instead of a burst.
    misfire_grace_seconds: int = Field(default=300, ge=1)
    # Hard limit for a job that does not set its own; past it the run is recorded as
    # timed_out and the scheduler stops waiting for it.
    job_time_limit_seconds: float = Field(default=1800.0, gt=0)
    # A standby scheduler becomes active at most about this long after the leader dies.
    takeover_seconds: float = Field(default=15.0, gt=0)
    # How often the active scheduler applies schedule changes made through the API/CLI.
    reconcile_seconds: float = Field(default=5.0, gt=0)
    # PostgreSQL advisory lock key of the scheduler leader (one per deployment/database).
    scheduler_lock_key: int = 7_236_921_001
    # Modules whose @job functions are registered besides api.jobs (plugins, tests).
    # From the environment as JSON or comma-separated.
    extra_job_modules: EnvList = Field(default_factory=list)

    # Health view defaults: N failed crawl runs in a row; no new post for X hours.
    health_failing_runs: int = Field(default=3, ge=1, le=100)
    health_stale_hours: float = Field(default=24.0, gt=0)
    # Retention clean-up: crawl runs, job runs and unreferenced snapshots older than this.
    retention_days: int = Field(default=90, ge=1)

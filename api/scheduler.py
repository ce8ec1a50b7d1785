"""The scheduler: one active leader fires jobs; standbys wait to take over.

- APScheduler 3.11 BackgroundScheduler, SQLAlchemy job store in the service database
  (table apscheduler_jobs, created by the migrations), thread pool executor, coalescing,
  one instance per job, a misfire grace time.
- Leader election: on PostgreSQL a session advisory lock held on a dedicated connection
  (pg_try_advisory_lock). When the leader dies its connection closes, PostgreSQL frees
  the lock, and a standby that retries every takeover_seconds/3 gets it. TCP keepalives
  on that connection bound the wait when the leader's machine vanishes without closing
  it. The leader checks its connection on every pass and steps down if it is gone. On
  SQLite (one machine) an exclusive file lock next to the database plays that part.
- Schedules live in CrawlSchedule rows and the registered periodic jobs (api/jobs.py);
  the leader reconciles them into APScheduler jobs with stable ids (`crawl:<source_id>`,
  the job name for the others) every reconcile_seconds, keeping next run times of jobs
  whose trigger did not change, so a restart keeps them.
- Every fire records a JobRun unique per (job id, fire time) before anything runs, so a
  new leader re-firing what the dead one already started runs nothing twice.
- inline mode: the job runs here under the watchdog of api/ops/runner.py.
  dramatiq mode: the run is enqueued to Redis and `vigil worker` executes it.
"""

import contextlib
import fcntl
import logging
import threading
import time
from contextvars import ContextVar
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from api.ops import dispatch, runner, runs
from api.ops import schedules as schedules_service
from api.ops.registry import JobSpec, load_jobs
from api.ops.settings import OpsSettings
from models.crawl import Source
from models.errors import Unavailable
from models.schedules import JobRun, scheduler_jobs
from models.types import utcnow

log = logging.getLogger("vigil.scheduler")

JOB_TABLE = scheduler_jobs.name
SCHEDULER_OWNER = "scheduler:"
# In dramatiq mode the API sends a requested run itself right after recording it; the
# leader only re-sends runs left unsent longer than this (Redis was down, or a crash).
RESEND_AFTER = timedelta(seconds=10)

_fire_time: ContextVar[datetime | None] = ContextVar("vigil_fire_time", default=None)
_active: "SchedulerService | None" = None
_active_lock = threading.Lock()


def fire(*, job_id: str, job_name: str, params: dict[str, Any]) -> None:
    """What APScheduler calls (a module-level function, so the SQL job store can refer to it)."""
    service = _active
    if service is None:
        log.warning("job %s fired with no active scheduler in this process; ignored", job_id)
        return
    fire_time = _fire_time.get() or utcnow()
    service.fire(job_id=job_id, job_name=job_name, params=params, scheduled_for=fire_time)


class _FireTimeExecutor(ThreadPoolExecutor):
    """APScheduler's thread pool, telling the job which fire time it is running for.

    APScheduler passes the fire time only to listeners; the job needs it as the
    idempotency key of its JobRun.
    """

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        def call() -> Any:
            token = _fire_time.set(run_times[-1])
            try:
                return run_job(job, job._jobstore_alias, run_times, self._logger.name)
            finally:
                _fire_time.reset(token)

        def callback(future: Any) -> None:
            exc = future.exception()
            if exc is not None:
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, future.result())

        self._pool.submit(call).add_done_callback(callback)


# -- leader election ----------------------------------------------------------------------


class LeaderLock(Protocol):
    def acquire(self) -> bool: ...
    def held(self) -> bool: ...
    def release(self) -> None: ...


class PostgresLeaderLock:
    """A session-level advisory lock on a connection used for nothing else."""

    def __init__(self, engine: Engine, key: int, takeover_seconds: float) -> None:
        self.key = key
        self.keepalive_idle = max(1, int(takeover_seconds / 3))
        # NullPool: the connection is ours alone, never handed back to a pool or recycled.
        self._engine = create_engine(
            engine.url,
            poolclass=NullPool,
            connect_args={
                "keepalives": 1,
                "keepalives_idle": self.keepalive_idle,
                "keepalives_interval": 1,
                "keepalives_count": 3,
                "connect_timeout": max(2, int(takeover_seconds)),
            },
        )
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        try:
            if self._connection is None:
                connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                # The server side also probes the socket, so a vanished leader machine frees
                # the lock in about takeover_seconds instead of the kernel default (hours).
                for name, value in (
                    ("tcp_keepalives_idle", self.keepalive_idle),
                    ("tcp_keepalives_interval", 1),
                    ("tcp_keepalives_count", 3),
                ):
                    connection.execute(text(f"SET {name} = {int(value)}"))
                self._connection = connection
            got = self._connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            ).scalar()
            return bool(got)
        except Exception as exc:
            log.warning("leader lock: %s", exc)
            self._drop()
            return False

    def held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
            return True
        except Exception as exc:
            log.error("leader lock connection lost: %s", exc)
            self._drop()
            return False

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
        self._connection = None


class FileLeaderLock:
    """SQLite: one machine, so an exclusive lock on a file next to the database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        handle = open(self.path, "a+")  # noqa: SIM115 (held open while we lead)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
        self._file = None


class NoLock:
    """In-memory SQLite: only this process can see the database anyway."""

    def acquire(self) -> bool:
        return True

    def held(self) -> bool:
        return True

    def release(self) -> None:
        return None


def leader_lock(engine: Engine, settings: OpsSettings) -> LeaderLock:
    if engine.dialect.name == "postgresql":
        return PostgresLeaderLock(engine, settings.scheduler_lock_key, settings.takeover_seconds)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        return FileLeaderLock(Path(database).with_name(Path(database).name + ".scheduler.lock"))
    return NoLock()


# -- the service --------------------------------------------------------------------------


class SchedulerService:
    """Run for as long as the process lives: standby until it holds the lock, then lead."""

    def __init__(
        self,
        *,
        engine: Engine,
        settings: OpsSettings | None = None,
        lock: LeaderLock | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings or OpsSettings()
        self.registry: dict[str, JobSpec] = load_jobs(self.settings)
        self.lock = lock or leader_lock(engine, self.settings)
        self.owner = runs.owner_name("scheduler")
        self._scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_reconcile = 0.0
        # How many times this process became the leader (more than once after a lost lock).
        self.terms = 0

    @property
    def is_leader(self) -> bool:
        return self._scheduler is not None

    @property
    def retry_seconds(self) -> float:
        return max(0.1, self.settings.takeover_seconds / 3)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="vigil-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=30)
        self._thread = None
        self._resign()

    def run_until(self, stop: threading.Event) -> None:
        """Run in the calling thread's lifetime until `stop` is set (the CLI's way)."""
        self.start()
        while not stop.wait(0.5):
            pass
        self.stop()

    def wake(self) -> None:
        self._wake.set()

    # -- the loop -------------------------------------------------------------------------

    def _loop(self) -> None:
        mode = self.settings.execution_mode
        log.info("scheduler %s started as standby (%s mode)", self.owner, mode)
        while not self._stop.is_set():
            try:
                if not self.is_leader:
                    if self.lock.acquire():
                        self._lead()
                elif not self.lock.held():
                    log.error("scheduler %s lost the leader lock; stepping down", self.owner)
                    self._resign()
                if self.is_leader:
                    self._pass()
            except Exception:
                log.exception("scheduler pass failed; retrying")
            interval = (
                min(self.retry_seconds, self.settings.reconcile_seconds)
                if self.is_leader
                else self.retry_seconds
            )
            self._wake.wait(interval)
            self._wake.clear()

    def _lead(self) -> None:
        global _active
        with _active_lock:
            if _active is not None and _active is not self:
                self.lock.release()
                raise RuntimeError("only one scheduler may run in a process")
            _active = self
        if self.settings.execution_mode == "inline":
            orphans = runs.fail_orphans(
                engine=self.engine, owner_prefix=SCHEDULER_OWNER, except_owner=self.owner
            )
            if orphans:
                log.warning("marked %d runs of a previous scheduler as failed", orphans)
        scheduler = BackgroundScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(engine=self.engine, tablename=JOB_TABLE),
                "internal": MemoryJobStore(),
            },
            executors={"default": _FireTimeExecutor(max_workers=self.settings.scheduler_threads)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.settings.misfire_grace_seconds,
            },
            timezone=ZoneInfo(self.settings.scheduler_time_zone),
        )
        # Paused until reconciled, so a job whose schedule was deleted meanwhile never fires.
        scheduler.start(paused=True)
        self._scheduler = scheduler
        self._reconcile()
        scheduler.resume()
        dispatch.add_wakeup(self.wake)
        self.terms += 1
        log.info("scheduler %s is the leader", self.owner)

    def _resign(self) -> None:
        global _active
        dispatch.remove_wakeup(self.wake)
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            # Enqueue-only fires end in moments, so wait for them; inline jobs may run for
            # their whole time limit, so do not (they are recorded as interrupted later).
            with contextlib.suppress(Exception):
                scheduler.shutdown(wait=self.settings.execution_mode == "dramatiq")
        with _active_lock:
            if _active is self:
                _active = None
        self.lock.release()

    def _pass(self) -> None:
        now = time.monotonic()
        if now - self._last_reconcile >= self.settings.reconcile_seconds:
            self._reconcile()
        self._take_requested_runs()

    # -- schedules → APScheduler jobs -----------------------------------------------------

    def desired_jobs(self) -> dict[str, tuple[str, BaseTrigger, str, dict[str, Any], bool]]:
        """job id → (fingerprint, trigger, job name, params, paused)."""
        desired: dict[str, tuple[str, BaseTrigger, str, dict[str, Any], bool]] = {}
        for spec in self.registry.values():
            trigger = spec.trigger(self.settings.scheduler_time_zone)
            if trigger is not None:
                desired[spec.name] = (spec.fingerprint(), trigger, spec.name, {}, False)
        with Session(self.engine) as session:
            for schedule in schedules_service.list(session=session):
                source = session.get(Source, schedule.source_id)
                try:
                    trigger = schedules_service.trigger_for(schedule)
                except Exception as exc:
                    log.error("schedule of source %s is unusable: %s", schedule.source_id, exc)
                    continue
                desired[schedules_service.job_id_for(schedule.source_id)] = (
                    schedules_service.fingerprint(schedule),
                    trigger,
                    schedules_service.CRAWL_JOB,
                    {"source_id": schedule.source_id},
                    schedule.paused or source is None or not source.enabled,
                )
        return desired

    def _reconcile(self) -> None:
        scheduler = self._scheduler
        if scheduler is None:
            return
        self._last_reconcile = time.monotonic()
        desired = self.desired_jobs()
        existing = {job.id: job for job in scheduler.get_jobs(jobstore="default")}
        for job_id in existing.keys() - desired.keys():
            scheduler.remove_job(job_id, jobstore="default")
        changed = 0
        for job_id, (fingerprint, trigger, job_name, params, paused) in desired.items():
            job = existing.get(job_id)
            if job is None or job.name != fingerprint:
                options: dict[str, Any] = {"next_run_time": None} if paused else {}
                scheduler.add_job(
                    fire,
                    trigger=trigger,
                    id=job_id,
                    name=fingerprint,
                    kwargs={"job_id": job_id, "job_name": job_name, "params": params},
                    jobstore="default",
                    replace_existing=True,
                    **options,
                )
                changed += 1
            elif paused and job.next_run_time is not None:
                scheduler.pause_job(job_id, jobstore="default")
                changed += 1
            elif not paused and job.next_run_time is None:
                scheduler.resume_job(job_id, jobstore="default")
                changed += 1
        if changed or len(existing) != len(desired):
            log.info("reconciled %d jobs (%d changed)", len(desired), changed)

    # -- firing ---------------------------------------------------------------------------

    def fire(
        self, *, job_id: str, job_name: str, params: dict[str, Any], scheduled_for: datetime
    ) -> None:
        spec = self.registry.get(job_name)
        if spec is None:
            log.error("job %s: no registered job %r; it will be removed", job_id, job_name)
            return
        inline = self.settings.execution_mode == "inline"
        run = runs.create(
            engine=self.engine,
            job_name=job_name,
            job_id=job_id,
            params=params,
            trigger="schedule",
            scheduled_for=scheduled_for,
            owner=self.owner if inline else None,
        )
        if run is None:
            log.info("job %s at %s already ran; not running it again", job_id, scheduled_for)
            return
        if inline:
            runner.execute(engine=self.engine, settings=self.settings, spec=spec, run=run)
            return
        # If Redis is unreachable the run stays queued and _take_requested_runs resends it.
        with contextlib.suppress(Unavailable):
            dispatch.send(engine=self.engine, settings=self.settings, run=run)

    def _take_requested_runs(self) -> None:
        scheduler = self._scheduler
        if scheduler is None:
            return
        inline = self.settings.execution_mode == "inline"
        with Session(self.engine) as session:
            waiting = runs.queued(session=session, undispatched_only=not inline)
        resend_before = utcnow() - RESEND_AFTER
        for run in waiting:
            assert run.id is not None
            if not inline:
                if run.created_at <= resend_before:
                    with contextlib.suppress(Unavailable):
                        dispatch.send(engine=self.engine, settings=self.settings, run=run)
                continue
            if run.job_name not in self.registry:
                continue
            claimed = runs.claim(
                engine=self.engine, run_id=run.id, owner=self.owner, retake_running=False
            )
            if claimed is not None:
                scheduler.add_job(
                    self._run_claimed,
                    args=[claimed],
                    id=f"request:{run.id}",
                    jobstore="internal",
                    misfire_grace_time=None,
                )

    def _run_claimed(self, run: JobRun) -> None:
        runner.execute(
            engine=self.engine, settings=self.settings, spec=self.registry[run.job_name], run=run
        )

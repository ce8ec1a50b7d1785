"""Dramatiq workers (execution mode `dramatiq`): the scheduler enqueues, `vigil worker` runs.

A message carries only a JobRun id. The worker claims that run (queued, or running by a
worker that died), runs the registered job under the same watchdog as inline mode, and
records the outcome. Messages are acknowledged after the job ends (Dramatiq's default),
so when a worker is killed mid-run Redis still holds its unacknowledged messages; once
its heartbeat is older than VIGIL_DRAMATIQ_HEARTBEAT_TIMEOUT_SECONDS another worker's
queue maintenance puts them back and the run happens again. A run already finished is
skipped, and the jobs themselves are idempotent (a crawl stores a canonical URL once).
"""

import logging
import threading
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import Engine

from api.ops import runner, runs
from api.ops.registry import load_jobs
from api.ops.settings import OpsSettings
from models.db import engine_for
from models.schedules import JobRunStatus
from models.settings import CoreSettings

log = logging.getLogger("vigil.worker")

ACTOR_NAME = "vigil_run_job"
# Our watchdog enforces each job's limit; Dramatiq's own limit is only a far backstop.
DRAMATIQ_TIME_LIMIT_MS = 24 * 3600 * 1000

_brokers: dict[tuple[str, str, str], tuple[RedisBroker, Any]] = {}
_brokers_lock = threading.Lock()


def broker_and_actor(settings: OpsSettings) -> tuple[RedisBroker, Any]:
    """One broker (and its actor) per Redis URL, namespace and queue, made once per process."""
    key = (settings.redis_url, settings.dramatiq_namespace, settings.dramatiq_queue)
    with _brokers_lock:
        if key not in _brokers:
            broker = RedisBroker(
                url=settings.redis_url,
                namespace=settings.dramatiq_namespace,
                heartbeat_timeout=int(settings.dramatiq_heartbeat_timeout_seconds * 1000),
                maintenance_chance=settings.dramatiq_maintenance_chance,
            )
            actor = dramatiq.actor(
                actor_name=ACTOR_NAME,
                queue_name=settings.dramatiq_queue,
                broker=broker,
                max_retries=0,  # a failed run is recorded; the next scheduled run is the retry
                time_limit=DRAMATIQ_TIME_LIMIT_MS,
            )(_run_job_message)
            _brokers[key] = (broker, actor)
        return _brokers[key]


def enqueue(*, run_id: int, settings: OpsSettings) -> None:
    _, actor = broker_and_actor(settings)
    actor.send(run_id)


def _engine() -> Engine:
    return engine_for(CoreSettings().resolved_database_url)


def _run_job_message(run_id: int) -> None:
    process_run(engine=_engine(), settings=OpsSettings(), run_id=run_id)


def process_run(*, engine: Engine, settings: OpsSettings, run_id: int) -> JobRunStatus | None:
    """Claim and execute one run; None when there is nothing to do (already finished)."""
    registry = load_jobs(settings)
    run = runs.claim(
        engine=engine, run_id=run_id, owner=runs.owner_name("worker"), retake_running=True
    )
    if run is None:
        log.info("run %s is finished or unknown; message dropped", run_id)
        return None
    spec = registry.get(run.job_name)
    if spec is None:
        runs.finish(
            engine=engine,
            run_id=run_id,
            status=JobRunStatus.failed,
            error=f"this worker has no job named {run.job_name!r} (deploy the same code)",
        )
        return JobRunStatus.failed
    if run.attempts > 1:
        log.warning("run %s (%s) delivered again: attempt %d", run_id, run.job_id, run.attempts)
    return runner.execute(engine=engine, settings=settings, spec=spec, run=run)


def run_worker(*, settings: OpsSettings, threads: int, stop: threading.Event) -> None:
    """Consume and execute until `stop` is set; in-flight jobs finish before it returns."""
    load_jobs(settings)
    broker, _ = broker_and_actor(settings)
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=1000)
    worker.start()
    queue = settings.dramatiq_queue
    log.info("worker consuming %s on %s (%d threads)", queue, settings.redis_url, threads)
    try:
        stop.wait()
    finally:
        worker.stop(timeout=int(settings.job_time_limit_seconds * 1000))
        broker.close()

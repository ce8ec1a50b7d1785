"""Run one claimed JobRun under a hard time limit and record how it ended.

Why a watchdog thread and not a subprocess: Python cannot kill a thread, so the job body
runs in its own daemon thread and the caller waits at most the job's time limit. A job
that is still running then is recorded as timed_out and abandoned: the scheduler's pool
thread is free again, so the next runs happen on time. Jobs get the same deadline and are
expected to stop by themselves (the crawl does: it finishes its CrawlRun as timed_out);
the watchdog is the backstop for the one that hangs in a blocking call. An abandoned
thread cannot overwrite the outcome: only the waiting side writes the JobRun. A
subprocess per run would be killable, but it costs a fresh interpreter (imports, DB
connections, SQLite locking) per run; in dramatiq mode a truly stuck worker process can
be killed and its message is delivered again to another one.
"""

import logging
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from api.ops import runs
from api.ops.registry import JobContext, JobFailed, JobSpec, JobTimedOut
from api.ops.settings import OpsSettings
from models.schedules import JobRun, JobRunStatus

log = logging.getLogger(__name__)

# Jobs stop themselves a little before the watchdog gives up, so their own records
# (e.g. a CrawlRun marked timed_out) are written first.
SELF_STOP_MARGIN = 0.1
# A job that hangs at every run would leak one thread per run; past this many still-hung
# runs of one job id, new runs are recorded as failed without starting until one ends.
MAX_HUNG_PER_JOB = 3

_hung: dict[str, list[threading.Thread]] = {}
_hung_lock = threading.Lock()


def _still_hung(job_id: str) -> int:
    with _hung_lock:
        alive = [thread for thread in _hung.get(job_id, []) if thread.is_alive()]
        _hung[job_id] = alive
        return len(alive)


@dataclass
class _Outcome:
    status: JobRunStatus = JobRunStatus.failed
    error: str | None = None
    result: dict[str, Any] = field(default_factory=dict)


def _describe(exc: BaseException) -> str:
    lines = traceback.format_exception_only(type(exc), exc)
    return "".join(lines).strip()


def execute(*, engine: Engine, settings: OpsSettings, spec: JobSpec, run: JobRun) -> JobRunStatus:
    """Run `spec` for an already-claimed `run`; returns the recorded status."""
    assert run.id is not None
    hung = _still_hung(run.job_id)
    if hung >= MAX_HUNG_PER_JOB:
        log.error(
            "job %s: %d earlier runs still hung; run %s not started", run.job_id, hung, run.id
        )
        runs.finish(
            engine=engine,
            run_id=run.id,
            status=JobRunStatus.failed,
            error=f"not started: {hung} earlier runs of this job are still hung",
        )
        return JobRunStatus.failed
    limit = spec.limit_seconds(settings)
    started = time.monotonic()
    context = JobContext(
        engine=engine,
        settings=settings,
        run_id=run.id,
        job_id=run.job_id,
        trigger=run.trigger,
        deadline=started + limit * (1 - SELF_STOP_MARGIN),
    )
    outcome = _Outcome()

    def body() -> None:
        try:
            result = spec.func(context, **run.params)
            outcome.result = dict(result or {})
            outcome.status = JobRunStatus.succeeded
        except JobFailed as exc:
            timed_out = isinstance(exc, JobTimedOut)
            outcome.status = JobRunStatus.timed_out if timed_out else JobRunStatus.failed
            outcome.error, outcome.result = str(exc), exc.result
        except Exception as exc:
            log.exception("job %s (run %s) raised", run.job_id, run.id)
            outcome.status, outcome.error = JobRunStatus.failed, _describe(exc)

    thread = threading.Thread(target=body, name=f"job-{run.job_id}-{run.id}", daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        with _hung_lock:
            _hung.setdefault(run.job_id, []).append(thread)
        log.error("job %s (run %s) still running after %.1fs: abandoned", run.job_id, run.id, limit)
        runs.finish(
            engine=engine,
            run_id=run.id,
            status=JobRunStatus.timed_out,
            error=f"still running after the {limit:g}s time limit; abandoned by the watchdog",
        )
        return JobRunStatus.timed_out
    runs.finish(
        engine=engine,
        run_id=run.id,
        status=outcome.status,
        error=outcome.error,
        result=outcome.result,
    )
    return outcome.status

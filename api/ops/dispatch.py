"""Ask for a job to run now, from anywhere (API, CLI, another job, an event).

    run = request_run(engine=engine, settings=settings, job_name="redetect",
                      params={"model_version": "2"}, trigger="model-activated")

The run is recorded as queued. In dramatiq mode it is sent to the workers at once; in
inline mode the active scheduler takes it on its next pass (at once when it runs in this
process), so the API never runs a job in a web worker.
"""

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from api.ops import registry, runs
from api.ops.settings import OpsSettings
from models.errors import InvalidInput, Unavailable
from models.schedules import JobRun

log = logging.getLogger(__name__)

_wakeups: list[Callable[[], None]] = []
_wakeups_lock = threading.Lock()


def add_wakeup(callback: Callable[[], None]) -> None:
    """Called by an in-process scheduler so queued runs start without waiting a pass."""
    with _wakeups_lock:
        _wakeups.append(callback)


def remove_wakeup(callback: Callable[[], None]) -> None:
    with _wakeups_lock:
        if callback in _wakeups:
            _wakeups.remove(callback)


def send(*, engine: Engine, settings: OpsSettings, run: JobRun) -> None:
    """Hand a queued run to the Dramatiq workers."""
    assert run.id is not None
    from api.worker import enqueue

    try:
        enqueue(run_id=run.id, settings=settings)
    except Exception as exc:
        log.warning("could not enqueue run %s: %s", run.id, exc)
        raise Unavailable(
            "Không gửi được tác vụ tới hàng đợi Redis; bộ lập lịch sẽ gửi lại sau.",
            "Could not reach the Redis queue; the scheduler will send the run again later.",
        ) from None
    runs.mark_dispatched(engine=engine, run_id=run.id)


def request_run(
    *,
    engine: Engine,
    settings: OpsSettings,
    job_name: str,
    job_id: str | None = None,
    params: dict[str, Any] | None = None,
    trigger: str = "manual",
) -> JobRun:
    registry.get(job_name)  # NotFound for an unknown job, before anything is stored
    run = runs.create(
        engine=engine,
        job_name=job_name,
        job_id=job_id or job_name,
        params=params or {},
        trigger=trigger,
    )
    assert run is not None  # runs without a fire time never collide
    if settings.execution_mode == "dramatiq":
        send(engine=engine, settings=settings, run=run)
    else:
        with _wakeups_lock:
            callbacks = list(_wakeups)
        for callback in callbacks:
            callback()
    return run


def request_by_hand(*, engine: Engine, settings: OpsSettings, job_name: str) -> JobRun:
    """A staff request to run a job that needs no parameters (e.g. retention-cleanup)."""
    spec = registry.get(job_name)
    if spec.required_params:
        needed = ", ".join(spec.required_params)
        raise InvalidInput(
            f"Tác vụ «{job_name}» cần tham số ({needed}); "
            "với thu thập, hãy chạy theo lịch của nguồn.",
            f"Job '{job_name}' needs parameters ({needed}); for crawls use the schedule's run-now.",
            field="job_name",
        )
    return request_run(engine=engine, settings=settings, job_name=job_name, trigger="run_now")

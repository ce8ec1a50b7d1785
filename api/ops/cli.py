"""`vigil scheduler`, `vigil worker`, `vigil schedules ...` and `vigil jobs ...`."""

import json
import signal
import threading
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from api.ops.settings import OpsSettings
from models.db import engine_for, session_scope
from models.errors import VigilError
from models.schedules import CrawlScheduleCreate, JobRunPublic, ScheduleKind
from models.settings import CoreSettings

console = Console()
schedules_app = typer.Typer(help="Crawl schedules (one per source).", no_args_is_help=True)
jobs_app = typer.Typer(help="Registered jobs and their runs.", no_args_is_help=True)


def _engine() -> Engine:
    return engine_for(CoreSettings().resolved_database_url)


def _fail(exc: VigilError) -> typer.Exit:
    console.print(f"[red]{exc.message_vi} ({exc.message_en})[/red]")
    return typer.Exit(1)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def _configure_logging() -> None:
    from api.logging import configure_logging
    from api.settings import ApiSettings

    configure_logging(ApiSettings().log_level)


def scheduler() -> None:
    """Run a standalone scheduler: active if it wins the leader lock, else a standby."""
    from api.scheduler import SchedulerService

    _configure_logging()
    stop = _stop_on_signals()
    SchedulerService(engine=_engine(), settings=OpsSettings()).run_until(stop)


def worker(
    threads: int | None = typer.Option(None, help="Default: VIGIL_WORKER_THREADS"),
) -> None:
    """Run a Dramatiq worker that executes queued jobs (VIGIL_EXECUTION_MODE=dramatiq)."""
    from api.worker import run_worker

    _configure_logging()
    settings = OpsSettings()
    stop = _stop_on_signals()
    run_worker(settings=settings, threads=threads or settings.worker_threads, stop=stop)


@schedules_app.command("list")
def schedules_list(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table"),
) -> None:
    """Every schedule with its next run times."""
    from api.ops import schedules as service

    with session_scope(_engine()) as session:
        items = service.list_public(session=session, count=3)
    if as_json:
        typer.echo(json.dumps([i.model_dump(mode="json") for i in items], ensure_ascii=False))
        return
    table = Table("nguồn", "lịch", "múi giờ", "tạm dừng", "lần chạy tới")
    for item in items:
        rule = item.cron if item.kind == ScheduleKind.cron else f"mỗi {item.interval_seconds}s"
        nexts = ", ".join(t.strftime("%Y-%m-%d %H:%M:%S") for t in item.next_run_times)
        table.add_row(
            f"#{item.source_id} {item.source_name}",
            rule or "",
            item.time_zone,
            "có" if item.paused else "",
            nexts,
        )
    console.print(table)


@schedules_app.command("create")
def schedules_create(
    source_id: int = typer.Argument(..., help="Id of the source"),
    cron: str | None = typer.Option(None, help='Five-field crontab, e.g. "*/30 6-22 * * *"'),
    every: int | None = typer.Option(None, help="Interval in seconds"),
    time_zone: str = typer.Option("Asia/Ho_Chi_Minh", "--tz"),
    jitter: int = typer.Option(0, help="Random delay up to this many seconds"),
    paused: bool = typer.Option(False, help="Create it paused"),
) -> None:
    """Schedule crawls of a source (give --cron or --every)."""
    from api.ops import schedules as service

    if (cron is None) == (every is None):
        console.print("[red]Cần đúng một trong --cron hoặc --every (give --cron or --every).[/red]")
        raise typer.Exit(2)
    try:
        schedule_in = CrawlScheduleCreate(
            source_id=source_id,
            kind=ScheduleKind.cron if cron else ScheduleKind.interval,
            cron=cron,
            interval_seconds=every,
            time_zone=time_zone,
            jitter_seconds=jitter,
            paused=paused,
        )
        with session_scope(_engine()) as session:
            schedule = service.create(session=session, schedule_in=schedule_in)
            public = service.to_public(session=session, schedule=schedule, count=3)
    except ValidationError as exc:
        error = exc.errors()[0]
        console.print(f"[red]Không hợp lệ: {error['loc'][0]}: {error['msg']}[/red]")
        raise typer.Exit(2) from None
    except VigilError as exc:
        raise _fail(exc) from None
    nexts = ", ".join(t.isoformat() for t in public.next_run_times)
    console.print(f"[green]Đã lập lịch {public.job_id}; lần chạy tới: {nexts or '-'}[/green]")


def _set_paused(source_id: int, paused: bool) -> None:
    from api.ops import schedules as service

    try:
        with session_scope(_engine()) as session:
            service.set_paused(session=session, source_id=source_id, paused=paused)
    except VigilError as exc:
        raise _fail(exc) from None
    done = "Đã tạm dừng" if paused else "Đã tiếp tục"
    console.print(f"[green]{done} lịch của nguồn #{source_id}[/green]")


@schedules_app.command("pause")
def schedules_pause(source_id: int) -> None:
    """Stop the timer of a source's schedule (run-now still works)."""
    _set_paused(source_id, True)


@schedules_app.command("resume")
def schedules_resume(source_id: int) -> None:
    """Start the timer again; the next run is computed from now."""
    _set_paused(source_id, False)


@schedules_app.command("delete")
def schedules_delete(source_id: int) -> None:
    """Remove a source's schedule (the source and its posts stay)."""
    from api.ops import schedules as service

    try:
        with session_scope(_engine()) as session:
            service.delete(session=session, source_id=source_id)
    except VigilError as exc:
        raise _fail(exc) from None
    console.print(f"[green]Đã xoá lịch của nguồn #{source_id}[/green]")


@schedules_app.command("run-now")
def schedules_run_now(source_id: int) -> None:
    """Crawl a scheduled source as soon as the scheduler or a worker can."""
    from api.ops import schedules as service

    try:
        run = service.run_now(engine=_engine(), settings=OpsSettings(), source_id=source_id)
    except VigilError as exc:
        raise _fail(exc) from None
    console.print(f"[green]Đã xếp hàng lượt chạy #{run.id} ({run.job_id})[/green]")


@jobs_app.command("list")
def jobs_list() -> None:
    """Registered jobs and their schedules."""
    from api.ops.registry import load_jobs

    table = Table("tác vụ", "lịch", "giới hạn (s)", "mô tả")
    settings = OpsSettings()
    for spec in load_jobs(settings).values():
        rule = f"mỗi {spec.every}" if spec.every else (spec.cron or "theo yêu cầu")
        table.add_row(spec.name, rule, f"{spec.limit_seconds(settings):g}", spec.description)
    console.print(table)


@jobs_app.command("run")
def jobs_run(name: str) -> None:
    """Ask for one run of a registered job now."""
    from api.ops import dispatch
    from api.ops.registry import load_jobs

    settings = OpsSettings()
    load_jobs(settings)
    try:
        run = dispatch.request_run(engine=_engine(), settings=settings, job_name=name)
    except VigilError as exc:
        raise _fail(exc) from None
    console.print(f"[green]Đã xếp hàng lượt chạy #{run.id} ({run.job_id})[/green]")


@jobs_app.command("runs")
def jobs_runs(
    job_id: str | None = typer.Option(None, "--job-id"),
    limit: int = typer.Option(20, min=1, max=500),
) -> None:
    """The latest runs (JSON lines), newest first."""
    from api.ops import runs

    with session_scope(_engine()) as session:
        items = runs.list(session=session, job_id=job_id, limit=limit)
        lines = [JobRunPublic.model_validate(r, from_attributes=True) for r in items]
    for line in lines:
        typer.echo(line.model_dump_json())

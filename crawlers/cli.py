"""`vigil crawl SOURCE_ID`: one crawl now, with a progress bar."""

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlmodel import Session

from models.crawl import CrawlRun
from models.db import engine_for
from models.enums import RunStatus
from models.errors import VigilError
from models.settings import CoreSettings

console = Console()


def crawl(source_id: int = typer.Argument(..., help="Id of the source to crawl")) -> None:
    """Crawl one source now (the same function the scheduler runs)."""
    # Imported here so `vigil --help` does not pay for trafilatura and lxml.
    from crawlers.run import crawl_source

    engine = engine_for(CoreSettings().resolved_database_url)
    with Progress(
        TextColumn("[bold]Nguồn #{task.fields[source]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("crawl", total=None, source=source_id)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            run_id = crawl_source(engine=engine, source_id=source_id, progress=progress)
        except VigilError as exc:
            failure: VigilError | None = exc
        else:
            failure = None
    if failure is not None:
        console.print(f"[red]{failure.message_vi} ({failure.message_en})[/red]")
        raise typer.Exit(1)
    with Session(engine) as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
    colour = "green" if run.status == RunStatus.succeeded else "red"
    console.print(
        f"[{colour}]Lượt thu thập #{run.id}: {run.status}[/] — "
        f"tải {run.pages_fetched} trang, {run.new_posts} bài mới, "
        f"{run.duplicates} trùng, {run.not_modified} không đổi (304)"
    )
    if run.errors:
        console.print("Lỗi theo loại: " + ", ".join(f"{k}={v}" for k, v in run.errors.items()))
    if run.error_message:
        console.print(f"[red]{run.error_message}[/red]")
    if run.status != RunStatus.succeeded:
        raise typer.Exit(1)

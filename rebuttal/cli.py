"""`vigil labels`: staff decisions exported as training data for the detector."""

import json
from pathlib import Path

import typer
from rich.console import Console

from models.db import engine_for, session_scope
from models.settings import CoreSettings
from rebuttal import labels as labels_service

labels_app = typer.Typer(help="Training labels from staff decisions.", no_args_is_help=True)
console = Console()


@labels_app.command("export")
def export(
    path: Path = typer.Argument(..., help="Where to write the file", dir_okay=False),
    fmt: str = typer.Option(
        "vihsd",
        "--format",
        help="vihsd: free_text,label_id (toxicity); stance: claim_text,post_text,stance "
        "(the claim links the desk confirmed); json: every case label",
    ),
) -> None:
    """Write the labels: ViHSD-style CSV for the toxicity classifier, confirmed claim links as
    stance training pairs, or all case labels as JSON."""
    if fmt not in ("vihsd", "stance", "json"):
        console.print(f"[red]Unknown format {fmt!r}: use vihsd, stance or json.[/red]")
        raise typer.Exit(2)
    if not path.parent.is_dir():
        console.print(f"[red]Folder {path.parent} does not exist.[/red]")
        raise typer.Exit(2)
    with session_scope(engine_for(CoreSettings().resolved_database_url)) as session:
        if fmt == "vihsd":
            count = labels_service.write_toxicity_csv(session=session, path=path)
        elif fmt == "stance":
            count = labels_service.write_stance_csv(session=session, path=path)
        else:
            rows = labels_service.export_labels(session=session)
            path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
            count = len(rows)
    console.print(f"[green]Wrote {count} labels to {path}[/green]")

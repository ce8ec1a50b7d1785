"""The `vigil` command."""

import typer
from rich.console import Console
from sqlalchemy import Engine

from api.ops import cli as ops_cli
from crawlers.cli import crawl as crawl_command
from detector.claims_cli import claims_app
from detector.cli import model_app
from models.db import engine_for
from models.enums import Role
from models.settings import CoreSettings
from rebuttal.cli import labels_app

app = typer.Typer(
    help="Vigil: find, triage and answer false and toxic information.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Staff and partner accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.command("crawl")(crawl_command)
app.add_typer(ops_cli.schedules_app, name="schedules")
app.add_typer(ops_cli.jobs_app, name="jobs")
app.add_typer(model_app, name="model")
app.add_typer(labels_app, name="labels")
app.add_typer(claims_app, name="claims")
app.command("scheduler")(ops_cli.scheduler)
app.command("worker")(ops_cli.worker)

console = Console()


def _engine() -> Engine:
    return engine_for(CoreSettings().resolved_database_url)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from models.migrate import upgrade

    upgrade(_engine(), revision)
    console.print(f"[green]Database at revision {revision}[/green]")


@users_app.command("create")
def users_create(
    username: str,
    role: Role = typer.Option(..., "--role", help="monitor, editor, approver, ops, admin, partner"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    full_name: str = typer.Option("", "--full-name"),
    partner_id: int | None = typer.Option(None, "--partner-id"),
) -> None:
    """Create an account."""
    from pydantic import ValidationError

    from models.db import session_scope
    from models.errors import VigilError
    from models.users import UserCreate
    from rebuttal import users as users_service

    try:
        user_in = UserCreate(
            username=username,
            role=role,
            password=password,
            full_name=full_name,
            partner_id=partner_id,
        )
        with session_scope(_engine()) as session:
            user = users_service.create(session=session, user_in=user_in)
            console.print(f"[green]Created {user.role} account «{user.username}» (#{user.id})[/]")
    except ValidationError as exc:
        console.print(f"[red]Invalid: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}[/red]")
        raise typer.Exit(2) from None
    except VigilError as exc:
        console.print(f"[red]{exc.message_vi} ({exc.message_en})[/red]")
        raise typer.Exit(1) from None


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Default: VIGIL_HOST or 127.0.0.1"),
    port: int | None = typer.Option(None, help="Default: VIGIL_PORT or 8000"),
    reload: bool = typer.Option(False, help="Reload on code changes (development)"),
) -> None:
    """Run the API (and, in embedded mode, the scheduler) in this process."""
    import uvicorn

    from api.logging import configure_logging
    from api.settings import ApiSettings

    settings = ApiSettings()
    configure_logging(settings.log_level)
    uvicorn.run(
        "api.app:serve_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        log_config=None,
    )


@app.command()
def demo(
    reset: bool = typer.Option(False, help="Load even if demo data is already there"),
) -> None:
    """Load a realistic Vietnamese demo data set (idempotent)."""
    from api.demo import load_demo
    from models.migrate import upgrade

    engine = _engine()
    upgrade(engine)
    summary = load_demo(engine, force=reset)
    for line in summary:
        console.print(line)


if __name__ == "__main__":
    app()

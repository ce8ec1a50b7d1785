"""`vigil model ...`: train, list, activate and evaluate detector models."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from detector.registry import Registry, spec_for
from detector.settings import DetectorSettings
from models.errors import VigilError

model_app = typer.Typer(
    help="Detector models: train, list, activate, evaluate.", no_args_is_help=True
)
console = Console()
err_console = Console(stderr=True)


def _fail(exc: VigilError) -> typer.Exit:
    err_console.print(f"[red]{exc.message_vi}[/red]\n{exc.message_en}")
    return typer.Exit(code=1)


def _default_data() -> Path:
    return DetectorSettings().datasets_dir


@model_app.command("train")
def train(
    name: str = typer.Argument(..., help="toxicity, spans, ..."),
    data: Path = typer.Option(None, "--data", help="Datasets folder (default: ../shared/datasets)"),
    backend: str = typer.Option("sklearn", "--backend", help="sklearn or transformers"),
    base: Path = typer.Option(None, "--base", help="Local checkpoint folder (transformers)"),
    limit: int = typer.Option(None, "--limit", help="Use only the first N training rows"),
    version: str = typer.Option(None, "--version", help="Version label (default: UTC time)"),
    no_activate: bool = typer.Option(False, "--no-activate", help="Save without activating"),
) -> None:
    """Train NAME on DATA, save a new version with its model card, and activate it."""
    data_dir = data or _default_data()
    try:
        spec = spec_for(name)
        options: dict[str, object] = {"limit": limit}
        if name == "toxicity":
            options.update({"backend": backend, "base": base})
        elif backend != "sklearn":
            raise typer.BadParameter("--backend only applies to toxicity")
        with console.status(f"Training {name} ..."):
            result = spec.train(data_dir, **options)
        info = Registry().save(name, result, version=version, activate=not no_activate)
    except VigilError as exc:
        raise _fail(exc) from None
    console.print(f"[green]Saved {name} {info.version}[/green] at {info.path}")
    console.print_json(json.dumps(result.metrics, ensure_ascii=False))


@model_app.command("list")
def list_models() -> None:
    """Every saved version, its size, dev metrics and which one is active."""
    registry = Registry()
    table = Table("name", "version", "active", "size MB", "metrics", "created")
    try:
        for name in registry.names():
            for info in registry.versions(name):
                m = info.manifest
                metrics = ", ".join(
                    f"{k}={v}" for k, v in m.get("metrics", {}).items() if isinstance(v, float)
                )
                table.add_row(
                    name,
                    info.version,
                    "*" if info.active else "",
                    f"{m.get('size_bytes', 0) / 1e6:.2f}",
                    metrics,
                    m.get("created_at", ""),
                )
    except VigilError as exc:
        raise _fail(exc) from None
    console.print(table)


@model_app.command("activate")
def activate(name: str, version: str) -> None:
    """Make VERSION the one running services use (picked up without a restart)."""
    try:
        info = Registry().activate(name, version)
    except VigilError as exc:
        raise _fail(exc) from None
    console.print(f"[green]{info.name} {info.version} is now active[/green]")


@model_app.command("eval")
def evaluate(
    name: str,
    data: Path = typer.Option(None, "--data", help="Folder with <dataset>/<SPLIT>.csv"),
    split: str = typer.Option("dev", "--split"),
    version: str = typer.Option(None, "--version", help="Default: the active version"),
) -> None:
    """Print one JSON object of metrics of the active (or given) version on DATA/SPLIT."""
    data_dir = data or _default_data()
    try:
        spec = spec_for(name)
        loaded_version, model = Registry().load(name, version)
        metrics = spec.evaluate(model, data_dir, split)
    except VigilError as exc:
        raise _fail(exc) from None
    out = {"model": name, "version": loaded_version, "split": split, **metrics}
    typer.echo(json.dumps(out, ensure_ascii=False))

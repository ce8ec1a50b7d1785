"""``vigil claims ...``: import fact-checks as known claims, evaluate and try claim matching."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from models.errors import VigilError

claims_app = typer.Typer(
    help="Known claims: import fact-checks, match posts, evaluate.", no_args_is_help=True
)
out = Console()
err = Console(stderr=True)


def _model(retrain: bool) -> Any:
    from detector.claims.store import load_match_model

    if not retrain:
        try:
            return load_match_model()
        except VigilError as exc:
            err.print(
                f"[yellow]{exc.message_en}; training a fresh model from the training pairs[/]"
            )
    from detector.claims.training import train_match_model, training_pairs

    pairs, labels = training_pairs()
    return train_match_model(pairs, labels)[0]


def _emit(data: dict[str, Any]) -> None:
    out.print_json(json.dumps(data, ensure_ascii=False))


@claims_app.command("import")
def import_claims(
    file: Path = typer.Argument(
        ..., help="ClaimReview JSON / JSON-LD / JSON lines, or CSV (id,text,verdict,url)"
    ),
) -> None:
    """Import fact-checks as known claims. Valid entries are stored (each claim once); bad ones
    are reported by line. Exit code 1 if any entry was rejected, 2 if the file is unreadable."""
    from detector.claims import service
    from detector.claims.importer import parse_file
    from models.db import default_engine, session_scope

    parsed = parse_file(file)
    if not parsed.records and parsed.problems and parsed.problems[0].where_en == "file":
        err.print(f"[red]{parsed.problems[0].en()}[/red]")
        raise typer.Exit(2)
    try:
        with session_scope(default_engine()) as session:
            report = service.import_records(session=session, parsed=parsed)
    except VigilError as exc:
        err.print(f"[red]{exc.message_en}[/red]")
        raise typer.Exit(2) from None
    _emit({"file": str(file), **report.as_dict()})
    if report.problems:
        raise typer.Exit(1)


@claims_app.command("eval")
def eval_claims(
    claims: Path = typer.Option(..., "--claims", help="CSV: id,text,verdict"),
    queries: Path = typer.Option(..., "--queries", help="CSV: text,expected_id"),
    retrain: bool = typer.Option(False, "--retrain", help="Fit a fresh model first"),
    by_kind: bool = typer.Option(False, "--by-kind", help="Add figures per query kind"),
    embeddings: Path | None = typer.Option(
        None, "--embeddings", help="Rerank with a local sentence-embedding checkpoint folder"
    ),
    embeddings_weight: float = typer.Option(0.3, "--embeddings-weight", min=0.0, max=1.0),
    embeddings_suggest: float = typer.Option(0.75, "--embeddings-suggest", min=-1.0, max=1.0),
) -> None:
    """Load CLAIMS into a fresh index, match every query, print one JSON object (recall_at_1,
    recall_at_5, autolink_recall, autolink_precision, false_autolinks, p99_ms)."""
    from detector.claims.embeddings import SemanticSettings, load_encoder
    from detector.claims.evaluation import evaluate, read_claims, read_queries

    try:
        known = read_claims(claims)
        asked = read_queries(queries)
        semantic = None
        if embeddings is not None:
            semantic = SemanticSettings(
                load_encoder(str(embeddings)),
                weight=embeddings_weight,
                suggest_cosine=embeddings_suggest,
            )
        result = evaluate(known, asked, _model(retrain), semantic)
    except VigilError as exc:
        err.print(f"[red]{exc.message_en}[/red]")
        raise typer.Exit(2) from None
    if not by_kind:
        result.pop("by_kind", None)
    _emit(result)


@claims_app.command("match")
def match_text(
    text: str = typer.Argument(..., help="A post to match against the stored claims"),
    k: int = typer.Option(3, "--k", min=1, max=20),
) -> None:
    """Match one text against the claims in the database (for staff trying the matcher)."""
    from detector.claims import service
    from models.db import default_engine, session_scope

    model = _model(False)
    with session_scope(default_engine()) as session:
        result = service.matcher(session=session, model=model).match(text, k=k)
    _emit(
        {
            "matches": [
                {
                    "claim_id": m.claim.id,
                    "claim": m.claim.text,
                    "verdict": m.claim.verdict,
                    "similarity": round(m.similarity, 4),
                    "stance": m.stance,
                    "suggested": m.suggested,
                    "auto_linked": m.auto_linked,
                }
                for m in result.matches
            ]
        }
    )

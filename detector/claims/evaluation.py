"""Evaluating claim matching on a set of claims and queries (``vigil claims eval``).

Claims: ``id,text,verdict`` (more columns ignored). Queries: ``text,expected_id`` with
``expected_id`` empty for posts that match no claim (more columns ignored; a ``kind`` column,
if present, gives figures per kind). The claims are loaded into a fresh index; nothing is stored.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from detector.claims.embeddings import SemanticSettings
from detector.claims.matcher import ClaimMatcher, ClaimMatchModel, KnownClaim
from models.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    expected_id: str
    kind: str


def _rows(path: Path, required: set[str]) -> list[dict[str, str]]:
    if not path.exists():
        raise InvalidInput(f"Không tìm thấy tệp {path}", f"File not found: {path}", field=str(path))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise InvalidInput(
                f"Tệp {path.name} thiếu cột: {', '.join(sorted(missing))}",
                f"{path.name} lacks columns: {', '.join(sorted(missing))}",
                field=str(path),
            )
        return list(reader)


def read_claims(path: Path) -> list[KnownClaim]:
    claims: list[KnownClaim] = []
    seen: set[str] = set()
    for lineno, row in enumerate(_rows(path, {"id", "text", "verdict"}), start=2):
        cid, text = (row["id"] or "").strip(), (row["text"] or "").strip()
        if not cid or not text:
            raise InvalidInput(
                f"{path.name} dòng {lineno}: thiếu id hoặc nội dung",
                f"{path.name} line {lineno}: id or text is empty",
                field="claims",
                line=lineno,
            )
        if cid in seen:
            raise InvalidInput(
                f"{path.name} dòng {lineno}: id {cid} bị trùng",
                f"{path.name} line {lineno}: duplicate id {cid}",
                field="claims",
                line=lineno,
            )
        seen.add(cid)
        claims.append(KnownClaim(id=cid, text=text, verdict=(row["verdict"] or None)))
    return claims


def read_queries(path: Path) -> list[Query]:
    return [
        Query(
            text=row["text"] or "",
            expected_id=(row["expected_id"] or "").strip(),
            kind=(row.get("kind") or "").strip() or "all",
        )
        for row in _rows(path, {"text", "expected_id"})
    ]


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def evaluate(
    claims: Sequence[KnownClaim],
    queries: Sequence[Query],
    model: ClaimMatchModel,
    semantic: SemanticSettings | None = None,
) -> dict[str, Any]:
    """Recall@1/@5, auto-link recall and precision, false auto-links, p99 latency — overall
    and per query kind (with sentence-embedding reranking when ``semantic`` is given)."""
    matcher = ClaimMatcher(claims, model, semantic=semantic)
    known = {str(c.id) for c in claims}
    unknown = sorted(
        {q.expected_id for q in queries if q.expected_id and q.expected_id not in known}
    )
    if unknown:
        raise InvalidInput(
            f"Câu truy vấn trỏ tới id không có trong tệp claims: {', '.join(unknown[:5])}",
            f"Queries expect ids missing from the claims file: {', '.join(unknown[:5])}",
            field="queries",
        )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    latencies: list[float] = []
    for q in queries:
        start = time.perf_counter()
        result = matcher.match(q.text, k=5)
        latencies.append((time.perf_counter() - start) * 1000)
        ids = [str(m.claim.id) for m in result.matches]
        linked = result.auto_linked
        for bucket in ("all", q.kind):
            c = counts[bucket]
            c["queries"] += 1
            if q.expected_id:
                c["positives"] += 1
                c["hit1"] += int(ids[:1] == [q.expected_id])
                c["hit5"] += int(q.expected_id in ids[:5])
                c["suggested"] += int(
                    any(str(m.claim.id) == q.expected_id and m.suggested for m in result.matches)
                )
            if linked is not None:
                c["autolinks"] += 1
                if q.expected_id and str(linked.claim.id) == q.expected_id:
                    c["right_autolinks"] += 1
                else:
                    c["false_autolinks"] += 1

    def figures(c: dict[str, int]) -> dict[str, Any]:
        return {
            "queries": c["queries"],
            "positives": c["positives"],
            "recall_at_1": _ratio(c["hit1"], c["positives"]),
            "recall_at_5": _ratio(c["hit5"], c["positives"]),
            "suggest_recall": _ratio(c["suggested"], c["positives"]),
            "autolink_recall": _ratio(c["right_autolinks"], c["positives"]),
            "autolink_precision": _ratio(c["right_autolinks"], c["autolinks"]),
            "false_autolinks": c["false_autolinks"],
        }

    out = figures(counts["all"])
    out["p99_ms"] = round(float(np.percentile(latencies, 99)), 2) if latencies else None
    out["claims"] = len(claims)
    out["embeddings"] = str(semantic.encoder.path) if semantic is not None else None
    out["thresholds"] = {
        "suggest": model.suggest_threshold,
        "autolink": model.autolink_threshold,
        "spreads": model.spreads_threshold,
    }
    kinds = sorted(k for k in counts if k != "all")
    if kinds != [] and kinds != ["all"]:
        out["by_kind"] = {k: figures(counts[k]) for k in kinds}
    return out

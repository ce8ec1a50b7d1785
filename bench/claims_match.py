"""Claim-matching benchmark: evaluation-set figures per query kind, and latency at scale.

Prints JSON lines:
1. ``eval``: recall@1/@5, auto-link recall / precision and false auto-links on the evaluation set
   (bench/data/claim_eval), overall and per query kind.
2. ``topics``: share of the evaluation claims whose topic the topic classifier finds.
3. ``scale``: p50/p99 match latency (ms) with the evaluation claims hidden among ``--claims``
   generated claims (default 100,000), one core, plus recall@1 at that scale.

The model is the shipped claim_matcher artifact (``--retrain`` fits a fresh one from the training
pairs first; the evaluation queries are never used for training).

Run: nice .venv/bin/python bench/claims_match.py [--claims 100000]
"""

from __future__ import annotations

import os

# One core, as the target says: pin before numpy/scipy start their thread pools.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds scripts named like stdlib modules (queue.py): never import from it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from detector.claims.embeddings import SemanticSettings, load_encoder  # noqa: E402
from detector.claims.evaluation import evaluate, read_claims, read_queries  # noqa: E402
from detector.claims.matcher import ClaimMatcher, KnownClaim  # noqa: E402
from detector.claims.store import load_match_model  # noqa: E402
from detector.claims.synthetic import filler_claims  # noqa: E402
from detector.claims.training import train_match_model, training_pairs  # noqa: E402
from detector.topics import classify  # noqa: E402

EVAL = ROOT / "bench" / "data" / "claim_eval"


# The evaluation set names education claims "hoc_phi" (tuition) or "giao_duc"; the taxonomy
# has one area for both.
TOPIC_ALIASES = {"hoc_phi": "giao_duc"}


def topic_figures(eval_dir: Path) -> dict[str, object]:
    """How often the topic classifier finds the topic the evaluation set gives each claim."""
    with (eval_dir / "claims.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("topic")]
    found = top1 = none = 0
    for row in rows:
        expected = TOPIC_ALIASES.get(row["topic"], row["topic"])
        codes = [t.code for t in classify(row["text"])]
        found += expected in codes
        top1 += codes[:1] == [expected]
        none += not codes
    n = len(rows) or 1
    return {
        "claims": len(rows),
        "topic_found": round(found / n, 4),
        "topic_top1": round(top1 / n, 4),
        "no_topic": none,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--retrain", action="store_true")
    parser.add_argument("--eval-dir", type=Path, default=EVAL)
    parser.add_argument(
        "--embeddings", type=Path, help="rerank with a local sentence-embedding checkpoint"
    )
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    if args.retrain:
        pairs, labels = training_pairs()
        model, _ = train_match_model(pairs, labels)
    else:
        model = load_match_model()
    claims = read_claims(args.eval_dir / "claims.csv")
    queries = read_queries(args.eval_dir / "queries.csv")
    semantic = SemanticSettings(load_encoder(str(args.embeddings))) if args.embeddings else None
    result = evaluate(claims, queries, model, semantic)
    print(json.dumps({"bench": "claims_match", "part": "eval", **result}, ensure_ascii=False))
    print(json.dumps({"bench": "claims_match", "part": "topics", **topic_figures(args.eval_dir)}))

    filler = filler_claims(args.claims - len(claims), seed=1)
    known = claims + [KnownClaim(id=f"G{i}", text=t) for i, t in enumerate(filler)]
    start = time.perf_counter()
    matcher = ClaimMatcher(known, model, semantic=semantic)
    build_s = time.perf_counter() - start
    latencies: list[float] = []
    hits = positives = 0
    for q in queries:
        t0 = time.perf_counter()
        res = matcher.match(q.text, k=5)
        latencies.append((time.perf_counter() - t0) * 1000)
        if q.expected_id:
            positives += 1
            hits += int(res.best is not None and str(res.best.claim.id) == q.expected_id)
    print(
        json.dumps(
            {
                "bench": "claims_match",
                "part": "scale",
                "claims": len(known),
                "queries": len(queries),
                "build_s": round(build_s, 1),
                "p50_ms": round(float(np.percentile(latencies, 50)), 2),
                "p99_ms": round(float(np.percentile(latencies, 99)), 2),
                "max_ms": round(max(latencies), 2),
                "recall_at_1": round(hits / positives, 4) if positives else None,
            }
        )
    )


if __name__ == "__main__":
    main()

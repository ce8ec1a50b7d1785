"""Detector throughput on one core: normalise + classify + spans over 10,000 real comments
from the shared datasets (ViHSD, ViCTSD, ViHOS, in that order); prints JSON lines.

    .venv/bin/python bench/detector_speed.py [--data DIR] [--n 10000]

The process pins itself to one CPU (sched_setaffinity) and limits BLAS/OpenMP pools to one
thread (threadpoolctl). Models: the active ones of the artifact dir (shipped by default).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

# The repo root replaces this script's folder on the path: bench/ holds modules named like
# the standard library's (queue.py) that would shadow it.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from threadpoolctl import threadpool_limits  # noqa: E402

from detector.datasets import read_victsd, read_vihos, read_vihsd  # noqa: E402
from detector.normalize import normalize  # noqa: E402
from detector.service import default_loader, detect_texts  # noqa: E402
from detector.settings import DetectorSettings  # noqa: E402


def comments(data: Path, n: int) -> list[str]:
    texts: list[str] = []
    texts += read_vihsd(data / "vihsd" / "train.csv")[0]
    texts += read_victsd(data / "victsd" / "train.csv")[0]
    texts += read_vihos(data / "vihos" / "train.csv")[0]
    return texts[:n]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DetectorSettings().datasets_dir)
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    texts = comments(args.data, args.n)
    loader = default_loader()
    with threadpool_limits(limits=1):
        detect_texts(texts[:50], loader=loader)  # load models outside the timing
        started = time.perf_counter()
        for t in texts:
            normalize(t)
        norm_s = time.perf_counter() - started

        started = time.perf_counter()
        results = detect_texts(texts, loader=loader)
        detect_s = time.perf_counter() - started

        spans_model = loader.get("spans").model
        started = time.perf_counter()
        spans_model.predict_spans(texts)
        spans_all_s = time.perf_counter() - started

    flagged = sum(1 for r in results if r.label not in (None, "CLEAN"))
    record = {
        "bench": "detector_speed",
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "posts": len(texts),
        "mean_chars": round(sum(map(len, texts)) / max(len(texts), 1), 1),
        "posts_per_s": round(len(texts) / detect_s, 1),
        "normalise_only_posts_per_s": round(len(texts) / norm_s, 1),
        "spans_on_every_post_per_s": round(len(texts) / spans_all_s, 1),
        "flagged_share": round(flagged / max(len(texts), 1), 3),
        "note": "posts_per_s = normalise + classify + explanation for all, spans for flagged posts",
        "target_posts_per_s": 3000,
    }
    sys.stdout.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()

"""Detector quality on the dev splits of the shared datasets; prints JSON lines.

    .venv/bin/python bench/detector_quality.py [--data DIR] [--train]

Without --train it scores the active models of the artifact dir (the shipped ones by default);
with --train it first trains both models into a temporary artifact dir with the shipped
training code, timing it. Test splits are not read: they are held back and scored elsewhere.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The repo root replaces this script's folder on the path: bench/ holds modules named like
# the standard library's (queue.py) that would shadow it.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from detector.registry import Registry, spec_for  # noqa: E402
from detector.settings import DetectorSettings  # noqa: E402


def emit(record: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DetectorSettings().datasets_dir)
    parser.add_argument("--train", action="store_true", help="train afresh and time it")
    args = parser.parse_args()

    settings = DetectorSettings()
    tmp = None
    if args.train:
        tmp = tempfile.TemporaryDirectory()
        settings = DetectorSettings(artifact_dir=Path(tmp.name))
    registry = Registry(settings)
    train_seconds: dict[str, Any] = {}
    if args.train:
        for name in ("toxicity", "spans"):
            started = time.perf_counter()
            registry.save(name, spec_for(name).train(args.data))
            train_seconds[name] = round(time.perf_counter() - started, 1)

    scored: dict[str, dict[str, Any]] = {}
    for name in ("toxicity", "spans"):
        version, model = registry.load(name)
        metrics = spec_for(name).evaluate(model, args.data, "dev")
        info = registry.info(name, version)
        scored[name] = {
            "version": version,
            "artifact_mb": round(info.manifest["size_bytes"] / 1e6, 2),
            "train_seconds": info.manifest["metrics"].get("train_seconds"),
            **metrics,
        }
    tox, spans = scored["toxicity"], scored["spans"]
    summary = {
        "bench": "detector_quality_summary",
        "vihsd_dev_macro_f1": tox.get("macro_f1"),
        "vihsd_dev_per_class_f1": {
            k: tox.get(f"f1_{k.lower()}") for k in ("CLEAN", "OFFENSIVE", "HATE")
        },
        "vihsd_dev_macro_f1_stripped": tox.get("macro_f1_stripped"),
        "stripped_gap": tox.get("stripped_gap"),
        "victsd_valid_toxic_f1": tox.get("toxic_f1"),
        "vihos_dev_span_f1": spans.get("span_f1"),
        "artifact_mb": {n: scored[n]["artifact_mb"] for n in scored},
        "train_seconds": train_seconds or {n: scored[n].get("train_seconds") for n in scored},
        "targets": {
            "vihsd_dev_macro_f1": 0.68,
            "max_stripped_gap": 0.05,
            "victsd_valid_toxic_f1": 0.60,
            "vihos_dev_span_f1": 0.65,
            "artifact_mb": 25,
            "train_seconds_total": 300,
        },
    }
    emit({"bench": "detector_quality", "data": str(args.data), **scored})
    emit(summary)
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()

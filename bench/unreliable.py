"""Unreliable-post classifier benchmark.

Prints JSON lines:
1. ``reintel_cv``: stratified 5-fold cross-validated ROC-AUC on ReINTEL warm-up + extra
   (1,220 posts; pooled out-of-fold scores and per fold), for several seeds of the fold split.
2. ``vfnd``: ROC-AUC on VFND (226 news articles and posts, 1 = fake) of the model trained on
   all of ReINTEL — an out-of-domain check (no engagement counts, long articles).

Run: nice .venv/bin/python bench/unreliable.py [--data ../shared/datasets] [--seeds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds scripts named like stdlib modules (queue.py): never import from it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from detector.unreliable import (  # noqa: E402
    UnreliableClassifier,
    cross_validate,
    evaluate,
    read_vfnd,
    training_data,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    records, y = training_data(args.data)
    for seed in range(args.seeds):
        start = time.perf_counter()
        result = cross_validate(records, y, seed=seed)
        result["seconds"] = round(time.perf_counter() - start, 1)
        print(json.dumps({"bench": "unreliable", "part": "reintel_cv", "seed": seed, **result}))
    vfnd = args.data / "vfnd" / "vn_news_226.csv"
    if vfnd.is_file():
        model = UnreliableClassifier().fit(records, y.tolist())
        v_records, v_y = read_vfnd(vfnd)
        print(
            json.dumps({"bench": "unreliable", "part": "vfnd", **evaluate(model, v_records, v_y)})
        )


if __name__ == "__main__":
    main()

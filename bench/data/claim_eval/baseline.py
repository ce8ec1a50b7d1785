"""Lexical reference baseline for the claim-matching evaluation set; prints JSON lines.

Character 2-5-gram TF-IDF over diacritic-stripped lower-case text, cosine to every claim, top-1.
It shows how far surface similarity goes: recall@1 per spreading style, the highest similarity
each distractor kind reaches, and the auto-link recall left once the threshold has to sit above
every distractor and every wrong top-1 (the "no false auto-link" rule). A real matcher must beat
the last figure by reading stance, not by similarity alone.

Run: nice .venv/bin/python bench/data/claim_eval/baseline.py
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

HERE = Path(__file__).resolve().parent


def fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D").lower()
    plain = "".join(
        ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch)
    )
    return re.sub(r"\s+", " ", plain)


def main() -> None:
    with open(HERE / "claims.csv", encoding="utf-8", newline="") as fh:
        claims = list(csv.DictReader(fh))
    with open(HERE / "queries.csv", encoding="utf-8", newline="") as fh:
        queries = list(csv.DictReader(fh))
    claim_texts = [fold(c["text"]) for c in claims]
    query_texts = [fold(q["text"]) for q in queries]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    vectorizer.fit(claim_texts + query_texts)
    sims = (vectorizer.transform(query_texts) @ vectorizer.transform(claim_texts).T).toarray()
    ids = [c["id"] for c in claims]

    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    distractor_max: dict[str, float] = defaultdict(float)
    wrong_top: list[float] = []
    right_top: list[float] = []
    for query, row in zip(queries, sims, strict=True):
        best = float(row.max())
        top = ids[int(row.argmax())]
        if query["expected_id"]:
            bucket = hits[f"{query['kind']}/{query['style']}"]
            bucket[1] += 1
            if top == query["expected_id"]:
                bucket[0] += 1
                right_top.append(best)
            else:
                wrong_top.append(best)
        else:
            distractor_max[query["kind"]] = max(distractor_max[query["kind"]], best)
    for kind, (hit, total) in sorted(hits.items()):
        print(json.dumps({"baseline": "char_tfidf", "kind": kind, "recall_at_1": hit / total}))
    print(
        json.dumps(
            {
                "baseline": "char_tfidf",
                "distractor_max_similarity": {k: round(v, 3) for k, v in distractor_max.items()},
            }
        )
    )
    threshold = max([*distractor_max.values(), *wrong_top])
    positives = sum(total for _, total in hits.values())
    linked = int(np.sum(np.array(right_top) > threshold))
    print(
        json.dumps(
            {
                "baseline": "char_tfidf",
                "autolink_threshold": round(threshold, 3),
                "autolink_recall_at_zero_false": round(linked / positives, 4),
            }
        )
    )


if __name__ == "__main__":
    main()

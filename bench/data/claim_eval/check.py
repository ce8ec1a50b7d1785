"""Sanity checks for the claim-matching evaluation set; prints counts as JSON lines."""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    with open(HERE / "claims.csv", encoding="utf-8", newline="") as fh:
        claims = list(csv.DictReader(fh))
    with open(HERE / "queries.csv", encoding="utf-8", newline="") as fh:
        queries = list(csv.DictReader(fh))
    errors: list[str] = []
    ids = [c["id"] for c in claims]
    if len(ids) != len(set(ids)):
        errors.append("duplicate claim ids")
    texts = [c["text"] for c in claims] + [q["text"] for q in queries]
    for text, n in Counter(t.casefold() for t in texts).items():
        if n > 1:
            errors.append(f"duplicate text: {text}")
    for text in texts:
        if unicodedata.normalize("NFC", text) != text:
            errors.append(f"not NFC: {text}")
    known = set(ids)
    per_claim: dict[str, Counter[str]] = {i: Counter() for i in ids}
    for q in queries:
        if q["expected_id"]:
            if q["expected_id"] not in known:
                errors.append(f"unknown expected_id {q['expected_id']}")
            else:
                per_claim[q["expected_id"]][q["kind"]] += 1
    for cid, kinds in per_claim.items():
        if kinds["paraphrase"] < 2 or kinds["no_diacritics"] < 1 or kinds["teencode"] < 1:
            errors.append(f"{cid}: incomplete variants {dict(kinds)}")
    covered = {
        kind: len({q["about_id"] for q in queries if q["kind"] == kind and q["about_id"]})
        for kind in ("real_decision", "refutation", "question")
    }
    print(json.dumps({"claims": len(claims), "queries": len(queries)}))
    print(json.dumps({"per_topic": Counter(c["topic"] for c in claims)}, ensure_ascii=False))
    print(json.dumps({"per_verdict": Counter(c["verdict"] for c in claims)}))
    print(json.dumps({"per_kind": Counter(q["kind"] for q in queries)}))
    print(json.dumps({"distractors": sum(1 for q in queries if not q["expected_id"])}))
    print(json.dumps({"claims_with_distractor": covered}))
    if errors:
        print("\n".join(errors), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

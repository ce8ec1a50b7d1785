"""Build the compact teencode map shipped in detector/resources/ from the shared lexicons.

Run once when the sources change (``python -m detector.lexicons ../shared/datasets``); the
service only reads the resulting JSON, so it works on machines without the datasets.
"""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from underthesea.pipeline.text_normalize import token_normalize

RESOURCES = Path(__file__).parent / "resources"

# A pair seen at least this often, and this share of the times the written form appears
# changed, is taken as a rule; rarer or ambiguous rewrites are context-dependent.
MIN_COUNT = 3
MIN_SHARE = 0.6


def _clean(word: str) -> str:
    return str(token_normalize(unicodedata.normalize("NFC", word).lower()))


def from_short_words(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {_clean(k): _clean(v) if " " not in v else v.lower() for k, v in data.items() if k}


def from_vilexnorm(paths: list[Path]) -> dict[str, str]:
    """Learn word → word rewrites from ViLexNorm's sentence pairs where the two sides have the
    same number of words (one-to-one alignment) plus one-to-many where only one word differs."""
    changed: dict[str, Counter[str]] = defaultdict(Counter)
    seen: Counter[str] = Counter()
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                src = row["original"].split()
                dst = row["normalized"].split()
                if len(src) != len(dst):
                    continue
                for a, b in zip(src, dst, strict=True):
                    a_clean, b_clean = _clean(a.strip(".,!?")), _clean(b.strip(".,!?"))
                    if not a_clean.isalpha():
                        continue
                    seen[a_clean] += 1
                    if a_clean != b_clean:
                        changed[a_clean][b_clean] += 1
    out: dict[str, str] = {}
    for word, targets in changed.items():
        target, n = targets.most_common(1)[0]
        if n >= MIN_COUNT and n / seen[word] >= MIN_SHARE:
            out[word] = target
    return out


def build(datasets_dir: Path) -> dict[str, str]:
    learned = from_vilexnorm(
        [datasets_dir / "vilexnorm" / "train.csv", datasets_dir / "vilexnorm" / "dev.csv"]
    )
    # The hand-made lexicon wins where both have an entry.
    learned.update(from_short_words(datasets_dir / "lexicons" / "teencode_short_word.json"))
    # Hand-checked entries for comment-section Vietnamese, where the shopping-oriented lexicon
    # reads "ck" as "chuyển khoản" and "dm" as "đầm"; these win over both sources.
    overrides = json.loads((RESOURCES / "teencode_overrides.json").read_text(encoding="utf-8"))
    learned.update(overrides)
    return {k: v for k, v in sorted(learned.items()) if k != v}


def main() -> None:
    datasets_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets")
    out = RESOURCES / "teencode.json"
    mapping = build(datasets_dir)
    out.write_text(json.dumps(mapping, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    sys.stdout.write(f"{len(mapping)} entries -> {out}\n")


if __name__ == "__main__":
    main()

"""Build claims.csv and queries.csv from the hand-written source files.

The source files (source/*.txt) are the authored material. This script only
parses them, derives the no-diacritics variant of one paraphrase per claim
(mechanical: strip combining marks, đ -> d) and writes the CSVs, so the two
stay reproducible from one place.

Source format, one record per line, blank lines and lines starting with '#'
ignored:

    @ C001 | tin_gia | hoc_phi          start a claim: id, verdict, topic
    = text                              the claim as it is stored
    p text                              paraphrase that spreads it (short post, close wording)
    P text                              paraphrase that spreads it (longer post, indirect wording)
    t text                              teencode version that spreads it
    d text                              real decision behind the rumour (distractor)
    r text                              refutation reusing the claim's words (distractor)
    q text                              question about it (distractor)
    o text                              opinion on the topic (distractor)
    x text                              another false claim not in the list (distractor)
    n text                              other-language or noise post (distractor)
    : C001                              attach the following distractors to an earlier claim

Run: python bench/data/claim_eval/build.py
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
VERDICTS = {"tin_gia", "tin_sai_su_that"}
DISTRACTOR_KINDS = {
    "d": ("real_decision", "real_decision"),
    "r": ("refutation", "refutes"),
    "q": ("question", "question"),
    "o": ("opinion", "opinion"),
    "x": ("other_false", "other_false"),
    "n": ("noise", "noise"),
}


@dataclass
class Claim:
    id: str
    verdict: str
    topic: str
    text: str = ""
    paraphrases: list[str] = field(default_factory=list)
    teencode: list[str] = field(default_factory=list)
    long_paraphrases: list[str] = field(default_factory=list)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def strip_diacritics(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def slug(text: str, words: int = 8) -> str:
    plain = strip_diacritics(text).lower()
    return "-".join(re.findall(r"[a-z0-9]+", plain)[:words])


def parse(paths: list[Path]) -> tuple[list[Claim], list[dict[str, str]]]:
    claims: list[Claim] = []
    distractors: list[dict[str, str]] = []
    current: Claim | None = None
    for path in paths:
        for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            where = f"{path.name}:{lineno}"
            tag, _, rest = line.partition(" ")
            rest = nfc(rest)
            if tag == "@":
                cid, verdict, topic = (part.strip() for part in rest.split("|"))
                if verdict not in VERDICTS:
                    sys.exit(f"{where}: bad verdict {verdict!r}")
                current = Claim(cid, verdict, topic)
                claims.append(current)
            elif tag == ":":
                found = [c for c in claims if c.id == rest]
                if not found:
                    sys.exit(f"{where}: unknown claim {rest!r}")
                current = found[0]
            elif tag in {"=", "p", "P", "t"}:
                if current is None:
                    sys.exit(f"{where}: {tag} line before any claim")
                if tag == "=":
                    current.text = rest
                elif tag == "p":
                    current.paraphrases.append(rest)
                elif tag == "P":
                    current.long_paraphrases.append(rest)
                else:
                    current.teencode.append(rest)
            elif tag in DISTRACTOR_KINDS:
                kind, stance = DISTRACTOR_KINDS[tag]
                distractors.append(
                    {
                        "text": rest,
                        "expected_id": "",
                        "kind": kind,
                        "stance": stance,
                        "topic": current.topic if current and tag != "n" else "",
                        "about_id": current.id if current and tag in {"d", "r", "q"} else "",
                        "style": "",
                    }
                )
            else:
                sys.exit(f"{where}: unknown tag {tag!r}")
    return claims, distractors


def main() -> None:
    claims, distractors = parse(sorted((HERE / "source").glob("*.txt")))
    queries: list[dict[str, str]] = []
    for index, claim in enumerate(claims):
        if not claim.text or len(claim.paraphrases) < 2 or not claim.teencode:
            sys.exit(f"{claim.id}: needs text, >=2 paraphrases and a teencode version")
        for text in claim.paraphrases:
            queries.append(_spread(text, claim, "paraphrase", "short"))
        for text in claim.long_paraphrases:
            queries.append(_spread(text, claim, "paraphrase", "long"))
        # Alternate which short paraphrase loses its diacritics so both are covered.
        source = claim.paraphrases[index % 2]
        queries.append(_spread(strip_diacritics(source), claim, "no_diacritics", "stripped"))
        for text in claim.teencode:
            queries.append(_spread(text, claim, "teencode", "teencode"))
    queries.extend(distractors)

    with open(HERE / "claims.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "verdict", "topic", "url"])
        for claim in claims:
            url = f"https://example.vn/tin-gia/{claim.id.lower()}-{slug(claim.text)}"
            writer.writerow([claim.id, claim.text, claim.verdict, claim.topic, url])
    with open(HERE / "queries.csv", "w", newline="", encoding="utf-8") as fh:
        cols = ["text", "expected_id", "kind", "stance", "topic", "about_id", "style"]
        dict_writer = csv.DictWriter(fh, fieldnames=cols)
        dict_writer.writeheader()
        dict_writer.writerows(queries)


def _spread(text: str, claim: Claim, kind: str, style: str) -> dict[str, str]:
    return {
        "text": text,
        "expected_id": claim.id,
        "kind": kind,
        "stance": "spreads",
        "topic": claim.topic,
        "about_id": claim.id,
        "style": style,
    }


if __name__ == "__main__":
    main()

"""Reading fact-checks to import as known claims: schema.org ClaimReview and CSV.

Accepted files:

- ClaimReview JSON-LD: one object, a list of objects, an ``@graph``, or one object per line
  (JSON lines). Fields used: ``claimReviewed`` (required text), ``reviewRating.alternateName``
  (or ``ratingExplanation`` / ``name``; required), ``url``, ``identifier`` / ``@id``,
  ``author.name``, ``datePublished``.
- A Google Fact Check Tools feed: ``{"claims": [{"text", "claimReview": [{"url",
  "textualRating", "publisher"}]}]}``.
- CSV with the columns ``id,text,verdict,url`` (more columns are ignored).

Parsing never stops at a bad entry: valid entries are returned, each bad one is reported with its
line (or item number) and the reason, in Vietnamese and English.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detector.normalize import strip_diacritics
from models.enums import Verdict

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_CLAIM_CHARS = 5_000

# Textual ratings of fact-checkers (Vietnamese and English, compared without diacritics, lower
# case) → our verdicts. Checked in order: the more specific phrases first.
_RATINGS: tuple[tuple[str, Verdict], ...] = (
    ("chua xac minh", Verdict.chua_xac_minh),
    ("chua du can cu", Verdict.chua_xac_minh),
    ("unproven", Verdict.chua_xac_minh),
    ("unverified", Verdict.chua_xac_minh),
    ("unverifiable", Verdict.chua_xac_minh),
    ("sai su that", Verdict.tin_sai_su_that),
    ("sai mot phan", Verdict.tin_sai_su_that),
    ("gay hieu lam", Verdict.tin_sai_su_that),
    ("xuyen tac", Verdict.tin_sai_su_that),
    ("thieu boi canh", Verdict.tin_sai_su_that),
    ("partly false", Verdict.tin_sai_su_that),
    ("partially false", Verdict.tin_sai_su_that),
    ("half true", Verdict.tin_sai_su_that),
    ("mostly false", Verdict.tin_sai_su_that),
    ("misleading", Verdict.tin_sai_su_that),
    ("distorted", Verdict.tin_sai_su_that),
    ("missing context", Verdict.tin_sai_su_that),
    ("tin gia", Verdict.tin_gia),
    ("bia dat", Verdict.tin_gia),
    ("sai", Verdict.tin_gia),
    ("gia", Verdict.tin_gia),
    ("false", Verdict.tin_gia),
    ("fake", Verdict.tin_gia),
    ("fabricated", Verdict.tin_gia),
    ("pants on fire", Verdict.tin_gia),
    ("xac thuc", Verdict.tin_xac_thuc),
    ("chinh xac", Verdict.tin_xac_thuc),
    ("dung", Verdict.tin_xac_thuc),
    ("true", Verdict.tin_xac_thuc),
    ("correct", Verdict.tin_xac_thuc),
    ("accurate", Verdict.tin_xac_thuc),
)


def verdict_from_rating(rating: str) -> Verdict | None:
    """Our verdict for a fact-checker's textual rating, or None if it is not understood."""
    if not rating:
        return None
    raw = rating.strip()
    if raw in Verdict.__members__:
        return Verdict(raw)
    plain = strip_diacritics(unicodedata.normalize("NFC", raw)).lower()
    plain = re.sub(r"[^a-z0-9]+", " ", plain).strip()
    for phrase, verdict in _RATINGS:
        if re.search(r"\b" + phrase + r"\b", plain):
            return verdict
    return None


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    text: str
    verdict: str
    origin: str
    external_id: str | None = None
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    where: str = ""  # "dòng 12" / "line 12", for reports


@dataclass(frozen=True, slots=True)
class ImportProblem:
    where_vi: str
    where_en: str
    message_vi: str
    message_en: str

    def vi(self) -> str:
        return f"{self.where_vi}: {self.message_vi}"

    def en(self) -> str:
        return f"{self.where_en}: {self.message_en}"


@dataclass
class Parsed:
    records: list[ClaimRecord] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


class _Bad(Exception):
    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en


def _text(value: Any, name: str, *, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise _Bad(f"thiếu trường {name}", f"missing field {name}")
        return None
    if not isinstance(value, str):
        raise _Bad(
            f"trường {name} phải là chuỗi, không phải {type(value).__name__}",
            f"field {name} must be a string, not {type(value).__name__}",
        )
    value = unicodedata.normalize("NFC", value).strip()
    if required and not value:
        raise _Bad(f"trường {name} rỗng", f"field {name} is empty")
    if name in {"claimReviewed", "text"} and len(value) > MAX_CLAIM_CHARS:
        raise _Bad(
            f"trường {name} dài quá {MAX_CLAIM_CHARS} ký tự",
            f"field {name} is longer than {MAX_CLAIM_CHARS} characters",
        )
    return value or None


def _rating_text(rating: Any) -> str:
    if isinstance(rating, list):
        rating = rating[0] if rating else None
    if rating is None:
        raise _Bad("thiếu reviewRating (kết luận)", "missing reviewRating (the verdict)")
    if isinstance(rating, str):
        return rating
    if not isinstance(rating, dict):
        raise _Bad(
            f"reviewRating phải là đối tượng, không phải {type(rating).__name__}",
            f"reviewRating must be an object, not {type(rating).__name__}",
        )
    for name in ("alternateName", "name", "ratingExplanation"):
        value = rating.get(name)
        if isinstance(value, str) and value.strip():
            return value
    raise _Bad(
        "reviewRating không có alternateName (kết luận bằng chữ)",
        "reviewRating has no alternateName (textual verdict)",
    )


def _verdict(rating: str) -> str:
    verdict = verdict_from_rating(rating)
    if verdict is None:
        raise _Bad(f"không hiểu kết luận {rating!r}", f"verdict {rating!r} not understood")
    return verdict.value


def _from_claimreview(obj: Any, where: str) -> ClaimRecord:
    if not isinstance(obj, dict):
        raise _Bad(
            f"mục phải là đối tượng JSON, không phải {type(obj).__name__}",
            f"entry must be a JSON object, not {type(obj).__name__}",
        )
    kind = obj.get("@type")
    if (
        kind is not None
        and kind != "ClaimReview"
        and not (isinstance(kind, list) and "ClaimReview" in kind)
    ):
        raise _Bad(
            f"@type là {kind!r}, không phải ClaimReview", f"@type is {kind!r}, not ClaimReview"
        )
    text = _text(obj.get("claimReviewed"), "claimReviewed", required=True)
    verdict = _verdict(_rating_text(obj.get("reviewRating")))
    url = _text(obj.get("url"), "url", required=False)
    ident = obj.get("identifier") or obj.get("@id")
    if ident is not None and not isinstance(ident, str | int):
        raise _Bad("identifier phải là chuỗi", "identifier must be a string")
    author = obj.get("author")
    extra: dict[str, Any] = {}
    if isinstance(author, dict) and isinstance(author.get("name"), str):
        extra["author"] = author["name"]
    if isinstance(obj.get("datePublished"), str):
        extra["date_published"] = obj["datePublished"]
    rating = obj.get("reviewRating")
    if isinstance(rating, dict) and isinstance(rating.get("alternateName"), str):
        extra["rating"] = rating["alternateName"]
    assert text is not None
    return ClaimRecord(
        text=text,
        verdict=verdict,
        origin="claimreview",
        external_id=str(ident or url or "")[:255] or None,
        url=url,
        extra=extra,
        where=where,
    )


def _from_factcheck_feed(obj: dict[str, Any], where: str) -> ClaimRecord:
    text = _text(obj.get("text"), "text", required=True)
    reviews = obj.get("claimReview")
    if not isinstance(reviews, list) or not reviews or not isinstance(reviews[0], dict):
        raise _Bad("thiếu claimReview", "missing claimReview")
    review = reviews[0]
    verdict = _verdict(_text(review.get("textualRating"), "textualRating", required=True) or "")
    url = _text(review.get("url"), "url", required=False)
    extra: dict[str, Any] = {"rating": review.get("textualRating")}
    publisher = review.get("publisher")
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        extra["author"] = publisher["name"]
    assert text is not None
    return ClaimRecord(
        text=text,
        verdict=verdict,
        origin="claimreview",
        external_id=(url or None),
        url=url,
        extra=extra,
        where=where,
    )


def _where(lineno: int | None, item: int) -> tuple[str, str]:
    if lineno is None:
        return f"mục {item}", f"item {item}"
    return f"dòng {lineno} (mục {item})", f"line {lineno} (item {item})"


def _array_items(text: str, start: int) -> list[tuple[int, Any]] | str:
    """Decode the JSON array beginning at ``start`` element by element, keeping each element's
    line number; returns an error message if the array itself is malformed."""
    decoder = json.JSONDecoder()
    items: list[tuple[int, Any]] = []
    i = start + 1
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i < n and text[i] == "]":
            return items
        try:
            value, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            return f"JSON lỗi ở dòng {exc.lineno}: {exc.msg}"
        items.append((text.count("\n", 0, i) + 1, value))
        i = end
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i < n and text[i] == ",":
            i += 1
        elif i < n and text[i] == "]":
            return items
        else:
            return f"JSON lỗi ở dòng {text.count(chr(10), 0, i) + 1}: thiếu ',' hoặc ']'"


def parse_json(text: str) -> Parsed:
    out = Parsed()
    entries: list[tuple[int | None, Any]]
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    if stripped.startswith("["):
        items = _array_items(text, offset)
        if isinstance(items, str):
            out.problems.append(ImportProblem("tệp", "file", items, items))
            return out
        entries = [(line, v) for line, v in items]
    else:
        try:
            whole = json.loads(text)
            lines_mode = False
        except json.JSONDecodeError:
            whole = None
            lines_mode = True
        if lines_mode:
            entries = []
            for number, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    entries.append((number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    out.problems.append(
                        ImportProblem(
                            f"dòng {number}",
                            f"line {number}",
                            f"JSON không hợp lệ ({exc.msg})",
                            f"invalid JSON ({exc.msg})",
                        )
                    )
        elif isinstance(whole, dict) and isinstance(whole.get("claims"), list):
            for item, obj in enumerate(whole["claims"], start=1):
                w_vi, w_en = _where(None, item)
                try:
                    if not isinstance(obj, dict):
                        raise _Bad("mục phải là đối tượng JSON", "entry must be a JSON object")
                    out.records.append(_from_factcheck_feed(obj, w_en))
                except _Bad as bad:
                    out.problems.append(ImportProblem(w_vi, w_en, bad.vi, bad.en))
            return out
        elif isinstance(whole, dict) and isinstance(whole.get("@graph"), list):
            entries = [(None, v) for v in whole["@graph"]]
        else:
            entries = [(1, whole)]
    for item, (lineno, obj) in enumerate(entries, start=1):
        w_vi, w_en = _where(lineno, item)
        try:
            out.records.append(_from_claimreview(obj, w_en))
        except _Bad as bad:
            out.problems.append(ImportProblem(w_vi, w_en, bad.vi, bad.en))
    return out


def parse_csv(text: str) -> Parsed:
    out = Parsed()
    reader = csv.DictReader(io.StringIO(text))
    missing = {"text", "verdict"} - set(reader.fieldnames or [])
    if missing:
        names = ", ".join(sorted(missing))
        out.problems.append(
            ImportProblem("dòng 1", "line 1", f"thiếu cột {names}", f"missing columns {names}")
        )
        return out
    for row in reader:
        lineno = reader.line_num
        try:
            text_value = _text(row.get("text"), "text", required=True)
            verdict = _verdict(_text(row.get("verdict"), "verdict", required=True) or "")
            url = _text(row.get("url"), "url", required=False)
            ident = _text(row.get("id"), "id", required=False)
            assert text_value is not None
            out.records.append(
                ClaimRecord(
                    text=text_value,
                    verdict=verdict,
                    origin="csv",
                    external_id=ident,
                    url=url,
                    where=f"line {lineno}",
                )
            )
        except _Bad as bad:
            out.problems.append(ImportProblem(f"dòng {lineno}", f"line {lineno}", bad.vi, bad.en))
    return out


def parse_file(path: Path) -> Parsed:
    """Parse a ClaimReview JSON(-LD / lines) or CSV file (by its content, not only its name)."""
    if not path.is_file():
        out = Parsed()
        out.problems.append(
            ImportProblem("tệp", "file", f"không tìm thấy {path}", f"{path} not found")
        )
        return out
    if path.stat().st_size > MAX_FILE_BYTES:
        out = Parsed()
        out.problems.append(
            ImportProblem(
                "tệp",
                "file",
                f"tệp lớn quá {MAX_FILE_BYTES // 1024 // 1024} MB",
                f"file larger than {MAX_FILE_BYTES // 1024 // 1024} MB",
            )
        )
        return out
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        out = Parsed()
        out.problems.append(
            ImportProblem(
                "tệp",
                "file",
                f"không phải UTF-8 (byte {exc.start})",
                f"not UTF-8 (byte {exc.start})",
            )
        )
        return out
    head = text.lstrip()[:1]
    if path.suffix.lower() == ".csv" or head not in {"[", "{"}:
        return parse_csv(text)
    return parse_json(text)

"""Turning fetched bytes into text when sites declare the wrong encoding.

Vietnamese sites still serve windows-1258 or declare ISO-8859-1 in the header while
the bytes are UTF-8. Order of trust: a BOM, then bytes that decode as UTF-8 strictly
(a false positive is practically impossible for Vietnamese text), then the HTML meta
tag, then the HTTP header, then statistical detection.
"""

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_\-.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-:.]+)", re.I)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _valid(name: str | bytes | None) -> str | None:
    if not name:
        return None
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return _valid(match.group(1)) if match else None


def declared_charset(body: bytes) -> str | None:
    head = body[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return _valid(match.group(1)) if match else None


def detect_encoding(body: bytes, content_type: str | None = None) -> str:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A body cut at the size limit may end mid-character; that still counts as UTF-8.
        if exc.start >= len(body) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    for candidate in (declared_charset(body), header_charset(content_type)):
        if candidate and candidate != "utf-8":
            return candidate
    guess = from_bytes(body[:200_000]).best()
    if guess is not None and guess.encoding:
        return _valid(guess.encoding) or "windows-1258"
    return "windows-1258"


def decode(body: bytes, content_type: str | None = None) -> str:
    encoding = detect_encoding(body, content_type)
    text = body.decode(encoding, errors="replace")
    # windows-1258 writes tones as combining marks; NFC makes them match UTF-8 text.
    return unicodedata.normalize("NFC", text.removeprefix("\ufeff"))

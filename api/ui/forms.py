"""Turning form input and errors into messages a person can act on."""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.ui.deps import lang_of
from models.errors import VigilError


def validation_message(request: Request, exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{field}: {error.get('msg', '')}" if field else str(error.get("msg", "")))
    prefix = "Invalid input" if lang_of(request) == "en" else "Dữ liệu không hợp lệ"
    return f"{prefix} — " + "; ".join(parts)


def error_message(request: Request, exc: Exception) -> str:
    if isinstance(exc, VigilError):
        return exc.message(lang_of(request))
    if isinstance(exc, ValidationError):
        return validation_message(request, exc)
    raise exc


def back_to(request: Request, default: str) -> RedirectResponse:
    """303 to the page the form was on (same-site UI paths only), else to `default`."""
    from api.ui.routes.auth import safe_next

    try:
        referer = urlsplit(request.headers.get("referer", ""))
    except ValueError:
        return RedirectResponse(default, status_code=303)
    if referer.netloc and referer.netloc != request.url.netloc:
        return RedirectResponse(default, status_code=303)
    path = referer.path + (f"?{referer.query}" if referer.query else "")
    return RedirectResponse(safe_next(path, default), status_code=303)


def optional_text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


# A cell starting with one of these is a formula to Excel and LibreOffice.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is quoted with a leading apostrophe: case
    titles come from crawled posts, so "=HYPERLINK(...)" in a post must stay text."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV download; the BOM makes spreadsheet programs read Vietnamese as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return Response(
        content="\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

"""Turning form input and errors into messages a person can act on."""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.ui.deps import lang_of
from api.ui.i18n import translate
from models.errors import VigilError
from models.types import VIETNAM_TZ

# Form fields by the catalogue key of their label, so a message names what the person sees.
FIELD_LABELS = {
    "summary": "summary",
    "body": "body",
    "key_facts": "key_facts",
    "verdict": "verdict",
    "title": "title",
    "url": "url",
    "description": "description",
    "authority": "authority",
    "confirmed_by": "confirmed_by",
    "confirmed_at": "confirmed_at",
    "reach": "reported_reach",
    "deliverable": "deliverable",
    "deadline": "deadline",
    "budget_note": "budget_note",
    "partner_id": "partner",
    "name": "name",
    "kind": "kind",
    "weight": "weight",
    "link_pattern": "link_pattern",
    "max_pages": "max_pages",
    "cron": "cron",
    "interval_seconds": "interval_seconds",
    "jitter_seconds": "jitter_seconds",
    "contact": "contact",
    "note": "note",
}

# Pydantic's messages are English; staff and the public read Vietnamese by default.
PROBLEMS_VI = {
    "missing": "bắt buộc",
    "string_too_short": "cần ít nhất {min_length} ký tự",
    "string_too_long": "dài quá {max_length} ký tự",
    "too_short": "cần ít nhất {min_length} mục",
    "too_long": "nhiều quá {max_length} mục",
    "string_pattern_mismatch": "không đúng định dạng",
    "int_parsing": "phải là một số nguyên",
    "int_from_float": "phải là một số nguyên",
    "float_parsing": "phải là một số",
    "greater_than_equal": "phải từ {ge} trở lên",
    "less_than_equal": "không được quá {le}",
    "greater_than": "phải lớn hơn {gt}",
    "less_than": "phải nhỏ hơn {lt}",
    "finite_number": "phải là một số",
    "enum": "không phải một lựa chọn có sẵn",
    "literal_error": "không phải một lựa chọn có sẵn",
    "bool_parsing": "phải là có hoặc không",
    "datetime_parsing": "không phải ngày giờ hợp lệ",
    "datetime_from_date_parsing": "không phải ngày giờ hợp lệ",
    "extra_forbidden": "không được gửi kèm",
}
# The own checks of our models (ValueError texts), by how they start.
VALUE_ERRORS_VI = {
    "must not be blank": "không được để trống",
    "control characters are not allowed": "không được chứa ký tự điều khiển",
    "must be a full http(s) link": "phải là một đường dẫn http(s) đầy đủ",
    "url must be a full http:// or https:// address": "phải là địa chỉ http(s) đầy đủ",
    "describe the problem in at least 10 characters": "hãy mô tả vấn đề trong ít nhất 10 ký tự",
    "must be an e-mail address or a phone number": "phải là email hoặc số điện thoại",
    "link_pattern is not a valid regular expression": "không phải biểu thức chính quy hợp lệ",
    "a listing source needs config.link_pattern": (
        "nguồn dạng listing cần mẫu địa chỉ bài viết (regex)"
    ),
}


def _problem_vi(error: Any) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        said = str(ctx.get("error", ""))
        for start, vietnamese in VALUE_ERRORS_VI.items():
            if said.startswith(start):
                return vietnamese
        return f"không hợp lệ ({said or error.get('msg', '')})"
    template = PROBLEMS_VI.get(kind)
    if template is None:
        return f"không hợp lệ ({error.get('msg', '')})"
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def validation_message(request: Request, exc: ValidationError) -> str:
    return explain(lang_of(request), exc)


def explain(lang: str, exc: ValidationError) -> str:
    """What was wrong with a form, field by field, in the reader's language."""
    parts = []
    for error in exc.errors():
        names = [str(p) for p in error.get("loc", ()) if isinstance(p, str)]
        label_key = FIELD_LABELS.get(names[-1]) if names else None
        field = translate(lang, label_key) if label_key else ".".join(names)
        problem = error.get("msg", "") if lang == "en" else _problem_vi(error)
        parts.append(f"{field}: {problem}" if field else str(problem))
    prefix = "Invalid input" if lang == "en" else "Dữ liệu không hợp lệ"
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
    titles come from crawled posts, so "=HYPERLINK(...)" in a post must stay text. Times are
    written in Vietnam time with their offset, as the pages show them."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(VIETNAM_TZ).isoformat(timespec="seconds")
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

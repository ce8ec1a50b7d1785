"""Rendering pages: the template context every page shares (language, CSRF, navigation)."""

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import Principal
from api.ui.deps import csrf_token, lang_of
from api.ui.i18n import MESSAGES, translate, translator
from models.enums import Role

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

# Staff pages carry buttons that change things: never inside another site's frame.
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

# (path, message key, roles that see it; admin sees every staff entry)
NAV: list[tuple[str, str, frozenset[Role]]] = [
    ("/ui/queue", "nav_queue", frozenset({Role.monitor, Role.editor, Role.approver})),
    ("/ui/dashboard", "nav_dashboard", frozenset({Role.monitor, Role.editor, Role.approver})),
    ("/ui/ops/sources", "nav_sources", frozenset({Role.ops})),
    ("/ui/ops/schedules", "nav_schedules", frozenset({Role.ops})),
    ("/ui/ops/runs", "nav_runs", frozenset({Role.ops})),
    ("/ui/ops/health", "nav_health", frozenset({Role.ops})),
    ("/ui/partner/briefs", "nav_briefs", frozenset({Role.partner})),
    ("/ui/partner/commissions", "nav_commissions", frozenset({Role.partner})),
    ("/ui/admin/partners", "nav_partners", frozenset()),
]


def nav_for(principal: Principal | None) -> list[tuple[str, str]]:
    if principal is None:
        return []
    role = principal.role
    return [
        (path, key)
        for path, key, roles in NAV
        if role in roles or (role == Role.admin and Role.partner not in roles)
    ]


def topic_name(lang: str, code: str) -> str:
    """A policy topic as staff and partners call it ("Giáo dục và học phí"), not its code;
    a code outside the detector's taxonomy shows as itself."""
    from detector.topics import TOPICS

    topic = TOPICS.get(code)
    if topic is None:
        return code
    return topic.label_en if lang == "en" else topic.label_vi


def topic_choices(lang: str, current: str = "") -> list[tuple[str, str]]:
    """(code, name) of every topic for a filter, so people pick the name they see in the
    table; a code outside the taxonomy that is filtered on stays selectable."""
    from detector.topics import TOPICS

    codes = list(TOPICS)
    if current and current not in TOPICS:
        codes.append(current)
    return [(code, topic_name(lang, code)) for code in codes]


def number(lang: str, value: float | int | None, decimals: int = 0) -> str:
    """12.500 and 89,6 in Vietnamese; 12,500 and 89.6 in English."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    if lang == "en":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


# The priority reasons rebuttal/priority.py and a manual priority store (in Vietnamese, as the
# API returns them), read back so each reader gets them in their language with their numbers.
_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Mức rủi ro (?P<risk>[\d.]+): \+(?P<points>[\d.]+)"), "reason_risk"),
    (re.compile(r"Lượt tiếp cận (?P<reach>[\d.]+): \+(?P<points>[\d.]+)"), "reason_reach"),
    (re.compile(r"Phát hiện (?P<hours>\d+) giờ trước: \+(?P<points>[\d.]+)"), "reason_age"),
    (re.compile(r"Trọng số chủ đề «(?P<topic>[^»]*)»: ×(?P<weight>[\d.]+)"), "reason_weight"),
    (re.compile(r"Đặt tay bởi (?P<who>\S+): (?P<value>[\d.]+)"), "reason_manual"),
)


def priority_reason(lang: str, reason: str) -> str:
    """A stored priority reason in the reader's language; one it does not know, as stored."""
    for pattern, key in _REASONS:
        found = pattern.fullmatch(reason)
        if found is None:
            continue
        fields = found.groupdict()
        values = {
            "risk": lambda v: number(lang, float(v), 2),
            "points": lambda v: number(lang, float(v), 1),
            "reach": lambda v: number(lang, int(v.replace(".", ""))),
            "hours": lambda v: number(lang, int(v)),
            "weight": lambda v: number(lang, float(v), 2).rstrip("0").rstrip(",."),
            "value": lambda v: number(lang, float(v), 2).rstrip("0").rstrip(",."),
            "topic": lambda v: topic_name(lang, v) if v != "chung" else translate(lang, "general"),
            "who": lambda v: v,
        }
        return translate(lang, key).format(**{k: values[k](v) for k, v in fields.items()})
    return reason


def local_time(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """Times are stored in UTC and shown in Vietnam time, where staff and partners are."""
    if value is None:
        return "—"
    return value.astimezone(VIETNAM_TZ).strftime(fmt)


def iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


templates.env.filters["localtime"] = local_time
templates.env.filters["iso"] = iso


def here(request: Request) -> str:
    """Where the language switch brings the reader back to: this page with its query
    (filters, cursor, the login's next). A page drawn in answer to a refused form (POST) has
    no address of its own to come back to; the page the form was on (Referer) does."""
    if request.method == "GET":
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/ui"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/ui/"


def flash(request: Request, message: str, level: str = "info") -> None:
    """A message shown once on the next rendered page (kept in the signed session)."""
    messages = list(request.session.get("flash", []))
    messages.append([level, message])
    request.session["flash"] = messages[-5:]


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    principal: Principal | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    lang = lang_of(request)
    full: dict[str, Any] = {
        "lang": lang,
        "_": translator(lang),
        "csrf_token": csrf_token(request),
        "principal": principal,
        "nav": nav_for(principal),
        "current_path": request.url.path,
        "back_here": here(request),
        "flashes": request.session.pop("flash", []) if not template.startswith("_") else [],
        "role_name": lambda role: translate(lang, f"role_{role}"),
        "topic_name": lambda code: topic_name(lang, code),
        "priority_reason": lambda reason: priority_reason(lang, reason),
        "topic_choices": lambda current="": topic_choices(lang, current),
        "num": lambda value, decimals=0: number(lang, value, decimals),
        "has_key": lambda key: key in MESSAGES,
    }
    full.update(context or {})
    return templates.TemplateResponse(
        request,
        template,
        full,
        status_code=status_code,
        headers={**PAGE_HEADERS, **(headers or {})},
    )

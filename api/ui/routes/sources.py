"""Ops pages for sources: list (filter, CSV), add, enable/disable. Uses crawlers.sources."""

import json
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import SessionDep
from api.params import IdPath
from api.ui.deps import OpsUi, lang_of
from api.ui.forms import back_to, csv_response, error_message, optional_text
from api.ui.i18n import translate
from api.ui.render import flash, render
from crawlers import sources as sources_service
from models.crawl import SourceCreate, SourceUpdate
from models.enums import SourceKind
from models.errors import VigilError

router = APIRouter(prefix="/ui/ops")


def _filters(kind: str, enabled: str) -> tuple[SourceKind | None, bool | None]:
    kind_value = SourceKind(kind) if kind in SourceKind.__members__ else None
    enabled_value = {"yes": True, "no": False}.get(enabled)
    return kind_value, enabled_value


@router.get("/sources", summary="Sources", response_class=HTMLResponse)
def sources_page(
    request: Request,
    session: SessionDep,
    principal: OpsUi,
    kind: Annotated[str, Query(max_length=16)] = "",
    enabled: Annotated[str, Query(max_length=3)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    format: Annotated[str, Query(max_length=8)] = "html",
) -> Response:
    kind_value, enabled_value = _filters(kind, enabled)
    limit = sources_service.MAX_PAGE_SIZE if format == "csv" else 50
    items = sources_service.list(
        session=session, kind=kind_value, enabled=enabled_value, offset=offset, limit=limit
    )
    if format == "csv":
        return csv_response(
            "sources.csv",
            ["id", "name", "kind", "url", "enabled", "weight", "created_at"],
            [[s.id, s.name, s.kind, s.url, s.enabled, s.weight, s.created_at] for s in items],
        )
    return render(
        request,
        "ops/sources.html",
        {
            "sources": items,
            "kinds": list(SourceKind),
            "filters": {"kind": kind, "enabled": enabled},
            "offset": offset,
            "has_more": len(items) == limit,
            "form": {},
        },
        principal=principal,
    )


@router.post("/sources", summary="Add a source", response_class=HTMLResponse)
def create_source(
    request: Request,
    session: SessionDep,
    principal: OpsUi,
    name: Annotated[str, Form(max_length=200)],
    kind: Annotated[str, Form(max_length=16)],
    url: Annotated[str, Form(max_length=2000)],
    weight: Annotated[str, Form(max_length=16)] = "1",
    enabled: Annotated[str, Form(max_length=3)] = "",
    link_pattern: Annotated[str, Form(max_length=500)] = "",
    max_pages: Annotated[str, Form(max_length=8)] = "",
    config_json: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    form = {
        "name": name,
        "kind": kind,
        "url": url,
        "weight": weight,
        "enabled": enabled,
        "link_pattern": link_pattern,
        "max_pages": max_pages,
        "config_json": config_json,
    }
    try:
        config = json.loads(config_json) if config_json.strip() else {}
        if not isinstance(config, dict):
            raise ValueError
    except ValueError:
        message = translate(lang_of(request), "config_not_json")
        return _form_error(request, session, principal, form, message)
    if optional_text(link_pattern):
        config["link_pattern"] = link_pattern.strip()
    if optional_text(max_pages):
        config["max_pages"] = max_pages.strip()
    try:
        source_in = SourceCreate.model_validate(
            {
                "name": name.strip(),
                "kind": kind,
                "url": url.strip(),
                # "1,5" is how Vietnamese writes one and a half (the field is inputmode=decimal).
                "weight": weight.strip().replace(",", ".") or "1",
                "enabled": enabled == "on",
                "config": config,
            }
        )
        source = sources_service.create(session=session, source_in=source_in)
    except (VigilError, ValidationError) as exc:
        return _form_error(request, session, principal, form, error_message(request, exc))
    flash(request, translate(lang_of(request), "source_created").format(name=source.name))
    return RedirectResponse("/ui/ops/sources", status_code=303)


def _form_error(
    request: Request, session: SessionDep, principal: OpsUi, form: dict[str, str], message: str
) -> Response:
    return render(
        request,
        "ops/sources.html",
        {
            "sources": sources_service.list(session=session, limit=50),
            "kinds": list(SourceKind),
            "filters": {"kind": "", "enabled": ""},
            "offset": 0,
            "has_more": False,
            "form": form,
            "form_error": message,
        },
        principal=principal,
        status_code=422,
    )


@router.post("/sources/{source_id}/enabled", summary="Enable or disable a source")
def set_source_enabled(
    request: Request,
    source_id: IdPath,
    session: SessionDep,
    _: OpsUi,
    enabled: Annotated[str, Form(max_length=3)],
) -> RedirectResponse:
    source = sources_service.update(
        session=session, source_id=source_id, source_in=SourceUpdate(enabled=enabled == "yes")
    )
    key = "source_enabled" if source.enabled else "source_disabled"
    flash(request, translate(lang_of(request), key).format(name=source.name))
    return back_to(request, "/ui/ops/sources")

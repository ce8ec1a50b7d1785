"""Sources service: what Vigil crawls. Ops staff manage these through the API."""

from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from crawlers.settings import CrawlerSettings
from crawlers.ssrf import Allowlist, check_url_static
from models.crawl import Source, SourceConfig, SourceCreate, SourceUpdate, _check_kind_config
from models.enums import SourceKind
from models.errors import AlreadyExists, InvalidInput, NotFound
from models.types import utcnow

MAX_PAGE_SIZE = 200


class SourceNotFound(NotFound):
    code = "source_not_found"


class SourceExists(AlreadyExists):
    code = "source_exists"


def _guard(url: str, settings: CrawlerSettings | None) -> None:
    # Literal internal addresses are refused up front; names are checked again after DNS
    # resolution at every fetch.
    check_url_static(url, Allowlist((settings or CrawlerSettings()).ssrf_allowlist))


def _exists(name: str) -> SourceExists:
    return SourceExists(
        f"Đã có nguồn tên “{name}”.", f"A source named '{name}' already exists.", field="name"
    )


def _same_address(session: Session, kind: SourceKind, url: str, but: int | None = None) -> None:
    """A second source of the same kind at the same address would crawl everything twice."""
    query = select(Source.id, Source.name).where(Source.kind == kind, Source.url == url)
    if but is not None:
        query = query.where(Source.id != but)
    clash = session.exec(query).first()
    if clash is not None:
        raise SourceExists(
            f"Nguồn “{clash[1]}” (#{clash[0]}) đã thu thập địa chỉ này.",
            f"Source '{clash[1]}' (#{clash[0]}) already crawls this address.",
            field="url",
            source_id=clash[0],
        )


def get(*, session: Session, source_id: int) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise SourceNotFound(
            f"Không tìm thấy nguồn #{source_id}.",
            f"Source #{source_id} not found.",
            source_id=source_id,
        )
    return source


def config_of(source: Source) -> SourceConfig:
    try:
        return SourceConfig.model_validate(source.config or {})
    except ValidationError as exc:
        raise InvalidInput(
            f"Cấu hình của nguồn #{source.id} không hợp lệ: {exc.errors()[0]['msg']}",
            f"Source #{source.id} has an invalid config: {exc.errors()[0]['msg']}",
            field="config",
        ) from None


def list(  # house rule: services are named get/list/create/update/delete
    *,
    session: Session,
    kind: SourceKind | None = None,
    enabled: bool | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Sequence[Source]:
    query = select(Source).order_by(col(Source.id))
    if kind is not None:
        query = query.where(Source.kind == kind)
    if enabled is not None:
        query = query.where(Source.enabled == enabled)
    query = query.offset(max(0, offset)).limit(max(1, min(limit, MAX_PAGE_SIZE)))
    return session.exec(query).all()


def create(
    *, session: Session, source_in: SourceCreate, settings: CrawlerSettings | None = None
) -> Source:
    _guard(source_in.url, settings)
    if session.exec(select(Source.id).where(Source.name == source_in.name)).first() is not None:
        raise _exists(source_in.name)
    _same_address(session, source_in.kind, source_in.url)
    source = Source(
        name=source_in.name.strip(),
        kind=source_in.kind,
        url=source_in.url,
        enabled=source_in.enabled,
        weight=source_in.weight,
        config=source_in.config.model_dump(exclude_defaults=True),
    )
    session.add(source)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _exists(source_in.name) from None
    return source


def update(
    *,
    session: Session,
    source_id: int,
    source_in: SourceUpdate,
    settings: CrawlerSettings | None = None,
) -> Source:
    source = get(session=session, source_id=source_id)
    changes = source_in.model_dump(exclude_unset=True)
    if changes.get("url"):
        _guard(changes["url"], settings)
    if "name" in changes and changes["name"] is None:
        changes.pop("name")
    if changes.get("name") and changes["name"] != source.name:
        clash = session.exec(select(Source.id).where(Source.name == changes["name"])).first()
        if clash is not None:
            raise _exists(changes["name"])
    kind = changes.get("kind") or source.kind
    if changes.get("url") or changes.get("kind"):
        _same_address(session, SourceKind(kind), changes.get("url") or source.url, but=source.id)
    config = source_in.config if source_in.config is not None else config_of(source)
    try:
        _check_kind_config(SourceKind(kind), config)
    except ValueError as exc:
        raise InvalidInput(
            "Cấu hình không phù hợp với loại nguồn: " + str(exc),
            "The config does not suit the source kind: " + str(exc),
            field="config",
        ) from None
    for key, value in changes.items():
        if value is None:
            continue
        if key == "config":
            value = config.model_dump(exclude_defaults=True)
        setattr(source, key, value)
    source.updated_at = utcnow()
    session.add(source)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _exists(str(changes.get("name"))) from None
    return source


def delete(*, session: Session, source_id: int) -> None:
    source = get(session=session, source_id=source_id)
    session.delete(source)
    session.flush()


__all__ = ["SourceExists", "SourceNotFound", "create", "delete", "get", "list", "update"]

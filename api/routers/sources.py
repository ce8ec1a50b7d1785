from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from api.deps import SessionDep, require
from api.params import IdPath
from crawlers import sources as sources_service
from models.crawl import SourceCreate, SourcePublic, SourceUpdate
from models.enums import Role, SourceKind

router = APIRouter(
    prefix="/sources", tags=["sources"], dependencies=[Depends(require(Role.ops, Role.admin))]
)


@router.post(
    "",
    summary="Add a source to crawl",
    status_code=status.HTTP_201_CREATED,
    response_model=SourcePublic,
    responses={409: {"description": "A source with this name exists"}},
)
def create_source(source_in: SourceCreate, session: SessionDep) -> SourcePublic:
    source = sources_service.create(session=session, source_in=source_in)
    return SourcePublic.model_validate(source, from_attributes=True)


@router.get("", summary="List sources", response_model=list[SourcePublic])
def list_sources(
    session: SessionDep,
    kind: SourceKind | None = None,
    enabled: bool | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=sources_service.MAX_PAGE_SIZE)] = 50,
) -> list[SourcePublic]:
    items = sources_service.list(
        session=session, kind=kind, enabled=enabled, offset=offset, limit=limit
    )
    return [SourcePublic.model_validate(s, from_attributes=True) for s in items]


@router.get(
    "/{source_id}",
    summary="One source",
    response_model=SourcePublic,
    responses={404: {"description": "No such source"}},
)
def get_source(source_id: IdPath, session: SessionDep) -> SourcePublic:
    source = sources_service.get(session=session, source_id=source_id)
    return SourcePublic.model_validate(source, from_attributes=True)


@router.patch(
    "/{source_id}",
    summary="Change a source",
    response_model=SourcePublic,
    responses={404: {"description": "No such source"}, 409: {"description": "Name taken"}},
)
def update_source(source_id: IdPath, source_in: SourceUpdate, session: SessionDep) -> SourcePublic:
    source = sources_service.update(session=session, source_id=source_id, source_in=source_in)
    return SourcePublic.model_validate(source, from_attributes=True)


@router.delete(
    "/{source_id}",
    summary="Delete a source (its posts stay)",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    responses={404: {"description": "No such source"}},
)
def delete_source(source_id: IdPath, session: SessionDep) -> None:
    sources_service.delete(session=session, source_id=source_id)

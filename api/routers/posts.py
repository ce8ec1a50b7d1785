from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from api.deps import SessionDep, StaffDep
from api.params import IdPath, IdQuery
from crawlers import posts as posts_service
from models.enums import PostOrigin
from models.posts import PostCreate, PostPublic
from models.types import LocalDateTime

router = APIRouter(prefix="/posts", tags=["posts"])


class PostPage(BaseModel):
    items: list[PostPublic]
    next_cursor: str | None


@router.post(
    "",
    summary="Submit a post seen online",
    status_code=status.HTTP_201_CREATED,
    response_model=PostPublic,
    responses={409: {"description": "A post with this URL already exists"}},
)
def create_post(post_in: PostCreate, session: SessionDep, principal: StaffDep) -> PostPublic:
    post = posts_service.create(
        session=session, post_in=post_in, origin=PostOrigin.staff, submitted_by=principal.user_id
    )
    return PostPublic.model_validate(post)


@router.get("", summary="List posts, newest first", response_model=PostPage)
def list_posts(
    session: SessionDep,
    _: StaffDep,
    limit: Annotated[int, Query(ge=1, le=posts_service.MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    source_name: Annotated[str | None, Query(max_length=200)] = None,
    source_id: IdQuery = None,
    origin: PostOrigin | None = None,
    cluster_id: IdQuery = None,
    published_from: LocalDateTime | None = None,
    published_to: LocalDateTime | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Text contains")] = None,
) -> PostPage:
    items, next_cursor = posts_service.list(
        session=session,
        limit=limit,
        cursor=cursor,
        source_name=source_name,
        source_id=source_id,
        origin=origin,
        cluster_id=cluster_id,
        published_from=published_from,
        published_to=published_to,
        q=q,
    )
    return PostPage(items=[PostPublic.model_validate(p) for p in items], next_cursor=next_cursor)


@router.get(
    "/{post_id}",
    summary="One post",
    response_model=PostPublic,
    responses={404: {"description": "No such post"}},
)
def get_post(post_id: IdPath, session: SessionDep, _: StaffDep) -> PostPublic:
    return PostPublic.model_validate(posts_service.get(session=session, post_id=post_id))

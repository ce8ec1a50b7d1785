"""Accounts and partner keys, for admins."""

from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, Field, StringConstraints

from api.deps import AdminDep, PartnerDep, SessionDep
from api.params import IdPath
from models.partners import PartnerKeyCreate, PartnerKeyIssued, PartnerKeyPublic
from models.users import UserCreate, UserPublic
from rebuttal import partners as partners_service
from rebuttal import users as users_service
from rebuttal.schemas import Topic

router = APIRouter(tags=["admin"])


# Subscriptions are matched against case topic codes exactly: "Giáo dục" or " y_te " would
# be stored and never match, and the partner would silently receive nothing.
class PartnerCreate(BaseModel):
    model_config = {"extra": "forbid"}
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    contact_email: str | None = Field(default=None, max_length=320)
    topics: list[Topic] = Field(default_factory=list, max_length=50)


class PartnerPublic(BaseModel):
    model_config = {"from_attributes": True}
    id: int
    name: str
    contact_email: str | None
    topics: list[str]
    active: bool


@router.post(
    "/users",
    summary="Create a staff or partner account",
    status_code=201,
    response_model=UserPublic,
)
def create_user(user_in: UserCreate, session: SessionDep, _: AdminDep) -> UserPublic:
    return UserPublic.model_validate(users_service.create(session=session, user_in=user_in))


@router.get("/users", summary="List accounts", response_model=list[UserPublic])
def list_users(session: SessionDep, _: AdminDep) -> list[UserPublic]:
    return [UserPublic.model_validate(u) for u in users_service.list(session=session)]


@router.post(
    "/partners",
    summary="Register a press partner",
    status_code=201,
    response_model=PartnerPublic,
)
def create_partner(partner_in: PartnerCreate, session: SessionDep, _: AdminDep) -> PartnerPublic:
    partner = partners_service.create(
        session=session,
        name=partner_in.name,
        contact_email=partner_in.contact_email,
        topics=partner_in.topics,
    )
    return PartnerPublic.model_validate(partner)


@router.get("/partners", summary="List press partners", response_model=list[PartnerPublic])
def list_partners(session: SessionDep, _: AdminDep) -> list[PartnerPublic]:
    return [PartnerPublic.model_validate(p) for p in partners_service.list(session=session)]


@router.post(
    "/partners/{partner_id}/keys",
    summary="Issue an API key (shown once)",
    status_code=status.HTTP_201_CREATED,
    response_model=PartnerKeyIssued,
)
def issue_key(
    partner_id: IdPath, key_in: PartnerKeyCreate, session: SessionDep, _: AdminDep
) -> PartnerKeyIssued:
    row, key = partners_service.issue_key(
        session=session, partner_id=partner_id, label=key_in.label
    )
    return PartnerKeyIssued(**PartnerKeyPublic.model_validate(row).model_dump(), key=key)


@router.get(
    "/partners/{partner_id}/keys",
    summary="List a partner's keys (without secrets)",
    response_model=list[PartnerKeyPublic],
)
def list_keys(partner_id: IdPath, session: SessionDep, _: AdminDep) -> list[PartnerKeyPublic]:
    rows = partners_service.list_keys(session=session, partner_id=partner_id)
    return [PartnerKeyPublic.model_validate(r) for r in rows]


@router.delete(
    "/partners/{partner_id}/keys/{key_id}",
    summary="Revoke a key",
    response_model=PartnerKeyPublic,
)
def revoke_key(
    partner_id: IdPath, key_id: IdPath, session: SessionDep, _: AdminDep
) -> PartnerKeyPublic:
    row = partners_service.revoke_key(session=session, partner_id=partner_id, key_id=key_id)
    return PartnerKeyPublic.model_validate(row)


class PartnerUpdate(BaseModel):
    model_config = {"extra": "forbid"}
    topics: list[Topic] | None = Field(default=None, max_length=50)
    active: bool | None = None
    contact_email: str | None = Field(default=None, max_length=320)


@router.patch(
    "/partners/{partner_id}",
    summary="Change a partner's topic subscriptions, contact or standing",
    response_model=PartnerPublic,
)
def update_partner(
    partner_id: IdPath, partner_in: PartnerUpdate, session: SessionDep, _: AdminDep
) -> PartnerPublic:
    partner = partners_service.update(
        session=session, partner_id=partner_id, **partner_in.model_dump(exclude_unset=True)
    )
    return PartnerPublic.model_validate(partner)


@router.post(
    "/partners/{partner_id}/keys/{key_id}/rotate",
    summary="Replace a key: a new one is issued (shown once), the old one is revoked",
    status_code=status.HTTP_201_CREATED,
    response_model=PartnerKeyIssued,
)
def rotate_key(
    partner_id: IdPath, key_id: IdPath, session: SessionDep, _: AdminDep
) -> PartnerKeyIssued:
    row, key = partners_service.rotate_key(session=session, partner_id=partner_id, key_id=key_id)
    return PartnerKeyIssued(**PartnerKeyPublic.model_validate(row).model_dump(), key=key)


@router.get("/partner/me", summary="The partner behind this key", response_model=PartnerPublic)
def partner_me(session: SessionDep, principal: PartnerDep) -> PartnerPublic:
    assert principal.partner_id is not None
    partner = partners_service.get(session=session, partner_id=principal.partner_id)
    return PartnerPublic.model_validate(partner)

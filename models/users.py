from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints
from sqlalchemy import String
from sqlmodel import Field, SQLModel

from models.enums import Role
from models.types import MAX_ID, UTCDateTime, utcnow


class UserBase(SQLModel):
    username: str = Field(min_length=3, max_length=64)
    full_name: str = Field(default="", max_length=200)
    role: Role
    partner_id: int | None = None
    locale: str = Field(default="vi", max_length=5)


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=64)
    role: Role = Field(sa_type=String(16))
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserCreate(UserBase):
    model_config = {"extra": "forbid"}
    # A pydantic pattern, not SQLModel's Field(regex=): that keyword is silently ignored,
    # which let in blank names and look-alike spellings (NFC and NFD "nguyễn" as two
    # accounts). Checked on input only, so accounts created before still list.
    username: Annotated[
        str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    ]
    partner_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    password: str = Field(min_length=8, max_length=256)


class UserPublic(UserBase):
    id: int
    is_active: bool
    created_at: datetime

from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from models.enums import Role
from models.types import MAX_ID, UTCDateTime, utcnow


class UserBase(SQLModel):
    username: str = Field(min_length=3, max_length=64, regex=r"^[A-Za-z0-9_.\-]+$")
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
    partner_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    password: str = Field(min_length=8, max_length=256)


class UserPublic(UserBase):
    id: int
    is_active: bool
    created_at: datetime

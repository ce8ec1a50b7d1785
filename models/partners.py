from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlmodel import Field, SQLModel

from models.enums import DeliveryStatus
from models.types import UTCDateTime, utcnow


class Partner(SQLModel, table=True):
    """A press organisation that receives rebuttal briefs."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300, unique=True)
    contact_email: str | None = Field(default=None, max_length=320)
    topics: list[str] = Field(default_factory=list, sa_type=JSON)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PartnerKeyBase(SQLModel):
    label: str = Field(default="", max_length=200)


class PartnerKey(PartnerKeyBase, table=True):
    """An API key bound to one partner. Only a hash is stored; the key is shown once."""

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True, ondelete="CASCADE")
    prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PartnerKeyCreate(PartnerKeyBase):
    model_config = {"extra": "forbid"}


class PartnerKeyPublic(PartnerKeyBase):
    id: int
    partner_id: int
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class PartnerKeyIssued(PartnerKeyPublic):
    """Returned once, when the key is made: the only time the secret is visible."""

    key: str


class Brief(SQLModel, table=True):
    """What a press partner receives: the approved rebuttal, ready to publish."""

    id: int | None = Field(default=None, primary_key=True)
    rebuttal_id: int = Field(foreign_key="rebuttal.id", index=True)
    title: str = Field(sa_type=Text)
    key_facts: list[str] = Field(default_factory=list, sa_type=JSON)
    sources: list[str] = Field(default_factory=list, sa_type=JSON)
    suggested_wording: str = Field(default="", sa_type=Text)
    topics: list[str] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(default="published", sa_type=String(16))
    version: int = 1
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookEndpoint(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True, ondelete="CASCADE")
    url: str = Field(sa_type=Text)
    secret: str = Field(max_length=128)
    events: list[str] = Field(default_factory=list, sa_type=JSON)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Delivery(SQLModel, table=True):
    """One event sent to one webhook endpoint, with its retries."""

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhookendpoint.id", index=True, ondelete="CASCADE")
    event: str = Field(max_length=64)
    idempotency_key: str = Field(max_length=128, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: DeliveryStatus = Field(default=DeliveryStatus.pending, sa_type=String(16), index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
